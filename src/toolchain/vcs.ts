import path from 'node:path';
import { UsageError } from '../errors.js';
import { run } from '../exec/run.js';

/** The version facts crossgo injects with -X: never the wall clock, so a commit always builds the same bytes. */
export interface VersionInfo {
  version: string;
  commit: string;
  /** RFC 3339 UTC. */
  date: string;
  /** Where the date came from. */
  dateSource: 'SOURCE_DATE_EPOCH' | 'commit' | 'none';
  dirty: boolean;
  /** Unix seconds of `date`, when known. */
  epoch: number | null;
  /** The nearest tag of the module ({tag}: v1.2.3, or sub/v1.2.3 read as v1.2.3), or "" when none. */
  tag: string;
  /** The branch checked out ({branch}), or "" when detached or outside a repository. */
  branch: string;
  /** True when `version` is a snapshot version (--snapshot): not a release of a tag. */
  snapshot: boolean;
  /** Set when the git tag had to be made name-safe (see describeVersion): for the user, once. */
  warning?: string;
}

export const UNKNOWN_VERSION = 'dev';
export const UNKNOWN_COMMIT = 'none';
export const UNKNOWN_DATE = 'unknown';

/** Reads version, commit and date from git in `dir`; falls back to dev/none/unknown outside a repository. */
export async function readVersionInfo(opts: {
  dir: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  version?: string;
}): Promise<VersionInfo> {
  if (opts.version !== undefined) checkVersion(opts.version, '--app-version');
  const git = await gitFacts(opts.dir, opts.env, opts.signal);
  const sourceDate = parseSourceDateEpoch(opts.env.SOURCE_DATE_EPOCH);
  const epoch = sourceDate ?? git?.epoch ?? null;
  return {
    version: opts.version ?? git?.describe.version ?? UNKNOWN_VERSION,
    commit: git?.commit ?? UNKNOWN_COMMIT,
    date: epoch === null ? UNKNOWN_DATE : new Date(epoch * 1000).toISOString().replace('.000Z', 'Z'),
    dateSource: sourceDate !== null ? 'SOURCE_DATE_EPOCH' : git ? 'commit' : 'none',
    dirty: git?.dirty ?? false,
    epoch,
    tag: git?.describe.tag ?? '',
    branch: git?.branch ?? '',
    snapshot: false,
    ...(opts.version === undefined && git?.describe.warning ? { warning: git.describe.warning } : {}),
  };
}

/**
 * Why a version cannot go into file names (`{version}` in the output template, and every release
 * file: <name>_<version>_<goos>_<goarch>.tar.gz, the checksums file), or null when it can.
 */
export function versionProblem(version: string): string | null {
  if (version === '') return 'is empty';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(version)) return 'holds a control character';
  if (version.includes('/')) return 'holds a "/"';
  if (version.includes('\\')) return 'holds a backslash';
  // As schema/manifest.schema.json's fileNamePart: what a build records, the next read accepts.
  if (/[^!-~]/.test(version)) return 'holds a space or a character outside printable ASCII';
  if (version.length > 64) return 'is longer than 64 characters';
  return null;
}

function checkVersion(version: string, what: string): void {
  const problem = versionProblem(version);
  if (problem) {
    throw new UsageError(
      `${what} ${JSON.stringify(version)} ${problem}: the version goes into file names (<name>_<version>_<goos>_<goarch>.tar.gz), choose one without, e.g. "v1.2.3" or "release-2"`,
    );
  }
}

export function parseSourceDateEpoch(value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  if (!/^\d+$/.test(value)) {
    throw new UsageError(
      `SOURCE_DATE_EPOCH=${JSON.stringify(value)} is not a Unix time in seconds: set it to e.g. $(git log -1 --format=%ct)`,
    );
  }
  const seconds = Number(value);
  // Dates past the year 9999 cannot be written as RFC 3339.
  if (seconds > 253402300799) {
    throw new UsageError(
      `SOURCE_DATE_EPOCH=${value} is past the year 9999: set it to a Unix time in seconds`,
    );
  }
  return seconds;
}

async function gitFacts(
  dir: string,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<{
  commit: string;
  epoch: number;
  describe: DescribedVersion;
  dirty: boolean;
  branch: string;
} | null> {
  const opts = { cwd: dir, env, signal };
  let head: Awaited<ReturnType<typeof run>>;
  try {
    head = await run('git', ['show', '-s', '--format=%H %ct', 'HEAD'], opts);
  } catch (error) {
    if (error instanceof Error && error.name === 'ToolMissingError') return null;
    throw error;
  }
  if (head.exitCode !== 0) return null; // not a repository, or no commit yet
  const [commit = '', ct = '0'] = head.stdout.trim().split(' ');
  const [describe, status, branch] = await Promise.all([
    describeVersion(commit, opts),
    // Untracked files count, as they do for go's own vcs.modified stamp (cmd/go/internal/vcs gitStatus).
    run('git', ['status', '--porcelain'], opts),
    // "HEAD" when detached (a CI checkout of a tag): no branch.
    run('git', ['rev-parse', '--abbrev-ref', 'HEAD'], opts),
  ]);
  const branchName = branch.exitCode === 0 ? branch.stdout.trim() : '';
  return {
    commit,
    epoch: Number(ct),
    branch: branchName === 'HEAD' ? '' : branchName,
    describe,
    dirty: status.exitCode === 0 && status.stdout.trim() !== '',
  };
}

interface DescribedVersion {
  version: string;
  /** The tag the version was described from, "" when none (git describe --always gave a hash). */
  tag: string;
  warning?: string;
}

/**
 * The version `git describe` gives for the module in the folder, read the way Go reads tags: a
 * module in folder `sub/` of the repository is tagged `sub/vX.Y.Z` (cmd/go/internal/modfetch
 * coderepo.go: tagPrefix = codeDir + "/"), so for it `sub/v1.2.3` is version v1.2.3, and tags
 * of modules nested deeper (`sub/inner/v1.0.0`) are not its own. When no tag carries the
 * folder's prefix (a root module, or a sub-folder module tagged plainly), the nearest tag of
 * any kind is taken as before; a "/" left in it (`release/v2`, another folder's tag) would make
 * folders out of release file names, so it becomes "-" (release-v2) and the user is told.
 */
async function describeVersion(
  commit: string,
  opts: { cwd: string; env: NodeJS.ProcessEnv; signal?: AbortSignal },
): Promise<DescribedVersion> {
  const shown = await run('git', ['rev-parse', '--show-prefix'], opts);
  const prefix = shown.exitCode === 0 ? shown.stdout.trim() : '';
  if (prefix !== '') {
    const glob = prefix.replace(/[*?[\\]/g, '\\$&');
    const own = await run(
      'git',
      ['describe', '--tags', '--dirty', '--match', `${glob}*`, '--exclude', `${glob}*/*`],
      opts,
    );
    const described = own.stdout.trim();
    if (own.exitCode === 0 && described.startsWith(prefix) && described.length > prefix.length) {
      return nameSafe(described.slice(prefix.length), described, prefix, true);
    }
  }
  const any = await run('git', ['describe', '--tags', '--always', '--dirty'], opts);
  const described = any.exitCode === 0 ? any.stdout.trim() : commit.slice(0, 12);
  // --always falls back to the abbreviated hash: then there is no tag at all.
  const tagged = any.exitCode === 0 && !/^[0-9a-f]{4,64}(-dirty)?$/.test(described);
  return nameSafe(described, described, prefix, tagged);
}

/** The tag in a `git describe` output: without its -<n>-g<hash> distance and -dirty mark. */
function tagOf(described: string): string {
  return described.replace(/-dirty$/, '').replace(/-\d+-g[0-9a-f]{4,64}$/, '');
}

function nameSafe(version: string, described: string, prefix: string, tagged: boolean): DescribedVersion {
  const tag = tagged ? tagOf(version) : '';
  if (!version.includes('/')) {
    checkVersion(version, 'git describe gives');
    return { version, tag };
  }
  const safe = version.replaceAll('/', '-');
  checkVersion(safe, 'git describe gives');
  const own = prefix === '' ? 'vX.Y.Z' : `${prefix}vX.Y.Z`;
  return {
    version: safe,
    tag: tagged ? tagOf(safe) : '',
    warning: `git describe gives "${described}", which is not a tag of this module (${own}) and holds "/": using version "${safe}" in file names and main.version; tag the module as ${own} or pass --app-version`,
  };
}

/**
 * True when `file` sits inside a git work tree without being ignored. Files there make
 * `git status` report changes, which go stamps into the binary as vcs.modified=true.
 */
export async function visibleToGit(dir: string, file: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  try {
    const inside = await run('git', ['rev-parse', '--is-inside-work-tree'], { cwd: dir, env });
    if (inside.exitCode !== 0 || inside.stdout.trim() !== 'true') return false;
    // A trailing slash, so a pattern like /dist/ matches before the folder exists.
    const rel = `${path.relative(dir, file).split(path.sep).join('/')}/`;
    if (rel.startsWith('../')) return false;
    const ignored = await run('git', ['check-ignore', '-q', '--no-index', rel], { cwd: dir, env });
    // 0: ignored; 1: not ignored; 128: outside the repository.
    return ignored.exitCode === 1;
  } catch {
    return false;
  }
}
