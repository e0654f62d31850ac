import type { CheckResult } from './checks.js';

/** A path that must not appear in an artifact, with what it is. */
export interface LeakNeedle {
  label: string;
  value: string;
}

/** Paths this short would match by accident ("/", "/go"): not searched. */
const MIN_NEEDLE = 5;

/**
 * Looks for every needle (the module folder, $HOME, GOPATH, GOROOT) in a file fed to it chunk
 * by chunk, in order: an absolute build path in a release binary leaks the builder's machine
 * and breaks reproducibility. Chunks overlap by the longest needle so a match across a
 * boundary counts; only that overlap is kept between chunks.
 */
export class LeakScanner {
  private readonly usable: LeakNeedle[];
  /** Shortest first; `within`: the shorter needles this one contains (GOPATH /root/go holds $HOME /root). */
  private readonly patterns: (LeakNeedle & { bytes: Buffer; within: number[] })[];
  private readonly overlap: number;
  private readonly found = new Map<string, number>();
  private carry = Buffer.alloc(0);
  private position = 0;

  constructor(needles: readonly LeakNeedle[]) {
    this.usable = dedupe(needles.filter((n) => n.value.length >= MIN_NEEDLE));
    const sorted = [...this.usable].sort((a, b) => a.value.length - b.value.length);
    this.patterns = sorted.map((n, i) => ({
      ...n,
      bytes: Buffer.from(n.value),
      within: sorted.flatMap((m, j) => (j < i && n.value.includes(m.value) ? [j] : [])),
    }));
    this.overlap = Math.max(0, ...this.patterns.map((p) => p.bytes.length - 1));
  }

  update(chunk: Buffer): void {
    if (this.patterns.length === 0 || this.found.size === this.patterns.length) return;
    const data = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const base = this.position - this.carry.length;
    // A needle that holds a shorter one absent from this chunk is absent too: on a clean binary
    // only the shortest needles are searched (the search is most of verify's time).
    const absent = new Set<number>();
    for (const [i, p] of this.patterns.entries()) {
      if (this.found.has(p.label)) continue;
      if (p.within.some((j) => absent.has(j))) {
        absent.add(i);
        continue;
      }
      const at = data.indexOf(p.bytes);
      if (at === -1) absent.add(i);
      else this.found.set(p.label, base + at);
    }
    this.position += chunk.length;
    // A copy: the caller reuses its buffer for the next chunk.
    this.carry = Buffer.from(data.subarray(Math.max(0, data.length - this.overlap)));
  }

  /** `expected`: why build paths belong in this file; then finding them is a warning, not a failure. */
  result(expected?: string): CheckResult {
    if (this.usable.length === 0)
      return { name: 'leaked-paths', status: 'skip', detail: 'no build paths known to look for' };
    if (this.found.size === 0) {
      return {
        name: 'leaked-paths',
        status: 'pass',
        detail: `none of ${this.usable.map((n) => n.label).join(', ')}`,
      };
    }
    const list = [...this.found].map(
      ([label, at]) =>
        `${label} (${this.usable.find((n) => n.label === label)?.value}) at 0x${at.toString(16)}`,
    );
    if (expected)
      return { name: 'leaked-paths', status: 'warn', detail: `${list.join('; ')}; expected: ${expected}` };
    return { name: 'leaked-paths', status: 'fail', detail: list.join('; ') };
  }
}

function dedupe(needles: LeakNeedle[]): LeakNeedle[] {
  const byValue = new Map<string, LeakNeedle>();
  for (const n of needles) if (!byValue.has(n.value)) byValue.set(n.value, n);
  return [...byValue.values()];
}
