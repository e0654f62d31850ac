import pc from 'picocolors';
import {
  type AgainstReport,
  type ReproReport,
  repro,
  reproAgainst,
  type TargetRepro,
} from '../../commands/repro.js';
import { UsageError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { differenceLines } from '../render/difference.js';
import { formatTable } from '../render/format.js';
import { stderrLogger } from '../render/logger.js';

export interface ReproFlagsCli {
  targets?: string;
  /** -o/--out: the output folder, left out of the copies (default: the config's, else dist). */
  out?: string;
  against?: string;
  trustManifest?: boolean;
  json?: boolean;
  config?: string;
  ldflags?: string[];
  tags?: string[];
  trimpath?: boolean;
  strip?: boolean;
  cgo?: string;
  cc?: string;
}

/** `crossgo repro`: two builds per target under different conditions, or a rebuild of a manifest. */
export async function reproCommand(
  pkg: string | undefined,
  flags: ReproFlagsCli,
  cli: CliContext,
): Promise<number> {
  if (flags.trustManifest && !flags.against) {
    throw new UsageError('--trust-manifest: only with --against MANIFEST');
  }
  if (flags.against) {
    const report = await reproAgainst({
      manifest: flags.against,
      cwd: cli.cwd,
      trustManifest: flags.trustManifest === true,
      signal: cli.signal,
      log: stderrLogger,
    });
    process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : describeAgainst(report));
    return report.ok ? 0 : 1;
  }
  const report = await repro({
    cwd: cli.cwd,
    package: pkg,
    targets: flags.targets,
    out: flags.out,
    configFile: flags.config,
    ldflags: flags.ldflags,
    tags: flags.tags,
    trimpath: flags.trimpath === false ? false : undefined,
    strip: flags.strip === false ? false : undefined,
    cgo: flags.cgo as 'off' | 'on' | 'auto' | undefined,
    cc: flags.cc,
    signal: cli.signal,
    log: stderrLogger,
  });
  process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : describe(report));
  return report.ok ? 0 : 1;
}

function describe(report: ReproReport): string {
  const { a, b } = report.conditions;
  const lines = [
    `build 1: ${a.moduleDir}, TZ=${a.tz} LANG=${a.lang} umask ${a.umask}, GOCACHE ${a.gocache}`,
    `build 2: ${b.moduleDir}, TZ=${b.tz} LANG=${b.lang} umask ${b.umask}, GOCACHE ${b.gocache}`,
    '',
    table(report.targets),
    ...report.targets.flatMap(details),
    '',
    report.ok
      ? `${report.targets.length} targets reproducible`
      : pc.red(
          `not reproducible: ${report.targets
            .filter((t) => !t.reproducible)
            .map((t) => t.target)
            .join(', ')}`,
        ),
  ];
  return `${lines.join('\n')}\n`;
}

function describeAgainst(report: AgainstReport): string {
  const lines = [
    `rebuilt commit ${report.commit.slice(0, 12)} as ${report.manifest} describes`,
    ...report.warnings.map((w) => pc.yellow(`warning: ${w}`)),
    '',
    table(report.targets),
    ...report.targets.flatMap(details),
    '',
    report.ok
      ? 'every artifact rebuilt to its recorded sha256'
      : pc.red('some artifacts did not rebuild to their recorded sha256'),
  ];
  return `${lines.join('\n')}\n`;
}

function table(targets: readonly TargetRepro[]): string {
  return formatTable(
    ['target', 'result', 'sha256 (1)', 'sha256 (2)'],
    targets.map((t) => [
      t.target,
      t.reproducible ? 'reproducible' : pc.red(t.error ? 'failed' : 'DIFFERS'),
      t.sha256[0].slice(0, 12),
      (t.sha256[1] ?? '-').slice(0, 12),
    ]),
  );
}

function details(t: TargetRepro): string[] {
  if (t.reproducible) return [];
  if (t.error) return ['', `${t.target}: ${t.error}`];
  const d = t.difference;
  if (!d) return [];
  return ['', `${t.target}: ${d.sizes[0]} and ${d.sizes[1]} bytes`, ...differenceLines(d)];
}
