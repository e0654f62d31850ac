import { changelog } from '../../commands/changelog.js';
import type { CliContext } from '../context.js';
import { stderrLogger } from '../render/logger.js';

export interface ChangelogFlagsCli {
  since?: string;
  until?: string;
  config?: string;
  json?: boolean;
}

/** `crossgo changelog`: the Markdown on stdout, the range on stderr. */
export async function changelogCommand(flags: ChangelogFlagsCli, cli: CliContext): Promise<number> {
  const result = await changelog({
    cwd: cli.cwd,
    since: flags.since,
    until: flags.until,
    configFile: flags.config,
    signal: cli.signal,
    log: stderrLogger,
  });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  }
  process.stdout.write(result.markdown);
  const { since, until, commit } = result.range;
  const count = result.groups.reduce((n, g) => n + g.commits.length, 0);
  process.stderr.write(
    `${count} commits from ${since ?? 'the first commit'} to ${until}${until === commit ? '' : ` (${commit.slice(0, 12)})`}\n`,
  );
  return 0;
}
