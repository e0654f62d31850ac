import pc from 'picocolors';
import type { CgoMode } from '../../cgo/plan.js';
import { type DoctorReport, doctor } from '../../commands/doctor.js';
import type { CliContext } from '../context.js';
import { formatTable } from '../render/format.js';

export interface DoctorFlagsCli {
  targets?: string;
  cgo?: string;
  cc?: string;
  /** --config FILE (the CLI's option list decides whether doctor offers it). */
  config?: string;
  json?: boolean;
}

/** `crossgo doctor`: what this machine can build and run; exit 1 when a target cannot be built. */
export async function doctorCommand(flags: DoctorFlagsCli, cli: CliContext): Promise<number> {
  const report = await doctor({
    cwd: cli.cwd,
    targets: flags.targets,
    cgo: flags.cgo as CgoMode | undefined,
    cc: flags.cc,
    configFile: flags.config,
    signal: cli.signal,
  });
  if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(render(report));
  return report.ok ? 0 : 1;
}

function render(report: DoctorReport): string {
  const out: string[] = [];
  out.push(`${report.go.version} (${report.go.binary}), cgo ${report.cgoMode}`);
  for (const [key, value] of Object.entries(report.go.env)) out.push(`  ${key.padEnd(11)} ${value || '-'}`);
  out.push('');
  const yes = (ok: boolean, text: string) => (ok ? text : pc.red(text));
  const rows = report.targets.map((t) => [
    t.target,
    yes(t.buildable, t.buildable ? 'yes' : 'NO'),
    yes(t.pureGo.ok, t.pureGo.ok ? 'yes' : 'broken'),
    !t.cgo.supported
      ? '-'
      : t.cgo.compiler
        ? `${t.cgo.compiler.kind}: ${t.cgo.compiler.version}`
        : yes(!t.cgo.needed, 'no C compiler'),
    t.run.ok ? t.run.detail : pc.dim(t.run.detail),
  ]);
  out.push(formatTable(['target', 'buildable', 'pure Go', 'cgo', 'runs here'], rows));
  out.push('');
  out.push(
    formatTable(
      ['tool', 'found', 'for'],
      report.tools.map((t) => [t.name, t.found ? (t.version ?? 'yes') : pc.dim('missing'), t.use]),
    ),
  );
  const fixes = new Set<string>();
  for (const t of report.targets) {
    if (t.cgo.fix && (t.cgo.needed || t.cgo.supported)) fixes.add(`${t.target} cgo: ${t.cgo.fix}`);
    if (t.run.fix) fixes.add(`${t.target} to run: ${t.run.fix}`);
  }
  // What build would say for a target no install fixes (a port without cgo, an SDK to give…).
  const refusals = report.targets.filter((t) => t.refused && !t.cgo.fix).map((t) => `  ${t.refused}`);
  for (const t of report.tools) if (t.fix) fixes.add(`${t.name}: ${t.fix}`);
  if (fixes.size > 0) {
    out.push('', 'To fill the gaps:');
    for (const fix of fixes) out.push(`  ${fix}`);
  }
  if (refusals.length > 0) out.push('', 'crossgo build would refuse:', ...refusals);
  const blocked = report.targets.filter((t) => !t.buildable).map((t) => t.target);
  out.push(
    '',
    blocked.length === 0
      ? `every target can be built (${report.targets.length})`
      : pc.red(`cannot build: ${blocked.join(', ')}`),
  );
  return `${out.join('\n')}\n`;
}
