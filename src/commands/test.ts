import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { UsageError } from '../errors.js';
import { runPool } from '../exec/pool.js';
import { run, runChecked } from '../exec/run.js';
import { findRunner, type RunnerKind } from '../runners/detect.js';
import { runUnder } from '../runners/run.js';
import { defaultJobs } from '../stages/build/jobs.js';
import { goEnvForTarget } from '../targets/env.js';
import { DEFAULT_TARGETS, expandTargets, type Target } from '../targets/parse.js';
import { listPorts } from '../targets/ports.js';
import { findGo, type GoToolchain } from '../toolchain/go.js';
import { moduleRootOf, parseJsonStream } from '../toolchain/module.js';

export interface TestOptions {
  cwd?: string;
  /** Package patterns (default ./...). */
  packages?: string[];
  targets?: string | string[];
  tags?: string[];
  /** Per test binary run (default 10 minutes). */
  timeoutMs?: number;
  /** -run pattern passed to each test binary. */
  run?: string;
  environment?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export type TestStatus = 'pass' | 'fail' | 'skip';

export interface PackageTest {
  package: string;
  status: TestStatus;
  durationMs: number;
  /** Names of the failing tests (subtests included), from the -test.v output. */
  failed: string[];
  /** Why skipped, or how it failed when no test name says it (a build error, a timeout, a crash). */
  reason: string | null;
  /** The last lines of the output of a failed run. */
  excerpt: string | null;
}

export interface TargetTests {
  target: string;
  runner: RunnerKind | null;
  emulated: boolean;
  packages: PackageTest[];
}

export interface TestReport {
  ok: boolean;
  targets: TargetTests[];
}

const DEFAULT_TIMEOUT_MS = 10 * 60 * 1000;

interface ListedPackage {
  ImportPath: string;
  Dir: string;
  TestGoFiles?: string[];
  XTestGoFiles?: string[];
}

/**
 * Compiles each package's test binary per target (`go test -c`) and runs it here — natively,
 * under qemu-user or wine — with a timeout that reaches the whole process tree.
 */
export async function testTargets(options: TestOptions = {}): Promise<TestReport> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const env = options.environment ?? process.env;
  const signal = options.signal;
  const go = await findGo({ cwd, env, signal });
  const root = moduleRootOf(go, cwd);
  const [ports, config] = await Promise.all([listPorts(go, { cwd, env, signal }), loadConfig(root)]);
  const targets = expandTargets(options.targets ?? config.config.targets ?? DEFAULT_TARGETS, ports);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new UsageError('--timeout: expected a positive duration, e.g. 30s or 5m');
  const patterns = options.packages && options.packages.length > 0 ? options.packages : ['./...'];
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'crossgo-test-'));
  try {
    const jobs: { target: Target; pkg: ListedPackage }[] = [];
    const listed = new Map<string, ListedPackage[]>();
    for (const target of targets) {
      const pkgs = await listPackages(go, patterns, target, { cwd, env, tags: options.tags ?? [], signal });
      listed.set(target.id, pkgs);
      for (const pkg of pkgs) jobs.push({ target, pkg });
    }
    const host = { goos: go.env.GOHOSTOS, goarch: go.env.GOHOSTARCH, env };
    const outcomes = await runPool(
      jobs,
      defaultJobs(jobs.length),
      (job, i) =>
        testPackage(go, job.target, job.pkg, {
          cwd,
          env,
          signal,
          timeoutMs,
          host,
          run: options.run,
          tags: options.tags ?? [],
          out: path.join(scratch, `${i}.test`),
        }),
      signal,
    );
    const reports: TargetTests[] = targets.map((target) => {
      const runner = findRunner(target, host);
      return {
        target: target.id,
        runner: runner.ok ? runner.runner.kind : null,
        emulated: runner.ok && runner.runner.kind !== 'native',
        packages: [],
      };
    });
    outcomes.forEach((outcome, i) => {
      const job = jobs[i] as (typeof jobs)[number];
      if (!outcome.ok) throw outcome.error;
      reports.find((r) => r.target === job.target.id)?.packages.push(outcome.value);
    });
    return { ok: reports.every((r) => r.packages.every((p) => p.status !== 'fail')), targets: reports };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function targetEnv(env: NodeJS.ProcessEnv, target: Target): NodeJS.ProcessEnv {
  return goEnvForTarget(env, target, false);
}

async function listPackages(
  go: GoToolchain,
  patterns: string[],
  target: Target,
  opts: { cwd: string; env: NodeJS.ProcessEnv; tags: string[]; signal?: AbortSignal },
): Promise<ListedPackage[]> {
  const args = ['list', '-json=ImportPath,Dir,TestGoFiles,XTestGoFiles'];
  if (opts.tags.length > 0) args.push(`-tags=${opts.tags.join(',')}`);
  const result = await runChecked(go.binary, [...args, '--', ...patterns], {
    cwd: opts.cwd,
    env: targetEnv(opts.env, target),
    signal: opts.signal,
  });
  return parseJsonStream<ListedPackage>(result.stdout);
}

async function testPackage(
  go: GoToolchain,
  target: Target,
  pkg: ListedPackage,
  ctx: {
    cwd: string;
    env: NodeJS.ProcessEnv;
    signal?: AbortSignal;
    timeoutMs: number;
    host: { goos: string; goarch: string; env: NodeJS.ProcessEnv };
    run?: string;
    tags: string[];
    out: string;
  },
): Promise<PackageTest> {
  const base = { package: pkg.ImportPath, failed: [], excerpt: null };
  if ((pkg.TestGoFiles?.length ?? 0) + (pkg.XTestGoFiles?.length ?? 0) === 0) {
    return { ...base, status: 'skip', durationMs: 0, reason: 'no test files' };
  }
  const runner = findRunner(target, ctx.host);
  if (!runner.ok) {
    return {
      ...base,
      status: 'skip',
      durationMs: 0,
      reason: `cannot run here: ${runner.reason}${runner.fix ? ` (${runner.fix})` : ''}`,
    };
  }
  const args = ['test', '-c', '-trimpath', '-o', ctx.out];
  if (ctx.tags.length > 0) args.push(`-tags=${ctx.tags.join(',')}`);
  const compiled = await run(go.binary, [...args, pkg.ImportPath], {
    cwd: ctx.cwd,
    env: targetEnv(ctx.env, target),
    signal: ctx.signal,
  });
  if (compiled.exitCode !== 0) {
    return {
      ...base,
      status: 'fail',
      durationMs: 0,
      reason: 'the test binary did not build',
      excerpt: tail(compiled.stderr),
    };
  }
  const testArgs = ['-test.v', '-test.timeout', `${Math.ceil(ctx.timeoutMs / 1000) + 60}s`];
  if (ctx.run) testArgs.push('-test.run', ctx.run);
  // Tests read testdata/ relative to their package folder, as under go test.
  const result = await runUnder(runner.runner, target, ctx.out, testArgs, {
    cwd: pkg.Dir,
    env: ctx.env,
    timeoutMs: ctx.timeoutMs,
    signal: ctx.signal,
  });
  const output = `${result.stdout}\n${result.stderr}`;
  const failed = [...output.matchAll(/^\s*--- FAIL: (\S+)/gm)].map((m) => m[1] as string);
  const durationMs = Math.round(result.durationMs);
  if (result.timedOut) {
    return {
      ...base,
      status: 'fail',
      durationMs,
      failed,
      reason: `timed out after ${ctx.timeoutMs} ms: the whole process tree was stopped`,
      excerpt: tail(output),
    };
  }
  if (result.exitCode === 0) return { ...base, status: 'pass', durationMs, reason: null };
  return {
    ...base,
    status: 'fail',
    durationMs,
    failed,
    reason: failed.length > 0 ? null : `exited with ${result.signal ?? `code ${result.exitCode}`}`,
    excerpt: tail(output),
  };
}

function tail(text: string, lines = 15): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}
