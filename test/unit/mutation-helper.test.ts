import { describe, expect, it } from 'vitest';
import { FormatError } from '../../src/binary/errors.js';
import { BufferSource, type ByteSource, readBytes } from '../../src/binary/source.js';
import {
  type CampaignTarget,
  CountingSource,
  type Input,
  parseCounted,
  ReadBudgetExceeded,
  readBudget,
  runMutationCampaign,
  runParseCampaign,
} from '../helpers/mutation.js';

/**
 * The mutation helper itself: it must catch what the campaigns rely on it to catch. The readers
 * here are deliberately broken fakes (the helper is what is under test, not a binary reader).
 */

/**
 * A toy format with the shape real hangs have: a chain of 4-byte little-endian "next" offsets
 * from offset 0, ending at 0. A reader that follows it without remembering where it has been
 * loops for ever once an offset points back (what a forged count or a cycle of section offsets
 * does to a real reader).
 */
function followChain(src: ByteSource): number {
  let at = 0;
  let links = 0;
  for (;;) {
    const next = new DataView(readBytes(src, 'elf', at, 4, 'link').slice().buffer).getUint32(0, true);
    if (next === 0) return links;
    at = next;
    links++;
  }
}

/** A chain 0 → 16 → 32 → … → 0 in a `size`-byte file. */
function chain(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  const dv = new DataView(bytes.buffer);
  for (let at = 0; at + 16 + 4 <= size; at += 16) dv.setUint32(at, at + 16, true);
  dv.setUint32(Math.floor((size - 4) / 16) * 16, 0, true);
  return bytes;
}

describe('CountingSource', () => {
  it('counts reads and bytes, and refuses the read past its budget with a ReadBudgetExceeded, not a FormatError', () => {
    const src = new CountingSource(new BufferSource(new Uint8Array(100)), { reads: 3, bytes: 1000 });
    expect(src.size).toBe(100);
    src.read(0, 10);
    src.read(10, 20);
    src.read(90, 10);
    expect([src.reads, src.bytes, src.exceeded]).toEqual([3, 40, null]);
    let error: unknown;
    try {
      src.read(0, 1);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ReadBudgetExceeded);
    expect(error).not.toBeInstanceOf(FormatError);
    expect(src.exceeded).toMatch(/^read budget exceeded: 4 reads, 41 bytes, for a 100-byte input/);
  });

  it('budgets bytes too: reading the whole file again and again is caught', () => {
    const size = 1 << 20;
    const src = new CountingSource(new BufferSource(new Uint8Array(size)));
    expect(() => {
      for (let i = 0; i < 100; i++) src.read(0, size);
    }).toThrow(ReadBudgetExceeded);
    expect(src.bytes).toBeGreaterThan(readBudget(size).bytes);
    expect(src.reads).toBeLessThan(100);
  });

  it('grows with the input', () => {
    expect(readBudget(10 << 20).reads).toBeGreaterThan(readBudget(1 << 20).reads);
    expect(readBudget(10 << 20).bytes).toBeGreaterThan(readBudget(1 << 20).bytes);
  });
});

describe('parseCounted', () => {
  const input = chain(4096);

  it('a reader that ends: parsed or refused, with its counts', () => {
    const ok = parseCounted(followChain, input, 'intact');
    expect(ok).toMatchObject({ refused: false, failure: null, reads: 256, bytes: 1024 });
    const cut = parseCounted(followChain, input.subarray(0, 100), 'cut');
    expect(cut).toMatchObject({ refused: true, failure: null });
  });

  it('a reader caught in a cycle: reported as over the read budget, not left to hang', () => {
    const looped = input.slice();
    new DataView(looped.buffer).setUint32(48, 16, true); // 16 → 32 → 48 → 16 …
    const o = parseCounted(followChain, looped, 'cycle at 48');
    expect(o.failure).toMatchObject({ label: 'cycle at 48', kind: 'budget' });
    expect(o.failure?.message).toContain('read budget exceeded');
    expect(o.reads).toBe(readBudget(looped.length).reads + 1);
  });

  it('a reader that swallows the budget error and returns is still reported', () => {
    const swallow = (src: ByteSource) => {
      try {
        for (;;) src.read(0, 4);
      } catch {
        return 'done';
      }
    };
    expect(parseCounted(swallow, input, 'swallows').failure?.kind).toBe('budget');
  });

  it('a crash (TypeError) is reported with its stack; a FormatError of a format not accepted is a crash too', () => {
    const crash = (src: ByteSource) => (null as unknown as { x: number[] }).x[src.size];
    const o = parseCounted(crash, input, 'crashes');
    expect(o.failure).toMatchObject({ label: 'crashes', kind: 'crash' });
    expect(o.failure?.message).toMatch(/^TypeError: Cannot read properties of null/);
    const wrong = () => {
      throw new FormatError('buildinfo', 0, 'leaked from an inner reader');
    };
    expect(parseCounted(wrong, input, 'leaks', (e) => e.format === 'elf').failure?.kind).toBe('crash');
    expect(parseCounted(wrong, input, 'accepted').refused).toBe(true);
  });
});

describe('runParseCampaign', () => {
  it('a reader that spins without reading: the one watchdog ends the campaign and names the input', () => {
    const spin = (src: ByteSource) => {
      for (let i = 0; ; i++) if (i < 0) return src;
    };
    const r = runParseCampaign({
      inputs: [{ label: 'spins', input: new Uint8Array(8) }],
      parse: spin,
      totalMs: 200,
    });
    expect(r.failures).toEqual([
      {
        label: 'spins',
        kind: 'hang',
        message:
          "the campaign's 200 ms watchdog fired during this input: a loop that never reads, or a reader far too slow",
      },
    ]);
  });

  it('stops at maxFailures', () => {
    const inputs: Input[] = Array.from({ length: 50 }, (_, i) => ({
      label: `#${i}`,
      input: new Uint8Array(4),
    }));
    const r = runParseCampaign({
      inputs,
      parse: () => {
        throw new TypeError('boom');
      },
      maxFailures: 3,
    });
    expect(r.failures.map((f) => f.label)).toEqual(['#0', '#1', '#2']);
    expect(r.count).toBe(3);
  });
});

describe('runMutationCampaign', () => {
  interface Chain {
    bytes: Uint8Array;
  }
  /** Overwrites one link with a random offset in the file (4-aligned): often a cycle. */
  const mutate = (t: Chain, rand: () => number) => {
    const at = 16 * Math.floor(rand() * (t.bytes.length / 16));
    const saved = t.bytes.slice(at, at + 4);
    new DataView(t.bytes.buffer).setUint32(at, 4 * Math.floor(rand() * (t.bytes.length / 4)), true);
    return { what: `link at ${at}`, input: t.bytes, patches: { at, saved } };
  };
  const undo = (t: Chain, p: { at: number; saved: Uint8Array }) => t.bytes.set(p.saved, p.at);
  const targets = (): CampaignTarget<Chain, { at: number; saved: Uint8Array }>[] => {
    const original = chain(4096);
    const bytes = original.slice();
    return [{ name: 'chain', target: { bytes }, bytes, original, mutate, undo }];
  };

  it('finds the looping inputs among the mutations, labelled with the seed to replay them, and restores the copy', () => {
    const r = runMutationCampaign({ seed: 0x5eed, perTarget: 200, targets: targets(), parse: followChain });
    expect(r.failures.length).toBeGreaterThan(0);
    expect(r.failures.every((f) => f.kind === 'budget')).toBe(true);
    expect(r.failures[0]?.label).toMatch(/^seed 0x5eed input \d+ \(chain\): link at \d+$/);
    expect(r.notRestored).toEqual([]);
    // The same seed makes the same campaign, to the input: any failure can be made again.
    const again = runMutationCampaign({
      seed: 0x5eed,
      perTarget: 200,
      targets: targets(),
      parse: followChain,
    });
    expect(again.failures).toEqual(r.failures);
    expect([again.count, again.refused, again.maxReads]).toEqual([r.count, r.refused, r.maxReads]);
  });

  it('a reader that ends on every input: no failures, per-target counts, copy restored', () => {
    // The same chain, read with a cycle check: what a correct reader does.
    const careful = (src: ByteSource) => {
      const seen = new Set<number>();
      let at = 0;
      while (!seen.has(at)) {
        seen.add(at);
        const next = new DataView(readBytes(src, 'elf', at, 4, 'link').slice().buffer).getUint32(0, true);
        if (next === 0) return seen.size;
        at = next;
      }
      throw new FormatError('elf', at, 'the chain loops');
    };
    const r = runMutationCampaign({ seed: 0x5eed, perTarget: 200, targets: targets(), parse: careful });
    expect(r.failures).toEqual([]);
    expect(r.byTarget.chain).toEqual({ count: 200, refused: r.refused });
    expect(r.refused).toBeGreaterThan(0);
    expect(r.notRestored).toEqual([]);
  });

  it('reports a working copy the undos did not restore', () => {
    const [t] = targets();
    if (!t) throw new Error('no target');
    const r = runMutationCampaign({
      seed: 1,
      perTarget: 5,
      targets: [{ ...t, undo: () => {} }],
      parse: () => null,
    });
    expect(r.notRestored).toEqual(['chain']);
  });
});
