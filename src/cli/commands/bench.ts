import path from 'node:path';
import pc from 'picocolors';
import { type BenchResult, bench } from '../../commands/bench.js';
import { UsageError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { formatBytes, formatDuration, formatTable } from '../render/format.js';
import { stderrLogger } from '../render/logger.js';

export interface BenchFlagsCli {
  targets?: string;
  runs?: string;
  count?: string;
  args?: string;
  bench?: string;
  baseline?: string;
  out?: string;
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
    args: flags.args === undefined ? undefined : flags.args.split(/\s+/).filter(Boolean),
    bench: flags.bench,
    baseline: flags.baseline,
    outDir: flags.out,
    html: flags.html !== false,
    signal: cli.signal,
    log: stderrLogger,
  });
  process.stdout.write(flags.json ? `${JSON.stringify(result.report, null, 2)}\n` : describe(result, cli));
  return 0;
}

function describe(result: BenchResult, cli: CliContext): string {
  const { report } = result;
  const times = (x: number | null) => (x === null ? '' : `${x.toFixed(2)}x`);
  const rows = report.targets.map((t) => [
    t.target,
    t.runner ? `${t.runner}${t.emulated ? ' (emulated)' : ''}` : '-',
    formatBytes(t.size),
    times(t.sizeVsBaseline),
    formatDuration(t.buildMs),
    times(t.buildVsBaseline),
    t.startup ? `${t.startup.medianMs.toFixed(1)} / ${t.startup.p95Ms.toFixed(1)} ms` : (t.reason ?? ''),
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
          b.base.median.toPrecision(4),
          b.other ? b.other.median.toPrecision(4) : '-',
          b.significant ? b.text : pc.dim(b.text),
        ]),
      ),
    );
  }
  if (result.htmlFile) lines.push('', `report: ${path.relative(cli.cwd, result.htmlFile)}`);
  return `${lines.join('\n')}\n`;
}
