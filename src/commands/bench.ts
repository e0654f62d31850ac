import path from 'node:path';
import { groupSamples, parseGoBench } from '../bench/gobench.js';
import { renderBenchHtml } from '../bench/html.js';
import { measureStartup } from '../bench/measure.js';
import { compareSamples, median, medianCI, p95 } from '../bench/stats.js';
import type { BenchmarkComparison, BenchReport, BenchSample, TargetBench } from '../bench/types.js';
import { CrossgoError, UsageError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { type Logger, silentLogger } from '../log.js';
import { discover } from '../pipeline/discovery.js';
import { binaries } from '../pipeline/manifest.js';
import { openOutputFolder, refuseForeign } from '../pipeline/outputFolder.js';
import { findRunner, type Runner } from '../runners/detect.js';
import {
  compileAndRunTests,
  listTestPackages,
  type TestBinaryContext,
  testBinaryName,
  withScratchFolder,
} from '../runners/testBinaries.js';
import { inheritedEnv } from '../stages/build/flags.js';
import type { BuildOptions } from '../stages/build/plan.js';
import { DEFAULT_TARGETS, expandTargets, type Target } from '../targets/parse.js';
import { build } from './build.js';

export interface BenchOptions extends Pick<BuildOptions, 'package' | 'outDir' | 'configFile'> {
  cwd?: string;
  targets?: string | string[];
  /** Startup runs per target (default 10, after one warm-up). */
  runs?: number;
  /** Arguments for the startup runs. */
  args?: string[];
  /** Go benchmarks: packages (default ./...), -bench pattern (default .), -count (default 6). */
  benchPackages?: string[];
  bench?: string;
  count?: number;
  /** The target every figure is compared with (default: the host's). */
  baseline?: string;
  /** Write <out>/bench.html (default true). */
  html?: boolean;
  timeoutMs?: number;
  environment?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  log?: Logger;
}

/** One Go benchmark's values in one unit on one target. */
export interface GroupedSample {
  pkg: string;
  name: string;
  /** GOMAXPROCS of the runs (-cpu 1,2 keeps them apart). */
  procs: number;
  unit: string;
  values: number[];
}

/** The samples of one test binary's -test.bench output (goos/goarch differ per target: matched by package, name and unit). */
function groupGoBench(output: string, pkg: string): GroupedSample[] {
  return groupSamples(parseGoBench(output).results).map((g) => ({
    pkg,
    name: g.name,
    procs: g.procs,
    unit: g.unit,
    values: g.values,
  }));
}

export interface BenchResult {
  /** Every target that could run here ran its program (exit code 0) and built its test binaries. */
  ok: boolean;
  report: BenchReport;
  htmlFile: string | null;
  /** Raw samples per target, for --json consumers that want to recompute. */
  samples: Record<string, { startupMs: number[]; peakRssKiB: number[] | null; benchmarks: GroupedSample[] }>;
}

/**
 * Per target: binary size and build time (from the build's manifest), startup latency and peak
 * RSS over N runs, and Go benchmarks compared with the baseline target benchstat-style. Figures
 * taken under an emulator are marked and never compared with native ones.
 */
export async function bench(options: BenchOptions = {}): Promise<BenchResult> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const env = options.environment ?? process.env;
  const signal = options.signal;
  const runs = options.runs ?? 10;
  const count = options.count ?? 6;
  if (!Number.isInteger(runs) || runs < 1)
    throw new UsageError(`--runs ${runs}: expected a whole number, 1 or more`);
  if (!Number.isInteger(count) || count < 1)
    throw new UsageError(`--count ${count}: expected a whole number, 1 or more`);
  const discovery = await discover({ cwd, env, signal });
  const { go } = discovery;
  const ports = await discovery.ports();
  const host = `${go.env.GOHOSTOS}/${go.env.GOHOSTARCH}`;
  const baseline = options.baseline ?? host;
  expandTargets(baseline, ports);
  // The baseline is built and measured too, even when not listed.
  const wanted = [options.targets ?? DEFAULT_TARGETS].flat().join(',');
  const targets = expandTargets(`${baseline},${wanted}`, ports);

  const built = await build({
    cwd,
    package: options.package,
    out: options.outDir,
    configFile: options.configFile,
    targets: targets.map((t) => t.id),
    environment: env,
    discovery,
    signal,
    log: options.log,
  });
  if (!built.ok) throw buildFailed(built.manifest);
  const hostInfo = { goos: go.env.GOHOSTOS, goarch: go.env.GOHOSTARCH, env };
  // go sees the user's environment without the variables crossgo sets per target, as under build.
  const goCtx: TestBinaryContext = { go, cwd, goEnv: inheritedEnv(env), tags: [], signal };
  return withScratchFolder('bench', async (scratch) => {
    const samples: BenchResult['samples'] = {};
    const rows: TargetBench[] = [];
    let ok = true;
    for (const target of targets) {
      const artifact = binaries(built.manifest).find((a) => a.target === target.id);
      if (!artifact) continue;
      const answer = findRunner(target, hostInfo);
      const row: TargetBench = {
        target: target.id,
        runner: answer.ok ? answer.runner.kind : null,
        emulated: answer.ok && answer.runner.kind !== 'native',
        size: artifact.size,
        sizeVsBaseline: null,
        buildMs: artifact.durationMs,
        buildVsBaseline: null,
        startup: null,
        peakRssKiB: null,
      };
      if (!answer.ok) {
        row.reason = `cannot run here: ${answer.reason}`;
        rows.push(row);
        continue;
      }
      const startup = await measureStartup(
        answer.runner,
        target,
        path.join(built.outDir, artifact.path),
        options.args ?? [],
        {
          runs,
          env,
          timeoutMs: options.timeoutMs ?? 60_000,
          signal,
        },
      );
      row.startup = { medianMs: round(median(startup.wallMs)), p95Ms: round(p95(startup.wallMs)), runs };
      row.peakRssKiB = startup.peakRssKiB ? Math.max(...startup.peakRssKiB) : null;
      const notes: string[] = [];
      if (startup.exitCode !== 0) notes.push(`the program exited with code ${startup.exitCode}`);
      const { benchmarks, problems } = await goBenchmarks(goCtx, target, answer.runner, {
        env,
        packages: options.benchPackages ?? ['./...'],
        pattern: options.bench ?? '.',
        count,
        scratch,
        timeoutMs: options.timeoutMs ?? 600_000,
      });
      notes.push(...problems);
      if (notes.length > 0) {
        row.reason = notes.join('; ');
        ok = false;
      }
      samples[target.id] = { startupMs: startup.wallMs, peakRssKiB: startup.peakRssKiB, benchmarks };
      rows.push(row);
    }
    const base = rows.find((r) => r.target === baseline);
    for (const row of rows) {
      if (!base) break;
      row.sizeVsBaseline = ratio(row.size, base.size);
      row.buildVsBaseline = ratio(row.buildMs, base.buildMs);
    }
    const report: BenchReport = {
      title: `crossgo bench: ${built.manifest.project.name}`,
      generatedFrom: {
        goVersion: built.manifest.toolchain.goVersion,
        host,
        commit: built.manifest.source.commit,
        date: built.manifest.source.date,
      },
      baseline,
      targets: rows,
      benchmarks: compareBenchmarks(baseline, rows, samples),
    };
    let htmlFile: string | null = null;
    if (options.html !== false) htmlFile = await writeReport(built.outDir, renderBenchHtml(report), options);
    return { ok, report, htmlFile, samples };
  });
}

/**
 * The build inside bench failed: a failure (exit 1) that names each target and go's first error
 * line, never a usage error (the user's command line was fine).
 */
function buildFailed(manifest: Awaited<ReturnType<typeof build>>['manifest']): CrossgoError {
  const failures = manifest.failures.map((f) => {
    const first = firstErrorLine(f.excerpt).trim();
    return first ? `${f.target} (${first})` : f.target;
  });
  if (failures.length > 0) {
    const ids = manifest.failures.map((f) => f.target).join(',');
    return new CrossgoError(
      `bench: the build failed for ${failures.join('; ')}: crossgo build -t ${ids} shows the whole error`,
    );
  }
  const unverified = binaries(manifest)
    .filter((a) => a.verification?.ok === false)
    .map((a) => a.target);
  return new CrossgoError(
    `bench: ${unverified.join(', ') || 'an artifact'} failed verification: crossgo verify shows why`,
  );
}

/** <out>/bench.html, written as crossgo writes into an output folder: locked, owned, atomically. */
async function writeReport(outDir: string, html: string, options: BenchOptions): Promise<string> {
  const shown = path.relative(options.cwd ?? process.cwd(), outDir) || '.';
  const folder = await openOutputFolder(outDir, shown, {
    command: 'crossgo bench',
    signal: options.signal,
    log: options.log ?? silentLogger,
  });
  try {
    await refuseForeign(folder, REPORT_FILE, 'report');
    await folder.owned.record(REPORT_FILE, 'state', null);
    await writeFileAtomic(path.join(folder.dir, REPORT_FILE), html);
    await folder.owned.compact();
  } finally {
    await folder.release();
  }
  return path.join(outDir, REPORT_FILE);
}

const REPORT_FILE = 'bench.html';

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

function ratio(x: number, base: number): number | null {
  return base > 0 ? Math.round((x / base) * 1000) / 1000 : null;
}

/** go test -c of each package, run with -test.bench under the target's runner; samples per benchmark and unit. */
async function goBenchmarks(
  ctx: TestBinaryContext,
  target: Target,
  runner: Runner,
  opts: {
    env: NodeJS.ProcessEnv;
    packages: string[];
    pattern: string;
    count: number;
    scratch: string;
    timeoutMs: number;
  },
): Promise<{ benchmarks: GroupedSample[]; problems: string[] }> {
  const benchmarks: GroupedSample[] = [];
  const problems: string[] = [];
  const args = ['-test.run', '^$', '-test.bench', opts.pattern, '-test.count', String(opts.count)];
  const listed = await listTestPackages(ctx, target, opts.packages);
  for (const [i, pkg] of listed.entries()) {
    if (!pkg.hasTests) continue;
    // Benchmarks run one package at a time: two at once would measure each other.
    const outcome = await compileAndRunTests(ctx, target, runner, pkg, {
      binary: path.join(opts.scratch, testBinaryName(target, pkg, i)),
      args: [...args, '-test.benchmem'],
      env: opts.env,
      timeoutMs: opts.timeoutMs,
    });
    if (!outcome.built) {
      problems.push(`the test binary of ${pkg.importPath} did not build: ${firstErrorLine(outcome.excerpt)}`);
      continue;
    }
    const { result } = outcome;
    if (result.exitCode !== 0) {
      problems.push(
        `the benchmarks of ${pkg.importPath} ${result.timedOut ? 'timed out' : `exited with ${result.signal ?? `code ${result.exitCode}`}`}`,
      );
    }
    benchmarks.push(...groupGoBench(result.stdout, pkg.importPath));
  }
  return { benchmarks, problems };
}

/** go's first error line, past its "# package" header. */
function firstErrorLine(excerpt: string): string {
  return excerpt.split('\n').find((line) => line.trim() !== '' && !line.startsWith('#')) ?? excerpt;
}

/** Each benchmark and unit of each target against the baseline's, benchstat-style. */
function compareBenchmarks(
  baseline: string,
  rows: readonly TargetBench[],
  samples: BenchResult['samples'],
): BenchmarkComparison[] {
  const base = samples[baseline]?.benchmarks ?? [];
  const baseRow = rows.find((r) => r.target === baseline);
  const out: BenchmarkComparison[] = [];
  for (const row of rows) {
    if (row.target === baseline || !samples[row.target]) continue;
    for (const b of base) {
      const other = samples[row.target]?.benchmarks.find(
        (o) => o.name === b.name && o.procs === b.procs && o.unit === b.unit && o.pkg === b.pkg,
      );
      const comparable = !row.emulated && !baseRow?.emulated;
      const summary = (xs: readonly number[]): BenchSample => {
        const ci = medianCI(xs);
        return { median: ci.center, lo: ci.ok ? ci.lo : null, hi: ci.ok ? ci.hi : null, n: xs.length };
      };
      const comparison = other && comparable ? compareSamples(b.values, other.values) : null;
      out.push({
        name: b.name,
        unit: b.unit,
        target: row.target,
        runner: row.runner ?? 'none',
        emulated: row.emulated,
        base: summary(b.values),
        other: other ? summary(other.values) : null,
        deltaPercent: comparison?.deltaPercent ?? null,
        p: comparison?.p ?? null,
        significant: comparison?.significant ?? false,
        text: !other
          ? 'no samples on this target'
          : comparison
            ? comparison.text
            : `not comparable (emulated under ${row.runner})`,
      });
    }
  }
  return out;
}
