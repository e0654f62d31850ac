/** Flags that apply globally and per target. */
export interface BuildFlags {
  ldflags?: string | string[];
  tags?: string | string[];
  gcflags?: string | string[];
  env?: Record<string, string>;
}

/** crossgo.yaml / crossgo.json, as validated against schema/crossgo.schema.json. */
export interface CrossgoConfig extends BuildFlags {
  targets?: string | string[];
  dist?: string;
  output?: string;
  jobs?: number;
  trimpath?: boolean;
  strip?: boolean;
  allowBroken?: boolean;
  overrides?: Record<string, BuildFlags>;
}

export interface LoadedConfig {
  /** Absolute path of the file, or null when the module has none. */
  file: string | null;
  config: CrossgoConfig;
}
