import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { assignShards, parseShard, resolveShard, staticWeight } from '../../src/stages/build/shard.js';

describe('--shard I/N', () => {
  it('reads a 1-based index of a total', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, total: 4 });
    expect(parseShard('1/1')).toEqual({ index: 1, total: 1 });
    expect(parseShard('4/4')).toEqual({ index: 4, total: 4 });
  });

  it.each(['0/4', '5/4', '1/0', 'x', '', '2', '2/4/1', '-1/4', '1.5/4', ' /4'])(
    'refuses "%s" in one line',
    (text) => {
      let error: unknown;
      try {
        parseShard(text);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UsageError);
      const message = (error as Error).message;
      expect(message).not.toContain('\n');
      expect(message).toContain(`--shard "${text}"`);
      expect(message).toContain('expected I/N');
    },
  );
});

describe('--shard auto', () => {
  it("reads GitLab's CI_NODE_INDEX/CI_NODE_TOTAL first", () => {
    expect(resolveShard('auto', { CI_NODE_INDEX: '3', CI_NODE_TOTAL: '5', CROSSGO_SHARD: '1/2' })).toEqual({
      index: 3,
      total: 5,
    });
  });

  it('else CROSSGO_SHARD', () => {
    expect(resolveShard('auto', { CROSSGO_SHARD: '1/2' })).toEqual({ index: 1, total: 2 });
  });

  it('names the variables when none is set, and a bad value by its variable', () => {
    expect(() => resolveShard('auto', {})).toThrow(/CI_NODE_INDEX and CI_NODE_TOTAL .* CROSSGO_SHARD/);
    expect(() => resolveShard('auto', { CI_NODE_INDEX: '6', CI_NODE_TOTAL: '5' })).toThrow(
      /^CI_NODE_INDEX\/CI_NODE_TOTAL "6\/5": expected I\/N/,
    );
    expect(() => resolveShard('auto', { CROSSGO_SHARD: 'two' })).toThrow(/^CROSSGO_SHARD "two"/);
  });

  it("checks a library caller's shard too", () => {
    expect(() => resolveShard({ index: 0, total: 2 }, {})).toThrow(UsageError);
  });
});

describe('balancing', () => {
  const items = (weights: Record<string, number>) =>
    Object.entries(weights).map(([key, weight]) => ({ key, weight }));

  it('places the heaviest first, each on the lightest shard (ties: the lowest index, then by key)', () => {
    // Worked by hand: e 9 → 0; d 7 → 1; c 5 → 2; b 3 → 2 (5 < 7 < 9); a 1 → 1 (7 < 8 < 9).
    expect(assignShards(items({ a: 1, b: 3, c: 5, d: 7, e: 9 }), 3)).toEqual([1, 2, 2, 1, 0]);
    // Equal weights: by key, round the shards.
    expect(assignShards(items({ z: 1, y: 1, x: 1, w: 1 }), 2)).toEqual([1, 0, 1, 0]);
  });

  it('is deterministic: the same list and weights give the same assignment, whatever the input order', () => {
    const list = items({ 'linux/amd64': 10, 'linux/arm64': 10, 'darwin/arm64': 12, 'windows/amd64': 12 });
    const once = assignShards(list, 3);
    expect(assignShards(list, 3)).toEqual(once);
    const reversed = [...list].reverse();
    const again = assignShards(reversed, 3).reverse();
    expect(again).toEqual(once);
  });

  it('gives every item a shard, and some shards nothing when there are more shards than items', () => {
    expect(assignShards(items({ a: 1, b: 2 }), 4)).toEqual([1, 0]);
    expect(assignShards([], 3)).toEqual([]);
  });

  it('weighs every port the same without --costs (a cold build is mostly the standard library)', () => {
    for (const goos of ['linux', 'darwin', 'windows', 'wasip1', 'plan9'])
      expect(staticWeight(goos)).toBe(10000);
  });
});
