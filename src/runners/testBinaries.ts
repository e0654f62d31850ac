import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { type RunResult, run } from '../exec/run.js';
import { goEnvForTarget } from '../targets/env.js';
import type { Target } from '../targets/parse.js';
import type { GoToolchain } from '../toolchain/go.js';
import { parseJsonStream } from '../toolchain/module.js';
import type { Runner } from './detect.js';
import { runUnder } from './run.js';

/**
 * Test binaries, as `crossgo test` and `crossgo bench` both use them: list the packages for a
 * target, compile each one's tests (`go test -c`) and run the binary here under the target's
 * runner. Compiling apart from running is what lets one host build for a target and run the
 * result under qemu-user or wine, which `go test` itself cannot (it runs what it builds, or
 * needs a go_$GOOS_$GOARCH_exec wrapper on PATH: cmd/go/internal/test/test.go).
 */

export interface TestBinaryContext {
  go: GoToolchain;
  /** Where go runs (the module's packages are resolved from here). */
  cwd: string;
  /**
   * The environment go runs in, before the target's own variables are set: the caller clears
   * GOOS, GOARCH, CGO_ENABLED and the level variables (GOAMD64, GOARM…) first, as build does
   * (inheritedEnv), so a value left in the user's shell never reaches another target.
   */
  goEnv: NodeJS.ProcessEnv;
  tags: readonly string[];
  signal?: AbortSignal;
}

/** A package of the patterns, as go list reports it for one target. */
export interface TestPackage {
  importPath: string;
  /** The package's folder: its tests run there and read testdata/ from it, as under go test. */
  dir: string;
  /** It has _test.go files (in the package or its _test package). */
  hasTests: boolean;
}

interface ListedPackage {
  ImportPath: string;
  Dir: string;
  TestGoFiles?: string[];
  XTestGoFiles?: string[];
}

/** The environment of a go command about one target (never cgo: test binaries are pure Go here). */
function targetGoEnv(ctx: TestBinaryContext, target: Target): NodeJS.ProcessEnv {
  return goEnvForTarget(ctx.goEnv, target, false);
}

function tagFlags(tags: readonly string[]): string[] {
  return tags.length > 0 ? [`-tags=${tags.join(',')}`] : [];
}

/** The packages the patterns name for a target (build constraints apply per target). */
export async function listTestPackages(
  ctx: TestBinaryContext,
  target: Target,
  patterns: readonly string[],
): Promise<TestPackage[]> {
  const listed = await run(
    ctx.go.binary,
    ['list', '-json=ImportPath,Dir,TestGoFiles,XTestGoFiles', ...tagFlags(ctx.tags), '--', ...patterns],
    { cwd: ctx.cwd, env: targetGoEnv(ctx, target), signal: ctx.signal },
  );
  if (listed.exitCode !== 0) {
    const reason = listed.stderr.trim().split('\n')[0] ?? `exit code ${listed.exitCode}`;
    throw new UsageError(`go list ${patterns.join(' ')} for ${target.id}: ${reason}`);
  }
  return parseJsonStream<ListedPackage>(listed.stdout).map((p) => ({
    importPath: p.ImportPath,
    dir: p.Dir,
    hasTests: (p.TestGoFiles?.length ?? 0) + (p.XTestGoFiles?.length ?? 0) > 0,
  }));
}

export type TestBinaryOutcome =
  /** go test -c failed: the last lines of its error output. */
  { built: false; excerpt: string } | { built: true; result: RunResult };

export interface RunTestBinaryOptions {
  /** Where the compiled binary goes (a scratch file: see withScratchFolder). */
  binary: string;
  /** The test binary's own flags, e.g. -test.v or -test.bench. */
  args: readonly string[];
  /** The environment of the test binary itself. */
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
}

/** Compiles one package's test binary for a target and runs it here under `runner`. */
export async function compileAndRunTests(
  ctx: TestBinaryContext,
  target: Target,
  runner: Runner,
  pkg: TestPackage,
  options: RunTestBinaryOptions,
): Promise<TestBinaryOutcome> {
  const compiled = await run(
    ctx.go.binary,
    // No "--" here: go test would pass it on to the binary. go list's import paths never start with "-".
    ['test', '-c', '-trimpath', '-o', options.binary, ...tagFlags(ctx.tags), pkg.importPath],
    { cwd: ctx.cwd, env: targetGoEnv(ctx, target), signal: ctx.signal },
  );
  if (compiled.exitCode !== 0) return { built: false, excerpt: tail(compiled.stderr) };
  const result = await runUnder(runner, target, options.binary, options.args, {
    cwd: pkg.dir,
    env: options.env,
    timeoutMs: options.timeoutMs,
    signal: ctx.signal,
  });
  return { built: true, result };
}

/** A file name for the test binary of `pkg` on `target`, unique within one scratch folder by `index`. */
export function testBinaryName(target: Target, pkg: TestPackage, index: number): string {
  return `${target.id.replaceAll('/', '_')}-${index}-${path.basename(pkg.importPath)}.test`;
}

/** Runs `work` with a fresh temporary folder for test binaries, removed afterwards. */
export async function withScratchFolder<T>(prefix: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `crossgo-${prefix}-`));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The last lines of a command's output, where go and the testing package put the failure. */
export function tail(text: string, lines = 15): string {
  return text.trim().split('\n').slice(-lines).join('\n');
}
