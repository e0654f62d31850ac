import { readFile } from 'node:fs/promises';
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
  const epoch = Number(ct);
  const [describe, status, branch] = await Promise.all([
    describeVersion(commit, epoch, opts),
    gitChanges(dir, env, signal),
    // "HEAD" when detached (a CI checkout of a tag): no branch.
    run('git', ['rev-parse', '--abbrev-ref', 'HEAD'], opts),
  ]);
  const branchName = branch.exitCode === 0 ? branch.stdout.trim() : '';
  return {
    commit,
    epoch,
    branch: branchName === 'HEAD' ? '' : branchName,
    describe,
    dirty: status !== null && status.length > 0,
  };
}

/**
 * What `git status` lists in the repository of `dir` (paths relative to its root), or null when
 * git cannot say (no repository). Untracked files count, as they do for go's own vcs.modified
 * stamp (cmd/go/internal/vcs gitStatus: `git status --porcelain`, non-empty means modified).
 */
export async function gitChanges(
  dir: string,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<string[] | null> {
  const status = await run('git', ['status', '--porcelain', '-z'], { cwd: dir, env, signal }).catch(
    (error: unknown) => {
      if (error instanceof Error && error.name === 'ToolMissingError') return null;
      throw error;
    },
  );
  return status && status.exitCode === 0 ? porcelainPaths(status.stdout) : null;
}

/**
 * The paths of `git status --porcelain -z` (version 1): "XY path\0", and for a rename or copy
 * "XY new\0old\0" — the new path is the one shown. -z keeps names unquoted.
 */
export function porcelainPaths(output: string): string[] {
  const fields = output.split('\0');
  const paths: string[] = [];
  for (let i = 0; i < fields.length; i++) {
    const entry = fields[i] as string;
    if (entry.length < 4) continue;
    paths.push(entry.slice(3));
    if (/[RC]/.test(entry.slice(0, 2))) i++; // the old path follows
  }
  return paths;
}

/**
 * The one line that refuses to release a dirty tree (`package`, `build --package`): which files,
 * what go makes of them, and the ways out.
 */
export function dirtyTreeProblem(changes: readonly string[], version: string): string {
  if (changes.length === 0) {
    return `the build was made from a tree with uncommitted changes: go stamped its binaries vcs.modified=true, so they are not a release of ${version}; build again from a clean tree, or pass --snapshot`;
  }
  const more = changes.length > 3 ? ` and ${changes.length - 3} more` : '';
  return `uncommitted changes in ${changes.slice(0, 3).map(shownPath).join(', ')}${more} (untracked files count): go stamps the binaries vcs.modified=true, so they are not a release of ${version}; commit or stash them, add them to .gitignore, or pass --snapshot`;
}

/** A path as a message shows it: quoted when a space or control character would hide its end. */
function shownPath(file: string): string {
  return /^[!-~]+$/.test(file) ? file : JSON.stringify(file);
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
  epoch: number,
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
  if (tagged) return nameSafe(described, described, prefix, true);
  return untaggedVersion(commit, epoch, described.endsWith('-dirty'), await moduleMajor(opts.cwd));
}

/**
 * An untagged commit's version: go's own pseudo-version, the one go (1.24+) stamps as the main
 * module's version in the build info (cmd/go/internal/load/pkg.go setBuildInfo → modfetch
 * coderepo.go Stat → module.PseudoVersion): v0.0.0-<commit time, UTC, yyyymmddhhmmss>-<12 hex of
 * the commit>, v2.0.0-… for a module path ending in /v2. A dirty tree keeps crossgo's "-dirty"
 * (git describe --dirty), not go's "+dirty": as the tagged versions have it, and a "+" in release
 * file names is read as a space by some hosts (S3 object URLs).
 */
function untaggedVersion(commit: string, epoch: number, dirty: boolean, major: string): DescribedVersion {
  const version = `${pseudoVersion(major, epoch, commit)}${dirty ? '-dirty' : ''}`;
  checkVersion(version, 'the pseudo-version');
  return {
    version,
    tag: '',
    warning: `no tag on this commit: version ${version}; tag a release (git tag v0.1.0) or pass --app-version`,
  };
}

/** Go's pseudo-version of a commit with no tag before it (golang.org/x/mod/module PseudoVersion). */
export function pseudoVersion(major: string, epoch: number, commit: string): string {
  const stamp = new Date(epoch * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${major}.0.0-${stamp}-${commit.slice(0, 12)}`;
}

/**
 * The major version a module path names (golang.org/x/mod/module SplitPathVersion): "v2" for
 * example.com/m/v2, "v3" for gopkg.in/yaml.v3, else "v0".
 */
export function majorOfModulePath(modulePath: string): string {
  const gopkg = /^gopkg\.in\/.*\.(v(?:0|[1-9]\d*))(?:-unstable)?$/.exec(modulePath);
  if (gopkg) return gopkg[1] as string;
  const suffix = /\/(v[1-9]\d*)$/.exec(modulePath);
  return suffix && suffix[1] !== 'v1' ? (suffix[1] as string) : 'v0';
}

/** The major version of the module whose go.mod is in `dir` (v0 when there is none to read). */
async function moduleMajor(dir: string): Promise<string> {
  const text = await readFile(path.join(dir, 'go.mod'), 'utf8').catch(() => '');
  const declared = /^\s*module\s+("?)([^\s"]+)\1\s*(?:\/\/.*)?$/m.exec(text);
  return declared ? majorOfModulePath(declared[2] as string) : 'v0';
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
