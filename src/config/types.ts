import type { TargetMatrix, TargetMatrixIgnore } from '../targets/matrix.js';

export type { TargetMatrix, TargetMatrixIgnore };

/** Flags that apply globally and per target. */
export interface BuildFlags {
  ldflags?: string | string[];
  tags?: string | string[];
  gcflags?: string | string[];
  env?: Record<string, string>;
  /** cgo: off (default), on, or auto (on when a package of the build imports "C"). */
  cgo?: 'off' | 'on' | 'auto';
  /** C compiler: auto, zig, cross, host, or a command. */
  cc?: string;
  /** C++ compiler command, with an explicit cc. */
  cxx?: string;
  /** Link cgo Linux targets statically (musl through zig). */
  static?: boolean;
}

/**
 * A command crossgo runs for the user (before:, after:, builds[].hooks): an argument array, or a
 * string split into words as go splits flags (quotes group, no shell), or the long form. Every
 * word is a template. Only `shell: true` runs it through /bin/sh -c.
 */
export type HookCommand = string | string[] | HookSpec;

export interface HookSpec {
  cmd: string | string[];
  /** Where it runs, relative to the module root (inside it); default the module root. */
  dir?: string;
  /** Variables added to its environment; values are templates. */
  env?: Record<string, string>;
  /** Run `cmd` (one string) with /bin/sh -c: needed for pipes, globs, redirections. */
  shell?: boolean;
  /** Show its output as it runs (default: only in the log, and on failure). */
  output?: boolean;
}

export type TargetsSpec = string | string[] | TargetMatrix;

/** What one build of the config makes: its main package, binary name, targets and flags. */
export interface BuildSpec extends BuildFlags {
  /** Unique among the builds; default the binary's name. */
  id?: string;
  /** The main package (a path like ./cmd/tool or an import path); default ".". */
  main?: string;
  /** The binary's name (a project template); default the main package's folder name. */
  binary?: string;
  targets?: TargetsSpec;
  /** Further go build flags (-v, -mod=readonly, -buildmode=pie…); those crossgo sets itself are refused. */
  flags?: string[];
  /** Commands run for each target of this build: pre before its go build, post after it succeeds. */
  hooks?: { pre?: HookCommand[]; post?: HookCommand[] };
  overrides?: Record<string, BuildFlags>;
  /** Leave this build out (as GoReleaser's skip). */
  skip?: boolean;
}

export interface ChangelogConfig {
  /** No CHANGELOG.md from package, and `crossgo changelog` says so. */
  disable?: boolean;
  /** Order of commits inside a group: asc (oldest first) or desc (default, newest first). */
  sort?: 'asc' | 'desc';
  /** Groups in order: a commit goes to the first whose regexp matches its subject; default conventional commits. */
  groups?: { title: string; regexp?: string; order?: number }[];
  /** Commits whose subject matches one of these regexps are left out (e.g. ^docs:, ^test:). */
  exclude?: string[];
  /** Only commits whose subject matches one of these are kept. */
  include?: string[];
  /** Hex digits of the short hash shown (default 7). */
  abbrev?: number;
}

/** crossgo.yaml / crossgo.json, as validated against schema/crossgo.schema.json. */
export interface CrossgoConfig extends BuildFlags {
  /** The project's name ({project}, release file names); default the first build's binary name. */
  project?: string;
  /** The main package of the one build when there is no `builds` list; default ".". */
  main?: string;
  /** The binary's name of the one build when there is no `builds` list. */
  binary?: string;
  /** go build flags of the one build when there is no `builds` list. */
  flags?: string[];
  /** Per-target hooks of the one build when there is no `builds` list. */
  hooks?: { pre?: HookCommand[]; post?: HookCommand[] };
  /** Several builds; the top level's flags are every build's defaults. Absent: one build. */
  builds?: BuildSpec[];
  /** Commands run once before any build (go mod tidy, go generate ./...). */
  before?: HookCommand[];
  /** Commands run once the release files exist (at the end of crossgo package). */
  after?: HookCommand[];
  /** The version of a --snapshot build: a template, default {version}-SNAPSHOT-{short_commit}. */
  snapshot?: { version?: string };
  changelog?: ChangelogConfig;
  targets?: TargetsSpec;
  /** Output folder, relative to the module root. */
  out?: string;
  /** Binary path template inside the output folder. */
  template?: string;
  /** @deprecated the old name of `out`: loadConfig moves it there, with a warning. */
  dist?: string;
  /** @deprecated the old name of `template`: loadConfig moves it there, with a warning. */
  output?: string;
  jobs?: number;
  /** The remote build cache go uses through `crossgo cache-prog`: http(s)://host/prefix. */
  cache?: string;
  trimpath?: boolean;
  strip?: boolean;
  allowBroken?: boolean;
  overrides?: Record<string, BuildFlags>;
  /** A MacOSX.sdk folder for darwin cgo targets that link Apple frameworks. */
  macosSdk?: string;
  /** Go releases to build with (GOTOOLCHAIN), e.g. "1.25.4" or ["1.24.9", "1.26"]. */
  go?: string | string[];
  /** How `crossgo package` (and `build --package`) makes release files. */
  package?: PackageConfig;
  /** How `crossgo image` makes OCI images of the linux binaries. */
  image?: ImageConfig;
  /** deb, rpm and apk packages of the linux binaries, made by `crossgo package` through nfpm. */
  linux_packages?: LinuxPackagesConfig;
}

/** crossgo.yaml `image:` (schema/crossgo.schema.json has each key's description and default). */
export interface ImageConfig {
  build?: string;
  targets?: string[];
  /** scratch (default) or an image reference. */
  base?: string;
  /** Target template; default /usr/local/bin/{binary}. */
  path?: string;
  entrypoint?: string[];
  cmd?: string[];
  workdir?: string;
  env?: Record<string, string>;
  /** Default 65532:65532. */
  user?: string;
  ports?: (number | string)[];
  labels?: Record<string, string>;
  /** Tags for a --push repository given without one; default [{version}]. */
  tags?: string[];
  /** Attach the SBOM as a referrer (default true). */
  sbom?: boolean;
}

export type LinuxPackageFormatName = 'deb' | 'rpm' | 'apk';

export interface LinuxPackageContent {
  src: string;
  dst: string;
  type?: 'file' | 'config' | 'config|noreplace' | 'doc' | 'dir' | 'symlink';
  mode?: string;
  owner?: string;
  group?: string;
  formats?: LinuxPackageFormatName[];
}

/** Names and relations that differ per format (`linux_packages.overrides.deb` …). */
export interface LinuxPackageRelations {
  name?: string;
  depends?: string[];
  recommends?: string[];
  suggests?: string[];
  conflicts?: string[];
  provides?: string[];
  replaces?: string[];
}

/** crossgo.yaml `linux_packages:` (schema/crossgo.schema.json has each key's description and default). */
export interface LinuxPackagesConfig extends LinuxPackageRelations {
  formats: LinuxPackageFormatName[];
  build?: string;
  targets?: string[];
  version?: string;
  release?: string;
  epoch?: string;
  maintainer?: string;
  vendor?: string;
  description?: string;
  license?: string;
  homepage?: string;
  section?: string;
  priority?: 'required' | 'important' | 'standard' | 'optional' | 'extra';
  bindir?: string;
  contents?: LinuxPackageContent[];
  systemd?: string[];
  man?: string[];
  completions?: { bash?: string; zsh?: string; fish?: string };
  scripts?: { preinstall?: string; postinstall?: string; preremove?: string; postremove?: string };
  overrides?: Partial<Record<LinuxPackageFormatName, LinuxPackageRelations>>;
}

export type PackageFormatName = 'auto' | 'tar.gz' | 'zip' | 'binary';

/** What the checksums file lists: kinds of release files. */
export type ChecksumCovers = 'archive' | 'binary' | 'sbom' | 'source' | 'package' | 'changelog';

export interface ChecksumConfig {
  algorithm?: 'sha256' | 'sha512';
  /** The file's name, a project template; default {project}_{version}_checksums.txt. */
  name?: string;
  /** What it lists; default what a release publishes: archive, source, sbom, package. */
  covers?: ChecksumCovers[];
}

export interface PackageConfig {
  /** tar.gz, zip, auto (zip for windows), or binary: the bare binary under the archive's name. */
  format?: PackageFormatName;
  /** Per-goos formats, e.g. { windows: zip } (GoReleaser's format_overrides). */
  formats?: Record<string, PackageFormatName>;
  /** The archive's name without extension, a target template; default {project}_{version}_{os}_{arch}{variant|prefix:_}. */
  name?: string;
  /** The archive's top folder: true (its name), false (none), or a template. Default true. */
  wrap?: boolean | string;
  /** Globs, relative to the module root, of extra files for every archive; [] for none. A glob that matches nothing is not an error. */
  files?: string[];
  checksum?: 'sha256' | 'sha512' | ChecksumConfig;
  /** A source archive of the commit (git archive): true, or its name and top folder as templates. */
  source?: boolean | { name?: string; prefix?: string };
  /** Write CHANGELOG.md into the output folder (default true in a git repository). */
  changelog?: boolean;
  sign?: 'gpg' | 'ssh';
  key?: string;
  signAll?: boolean;
  sbom?: boolean;
  universal?: boolean;
}

export interface LoadedConfig {
  /** Absolute path of the file, or null when the module has none. */
  file: string | null;
  /** Under today's names only: a deprecated key is moved to its new name (see `deprecated`). */
  config: CrossgoConfig;
  /** Deprecated keys the file used, e.g. { old: 'dist', now: 'out' }; absent when none. */
  deprecated?: DeprecatedKey[];
}

/** A config key read under its old name. */
export interface DeprecatedKey {
  old: string;
  now: string;
}
