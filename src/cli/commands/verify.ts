import pc from 'picocolors';
import { verify } from '../../commands/verify.js';
import type { CliContext } from '../context.js';
import { formatTable } from '../render/format.js';

export interface VerifyFlagsCli {
  out?: string;
  manifest?: string;
  expect?: string;
  stripped?: boolean;
  static?: boolean;
  minGo?: string;
  maxSize?: string;
  json?: boolean;
}

/** `crossgo verify`: a table of checks per artifact; exit 1 when any check failed. */
export async function verifyCommand(
  files: string[],
  flags: VerifyFlagsCli,
  cli: CliContext,
): Promise<number> {
  const reports = await verify({
    files,
    out: flags.out,
    manifest: flags.manifest,
    expect: flags.expect,
    stripped: flags.stripped,
    static: flags.static,
    minGo: flags.minGo,
    maxSize: flags.maxSize,
    cwd: cli.cwd,
    signal: cli.signal,
  });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
  } else {
    for (const report of reports) {
      const head = `${report.file}${report.target ? ` (${report.target})` : ''}: ${report.ok ? pc.green('ok') : pc.red('FAILED')}`;
      const rows = report.checks.map((c) => [c.name, mark(c.status), c.detail]);
      process.stdout.write(`${head}\n${formatTable(['check', 'result', 'detail'], rows)}\n\n`);
    }
    const failed = reports.filter((r) => !r.ok).length;
    process.stdout.write(`${reports.length - failed} passed, ${failed} failed\n`);
  }
  return reports.every((r) => r.ok) ? 0 : 1;
}

function mark(status: string): string {
  if (status === 'warn') return pc.yellow('warn');
  return status === 'pass' ? pc.green('pass') : status === 'fail' ? pc.red('FAIL') : pc.dim('skip');
}
