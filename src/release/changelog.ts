import type { ChangelogConfig } from '../config/types.js';
import {
  type ChangelogRange,
  type Commit,
  changelogRange,
  isShallow,
  moduleTags,
  readCommits,
} from './changelogGit.js';
import { type ChangelogRules, changelogRules, groupOf, keeps } from './changelogRules.js';

export { type ChangelogRange, type Commit, inGitRepository } from './changelogGit.js';
export { type ChangelogRules, changelogRules } from './changelogRules.js';

/**
 * The changelog of a release from the git history between two tags, in GoReleaser's Markdown
 * (internal/pipe/changelog): "## Changelog", a "### <title>" per group that has commits, and a
 * line "* <short hash> <subject>" per commit, one "\n" between lines and one at the end.
 * `crossgo changelog` prints it; `crossgo package` writes it as CHANGELOG.md.
 */

export interface ChangelogRequest {
  /** A folder of the module (its root): where git runs and whose folder prefix picks the tags. */
  dir: string;
  /** The config's `changelog` block and the file it came from (named in errors). */
  config?: ChangelogConfig;
  configFile?: string;
  /** A tag (with or without the module's folder prefix); default the previous release. */
  since?: string;
  /** A ref; default HEAD. */
  until?: string;
  /** The message when `until` is no commit of the repository; default one naming --until. */
  untilMissing?: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface Changelog {
  markdown: string;
  range: ChangelogRange;
  /** The commits listed, by group title, in the order printed. */
  groups: { title: string; commits: Commit[] }[];
  /** For the user, once: a shallow clone may lack the range's tags and commits. */
  warnings: string[];
}

export async function makeChangelog(request: ChangelogRequest): Promise<Changelog> {
  // The regexps first: a bad one is reported before git runs.
  const rules = changelogRules(request.config, request.configFile);
  const opts = { cwd: request.dir, env: request.env, signal: request.signal };
  const tags = await moduleTags(opts);
  const range = await changelogRange(
    tags,
    { since: request.since, until: request.until, untilMissing: request.untilMissing },
    opts,
  );
  const [commits, shallow] = await Promise.all([
    readCommits(range, tags, rules.abbrev, opts),
    isShallow(opts),
  ]);
  const groups = groupCommits(commits, rules);
  const warnings = shallow
    ? [
        'this is a shallow clone: the changelog lists only the commits and tags fetched (fetch the whole history: git fetch --unshallow --tags, or fetch-depth: 0 in CI)',
      ]
    : [];
  return { markdown: renderChangelog(groups), range, groups, warnings };
}

/** Commits into their groups (empty ones left out); no groups configured: one list, titled "". */
export function groupCommits(commits: readonly Commit[], rules: ChangelogRules): Changelog['groups'] {
  const kept = commits
    .map((c) => ({ ...c, subject: plainSubject(c.subject) }))
    .filter((c) => keeps(rules, c.subject));
  const ordered = rules.sort === 'asc' ? kept.reverse() : kept;
  if (rules.groups.length === 0) return ordered.length > 0 ? [{ title: '', commits: ordered }] : [];
  const groups = rules.groups.map((g) => ({ title: g.title, commits: [] as Commit[] }));
  for (const commit of ordered) groups[groupOf(rules, commit.subject)]?.commits.push(commit);
  return groups.filter((g) => g.commits.length > 0);
}

export function renderChangelog(groups: Changelog['groups']): string {
  const lines = ['## Changelog'];
  for (const group of groups) {
    if (group.title !== '') lines.push(`### ${plainSubject(group.title)}`);
    for (const c of group.commits) lines.push(`* ${c.short} ${markdownSubject(c.subject)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * A subject as one line of plain text: control characters (a CR or ESC could rewrite the
 * terminal or split the line), the line and paragraph separators, and the bidirectional
 * overrides that reorder what a reader sees (CVE-2021-42574) are dropped; tabs and runs of
 * spaces become one space. This is what the regexps see, too.
 */
export function plainSubject(text: string): string {
  return text
    .replace(UNPRINTABLE, '')
    .replace(/[\t\n ]+/g, ' ')
    .trim();
}

const UNPRINTABLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * The subject as list-item text. It follows the hash, so it cannot start a block, but a subject
 * that begins with a block marker is escaped all the same, so the line reads the same wherever it
 * is copied (a release body, a list without hashes); backticks, emphasis and links are left as
 * the author wrote them. An empty subject is shown as such.
 */
export function markdownSubject(subject: string): string {
  if (subject === '') return '(no subject)';
  return subject.replace(/^([#>+\-*=|]|\d+[.)])/, (marker) =>
    marker.length === 1 ? `\\${marker}` : `${marker.slice(0, -1)}\\${marker.slice(-1)}`,
  );
}
