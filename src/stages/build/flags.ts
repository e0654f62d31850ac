import type { BuildFlags } from '../../config/types.js';
import { ConfigError, UsageError } from '../../errors.js';
import { quoteFlagWord } from '../../exec/quote.js';
import { argumentBytes, argumentLimits, formatLimit } from '../../exec/run.js';
import { selectorMatches, type Target } from '../../targets/parse.js';
import type { Port } from '../../targets/ports.js';
import { nearest } from '../../targets/suggest.js';
import { LEVEL_VARIABLES, levelFor } from '../../targets/variants.js';
import type { TemplateValues } from '../../template/engine.js';

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

/** A build's overrides and where they were read (overrides, builds[1].overrides). */
export interface SourcedOverrides {
  overrides: Record<string, BuildFlags> | undefined;
  /** The file, and the key path of the overrides map. */
  source: FlagSource;
}

/**
 * Flag sets for a target: the build's own (the config's top level, then the build's keys),
 * then the command line's, then the overrides whose selector matches (the top level's, then the
 * build's).
 */
export function flagSetsFor(
  target: Target,
  base: readonly SourcedFlags[],
  cli: SourcedFlags,
  overrides: readonly SourcedOverrides[],
): SourcedFlags[] {
  const sets = [...base, cli];
  for (const list of overrides) {
    for (const [selector, flags] of Object.entries(list.overrides ?? {})) {
      if (!selectorMatches(selector, target)) continue;
      const key = `${list.source.key}[${JSON.stringify(selector)}]`;
      sets.push({ flags, source: { file: list.source.file, key } });
    }
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
  key = 'overrides',
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
      `${key}[${JSON.stringify(selector)}]`,
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

/** Where a flag set was read: the file (or the CLI flag) and the key path its keys sit under. */
export interface FlagSource {
  /** The config file's name ("crossgo.yaml"), or "--ldflags"/"--env" for the command line. */
  file: string;
  /** The key path of the set ("", "builds[1]", "overrides[\"linux/arm\"]"); "" for the command line. */
  key: string;
  /** The command line's set: its ldflags are read from --ldflags, its env from --env. */
  cli?: boolean;
}

/** A flag set and where it was read. */
export interface SourcedFlags {
  flags: BuildFlags;
  source: FlagSource;
}

/** Renders one template value: its text and where it was read (file and key path). */
export type RenderValue = (text: string, source: { file: string; key: string }) => string;

/**
 * A flag set with its templated values rendered for one target: every ldflags word and every env
 * value (as GoReleaser's ldflags and env are templates), each named by its own key path.
 */
export function renderFlagSet(set: SourcedFlags, render: RenderValue): BuildFlags {
  const { flags, source } = set;
  const at = (key: string) => (source.key ? `${source.key}.${key}` : key);
  const out: BuildFlags = { ...flags };
  if (flags.ldflags !== undefined) {
    const words = typeof flags.ldflags === 'string' ? [flags.ldflags] : flags.ldflags;
    out.ldflags = words.map((word, i) =>
      render(
        word,
        source.cli
          ? { file: '--ldflags', key: '' }
          : {
              file: source.file,
              key: typeof flags.ldflags === 'string' ? at('ldflags') : at(`ldflags[${i}]`),
            },
      ),
    );
  }
  if (flags.env !== undefined) {
    out.env = Object.fromEntries(
      Object.entries(flags.env).map(([name, value]) => [
        name,
        render(
          value,
          source.cli ? { file: '--env', key: name } : { file: source.file, key: at(`env.${name}`) },
        ),
      ]),
    );
  }
  return out;
}

/**
 * The default stamps, when neither the config's top level nor the build gives `ldflags`:
 * main.version (the version without its tag's v, as GoReleaser's .Version), main.commit and
 * main.date (the commit's date, RFC 3339 UTC). Each value quoted as go splits -ldflags.
 */
export function defaultStamps(values: TemplateValues): string[] {
  return [
    '-X',
    quoteFlagWord(`main.version=${values.version ?? ''}`),
    '-X',
    quoteFlagWord(`main.commit=${values.commit ?? ''}`),
    '-X',
    quoteFlagWord(`main.date=${values.commit_date ?? ''}`),
  ];
}

/**
 * The -ldflags value: -s -w (strip), then `stamps` (the default stamps, or none when the config
 * names its own), then crossgo's `extra` (a static cgo link), then the user's words in order
 * (the config's, the command line's, the overrides').
 */
export function linkerFlags(
  strip: boolean,
  stamps: readonly string[],
  user: readonly string[],
  extra: readonly string[] = [],
): string {
  return [...(strip ? ['-s', '-w'] : []), ...stamps, ...extra, ...user].join(' ');
}

/** The go build arguments for one target, before `-o <file> <package>`. */
export function buildArgs(opts: {
  trimpath: boolean;
  ldflags: string;
  flags: MergedFlags;
  /** The config's further go build flags (goFlags.ts checked them), after crossgo's own. */
  goFlags?: readonly string[];
}): string[] {
  const args = ['build'];
  if (opts.trimpath) args.push('-trimpath');
  args.push(checkedFlag('ldflags', `-ldflags=${opts.ldflags}`));
  if (opts.flags.tags.length > 0) args.push(checkedFlag('tags', `-tags=${opts.flags.tags.join(',')}`));
  if (opts.flags.gcflags.length > 0)
    args.push(checkedFlag('gcflags', `-gcflags=${opts.flags.gcflags.join(' ')}`));
  args.push(...(opts.goFlags ?? []));
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
