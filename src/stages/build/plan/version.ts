import { ConfigError } from '../../../errors.js';
import type { Logger } from '../../../log.js';
import type { Discovery } from '../../../pipeline/discovery.js';
import { compileTemplate, renderTemplate } from '../../../template/engine.js';
import { projectValues } from '../../../template/values.js';
import { type VersionInfo, versionProblem } from '../../../toolchain/vcs.js';
import type { ConfigPlan } from './config.js';
import type { ModulePlan } from './module.js';

/** GoReleaser's default snapshot version ({{ .Version }}-SNAPSHOT-{{ .ShortCommit }}). */
export const DEFAULT_SNAPSHOT_VERSION = '{version}-SNAPSHOT-{short_commit}';

/**
 * The version facts crossgo injects, from git in the module root (once per run: the discovery
 * keeps them), or `version` (--app-version) in place of git describe. With `snapshot`, the
 * version is the config's snapshot.version template (default {version}-SNAPSHOT-{short_commit}),
 * rendered from the facts before it: a build that says it is not a release of its tag.
 */
export async function planVersion(
  discovery: Discovery,
  module: Pick<ModulePlan, 'moduleRoot' | 'pkg'>,
  config: Pick<ConfigPlan, 'cfg' | 'name'>,
  options: { version?: string; snapshot?: boolean },
  log: Logger,
): Promise<VersionInfo> {
  const version = await discovery.version(module.moduleRoot, options.version);
  if (version.warning) log.warn(version.warning);
  if (!options.snapshot) return version;
  const given = config.cfg.snapshot?.version;
  const source = { file: given === undefined ? '--snapshot' : config.name, key: 'snapshot.version' };
  const template = compileTemplate(given ?? DEFAULT_SNAPSHOT_VERSION, source, {
    scope: 'project',
    fileName: true,
  });
  const values = projectValues(version, config.cfg.project ?? module.pkg.name);
  const snapshot = renderTemplate(template, values, discovery.env);
  const problem = versionProblem(snapshot);
  if (problem) {
    throw new ConfigError(
      source.file,
      source.key,
      `${JSON.stringify(template.text)} gives version ${JSON.stringify(snapshot)}, which ${problem}: the version goes into file names, write one without, e.g. "{version}-SNAPSHOT-{short_commit}"`,
    );
  }
  const { warning: _said, ...facts } = version;
  return { ...facts, version: snapshot, snapshot: true };
}
