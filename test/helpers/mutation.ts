import { FormatError } from '../../src/binary/errors.js';
import { mulberry32 } from './prng.js';

/**
 * How long one parse of a mutated input may take before it counts as a hang. A bound for hangs
 * and runaway loops, not a speed goal (the machine is shared and noisy; speed is measured by
 * bench/): a parse that loops over a forged count takes seconds or forever, a healthy one
 * milliseconds, and the campaign prints its slowest input either way.
 */
export const HANG_MS = 1000;

/** One parse of a mutated input: its time and whether the reader refused it. */
export interface TimedParse {
  ms: number;
  refused: boolean;
}

/**
 * Parses once and times it; any exception but a FormatError is rethrown with the label (a crash
 * is a bug). A slow parse is timed twice more and the fastest kept: a garbage collection or
 * another process on a two-core machine can stall one run, a slow parser is slow every time.
 */
export function timedParse(
  parse: (input: Uint8Array) => unknown,
  input: Uint8Array,
  label: string,
): TimedParse {
  const once = () => {
    const t0 = performance.now();
    let refused = false;
    try {
      parse(input);
    } catch (error) {
      if (!(error instanceof FormatError)) {
        throw new Error(`${label}: ${error instanceof Error ? error.stack : String(error)}`);
      }
      refused = true;
    }
    return { ms: performance.now() - t0, refused };
  };
  const first = once();
  if (first.ms < 20) return first;
  return { ms: Math.min(first.ms, once().ms, once().ms), refused: first.refused };
}

/** A mutation applied in place, and how to take it back. */
export interface Mutation<P> {
  input: Uint8Array;
  patches: P;
  what: string;
}

export interface CampaignTarget<T, P> {
  name: string;
  /** The working copy the mutations patch in place. */
  target: T;
  /** The working copy's bytes, checked to be intact again after every undo. */
  bytes: Uint8Array;
  /** The original bytes. */
  original: Uint8Array;
  mutate(target: T, rand: () => number): Mutation<P>;
  undo(target: T, patches: P): void;
}

export interface CampaignResult {
  count: number;
  refused: number;
  max: number;
  maxWhat: string;
  /** Targets whose working copy was not restored by the undos (should be none). */
  notRestored: string[];
}

/**
 * The mutation campaign every reader's test runs: per target an untimed warm-up (the intact
 * file, then inputs from another seed, so every path is compiled before timings count: a cold
 * path runs interpreted, several times slower), then `perTarget` timed inputs from a seed the
 * label names, so any failure can be replayed.
 */
export function runMutationCampaign<T, P>(opts: {
  seed: number;
  perTarget: number;
  targets: readonly CampaignTarget<T, P>[];
  parse: (input: Uint8Array) => unknown;
}): CampaignResult {
  const result: CampaignResult = { count: 0, refused: 0, max: 0, maxWhat: '', notRestored: [] };
  for (const [k, t] of opts.targets.entries()) {
    for (let i = 0; i < 5; i++) timedParse(opts.parse, t.bytes, `${t.name} intact`);
    const warm = mulberry32(~opts.seed >>> 0);
    for (let i = 0; i < 300; i++) {
      const m = t.mutate(t.target, warm);
      try {
        timedParse(opts.parse, m.input, `warm-up ${i} (${t.name}): ${m.what}`);
      } finally {
        t.undo(t.target, m.patches);
      }
    }
    const seed = (opts.seed + k) >>> 0;
    const rand = mulberry32(seed);
    for (let i = 0; i < opts.perTarget; i++) {
      const m = t.mutate(t.target, rand);
      const label = `seed 0x${seed.toString(16)} input ${i} (${t.name}): ${m.what}`;
      try {
        const { ms, refused } = timedParse(opts.parse, m.input, label);
        if (ms > result.max) [result.max, result.maxWhat] = [ms, label];
        if (refused) result.refused++;
      } finally {
        t.undo(t.target, m.patches);
      }
      result.count++;
    }
    // Buffer.compare: toEqual on megabytes is slow.
    if (Buffer.compare(t.bytes, t.original) !== 0) result.notRestored.push(t.name);
  }
  return result;
}
