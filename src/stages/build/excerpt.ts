// go's progress while it fetches modules: not errors.
const PROGRESS_LINE = /^go: (downloading|finding|extracting) /;

/** Lines of go's output a failure keeps: enough for a compile error list (go stops at 10). */
export const EXCERPT_LINES = 12;
/** Longest line kept: a linker's command line alone can be kilobytes. */
export const EXCERPT_LINE_CHARS = 400;

// The first line that says what went wrong: go's "file.go:3:5: undefined: x", the linker's
// "running gcc failed", "cannot find package" …
const ERROR_LINE = /error|undefined|cannot|failed|: /i;
// … and, when that is only the linker giving up, the first line that names the cause.
const CAUSE_LINE = /undefined|cannot find|multiple definition|not defined|relocation|unresolved/i;

/**
 * The part of go build's output a failure keeps (in the manifest and on screen): the last lines,
 * where go ends, and, when they do not reach back that far, the package line ("# pkg"), the
 * first line that names the error and the first that names a cause, then "…" where lines were
 * cut. A cgo link failure prints "link: running gcc failed" and the first undefined symbol
 * early, then one more per symbol and the collect2 line, which alone would hide both. At most
 * `lines` + 1 lines, each cut to EXCERPT_LINE_CHARS, so ~5 KB whatever go printed.
 */
export function failureExcerpt(text: string, lines = EXCERPT_LINES): string {
  const all = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(clip);
  if (all.length <= lines) return all.join('\n');
  const firstOf = (re: RegExp) =>
    all.findIndex((line) => !line.startsWith('# ') && !PROGRESS_LINE.test(line) && re.test(line));
  const picked = new Set<number>();
  if (all[0]?.startsWith('# ')) picked.add(0);
  for (const index of [firstOf(ERROR_LINE), firstOf(CAUSE_LINE)]) if (index >= 0) picked.add(index);
  if (picked.size === 0) picked.add(0);
  // The head lines that the tail does not already show; the tail takes the rest of the room.
  let head = [...picked].sort((a, b) => a - b);
  for (let tail = lines - head.length; ; tail = lines - head.length) {
    const outside = head.filter((i) => i < all.length - tail);
    if (outside.length === head.length) break;
    head = outside;
  }
  const tail = all.slice(all.length - (lines - head.length));
  if (head.length === 0) return tail.join('\n');
  return [...head.map((i) => all[i] as string), '…', ...tail].join('\n');
}

function clip(line: string): string {
  return line.length > EXCERPT_LINE_CHARS ? `${line.slice(0, EXCERPT_LINE_CHARS - 1)}…` : line;
}
