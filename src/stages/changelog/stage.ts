import path from 'node:path';
import type { LoadedConfig } from '../../config/types.js';
import type { PackageContext, PackageSettings } from '../../pipeline/release.js';
import { writeRelease } from '../../pipeline/releaseOutput.js';
import type { Stage } from '../../pipeline/stage.js';
import { inGitRepository, makeChangelog } from '../../release/changelog.js';
import { UNKNOWN_COMMIT } from '../../toolchain/vcs.js';

export const CHANGELOG_FILE = 'CHANGELOG.md';

/**
 * CHANGELOG.md in the output folder: `crossgo changelog --until <the built commit>`, so the notes
 * are those of what was built (from the previous tag before it), not of whatever HEAD is now.
 */
export const changelogStage: Stage<PackageContext> = {
  name: 'changelog',
  skip(ctx) {
    const settings = ctx.settings.changelog;
    if (!settings) return 'no module root given';
    if (!settings.write) return 'turned off (package.changelog: false)';
    if (settings.config.disable) return 'turned off (changelog.disable)';
    if (!settings.repository) return 'the module is not in a git repository';
    if (ctx.manifest.source.commit === UNKNOWN_COMMIT) return 'not built from a git commit';
    return false;
  },
  async run(ctx) {
    const settings = ctx.settings.changelog;
    if (!settings) return;
    const made = await makeChangelog({
      dir: settings.root,
      config: settings.config,
      configFile: settings.file,
      until: ctx.manifest.source.commit,
      untilMissing: `${CHANGELOG_FILE}: the built commit ${ctx.manifest.source.commit.slice(0, 12)} is not in the git repository of ${settings.root}: package in the checkout that built it, or set package.changelog: false`,
      env: ctx.env,
      signal: ctx.signal,
    });
    for (const warning of made.warnings) ctx.log.warn(warning);
    await writeRelease(ctx, CHANGELOG_FILE, made.markdown, { kind: 'changelog', from: [] });
  },
};

/** The stage's settings from the loaded config: its `changelog:` block and package.changelog (default on). */
export async function changelogSettings(
  loaded: LoadedConfig,
  root: string,
  env: NodeJS.ProcessEnv,
): Promise<PackageSettings['changelog']> {
  return {
    root,
    repository: await inGitRepository(root, env),
    config: loaded.config.changelog ?? {},
    file: path.basename(loaded.file ?? 'crossgo.yaml'),
    write: loaded.config.package?.changelog ?? true,
  };
}
