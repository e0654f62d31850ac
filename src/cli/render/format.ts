/** Small formatters for human output. Sizes and durations come from the one unit formatter (bench/units.ts). */
import { formatBytes, formatMilliseconds } from '../../bench/units.js';

export { formatBytes };

/** A duration in ms or s, three significant digits, as the HTML report writes it. */
export function formatDuration(ms: number): string {
  return formatMilliseconds(ms);
}

/** Left-aligned columns; a column whose header starts with ">" is right-aligned. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const right = headers.map((h) => h.startsWith('>'));
  const titles = headers.map((h) => h.replace(/^>/, ''));
  const widths = titles.map((t, i) =>
    Math.max(visibleLength(t), ...rows.map((r) => visibleLength(r[i] ?? ''))),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => {
        const pad = ' '.repeat((widths[i] ?? 0) - visibleLength(cell));
        return right[i] ? pad + cell : cell + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(titles), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function visibleLength(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
  return text.replace(/\x1b\[[0-9;]*m/g, '').length;
}
