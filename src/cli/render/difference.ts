import type { Difference } from '../../repro/explain.js';

/**
 * Where and why two builds differ, as `crossgo repro` and `crossgo rebuild` both print it:
 * build 1 and build 2 (for rebuild: the file and the rebuild), indented under a heading line.
 */
export function differenceLines(d: Difference): string[] {
  const out: string[] = [];
  if (d.sections.length > 0) {
    out.push(
      `  sections that differ: ${d.sections.map((s) => `${s.name} (${s.differingBytes} bytes)`).join(', ')}`,
    );
  }
  if (d.first) {
    out.push(
      `  first difference at 0x${d.first.offset.toString(16)}${d.first.section ? ` in ${d.first.section}` : ''}:`,
      `    1: ${d.first.hexA}  |${d.first.textA}|`,
      `    2: ${d.first.hexB}  |${d.first.textB}|`,
    );
  }
  for (const c of d.causes) out.push(`  likely cause (${c.kind}): ${c.detail}`);
  if (d.causes.length === 0) out.push('  no likely cause found in the bytes or the build info');
  return out;
}
