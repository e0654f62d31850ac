import { ToolMissingError, UsageError } from '../errors.js';
import { type RunOptions, run } from '../exec/run.js';
import { nearest } from '../targets/suggest.js';

/**
 * The git side of the changelog: which tags are the module's, the range between two releases, and
 * the commits in it. Every ref the user names is resolved to a commit hash first, so what reaches
 * `git log` is hashes only.
 */

type GitOptions = Required<Pick<RunOptions, 'cwd' | 'env'>> & Pick<RunOptions, 'signal'>;

/** The tags a module's releases are: Go's rule (cmd/go/internal/modfetch coderepo.go: tagPrefix). */
export interface ModuleTags {
  /** The module's folder in the repository, "sub/" or "" at the root. */
  prefix: string;
  /**
   * The tags that count as releases. A module in sub/ is tagged sub/v1.2.3 (deeper ones,
   * sub/inner/v1.0.0, are other modules'); a root module's are the tags without "/". When the
   * repository has none of those, every tag counts, as describeVersion reads them.
   */
  tags: string[];
  /**
   * folder: the tags are sub/'s own, and the log is limited to the module's folder (one module of
   * several in the repository); root: a root module's tags without "/"; any: every tag.
   */
  scope: 'folder' | 'root' | 'any';
}

export interface ChangelogRange {
  /** The tag the changelog starts after, or null: from the first commit. */
  since: string | null;
  /** The ref it ends at, as given (default HEAD), and its commit. */
  until: string;
  commit: string;
}

export interface Commit {
  hash: string;
  short: string;
  subject: string;
}

async function git(args: readonly string[], opts: GitOptions) {
  return run('git', ['-c', 'log.showSignature=false', ...args], {
    ...opts,
    missingHint: 'install git: the changelog is read from the git history',
  });
}

/** The repository's tags and which of them are the module's (the folder `opts.cwd`). */
export async function moduleTags(opts: GitOptions): Promise<ModuleTags> {
  const inside = await git(['rev-parse', '--show-prefix'], opts);
  if (inside.exitCode !== 0) {
    throw new UsageError(
      `${opts.cwd} is not in a git repository: the changelog is read from its history (git init, commit, tag)`,
    );
  }
  const prefix = inside.stdout.trim();
  const listed = await git(['tag', '--list'], opts);
  const all = listed.exitCode === 0 ? listed.stdout.split('\n').filter((t) => t !== '') : [];
  const own = all.filter((t) => t.startsWith(prefix) && !t.slice(prefix.length).includes('/'));
  if (own.length === 0) return { prefix, tags: all, scope: 'any' };
  return { prefix, tags: own, scope: prefix === '' ? 'root' : 'folder' };
}

/** A ref the user typed, refused before git sees it when it could read as an option. */
function checkRef(ref: string, flag: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (ref === '' || ref.startsWith('-') || /[\u0000-\u001f\u007f]/.test(ref)) {
    throw new UsageError(`${flag} ${JSON.stringify(ref)}: not a git ref (a tag, branch or commit)`);
  }
}

async function commitOf(ref: string, opts: GitOptions): Promise<string | null> {
  const resolved = await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], opts);
  return resolved.exitCode === 0 ? resolved.stdout.trim() : null;
}

/**
 * The range: until defaults to HEAD; since to the previous release — the nearest of the module's
 * tags reachable from until's first parent when until itself carries one, else from until.
 */
export async function changelogRange(
  tags: ModuleTags,
  wanted: { since?: string; until?: string; untilMissing?: string },
  opts: GitOptions,
): Promise<ChangelogRange> {
  const until = wanted.until ?? 'HEAD';
  checkRef(until, '--until');
  const commit = await commitOf(until, opts);
  if (!commit) {
    throw new UsageError(
      wanted.untilMissing ??
        (wanted.until === undefined
          ? 'the repository has no commit yet: commit first'
          : `--until ${until}: no such commit, tag or branch`),
    );
  }
  if (wanted.since !== undefined) return { since: await sinceTag(tags, wanted.since, opts), until, commit };
  const tagged = await git(['tag', '--points-at', commit], opts);
  const onUntil = new Set(tagged.stdout.split('\n').filter((t) => t !== ''));
  const released = tags.tags.some((t) => onUntil.has(t));
  const from = released ? await commitOf(`${commit}^`, opts) : commit;
  return { since: from ? await nearestTag(tags, from, opts) : null, until, commit };
}

/** The tag --since names (with or without the module's folder prefix), or a UsageError with the nearest one. */
async function sinceTag(tags: ModuleTags, since: string, opts: GitOptions): Promise<string> {
  checkRef(since, '--since');
  const names = tags.prefix !== '' && !since.startsWith(tags.prefix) ? [tags.prefix + since, since] : [since];
  for (const name of names) {
    if (await commitOf(`refs/tags/${name}`, opts)) return name;
  }
  if (tags.tags.length === 0) {
    throw new UsageError(`--since ${since}: the repository has no tags (tag a release: git tag v1.0.0)`);
  }
  const guess = nearest(since, tags.tags) ?? nearest(tags.prefix + since, tags.tags);
  const newest = [...tags.tags].sort(byVersionDescending).slice(0, 3);
  throw new UsageError(
    guess
      ? `--since ${since}: no such tag; did you mean ${guess}?`
      : `--since ${since}: no such tag; the newest are ${newest.join(', ')} (git tag --list shows all)`,
  );
}

function byVersionDescending(a: string, b: string): number {
  return b.localeCompare(a, 'en', { numeric: true });
}

/** The nearest of the module's tags reachable from `commit` (git describe), or null when none is. */
async function nearestTag(tags: ModuleTags, commit: string, opts: GitOptions): Promise<string | null> {
  if (tags.tags.length === 0) return null;
  const glob = tags.prefix.replace(/[*?[\\]/g, '\\$&');
  const match = {
    folder: ['--match', `${glob}*`, '--exclude', `${glob}*/*`],
    root: ['--exclude', '*/*'],
    any: [],
  }[tags.scope];
  const described = await git(['describe', '--tags', '--abbrev=0', ...match, commit], opts);
  const tag = described.stdout.trim();
  return described.exitCode === 0 && tags.tags.includes(tag) ? tag : null;
}

/**
 * A generous cap on git log's output (run keeps only the tail of what is longer): 64 MiB is a
 * million commits of ordinary subjects. Whether all of it came is checked against rev-list --count.
 */
const MAX_LOG_BYTES = 64 * 1024 * 1024;

/**
 * The commits of the range, newest first as git log gives them. Merge commits are left out: the
 * commits they merge are listed themselves, and a "Merge branch …" line says nothing new.
 * Fields are NUL-separated (-z and %x00), so no subject can be mistaken for the next field.
 */
export async function readCommits(
  range: ChangelogRange,
  tags: ModuleTags,
  abbrev: number,
  opts: GitOptions,
): Promise<Commit[]> {
  const revs = range.since ? [`refs/tags/${range.since}..${range.commit}`] : [range.commit];
  // A module tagged in its own folder's name is one of several in the repository: its commits only.
  const paths = tags.scope === 'folder' ? ['--', '.'] : [];
  const [log, count] = await Promise.all([
    run(
      'git',
      [
        '-c',
        'log.showSignature=false',
        'log',
        '--no-merges',
        '--no-color',
        '--encoding=UTF-8',
        `--abbrev=${abbrev}`,
        '-z',
        '--format=%H%x00%h%x00%s',
        ...revs,
        ...paths,
      ],
      { ...opts, maxOutputBytes: MAX_LOG_BYTES },
    ),
    git(['rev-list', '--count', '--no-merges', ...revs, ...paths], opts),
  ]);
  if (log.exitCode !== 0 || count.exitCode !== 0) {
    throw new UsageError(
      `git log ${revs.join(' ')} failed: ${(log.stderr || count.stderr).trim().split('\n')[0] ?? ''}`,
    );
  }
  const fields = log.stdout === '' ? [] : log.stdout.replace(/\0$/, '').split('\0');
  const commits: Commit[] = [];
  for (let i = 0; i + 2 < fields.length; i += 3) {
    const [hash = '', short = '', subject = ''] = fields.slice(i, i + 3);
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(hash) || !hash.startsWith(short)) break;
    commits.push({ hash, short, subject });
  }
  const expected = Number(count.stdout.trim());
  if (commits.length !== expected || fields.length !== expected * 3) {
    throw new UsageError(
      `git log ${revs.join(' ')} gave ${commits.length} readable commits of ${expected}: the history is too long (over ${MAX_LOG_BYTES / 1024 / 1024} MiB of subjects) or unreadable; name a shorter range with --since`,
    );
  }
  return commits;
}

/** True in a shallow clone (CI's fetch-depth: 1), where the tags and commits of the range may be missing. */
export async function isShallow(opts: GitOptions): Promise<boolean> {
  const shallow = await git(['rev-parse', '--is-shallow-repository'], opts);
  return shallow.exitCode === 0 && shallow.stdout.trim() === 'true';
}

/** True when `dir` is inside a git work tree (false too when git is not installed). */
export async function inGitRepository(dir: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  try {
    const inside = await git(['rev-parse', '--is-inside-work-tree'], { cwd: dir, env });
    return inside.exitCode === 0 && inside.stdout.trim() === 'true';
  } catch (error) {
    if (error instanceof ToolMissingError) return false;
    throw error;
  }
}
