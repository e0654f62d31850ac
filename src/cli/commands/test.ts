import pc from 'picocolors';
import { type TestReport, testTargets } from '../../commands/test.js';
import type { CliContext } from '../context.js';
import { parseDuration } from '../duration.js';

export { parseDuration };

import { formatDuration, formatTable } from '../render/format.js';

export interface TestFlagsCli {
  targets?: string;
  config?: string;
  timeout?: string;
  run?: string;
  tags?: string[];
  json?: boolean;
}

/** `crossgo test`: each package's tests per target, run here natively or emulated. */
export async function testCommand(packages: string[], flags: TestFlagsCli, cli: CliContext): Promise<number> {
  const report = await testTargets({
    cwd: cli.cwd,
    packages,
    targets: flags.targets,
    configFile: flags.config,
    tags: flags.tags,
    run: flags.run,
    timeoutMs: flags.timeout === undefined ? undefined : parseDuration(flags.timeout, '--timeout'),
    signal: cli.signal,
  });
  process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : describe(report));
  return report.ok ? 0 : 1;
}

function describe(report: TestReport): string {
  const rows = report.targets.flatMap((t) =>
    t.packages.map((p) => [
      t.target,
      p.package,
      t.runner ? `${t.runner}${t.emulated ? ' (emulated)' : ''}` : '-',
      p.status === 'fail' ? pc.red('FAIL') : p.status === 'skip' ? pc.dim('skip') : 'pass',
      p.status === 'skip' ? '' : formatDuration(p.durationMs),
      p.failed.length > 0 ? p.failed.join(', ') : (p.reason ?? ''),
    ]),
  );
  const lines = [
    formatTable(['target', 'package', 'runner', 'result', '>time', 'failing tests / reason'], rows),
  ];
  for (const t of report.targets) {
    for (const p of t.packages) {
      if (p.status === 'fail' && p.excerpt) lines.push('', pc.red(`${t.target} ${p.package}:`), p.excerpt);
    }
  }
  const failed = report.targets.flatMap((t) =>
    t.packages.filter((p) => p.status === 'fail').map((p) => `${t.target} ${p.package}`),
  );
  lines.push(
    '',
    failed.length === 0 ? 'all tests passed where they could run' : pc.red(`failed: ${failed.join('; ')}`),
  );
  return `${lines.join('\n')}\n`;
}
