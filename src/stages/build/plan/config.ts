import path from 'node:path';
import { type CgoMode, parseCgoMode } from '../../../cgo/plan.js';
import { loadConfig } from '../../../config/load.js';
import { deprecationLine } from '../../../config/names.js';
import type { BuildFlags, CrossgoConfig, LoadedConfig } from '../../../config/types.js';
import { UsageError } from '../../../errors.js';
import type { Logger } from '../../../log.js';
import { checkUserEnv } from '../flags.js';

/** The flags of a build that come from its options (the command line) rather than the config. */
export interface ConfigInputs {
  ldflags?: string[];
  tags?: string[];
  gcflags?: string[];
  env?: Record<string, string>;
  cgo?: CgoMode;
  cc?: string;
  cxx?: string;
  static?: boolean;
  jobs?: number;
}

/** The config of a build, checked, with the command line's flags beside it. */
export interface ConfigPlan {
  loaded: LoadedConfig;
  cfg: CrossgoConfig;
  /** The file's name for messages ("crossgo.yaml"), or "config" when there is none. */
  name: string;
  /** The command line's flags, as one more flag set after the config's (flagSetsFor). */
  cli: BuildFlags;
}

/** Reads the config in the module root (or the explicit file, relative to cwd). */
export function readConfig(moduleRoot: string, cwd: string, configFile: string | undefined) {
  return loadConfig(moduleRoot, configFile ? path.resolve(cwd, configFile) : undefined);
}

/**
 * Checks the config and the command line's flags together, before anything runs, and says once
 * which deprecated keys the file used.
 */
export function planConfig(loaded: LoadedConfig, inputs: ConfigInputs, log: Logger): ConfigPlan {
  const cfg = loaded.config;
  const name = loaded.file ? path.basename(loaded.file) : 'config';
  for (const key of loaded.deprecated ?? []) log.warn(deprecationLine(name, key));
  checkUserEnv(cfg.env, `${name}: env`);
  for (const [selector, flags] of Object.entries(cfg.overrides ?? {})) {
    checkUserEnv(flags.env, `${name}: overrides["${selector}"].env`);
  }
  checkUserEnv(inputs.env, '--env');
  if (inputs.jobs !== undefined && (!Number.isInteger(inputs.jobs) || inputs.jobs < 1)) {
    throw new UsageError(`-j ${inputs.jobs}: expected a whole number of jobs, 1 or more`);
  }
  const cli: BuildFlags = {
    ldflags: inputs.ldflags ?? [],
    tags: inputs.tags ?? [],
    gcflags: inputs.gcflags ?? [],
    env: inputs.env ?? {},
  };
  if (inputs.cgo !== undefined) cli.cgo = parseCgoMode(inputs.cgo, '--cgo');
  if (inputs.cc !== undefined) cli.cc = inputs.cc;
  if (inputs.cxx !== undefined) cli.cxx = inputs.cxx;
  if (inputs.static !== undefined) cli.static = inputs.static;
  return { loaded, cfg, name, cli };
}
