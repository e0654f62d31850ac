import pc from 'picocolors';
import { type Inspection, inspect } from '../../commands/inspect.js';
import type { CliContext } from '../context.js';
import { formatBytes, formatTable } from '../render/format.js';

export interface InspectFlagsCli {
  json?: boolean;
  sections?: boolean;
  verbose?: boolean;
}

/** `crossgo inspect FILE…`: one compact row per file, or everything with -v, or JSON. */
export async function inspectCommand(
  files: string[],
  flags: InspectFlagsCli,
  cli: CliContext,
): Promise<number> {
  const outcomes = await inspect({ files, sections: flags.sections, cwd: cli.cwd });
  if (flags.json) {
    const records = outcomes.map((o) => (o.ok ? o.inspection : { file: o.file, error: o.error }));
    process.stdout.write(`${JSON.stringify(records, null, 2)}\n`);
  } else if (flags.verbose) {
    for (const o of outcomes) {
      process.stdout.write(
        o.ok ? `${describe(o.inspection)}\n` : `${o.file}\n  ${pc.red(`error: ${o.error.message}`)}\n\n`,
      );
    }
  } else {
    // Unreadable files are reported on stderr below, not as rows.
    const rows = outcomes.flatMap((o) => (o.ok ? [row(o.inspection)] : []));
    if (rows.length > 0) {
      process.stdout.write(
        `${formatTable(['file', 'format', 'target', 'bits', 'type', 'linking', 'stripped', 'go', '>size'], rows)}\n`,
      );
    }
    if (outcomes.some((o) => o.ok && o.inspection.sections)) {
      for (const o of outcomes)
        if (o.ok) process.stdout.write(`\n${o.file}\n${sectionTable(o.inspection)}\n`);
    }
  }
  for (const o of outcomes) if (!o.ok) process.stderr.write(`crossgo: ${o.file}: ${o.error.message}\n`);
  return outcomes.every((o) => o.ok) ? 0 : 1;
}

function row(i: Inspection): string[] {
  const target = `${i.goos ?? '?'}/${i.goarch ?? '?'}${i.slices ? ` +${i.slices.length - 1}` : ''}`;
  const linking = i.static ? 'static' : `dynamic (${i.libraries.join(', ') || i.interpreter})`;
  return [
    i.file,
    i.format,
    target,
    String(i.bits),
    i.type,
    linking,
    i.stripped ? 'yes' : 'no',
    i.go?.version ?? '-',
    formatBytes(i.size),
  ];
}

function describe(i: Inspection, indent = ''): string {
  const lines = [`${indent}${i.file}`];
  const add = (key: string, value: unknown) => lines.push(`${indent}  ${key.padEnd(14)} ${value}`);
  add('format', i.format);
  add('target', `${i.goos ?? '?'}/${i.goarch ?? '?'}`);
  add('bits/endian', `${i.bits}, ${i.endian}`);
  add('type', i.type);
  add('entry', i.entry ?? '-');
  add('static', i.static);
  add('interpreter', i.interpreter ?? '-');
  add('libraries', i.libraries.join(', ') || '-');
  add('stripped', i.stripped);
  add('dwarf', i.dwarf);
  add('symbols', i.symbols);
  add('go build id', i.goBuildId ?? '-');
  if (i.subsystem) add('subsystem', i.subsystem);
  if (i.minOS !== undefined) add('min os', i.minOS ?? '-');
  if (i.codeSignature) add('code signature', i.codeSignature);
  if (i.go) {
    add('go', i.go.version);
    add('path', i.go.path);
    if (i.go.main) add('main', `${i.go.main.path} ${i.go.main.version} ${i.go.main.sum}`.trim());
    for (const d of i.go.deps)
      add(
        'dep',
        `${d.path} ${d.version} ${d.sum}${d.replace ? ` => ${d.replace.path} ${d.replace.version}` : ''}`.trim(),
      );
    for (const [k, v] of Object.entries(i.go.settings)) add('build', `${k}=${v}`);
  } else add('go', 'not a Go binary');
  for (const slice of i.slices ?? [])
    lines.push(describe({ ...slice, file: `slice ${slice.goarch}`, size: i.size }, `${indent}  `));
  if (i.sections) lines.push(sectionTable(i));
  return `${lines.join('\n')}\n`;
}

function sectionTable(i: Inspection): string {
  return formatTable(
    ['section', 'address', '>size'],
    (i.sections ?? []).map((s) => [s.name, s.address, String(s.size)]),
  );
}
