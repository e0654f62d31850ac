import { createReadStream } from 'node:fs';
import type { CheckResult } from './checks.js';

/** A path that must not appear in an artifact, with what it is. */
export interface LeakNeedle {
  label: string;
  value: string;
}

/** Paths this short would match by accident ("/", "/go"): not searched. */
const MIN_NEEDLE = 5;

/**
 * Streams the whole file once and looks for every needle (the module folder, $HOME, GOPATH,
 * GOROOT): an absolute build path in a release binary leaks the builder's machine and breaks
 * reproducibility. Chunks overlap by the longest needle so a match across a boundary counts.
 */
export async function checkLeaks(file: string, needles: readonly LeakNeedle[]): Promise<CheckResult> {
  const usable = dedupe(needles.filter((n) => n.value.length >= MIN_NEEDLE));
  if (usable.length === 0)
    return { name: 'leaked-paths', status: 'skip', detail: 'no build paths known to look for' };
  const patterns = usable.map((n) => ({ ...n, bytes: Buffer.from(n.value) }));
  const overlap = Math.max(...patterns.map((p) => p.bytes.length)) - 1;
  const found = new Map<string, number>();
  let carry = Buffer.alloc(0);
  let position = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const data = Buffer.concat([carry, chunk as Buffer]);
    const base = position - carry.length;
    for (const p of patterns) {
      if (found.has(p.label)) continue;
      const at = data.indexOf(p.bytes);
      if (at !== -1) found.set(p.label, base + at);
    }
    position += (chunk as Buffer).length;
    carry = data.subarray(Math.max(0, data.length - overlap));
  }
  if (found.size === 0) {
    return {
      name: 'leaked-paths',
      status: 'pass',
      detail: `none of ${usable.map((n) => n.label).join(', ')}`,
    };
  }
  const list = [...found].map(
    ([label, at]) => `${label} (${usable.find((n) => n.label === label)?.value}) at 0x${at.toString(16)}`,
  );
  return { name: 'leaked-paths', status: 'fail', detail: list.join('; ') };
}

function dedupe(needles: LeakNeedle[]): LeakNeedle[] {
  const byValue = new Map<string, LeakNeedle>();
  for (const n of needles) if (!byValue.has(n.value)) byValue.set(n.value, n);
  return [...byValue.values()];
}
