import type { CrossgoConfig, TargetsSpec } from '../../../config/types.js';
import type { Logger } from '../../../log.js';
import { targetsList } from '../../../targets/matrix.js';
import { DEFAULT_TARGETS, selectTargets, type Target } from '../../../targets/parse.js';
import type { Port } from '../../../targets/ports.js';
import {
  checkOverrideSelectors,
  flagSetsFor,
  type MergedFlags,
  mergeFlags,
  type RenderValue,
  renderFlagSet,
  type SourcedFlags,
  type SourcedOverrides,
} from '../flags.js';
import type { ConfigPlan } from './config.js';
import type { UnitSpec } from './units.js';

/** The flag sets a build's targets start from: a unit's, else the config's top level (one build). */
function unitSets(config: ConfigPlan, unit: UnitSpec | undefined): [SourcedFlags[], SourcedOverrides[]] {
  if (unit) return [unit.base, unit.overrides];
  return [
    [{ flags: config.cfg, source: { file: config.name, key: '' } }],
    [{ overrides: config.cfg.overrides, source: { file: config.name, key: 'overrides' } }],
  ];
}

/**
 * A target's flags: the build's (the config's top level, then the build's keys), the command
 * line's, then the overrides that match it. With `render`, every ldflags word and env value is
 * rendered as the template it is (the build's plan); without, as written (cgo decisions of doctor).
 */
export function flagsFor(
  target: Target,
  config: ConfigPlan,
  unit?: UnitSpec,
  render?: RenderValue,
): MergedFlags {
  const [base, overrides] = unitSets(config, unit);
  const cli: SourcedFlags = { flags: config.cli, source: { file: config.name, key: '', cli: true } };
  const sets = flagSetsFor(target, base, cli, overrides);
  return mergeFlags(sets.map((set) => (render ? renderFlagSet(set, render) : set.flags)));
}

/**
 * The targets to build (the command line's, else the build's, else the config's, else the
 * default three). Ports go links only externally (android/386, ios/arm64…) need cgo: without it
 * a set leaves them out (a warning each), and naming one is a usage error, before anything is built.
 */
export function planTargets(
  spec: string | string[] | undefined,
  options: { allowBroken?: boolean },
  ports: readonly Port[],
  config: ConfigPlan,
  goVersion: string,
  log: Logger,
  unit?: UnitSpec,
): Target[] {
  const configured = unit ? unit.targets : config.cfg.targets;
  const { targets, leftOut } = selectTargets(
    spec ?? targetsList(configured ?? DEFAULT_TARGETS, ports),
    ports,
    {
      allowBroken: options.allowBroken ?? config.cfg.allowBroken ?? false,
      externalLinking: { cgoOn: (target) => flagsFor(target, config, unit).cgo === 'on' },
    },
  );
  const named = unit?.key ? ` (${unit.key})` : '';
  for (const left of leftOut) {
    log.warn(
      `left out ${left.id}${named}: ${left.reason} (build it with --cgo on and a C compiler that targets it)`,
    );
  }
  for (const list of unitSets(config, unit)[1]) {
    checkOverrideSelectors(list.overrides, ports, config.name, goVersion, list.source.key);
  }
  return targets;
}

/**
 * The targets of every build of a config that has a `builds` list, or its `targets` (doctor,
 * test and bench without -t): the builds' lists, each expanded, in order, without repeats.
 */
export function configTargets(cfg: CrossgoConfig, ports: readonly Port[]): string | readonly string[] {
  const builds = (cfg.builds ?? []).filter((b) => !b.skip);
  if (builds.length === 0) return targetsList(cfg.targets ?? DEFAULT_TARGETS, ports);
  const union: string[] = [];
  for (const build of builds) {
    const spec: TargetsSpec = build.targets ?? cfg.targets ?? DEFAULT_TARGETS;
    const list = targetsList(spec, ports);
    for (const item of typeof list === 'string' ? list.split(',') : list) {
      const id = item.trim();
      if (id !== '' && !union.includes(id)) union.push(id);
    }
  }
  return union;
}
