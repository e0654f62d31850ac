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
  return Number(value);
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
    run('git', ['status', '--porcelain', '--untracked-files=no'], opts),
  ]);
  return {
    commit,
    epoch: Number(ct),
    describe: describe.exitCode === 0 ? describe.stdout.trim() : commit.slice(0, 12),
    dirty: status.exitCode === 0 && status.stdout.trim() !== '',
  };
}
