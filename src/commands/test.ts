import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { UsageError } from '../errors.js';
import { runPool } from '../exec/pool.js';
import { discover } from '../pipeline/discovery.js';
import { findRunner, type Host, type RunnerKind } from '../runners/detect.js';
import {
  compileAndRunTests,
  listTestPackages,
  type TestBinaryContext,
  type TestPackage,
  tail,
  testBinaryName,
  withScratchFolder,
} from '../runners/testBinaries.js';
import { inheritedEnv } from '../stages/build/flags.js';
import { defaultJobs } from '../stages/build/jobs.js';
import { configTargets } from '../stages/build/plan/targets.js';
import { expandTargets, type Target } from '../targets/parse.js';
import { moduleRootOf } from '../toolchain/module.js';

export interface TestOptions {
  cwd?: string;
  /** Package patterns (default ./...). */
  packages?: string[];
  targets?: string | string[];
  /** An explicit config file (its targets are the default); default crossgo.yaml/.yml/.json in the module root. */
  configFile?: string;
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

export const DEFAULT_TEST_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * Compiles each package's test binary per target (`go test -c`) and runs it here — natively,
 * under qemu-user or wine — with a timeout that reaches the whole process tree.
 */
export async function testTargets(options: TestOptions = {}): Promise<TestReport> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const env = options.environment ?? process.env;
  const signal = options.signal;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TEST_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new UsageError('--timeout: expected a positive duration, e.g. 30s or 5m');
  const discovery = await discover({ cwd, env, signal });
  const { go } = discovery;
  const root = moduleRootOf(go, cwd);
  const configFile = options.configFile ? path.resolve(cwd, options.configFile) : undefined;
  const [ports, config] = await Promise.all([discovery.ports(), loadConfig(root, configFile)]);
  const targets = expandTargets(options.targets ?? configTargets(config.config, ports), ports);
  const patterns = options.packages && options.packages.length > 0 ? options.packages : ['./...'];
  const host: Host = { goos: go.env.GOHOSTOS, goarch: go.env.GOHOSTARCH, env };
  // go sees the user's environment without the variables crossgo sets per target, as under build.
  const ctx: TestBinaryContext = { go, cwd, goEnv: inheritedEnv(env), tags: options.tags ?? [], signal };

  const jobs: { target: Target; pkg: TestPackage }[] = [];
  for (const target of targets) {
    for (const pkg of await listTestPackages(ctx, target, patterns)) jobs.push({ target, pkg });
  }
  const testArgs = ['-test.v', '-test.timeout', `${Math.ceil(timeoutMs / 1000) + 60}s`];
  if (options.run) testArgs.push('-test.run', options.run);
  const outcomes = await withScratchFolder('test', (scratch) =>
    runPool(
      jobs,
      defaultJobs(jobs.length),
      (job, i) =>
        testPackage(ctx, job.target, job.pkg, host, {
          binary: path.join(scratch, testBinaryName(job.target, job.pkg, i)),
          args: testArgs,
          env,
          timeoutMs,
        }),
      signal,
    ),
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
}

/** One package on one target: skipped, or compiled and run, and its result read from -test.v. */
async function testPackage(
  ctx: TestBinaryContext,
  target: Target,
  pkg: TestPackage,
  host: Host,
  run: Parameters<typeof compileAndRunTests>[4],
): Promise<PackageTest> {
  const base = { package: pkg.importPath, failed: [], excerpt: null };
  if (!pkg.hasTests) return { ...base, status: 'skip', durationMs: 0, reason: 'no test files' };
  const runner = findRunner(target, host);
  if (!runner.ok) {
    return {
      ...base,
      status: 'skip',
      durationMs: 0,
      reason: `cannot run here: ${runner.reason}${runner.fix ? ` (${runner.fix})` : ''}`,
    };
  }
  const outcome = await compileAndRunTests(ctx, target, runner.runner, pkg, run);
  if (!outcome.built) {
    return {
      ...base,
      status: 'fail',
      durationMs: 0,
      reason: 'the test binary did not build',
      excerpt: outcome.excerpt,
    };
  }
  const { result } = outcome;
  const output = `${result.stdout}\n${result.stderr}`;
  const failed = [...output.matchAll(/^\s*--- FAIL: (\S+)/gm)].map((m) => m[1] as string);
  const durationMs = Math.round(result.durationMs);
  if (result.timedOut) {
    return {
      ...base,
      status: 'fail',
      durationMs,
      failed,
      reason: `timed out after ${run.timeoutMs} ms: the whole process tree was stopped`,
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
