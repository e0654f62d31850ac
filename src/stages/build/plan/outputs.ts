import { realpathSync } from 'node:fs';
import path from 'node:path';
import { writtenKey } from '../../../config/names.js';
import { ConfigError, UsageError } from '../../../errors.js';
import { isInside, resolveInside, toPortable } from '../../../fs/paths.js';
import type { Logger } from '../../../log.js';
import { STATE_FILES } from '../../../pipeline/outputFolder.js';
import type { Target } from '../../../targets/parse.js';
import type { Template, TemplateValues } from '../../../template/engine.js';
import { checkTemplate, DEFAULT_OUTPUT_TEMPLATE, renderOutputName } from '../template.js';
import type { ConfigPlan } from './config.js';

/** The output options under their names (`out`, `template`), whichever spelling the caller used. */
export interface OutputOptions {
  out?: string;
  template?: string;
}

const RENAMED_OPTIONS = [
  { old: 'outDir', now: 'out' },
  { old: 'outputTemplate', now: 'template' },
] as const;

/**
 * Reads `out` and `template`, or their deprecated library names `outDir` and `outputTemplate`
 * (one warning each); both spellings at once is a usage error.
 */
export function outputOptions(
  options: OutputOptions & { outDir?: string; outputTemplate?: string },
  log: Logger,
): OutputOptions {
  const named: OutputOptions = { out: options.out, template: options.template };
  for (const { old, now } of RENAMED_OPTIONS) {
    const value = options[old];
    if (value === undefined) continue;
    if (options[now] !== undefined) {
      throw new UsageError(
        `BuildOptions: "${old}" is the old name of "${now}", and both are set: pass "${now}" only`,
      );
    }
    log.warn(`BuildOptions: "${old}" is deprecated; call it "${now}"`);
    named[now] = value;
  }
  return named;
}

/**
 * The output folder: `out` (relative to cwd, anywhere), else the config's `out` (inside the
 * module), else <module root>/dist.
 */
export function planOutDir(
  out: string | undefined,
  cwd: string,
  moduleRoot: string,
  config: ConfigPlan,
): string {
  if (out) return path.resolve(cwd, out);
  const configured = config.cfg.out;
  const dir = path.resolve(moduleRoot, configured ?? 'dist');
  if (configured !== undefined) {
    checkConfigOut(configured, moduleRoot, dir, config.name, writtenKey(config.loaded.deprecated, 'out'));
  }
  return dir;
}

/**
 * A config is input like any other: its `out` may not send writes outside the module (a link
 * included); only -o on the command line can choose a folder elsewhere. Reads only.
 */
function checkConfigOut(value: string, moduleRoot: string, outDir: string, configName: string, key: string) {
  let real = outDir;
  // The nearest part of the path that exists, resolved: a link in it cannot lead out.
  for (let probe = outDir; ; probe = path.dirname(probe)) {
    try {
      real = path.join(realpathSync(probe), path.relative(probe, outDir));
      break;
    } catch {
      if (path.dirname(probe) === probe) break;
    }
  }
  let root = moduleRoot;
  try {
    root = realpathSync(moduleRoot);
  } catch {}
  if (!isInside(root, real) || real === root) {
    throw new ConfigError(
      configName,
      key,
      `"${value}" is outside the module (${real}): a config may only choose a folder inside the module; pass -o to write elsewhere`,
    );
  }
}

/** The binary path template, where it came from (for messages), checked and compiled. */
export function planTemplate(
  template: string | undefined,
  config: ConfigPlan,
): { template: string; from: string; compiled: Template } {
  const chosen = template ?? config.cfg.template ?? DEFAULT_OUTPUT_TEMPLATE;
  const from =
    template !== undefined
      ? '--template'
      : config.cfg.template !== undefined
        ? `${config.name}: ${writtenKey(config.loaded.deprecated, 'template')}`
        : 'output template';
  return { template: chosen, from, compiled: checkTemplate(chosen, from) };
}

/** One target's artifact path: absolute, and relative to the output folder. */
export interface OutputPath {
  output: string;
  outputRel: string;
}

/**
 * Each target's artifact path (every build's targets, in order), confined to the output folder;
 * two targets (of one build or two) or a target and crossgo's own files on one path are refused.
 */
export function planOutputPaths(
  builds: readonly { target: Target; values: TemplateValues; unit: { id: string } }[],
  template: { template: string; from: string; compiled: Template },
  outDir: string,
  env: NodeJS.ProcessEnv,
): OutputPath[] {
  const seen = new Map<string, string>();
  const several = new Set(builds.map((b) => b.unit.id)).size > 1;
  return builds.map(({ target, values, unit }) => {
    const name = renderOutputName(template.compiled, values, env, template.from);
    const output = resolveInside(outDir, name, `output template "${template.template}" gives`);
    const outputRel = toPortable(outDir, output);
    const clash = seen.get(outputRel);
    const shown = several ? `${target.id} of build ${unit.id}` : target.id;
    if (clash || STATE_FILES.includes(outputRel)) {
      throw new UsageError(
        `output template "${template.template}" gives ${outputRel} for both ${clash ?? "crossgo's own files"} and ${shown}: add ${several ? '{name}, ' : ''}{goos}, {goarch} or {-variant} to it`,
      );
    }
    seen.set(outputRel, shown);
    return { output, outputRel };
  });
}
