import type { Logger } from '../../../log.js';
import { targetsList } from '../../../targets/matrix.js';
import { DEFAULT_TARGETS, selectTargets, type Target } from '../../../targets/parse.js';
import type { Port } from '../../../targets/ports.js';
import { checkOverrideSelectors, flagSetsFor, type MergedFlags, mergeFlags } from '../flags.js';
import type { ConfigPlan } from './config.js';

/** A target's flags: the config's, the command line's, then the overrides that match it. */
export function flagsFor(target: Target, config: ConfigPlan): MergedFlags {
  return mergeFlags(flagSetsFor(target, config.cfg, config.cli, config.cfg.overrides));
}

/**
 * The targets to build (the command line's, else the config's, else the default three). Ports
 * go links only externally (android/386, ios/arm64…) need cgo: without it a set leaves them out
 * (a warning each), and naming one is a usage error, before anything is built.
 */
export function planTargets(
  spec: string | string[] | undefined,
  options: { allowBroken?: boolean },
  ports: readonly Port[],
  config: ConfigPlan,
  goVersion: string,
  log: Logger,
): Target[] {
  const { targets, leftOut } = selectTargets(
    spec ?? targetsList(config.cfg.targets ?? DEFAULT_TARGETS, ports),
    ports,
    {
      allowBroken: options.allowBroken ?? config.cfg.allowBroken ?? false,
      externalLinking: { cgoOn: (target) => cgoOnFor(target, config) },
    },
  );
  for (const left of leftOut) {
    log.warn(`left out ${left.id}: ${left.reason} (build it with --cgo on and a C compiler that targets it)`);
  }
  checkOverrideSelectors(config.cfg.overrides, ports, config.name, goVersion);
  return targets;
}

/** Whether cgo is on for a target by its flags (not auto): what lets an external-linking port build. */
export function cgoOnFor(target: Target, config: ConfigPlan): boolean {
  return flagsFor(target, config).cgo === 'on';
}
