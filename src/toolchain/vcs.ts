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
  const git = await gitFacts(opts.dir, opts.env, opts.signal);
  const sourceDate = parseSourceDateEpoch(opts.env.SOURCE_DATE_EPOCH);
  const epoch = sourceDate ?? git?.epoch ?? null;
  return {
    version: opts.version ?? git?.describe ?? UNKNOWN_VERSION,
    commit: git?.commit ?? UNKNOWN_COMMIT,
    date: epoch === null ? UNKNOWN_DATE : new Date(epoch * 1000).toISOString().replace('.000Z', 'Z'),
    dateSource: sourceDate !== null ? 'SOURCE_DATE_EPOCH' : git ? 'commit' : 'none',
    dirty: git?.dirty ?? false,
    epoch,
  };
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
): Promise<{ commit: string; epoch: number; describe: string; dirty: boolean } | null> {
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
  const [describe, status] = await Promise.all([
    run('git', ['describe', '--tags', '--always', '--dirty'], opts),
    // Untracked files count, as they do for go's own vcs.modified stamp (cmd/go/internal/vcs gitStatus).
    run('git', ['status', '--porcelain'], opts),
  ]);
  return {
    commit,
    epoch: Number(ct),
    describe: describe.exitCode === 0 ? describe.stdout.trim() : commit.slice(0, 12),
    dirty: status.exitCode === 0 && status.stdout.trim() !== '',
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
