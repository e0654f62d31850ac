import type {
  BuildFlags,
  BuildSpec,
  CrossgoConfig,
  HookCommand,
  TargetsSpec,
} from '../../../config/types.js';
import { ConfigError, UsageError } from '../../../errors.js';
import type { HookList } from '../../../pipeline/plan.js';
import { fileNameProblem } from '../../../release/naming.js';
import { nearest } from '../../../targets/suggest.js';
import { expandTemplate, type TemplateValues } from '../../../template/engine.js';
import type { SourcedFlags, SourcedOverrides } from '../flags.js';
import { checkGoFlags } from '../goFlags.js';

/*
 * The builds of a config (builds[], or the one build of a config without it), before their
 * packages are resolved: which main package each builds, under which id and binary name, with
 * which flags. The rules: without `builds`, one build of `main` (default ".") or the command
 * line's package; with `builds`, the top level's main, binary, flags and hooks are refused (each
 * build names its own) and its other flags are every build's defaults: a key a build gives
 * replaces the top level's, except env, which merges by variable (the build's wins).
 */

/** The keys a build inherits from the top level when it does not give them. */
const INHERITED = ['ldflags', 'tags', 'gcflags', 'cgo', 'cc', 'cxx', 'static'] as const;

/** One build of the config, as written: its flags with their sources, its package still a pattern. */
export interface UnitSpec {
  /** builds[i] for a build of the list, "" for the one build of a config without it. */
  key: string;
  /** The main package pattern: ./cmd/tool, an import path, or ".". */
  main: string;
  /** The binary's name as written (a project template), or undefined: the package's default name. */
  binary: string | undefined;
  /** builds[].id as written, or undefined: the binary's name. */
  id: string | undefined;
  targets: TargetsSpec | undefined;
  /** The config's flag sets of this build: the top level's (less what the build replaces), then its own. */
  base: SourcedFlags[];
  overrides: SourcedOverrides[];
  /** Whether the config gives ldflags (then they replace the default stamps). */
  ownStamps: boolean;
  goFlags: string[];
  hooks: { pre: HookList; post: HookList };
}

const TOP_ONLY_WITHOUT_BUILDS = ['main', 'binary', 'flags', 'hooks'] as const;

/**
 * The builds a run makes, in config order: `pkg` (the command line's package) replaces the list
 * with one build of it; `selected` (--build) keeps the builds of those ids.
 */
export function planUnitSpecs(
  cfg: CrossgoConfig,
  file: string,
  pkg: string | undefined,
  selected: readonly string[] | undefined,
): UnitSpec[] {
  const hookList = (commands: HookCommand[] | undefined, key: string): HookList => ({
    commands: commands ?? [],
    source: { file, key },
  });
  const top: SourcedFlags = { flags: cfg, source: { file, key: '' } };
  const topOverrides: SourcedOverrides = { overrides: cfg.overrides, source: { file, key: 'overrides' } };
  if (cfg.builds !== undefined) {
    for (const key of TOP_ONLY_WITHOUT_BUILDS) {
      if (cfg[key] !== undefined) {
        throw new ConfigError(
          file,
          key,
          `is a build's key, and the config has a builds list: move it into each build`,
        );
      }
    }
  }
  const single = (main: string): UnitSpec => ({
    key: '',
    main,
    binary: pkg === undefined || cfg.builds === undefined ? cfg.binary : undefined,
    id: undefined,
    targets: cfg.targets,
    base: [top],
    overrides: [topOverrides],
    ownStamps: cfg.ldflags !== undefined,
    goFlags: checkGoFlags(cfg.flags, file, 'flags'),
    hooks: { pre: hookList(cfg.hooks?.pre, 'hooks.pre'), post: hookList(cfg.hooks?.post, 'hooks.post') },
  });
  let units: UnitSpec[];
  if (pkg !== undefined) units = [single(pkg)];
  else if (cfg.builds === undefined) units = [single(cfg.main ?? '.')];
  else {
    units = [];
    const skipped: string[] = [];
    for (const [i, build] of cfg.builds.entries()) {
      if (build.skip) {
        skipped.push(build.id ?? build.binary ?? `builds[${i}]`);
        continue;
      }
      units.push(buildUnit(build, i, cfg, file, top, topOverrides, hookList));
    }
    if (units.length === 0) {
      throw new ConfigError(file, 'builds', 'every build is skipped (skip: true): nothing to build');
    }
    if (selected && selected.length > 0) {
      for (const id of selected) {
        if (skipped.includes(id))
          throw new UsageError(`--build ${id}: that build is skipped (skip: true in ${file})`);
      }
    }
  }
  return units;
}

function buildUnit(
  build: BuildSpec,
  i: number,
  cfg: CrossgoConfig,
  file: string,
  top: SourcedFlags,
  topOverrides: SourcedOverrides,
  hookList: (commands: HookCommand[] | undefined, key: string) => HookList,
): UnitSpec {
  const key = `builds[${i}]`;
  // The top level's value of each key the build does not give; env merges by variable.
  const inherited: BuildFlags = {};
  for (const name of INHERITED) {
    if (build[name] === undefined && cfg[name] !== undefined) Object.assign(inherited, { [name]: cfg[name] });
  }
  if (cfg.env !== undefined) inherited.env = cfg.env;
  return {
    key,
    main: build.main ?? '.',
    binary: build.binary,
    id: build.id,
    targets: build.targets ?? cfg.targets,
    base: [
      { flags: inherited, source: top.source },
      { flags: build, source: { file, key } },
    ],
    overrides: [topOverrides, { overrides: build.overrides, source: { file, key: `${key}.overrides` } }],
    ownStamps: build.ldflags !== undefined || cfg.ldflags !== undefined,
    goFlags: checkGoFlags(build.flags, file, `${key}.flags`),
    hooks: {
      pre: hookList(build.hooks?.pre, `${key}.hooks.pre`),
      post: hookList(build.hooks?.post, `${key}.hooks.post`),
    },
  };
}

/**
 * A build's binary name: its `binary` (a project template) rendered, else the package's default
 * name; a plain file name, since it names files in the output folder and archives.
 */
export function unitName(
  spec: UnitSpec,
  defaultName: string,
  file: string,
  values: TemplateValues,
  env: NodeJS.ProcessEnv,
): string {
  if (spec.binary === undefined) return defaultName;
  const key = spec.key ? `${spec.key}.binary` : 'binary';
  const name = expandTemplate(spec.binary, { file, key }, { scope: 'project', fileName: true }, values, env);
  const problem = fileNameProblem(name);
  if (problem)
    throw new ConfigError(file, key, `${JSON.stringify(name)} ${problem}: a binary's name is a file name`);
  return name;
}

/**
 * The ids of the builds, unique (a repeat is refused naming the second), and the ones --build
 * keeps, in config order (an unknown id is a usage error naming the nearest).
 */
export function selectUnits<T extends { spec: UnitSpec; id: string }>(
  units: readonly T[],
  file: string,
  selected: readonly string[] | undefined,
): T[] {
  const seen = new Map<string, string>();
  for (const unit of units) {
    const earlier = seen.get(unit.id);
    if (earlier !== undefined) {
      const key = unit.spec.id !== undefined ? `${unit.spec.key}.id` : `${unit.spec.key}.binary`;
      throw new ConfigError(
        file,
        key,
        `the id ${JSON.stringify(unit.id)} is also ${earlier}'s: give each build its own id (ids default to the binary's name)`,
      );
    }
    seen.set(unit.id, unit.spec.key || 'the build');
  }
  if (!selected || selected.length === 0) return [...units];
  const ids = units.map((u) => u.id);
  for (const id of selected) {
    if (!ids.includes(id)) {
      const guess = nearest(id, ids);
      throw new UsageError(
        `--build ${id}: no build has that id${guess ? `, did you mean ${guess}?` : ''} (builds: ${ids.join(', ')})`,
      );
    }
  }
  return units.filter((u) => selected.includes(u.id));
}
