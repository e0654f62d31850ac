import type { CgoRecord } from '../cgo/plan.js';

/**
 * dist/manifest.json: the typed list of what a run produced and how. Every later
 * command (verify, package, repro, report) starts from it, so it records everything
 * a rebuild needs and nothing machine-specific (no absolute paths).
 */
export interface Manifest {
  schemaVersion: 1;
  crossgo: string;
  /** False when the run was interrupted or targets failed: only `artifacts` exist. */
  complete: boolean;
  /** True when every artifact was verified and passed (false with --no-verify). */
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
  };
  settings: {
    trimpath: boolean;
    strip: boolean;
    outputTemplate: string;
  };
  artifacts: ArtifactRecord[];
  failures: FailureRecord[];
  /** What `crossgo package` made from the artifacts (absent until it runs). */
  release?: ReleaseRecord;
}

/** The kinds of file a release holds besides the binaries (which are `artifacts`, kind binary). */
export type ReleaseFileKind = 'archive' | 'checksums' | 'signature' | 'sbom' | 'universal';

export interface ReleaseFile {
  kind: ReleaseFileKind;
  /** Relative to the output folder, forward slashes. */
  path: string;
  size: number;
  sha256: string;
  /** The target it belongs to (an archive, an SBOM; darwin/universal), if any. */
  target?: string;
  /** The files it is made from, describes or signs, relative to the output folder. */
  of: string[];
}

export interface ReleaseRecord {
  /** The archive mtime (ISO 8601) and where it came from. */
  mtime: string;
  mtimeSource: 'SOURCE_DATE_EPOCH' | 'commit' | 'none';
  checksum: 'sha256' | 'sha512';
  signature: 'gpg' | 'ssh' | null;
  files: ReleaseFile[];
}

export interface ArtifactRecord {
  kind: 'binary';
  target: string;
  goos: string;
  goarch: string;
  variant: string | null;
  /** Relative to the output folder, forward slashes. */
  path: string;
  size: number;
  sha256: string;
  durationMs: number;
  goVersion: string;
  /** The go command as run; the -o operand is the final path relative to the module root. */
  argv: string[];
  /** Every variable crossgo set for this build (the rest is inherited). */
  env: Record<string, string>;
  /** Whether cgo was on, why, and which C compiler (kind, command, version, zig triple, flags). */
  cgo: CgoRecord;
  /** The inputs digest this binary was built from (sha256 hex; stages/build/inputs.ts), when it could be taken. */
  inputs?: string;
  /** What crossgo verify found, when the build verified its artifacts. */
  verification?: {
    ok: boolean;
    checks: { name: string; status: 'pass' | 'fail' | 'skip'; detail: string }[];
  };
}

export interface FailureRecord {
  target: string;
  /** The last lines of go's error output. */
  excerpt: string;
  exitCode: number | null;
  argv: string[];
  env: Record<string, string>;
  cgo: CgoRecord;
}

/** One verification check of an artifact, as verify reports it and the manifest records it. */
export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  name: string;
  status: CheckStatus;
  /** What was found, or why the check was skipped. */
  detail: string;
}

export const MANIFEST_FILE = 'manifest.json';
export const CHECKSUMS_FILE = 'SHA256SUMS';
