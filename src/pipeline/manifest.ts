import type { CgoRecord } from '../cgo/plan.js';
import type { OciPlatform } from '../image/platform.js';
import type { LinuxPackageFormat } from '../linuxpkg/arch.js';

export type { LinuxPackageFormat, OciPlatform };

/**
 * dist/manifest.json: the typed list of what a run produced and how. Every later
 * command (verify, package, repro, report) starts from it, so it records everything
 * a rebuild needs and nothing machine-specific (no absolute paths).
 */
export interface Manifest {
  /** 2 since the one artifact list; a manifest of schemaVersion 1 is converted on read (manifestV1.ts). */
  schemaVersion: 2;
  crossgo: string;
  /** False when the run was interrupted or targets failed: only the binaries that finished exist. */
  complete: boolean;
  /** True when every binary was verified and passed (false with --no-verify). */
  verified: boolean;
  project: {
    module: string;
    /** The package argument as given, relative to the module root when it was a path. */
    package: string;
    importPath: string;
    name: string;
  };
  toolchain: {
    goVersion: string;
    hostOs: string;
    hostArch: string;
    /** go settings that change the output (from the environment or the go env file), empty when unset. */
    goflags: string;
    goexperiment: string;
    /** The release crossgo asked go to switch to (GOTOOLCHAIN, from --go), empty when none. */
    gotoolchain: string;
  };
  source: {
    version: string;
    commit: string;
    date: string;
    dateSource: 'SOURCE_DATE_EPOCH' | 'commit' | 'none';
    dirty: boolean;
    /** {version}: `version` without its tag's v (the default main.version); absent in older manifests. */
    plainVersion?: string;
    /** The nearest tag ({tag}), "" when none; absent in older manifests. */
    tag?: string;
    /** A snapshot build (--snapshot): its version is not a tag's. */
    snapshot?: boolean;
  };
  settings: {
    trimpath: boolean;
    strip: boolean;
    outputTemplate: string;
  };
  /**
   * Every file crossgo made in the output folder, one record each (GoReleaser's ctx.Artifacts):
   * the binaries a build made, then what `crossgo package` made from them. Select with
   * binaries() and artifactsOfKind().
   */
  artifacts: Artifact[];
  failures: FailureRecord[];
  /** How `crossgo package` made its files (absent until it runs); the files are in `artifacts`. */
  release?: ReleaseRecord;
  /** A shard's build (`crossgo build --shard I/N`): which part of which whole; absent otherwise. */
  shard?: ShardRecord;
}

/**
 * A shard of a build: I/N, every build of the whole plan (in plan order), and what must agree
 * across the shards of one run (`agree`), with its digest (sha256 of its canonical JSON).
 */
export interface ShardRecord {
  /** 1-based. */
  index: number;
  total: number;
  /** The whole plan's target ids, in plan order; "<build> <target>" when the plan has several builds. */
  targets: string[];
  /** sha256 (hex) of the canonical JSON of `agree` (keys sorted). */
  digest: string;
  agree: {
    commit: string;
    dirty: boolean;
    version: string;
    tag: string;
    date: string;
    snapshot: boolean;
    /** sha256 of the config file's bytes, "none" without one. */
    config: string;
    goVersion: string;
    goflags: string;
    goexperiment: string;
    crossgo: string;
    outputTemplate: string;
    /** sha256 of every planned build's go arguments (up to -o), crossgo's variables and path. */
    flags: string;
  };
}

/** What crossgo makes today. */
export type MadeKind =
  | 'binary'
  | 'archive'
  | 'checksums'
  | 'signature'
  | 'sbom'
  | 'universal'
  | 'source'
  | 'changelog'
  | 'package'
  | 'image';
/** Kinds the schema already accepts, with the common fields only, for the stages that come next. */
export type ReservedKind = 'debug' | 'provenance';
export type ArtifactKind = MadeKind | ReservedKind;

/** The fields every artifact record has. */
export interface ArtifactBase {
  kind: ArtifactKind;
  /** Relative to the output folder, forward slashes. */
  path: string;
  size: number;
  sha256: string;
  /** The target it belongs to (a binary, an archive, an SBOM; darwin/universal), if any. */
  target?: string;
  /** The artifacts it was made from, describes or signs (their paths); [] for a binary. */
  from: string[];
}

/** A binary `go build` made. */
export interface BinaryArtifact extends ArtifactBase {
  kind: 'binary';
  target: string;
  goos: string;
  goarch: string;
  variant: string | null;
  durationMs: number;
  goVersion: string;
  /** The go command as run; the -o operand is the final path relative to the module root. */
  argv: string[];
  /** Every variable crossgo set for this build (the rest is inherited). */
  env: Record<string, string>;
  /** Whether cgo was on, why, and which C compiler (kind, command, version, zig triple, flags). */
  cgo: CgoRecord;
  /** What crossgo verify found, when the build verified its artifacts. */
  verification?: {
    ok: boolean;
    checks: { name: string; status: 'pass' | 'fail' | 'skip' | 'warn'; detail: string }[];
  };
  /** sha256 (hex) of the inputs digest this binary was built from: equal means go need not run. */
  inputs?: string;
  /** The config's build (builds[].id, the binary's name by default) that made it; absent in older manifests. */
  build?: string;
  /** The binary's name (builds[].binary); project.name when absent. */
  name?: string;
  /** The main package built; project.importPath when absent. */
  importPath?: string;
  /** The package argument as given; project.package when absent. */
  package?: string;
}

/** The binary's name, import path and package argument: its own, else the project's (one build). */
export function binaryOrigin(
  manifest: Pick<Manifest, 'project'>,
  binary: BinaryArtifact,
): { name: string; importPath: string; package: string } {
  return {
    name: binary.name ?? manifest.project.name,
    importPath: binary.importPath ?? manifest.project.importPath,
    package: binary.package ?? manifest.project.package,
  };
}

/** The binary record under its earlier name. */
export type ArtifactRecord = BinaryArtifact;

/** A file `crossgo package` made: archive, checksums file, signature, SBOM, universal binary, source archive, changelog. */
export interface ReleaseArtifact extends ArtifactBase {
  kind: ReleaseKind;
}

export type ReleaseKind = Exclude<MadeKind, 'binary' | 'package' | 'image'>;

/** A Linux package (deb, rpm, apk) of one linux target's binary (`from`), made by nfpm for crossgo package. */
export interface PackageArtifact extends ArtifactBase {
  kind: 'package';
  target: string;
  format: LinuxPackageFormat;
  /** The package's name inside it (Package:, Name:, pkgname). */
  name: string;
  /** The full version as the format writes it: 1.2.3-1 (deb, apk: 1.2.3-r1), 1.2.3-1 for rpm's version-release. */
  version: string;
  /** The format's own architecture name: amd64/arm64/armhf (deb), x86_64/aarch64 (rpm, apk). */
  arch: string;
  /** Whether it carries the format's signature (dpkg-sig style, the rpm header signature, apk's RSA). */
  signed: boolean;
}

/**
 * An OCI image crossgo image made, kept in the output folder's OCI layout (`path` is its blob,
 * image/blobs/sha256/<hex>, so `sha256` is its digest): the index, one platform's image manifest
 * (from: its binary; target, platform), or a referrer (the binary's SBOM attached to a manifest).
 */
export interface ImageArtifact extends ArtifactBase {
  kind: 'image';
  role: 'index' | 'manifest' | 'referrer';
  mediaType: string;
  /** `sha256:` + sha256. */
  digest: string;
  platform?: OciPlatform;
  /** A referrer's subject: the manifest's digest. */
  subject?: string;
  /** A referrer's artifactType, application/vnd.cyclonedx+json for the SBOM. */
  artifactType?: string;
  /** Where it was pushed and the tags that name it there ([] for a manifest reached through its index). */
  pushed: { repository: string; tags: string[] }[];
}

/** A kind a later crossgo makes: read and kept, with its common fields. */
export interface ReservedArtifact extends ArtifactBase {
  kind: ReservedKind;
}

export type Artifact = BinaryArtifact | ReleaseArtifact | PackageArtifact | ImageArtifact | ReservedArtifact;

/** The record of one kind, narrowed. */
export type ArtifactOfKind<K extends ArtifactKind> = K extends 'binary'
  ? BinaryArtifact
  : K extends 'package'
    ? PackageArtifact
    : K extends 'image'
      ? ImageArtifact
      : K extends ReservedKind
        ? ReservedArtifact & { kind: K }
        : ReleaseArtifact & { kind: K };

/** The binaries `go build` made, in the manifest's order. */
export function binaries(manifest: Pick<Manifest, 'artifacts'>): BinaryArtifact[] {
  return manifest.artifacts.filter((a): a is BinaryArtifact => a.kind === 'binary');
}

/** The records of one kind, in the manifest's order. */
export function artifactsOfKind<K extends ArtifactKind>(
  manifest: Pick<Manifest, 'artifacts'>,
  kind: K,
): ArtifactOfKind<K>[] {
  return manifest.artifacts.filter((a): a is ArtifactOfKind<K> => a.kind === kind);
}

/** Package-level facts of the release; its files are records in `artifacts`. */
export interface ReleaseRecord {
  /** The archive mtime (ISO 8601) and where it came from. */
  mtime: string;
  mtimeSource: 'SOURCE_DATE_EPOCH' | 'commit' | 'none';
  checksum: 'sha256' | 'sha512';
  signature: 'gpg' | 'ssh' | null;
}

export interface FailureRecord {
  target: string;
  /** The config's build (builds[].id) whose target failed; absent in older manifests. */
  build?: string;
  /** The last lines of go's error output. */
  excerpt: string;
  exitCode: number | null;
  argv: string[];
  env: Record<string, string>;
  cgo: CgoRecord;
}

/** One verification check of an artifact, as verify reports it and the manifest records it. */
/** `warn`: the check found something the build asked for (build paths with --no-trimpath); not a failure. */
export type CheckStatus = 'pass' | 'fail' | 'skip' | 'warn';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  /** What was found, or why the check was skipped. */
  detail: string;
}

export const MANIFEST_FILE = 'manifest.json';
export const CHECKSUMS_FILE = 'SHA256SUMS';
