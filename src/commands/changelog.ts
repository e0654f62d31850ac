import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { ConfigError } from '../errors.js';
import { type Logger, silentLogger } from '../log.js';
import { type Changelog, type ChangelogRange, makeChangelog } from '../release/changelog.js';

export interface ChangelogOptions {
  cwd?: string;
  /** The tag the changelog starts after; default the previous release (the nearest tag before until's). */
  since?: string;
  /** Where it ends: a tag, branch or commit; default HEAD. */
  until?: string;
  /** The config file whose `changelog:` block groups and filters (relative to cwd); default the module root's. */
  configFile?: string;
  environment?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  log?: Logger;
}

export interface ChangelogResult {
  /** GoReleaser's Markdown: ## Changelog, ### <group>, * <short hash> <subject>. */
  markdown: string;
  /** The range used: since (null: from the first commit), until as given and its commit. */
  range: ChangelogRange;
  groups: Changelog['groups'];
}

/** The changelog of the module's git history between two tags (`crossgo changelog`). */
export async function changelog(options: ChangelogOptions = {}): Promise<ChangelogResult> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const env = options.environment ?? process.env;
  const log = options.log ?? silentLogger;
  const root = moduleRootAt(cwd) ?? cwd;
  const loaded = await loadConfig(
    root,
    options.configFile ? path.resolve(cwd, options.configFile) : undefined,
  );
  const file = path.basename(loaded.file ?? 'crossgo.yaml');
  const config = loaded.config.changelog;
  if (config?.disable) {
    throw new ConfigError(
      file,
      'changelog.disable',
      'is true: no changelog is made (set it to false for one)',
    );
  }
  const made = await makeChangelog({
    dir: root,
    config,
    configFile: file,
    since: options.since,
    until: options.until,
    env,
    signal: options.signal,
  });
  for (const warning of made.warnings) log.warn(warning);
  return { markdown: made.markdown, range: made.range, groups: made.groups };
}

/** The nearest folder at or above `dir` with a go.mod: the module whose tags and config count. */
function moduleRootAt(dir: string): string | null {
  for (let current = dir; ; current = path.dirname(current)) {
    if (existsSync(path.join(current, 'go.mod'))) return current;
    if (path.dirname(current) === current) return null;
  }
}
