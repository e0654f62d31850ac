import path from 'node:path';
import pc from 'picocolors';
import { formatBenchValue, formatBytes, formatMilliseconds } from '../../bench/units.js';
import { type BenchResult, bench } from '../../commands/bench.js';
import { UsageError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { formatTable } from '../render/format.js';
import { stderrLogger } from '../render/logger.js';

export interface BenchFlagsCli {
  targets?: string;
  runs?: string;
  count?: string;
  args?: string;
  /** Operands after the package without a `--` before them: refused. */
  extra?: string[];
  /** The words after `--` (programArgs.ts); null without `--`. */
  programArgs?: string[] | null;
  bench?: string;
  baseline?: string;
  out?: string;
  config?: string;
  html?: boolean;
  json?: boolean;
}

/** `crossgo bench`: size, build time, startup, memory and Go benchmarks per target. */
export async function benchCommand(
  pkg: string | undefined,
  flags: BenchFlagsCli,
  cli: CliContext,
): Promise<number> {
  const whole = (value: string | undefined, flag: string) => {
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value) || Number(value) < 1)
      throw new UsageError(`${flag} "${value}": expected a whole number, 1 or more`);
    return Number(value);
  };
  const result = await bench({
    cwd: cli.cwd,
    package: pkg,
    targets: flags.targets,
    runs: whole(flags.runs, '--runs'),
    count: whole(flags.count, '--count'),
    args: programArguments(flags),
    bench: flags.bench,
    baseline: flags.baseline,
    outDir: flags.out,
    configFile: flags.config,
    html: flags.html !== false,
    signal: cli.signal,
    log: stderrLogger,
  });
  process.stdout.write(flags.json ? `${JSON.stringify(result.report, null, 2)}\n` : describe(result, cli));
  return result.ok ? 0 : 1;
}

/**
 * The program's arguments: --args split at spaces (`--args "serve --port 80"`), or every word
 * after `--` as it is (an argument with spaces in it). Not both: which order would be meant?
 */
function programArguments(flags: BenchFlagsCli): string[] | undefined {
  if (flags.extra && flags.extra.length > 0) {
    throw new UsageError(
      `bench takes one package, not "${flags.extra.join(' ')}": put the program's arguments after -- or in --args`,
    );
  }
  if (flags.args !== undefined && flags.programArgs) {
    throw new UsageError(
      `--args "${flags.args}" and "-- ${flags.programArgs.join(' ')}": give the program's arguments one way`,
    );
  }
  if (flags.programArgs) return flags.programArgs;
  return flags.args === undefined ? undefined : flags.args.split(/\s+/).filter(Boolean);
}

function describe(result: BenchResult, cli: CliContext): string {
  const { report } = result;
  const times = (x: number | null) => (x === null ? '' : `${x.toFixed(2)}x`);
  const rows = report.targets.map((t) => [
    t.target,
    t.runner ? `${t.runner}${t.emulated ? ' (emulated)' : ''}` : '-',
    formatBytes(t.size),
    times(t.sizeVsBaseline),
    formatMilliseconds(t.buildMs),
    times(t.buildVsBaseline),
    t.startup
      ? `${formatMilliseconds(t.startup.medianMs)} / ${formatMilliseconds(t.startup.p95Ms)}`
      : (t.reason ?? ''),
    t.peakRssKiB === null ? '' : formatBytes(t.peakRssKiB * 1024),
  ]);
  const lines = [
    `${report.title} (baseline ${report.baseline}; emulated figures measure the emulator too and are not compared with native ones)`,
    '',
    formatTable(
      ['target', 'runner', '>size', '>vs base', '>build', '>vs base', 'startup median / p95', '>peak RSS'],
      rows,
    ),
  ];
  if (report.benchmarks.length > 0) {
    lines.push(
      '',
      formatTable(
        ['benchmark', 'unit', 'target', 'baseline', 'target', 'vs baseline'],
        report.benchmarks.map((b) => [
          b.name,
          b.unit,
          b.target,
          formatBenchValue(b.base.median, b.unit),
          b.other ? formatBenchValue(b.other.median, b.unit) : '-',
          b.significant ? b.text : pc.dim(b.text),
        ]),
      ),
    );
  }
  // Reasons of targets that did run: a program that exited non-zero, a test binary that did not build.
  const problems = report.targets.filter((t) => t.startup && t.reason);
  if (problems.length > 0) lines.push('', ...problems.map((t) => pc.red(`${t.target}: ${t.reason}`)));
  if (result.htmlFile) lines.push('', `report: ${path.relative(cli.cwd, result.htmlFile)}`);
  return `${lines.join('\n')}\n`;
}
