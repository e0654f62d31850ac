import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const REPO = path.resolve(fileURLToPath(import.meta.url), '../../..');
export const CLI = path.join(REPO, 'bin', 'crossgo.js');
export const FIXTURES = path.join(REPO, 'test', 'fixtures');

const execFileAsync = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built crossgo CLI (bin/crossgo.js → dist/) as a user would. */
export async function crossgo(
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  return runTool(process.execPath, [CLI, ...args], opts);
}

/** Runs any program with an argument array; never throws on a non-zero exit. */
export async function runTool(
  command: string,
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  try {
    const { stdout, stderr } = await execFileAsync(command, [...args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number | string; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Starts the CLI without waiting, for signal tests. */
export function spawnCrossgo(
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv },
): ChildProcess {
  return spawn(process.execPath, [CLI, ...args], {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const temps: string[] = [];

/** A fresh temporary folder, removed by cleanupTemps(). */
export async function tempDir(prefix = 'crossgo-test-'): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

export async function cleanupTemps(): Promise<void> {
  await Promise.all(temps.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export const COMMIT_DATE = '2024-05-06T07:08:09Z';

/**
 * Copies a fixture into a temporary folder and makes it a git repository with one commit
 * at a fixed date, tagged v1.2.3, so version, commit and date are known. Two calls give the same commit.
 */
export async function fixtureRepo(
  name: string,
  opts: { tag?: string; ignoreDist?: boolean } = {},
): Promise<{ dir: string; commit: string }> {
  const dir = path.join(await tempDir(), name);
  await cp(path.join(FIXTURES, name), dir, { recursive: true });
  // As in a real project, the output folders are ignored, so built files never make the tree dirty.
  if (opts.ignoreDist !== false) await writeFile(path.join(dir, '.gitignore'), '/dist/\n/out/\n');
  const env = { ...process.env, ...gitIdentity(COMMIT_DATE) };
  const git = async (...args: string[]) => {
    const result = await runTool('git', ['-c', 'init.defaultBranch=main', ...args], { cwd: dir, env });
    if (result.code !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
    return result.stdout.trim();
  };
  await git('init', '-q');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'fixture');
  await git('tag', opts.tag ?? 'v1.2.3');
  return { dir, commit: await git('rev-parse', 'HEAD') };
}

/**
 * The environment tests give crossgo: the user's, made independent of the machine's go env
 * file (GOENV=off: one machine here sets GOFLAGS=-buildvcs=false in it), so go stamps VCS
 * facts as it does by default everywhere.
 */
export function testEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', GOENV: 'off', ...extra };
  if (!('GOFLAGS' in extra)) delete env.GOFLAGS;
  return env;
}

/** The author and committer a test's git commits carry, at `date` (fixed: hashes are known). */
export function gitIdentity(date: string = COMMIT_DATE): Record<string, string> {
  return {
    GIT_AUTHOR_NAME: 'crossgo test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'crossgo test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_DATE: date,
  };
}
