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

/** crossgo.yaml / crossgo.json, as validated against schema/crossgo.schema.json. */
export interface CrossgoConfig extends BuildFlags {
  targets?: string | string[];
  /** Output folder, relative to the module root. */
  out?: string;
  /** Binary path template inside the output folder. */
  template?: string;
  /** @deprecated the old name of `out`: loadConfig moves it there, with a warning. */
  dist?: string;
  /** @deprecated the old name of `template`: loadConfig moves it there, with a warning. */
  output?: string;
  jobs?: number;
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
}

export interface PackageConfig {
  format?: 'auto' | 'tar.gz' | 'zip' | 'binary';
  /** Globs, relative to the module root, of extra files for every archive. */
  files?: string[];
  checksum?: 'sha256' | 'sha512';
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
