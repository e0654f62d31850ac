import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runPool } from '../../src/exec/pool.js';

/** A task that records how many tasks run at once. */
function tracker() {
  let inFlight = 0;
  let max = 0;
  const started: number[] = [];
  const task = async (ms: number, index: number) => {
    started.push(index);
    inFlight++;
    max = Math.max(max, inFlight);
    await sleep(ms);
    inFlight--;
    return ms * 10;
  };
  return { task, started, max: () => max, inFlight: () => inFlight };
}

describe('runPool', () => {
  it.each([1, 2, 3, 5])('never runs more than %i tasks at once, and uses all of them', async (limit) => {
    const t = tracker();
    const items = [30, 10, 20, 5, 25, 15, 10, 5, 20, 10];
    const results = await runPool(items, limit, t.task);
    expect(t.max()).toBe(limit);
    expect(t.inFlight()).toBe(0);
    expect(results).toHaveLength(items.length);
    expect(t.started).toHaveLength(items.length);
  });

  it('returns results in input order whatever the completion order', async () => {
    const items = [50, 5, 30, 1, 20];
    const completed: number[] = [];
    const results = await runPool(items, 5, async (ms, index) => {
      await sleep(ms);
      completed.push(index);
      return `item ${index}`;
    });
    expect(completed).not.toEqual([0, 1, 2, 3, 4]);
    expect(results).toEqual(items.map((_, i) => ({ ok: true, value: `item ${i}` })));
  });

  it('passes each item with its index', async () => {
    const seen: [string, number][] = [];
    await runPool(['a', 'b', 'c'], 2, async (item, index) => {
      seen.push([item, index]);
    });
    expect([...seen].sort()).toEqual([
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ]);
  });

  it('records a failure and keeps running the other tasks', async () => {
    const boom = new Error('boom');
    const ran: number[] = [];
    const results = await runPool([0, 1, 2, 3, 4], 2, async (item) => {
      ran.push(item);
      await sleep(5);
      if (item === 1) throw boom;
      if (item === 3) throw 'not an Error';
      return item;
    });
    expect([...ran].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(results).toEqual([
      { ok: true, value: 0 },
      { ok: false, error: boom },
      { ok: true, value: 2 },
      { ok: false, error: 'not an Error' },
      { ok: true, value: 4 },
    ]);
  });

  it('also records a synchronous throw from the task', async () => {
    const results = await runPool([1, 2], 1, (item) => {
      if (item === 1) throw new Error('sync');
      return Promise.resolve(item);
    });
    expect(results[0]).toMatchObject({ ok: false, error: new Error('sync') });
    expect(results[1]).toEqual({ ok: true, value: 2 });
  });

  it('starts no new task once the signal aborts, and lets running ones finish', async () => {
    const controller = new AbortController();
    const reason = new Error('interrupted');
    const started: number[] = [];
    const results = await runPool(
      [0, 1, 2, 3, 4, 5, 6, 7],
      2,
      async (item) => {
        started.push(item);
        if (item === 2) controller.abort(reason);
        await sleep(20);
        return item;
      },
      controller.signal,
    );
    expect([...started].sort()).toEqual([0, 1, 2]);
    expect(results.slice(0, 3)).toEqual([
      { ok: true, value: 0 },
      { ok: true, value: 1 },
      { ok: true, value: 2 },
    ]);
    expect(results.slice(3)).toEqual([3, 4, 5, 6, 7].map(() => ({ ok: false, error: reason })));
  });

  it('starts nothing when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('early'));
    let calls = 0;
    const results = await runPool(
      [1, 2, 3],
      3,
      async () => {
        calls++;
      },
      controller.signal,
    );
    expect(calls).toBe(0);
    expect(results.every((r) => !r.ok && (r.error as Error).message === 'early')).toBe(true);
    expect(results).toHaveLength(3);
  });

  it('returns an empty list for no items', async () => {
    expect(await runPool([], 4, async () => 1)).toEqual([]);
  });

  it('treats a limit below 1 as 1', async () => {
    const t = tracker();
    const results = await runPool([5, 5, 5], 0, t.task);
    expect(t.max()).toBe(1);
    expect(results).toEqual([50, 50, 50].map((value) => ({ ok: true, value })));
  });

  it('with a limit above the item count runs every item at once', async () => {
    const t = tracker();
    await runPool([20, 20, 20], 64, t.task);
    expect(t.max()).toBe(3);
  });
});
