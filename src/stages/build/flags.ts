import type { BuildFlags } from '../../config/types.js';
import { ConfigError, UsageError } from '../../errors.js';
import { quoteFlagWord } from '../../exec/quote.js';
import { noteSecretReference } from '../../exec/redact.js';
import { argumentBytes, argumentLimits, formatLimit } from '../../exec/run.js';
import { selectorMatches, type Target } from '../../targets/parse.js';
import type { Port } from '../../targets/ports.js';
import { nearest } from '../../targets/suggest.js';
import { LEVEL_VARIABLES, levelFor } from '../../targets/variants.js';
import type { VersionInfo } from '../../toolchain/vcs.js';

/** The user's flags for one target after merging global config, CLI and per-target overrides. */
export interface MergedFlags {
  ldflags: string[];
  tags: string[];
  gcflags: string[];
  env: Record<string, string>;
  /** Scalars: the last set that gives one wins. */
  cgo?: BuildFlags['cgo'];
  cc?: string;
  cxx?: string;
  static?: boolean;
}

/** Variables crossgo sets from the target; the user sets them through the target, not env. */
export const CONTROLLED_ENV = ['GOOS', 'GOARCH', 'CGO_ENABLED', ...LEVEL_VARIABLES];

function list(value: string | string[] | undefined, splitCommas: boolean): string[] {
  const items = value === undefined ? [] : typeof value === 'string' ? [value] : value;
  return items
    .flatMap((item) => (splitCommas ? item.split(',') : [item]))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Merges flag sets in order: later sets add ldflags/gcflags/tags and override env keys. */
export function mergeFlags(sets: readonly BuildFlags[]): MergedFlags {
  const merged: MergedFlags = { ldflags: [], tags: [], gcflags: [], env: {} };
  for (const set of sets) {
    merged.ldflags.push(...list(set.ldflags, false));
    for (const tag of list(set.tags, true)) if (!merged.tags.includes(tag)) merged.tags.push(tag);
    merged.gcflags.push(...list(set.gcflags, false));
    Object.assign(merged.env, set.env ?? {});
    if (set.cgo !== undefined) merged.cgo = set.cgo;
    // CC and CXX in a set's env name a compiler like its cc and cxx; a later set overrides either.
    if (set.env?.CC !== undefined) merged.cc = set.env.CC;
    if (set.env?.CXX !== undefined) merged.cxx = set.env.CXX;
    if (set.cc !== undefined) merged.cc = set.cc;
    if (set.cxx !== undefined) merged.cxx = set.cxx;
    if (set.static !== undefined) merged.static = set.static;
  }
  return merged;
}

/** Flag sets for a target: global config, then CLI, then the overrides whose selector matches. */
export function flagSetsFor(
  target: Target,
  global: BuildFlags,
  cli: BuildFlags,
  overrides: Record<string, BuildFlags> | undefined,
): BuildFlags[] {
  const sets = [global, cli];
  for (const [selector, flags] of Object.entries(overrides ?? {})) {
    if (selectorMatches(selector, target)) sets.push(flags);
  }
  return sets;
}

/**
 * Refuses an override whose selector matches no target this toolchain can build (a port, or a
 * port with one of its variants): "linux/amd65" would otherwise be ignored without a word. A
 * selector of a real port that this build simply does not target is fine.
 */
export function checkOverrideSelectors(
  overrides: Record<string, BuildFlags> | undefined,
  ports: readonly Port[],
  file: string,
  goVersion: string,
): void {
  const selectors = Object.keys(overrides ?? {});
  if (selectors.length === 0) return;
  const candidates: Target[] = [];
  for (const port of ports) {
    const base = `${port.goos}/${port.goarch}`;
    candidates.push({ goos: port.goos, goarch: port.goarch, variant: null, id: base, level: null, port });
    const level = levelFor(port.goarch);
    for (const value of level?.values ?? []) {
      candidates.push({
        goos: port.goos,
        goarch: port.goarch,
        variant: value,
        id: `${base}/${value}`,
        level: { name: level?.name ?? '', value },
        port,
      });
    }
  }
  for (const selector of selectors) {
    if (candidates.some((target) => selectorMatches(selector, target))) continue;
    const ids = candidates.map((t) => t.id);
    const guess = nearest(selector, ids) ?? nearest(selector.split('/').slice(0, 2).join('/'), ids);
    throw new ConfigError(
      file,
      `overrides[${JSON.stringify(selector)}]`,
      `matches no target of ${goVersion}${guess ? `, did you mean ${guess}?` : ''} (crossgo targets lists them)`,
    );
  }
}

/** Refuses env keys that crossgo derives from the target. `where` names the source for the message. */
export function checkUserEnv(env: Record<string, string> | undefined, where: string): void {
  for (const key of Object.keys(env ?? {})) {
    if (CONTROLLED_ENV.includes(key)) {
      throw new UsageError(
        `${where}: ${key} is set by crossgo from each target: choose it through the target list (e.g. linux/amd64/v3, linux/arm/6) instead`,
      );
    }
  }
}

/** Parses repeated --env KEY=VALUE flags. */
export function parseEnvAssignments(pairs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(pair.slice(0, eq))) {
      throw new UsageError(`--env "${pair}": expected KEY=VALUE, e.g. --env GOEXPERIMENT=loopvar`);
    }
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

/**
 * Expands {env:NAME} in the user's -ldflags from crossgo's environment (as GoReleaser's
 * {{.Env.NAME}}), e.g. `-X main.builtBy={env:USER}`. An unset variable is an error, not "".
 */
export function expandEnvReferences(words: readonly string[], env: NodeJS.ProcessEnv): string[] {
  return words.map((word) =>
    word.replace(/\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => {
      const value = env[name];
      noteSecretReference(name); // the manifest records a secret-named value's sha256 only (redact.ts)
      if (value === undefined) {
        throw new UsageError(`ldflags "${word}": ${name} is not set in the environment ({env:${name}})`);
      }
      return value;
    }),
  );
}

/** crossgo's own linker flags (with `extra`, e.g. a static cgo link), then the user's. */
export function linkerFlags(
  strip: boolean,
  version: VersionInfo,
  user: readonly string[],
  extra: readonly string[] = [],
): string {
  const own = [
    ...(strip ? ['-s', '-w'] : []),
    '-X',
    quoteFlagWord(`main.version=${version.version}`),
    '-X',
    quoteFlagWord(`main.commit=${version.commit}`),
    '-X',
    quoteFlagWord(`main.date=${version.date}`),
    ...extra,
  ];
  return [...own, ...user].join(' ');
}

/** The go build arguments for one target, before `-o <file> <package>`. */
export function buildArgs(opts: { trimpath: boolean; ldflags: string; flags: MergedFlags }): string[] {
  const args = ['build'];
  if (opts.trimpath) args.push('-trimpath');
  args.push(checkedFlag('ldflags', `-ldflags=${opts.ldflags}`));
  if (opts.flags.tags.length > 0) args.push(checkedFlag('tags', `-tags=${opts.flags.tags.join(',')}`));
  if (opts.flags.gcflags.length > 0)
    args.push(checkedFlag('gcflags', `-gcflags=${opts.flags.gcflags.join(' ')}`));
  return args;
}

/**
 * Refuses at planning time a go argument the system would refuse at spawn (E2BIG), naming the
 * user's flag: the config's key and the --flag of the same name both feed it.
 */
function checkedFlag(name: string, arg: string): string {
  const limit = argumentLimits().perString;
  const bytes = argumentBytes(arg);
  if (bytes > limit) {
    throw new UsageError(
      `${name} (the config's ${name} and --${name} together) make go's -${name} argument ${bytes - 1} bytes: go's arguments may be at most ${formatLimit(limit)} each; shorten them`,
    );
  }
  return arg;
}

/**
 * The variables crossgo sets for a target: the user's env, then the target's and cgo's (which
 * win: CGO_ENABLED, and CC and CXX when cgo is on).
 */
export function targetEnv(
  target: Target,
  flags: MergedFlags,
  cgo: Record<string, string>,
): Record<string, string> {
  const env: Record<string, string> = { ...flags.env };
  const limit = argumentLimits().perString;
  for (const [key, value] of Object.entries(env)) {
    const bytes = argumentBytes(`${key}=${value}`);
    if (bytes > limit) {
      throw new UsageError(
        `env ${key} is ${bytes - 1} bytes: a variable for go may be at most ${formatLimit(limit)}; shorten it`,
      );
    }
  }
  // A CC or CXX in the user's env is an explicit compiler (see explicitCompiler), set through cgo.
  delete env.CC;
  delete env.CXX;
  env.GOOS = target.goos;
  env.GOARCH = target.goarch;
  if (target.level) env[target.level.name] = target.level.value;
  Object.assign(env, cgo);
  return env;
}

/** The compiler the user named for a target (cc, or CC in an env; the last set wins), else auto. */
export function explicitCompiler(flags: MergedFlags): { cc: string; cxx?: string } {
  const cc = flags.cc ?? 'auto';
  return flags.cxx === undefined ? { cc } : { cc, cxx: flags.cxx };
}

/**
 * The inherited environment without the variables crossgo controls, so nothing leaks in from
 * the shell: a CC meant for the host would otherwise compile every cgo target.
 */
export function inheritedEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env };
  for (const key of [...CONTROLLED_ENV, 'CC', 'CXX']) delete out[key];
  return out;
}
