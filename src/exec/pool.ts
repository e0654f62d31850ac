/**
 * A bounded pool: runs `task` over `items` with at most `limit` in flight, and returns
 * each item's outcome in input order. A failing task does not stop the others; once the
 * signal aborts, no new task starts.
 */
export type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

export async function runPool<I, T>(
  items: readonly I[],
  limit: number,
  task: (item: I, index: number) => Promise<T>,
  signal?: AbortSignal,
): Promise<Settled<T>[]> {
  const results: Settled<T>[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      if (signal?.aborted) {
        results[index] = { ok: false, error: signal.reason };
        continue;
      }
      try {
        results[index] = { ok: true, value: await task(items[index] as I, index) };
      } catch (error) {
        results[index] = { ok: false, error };
      }
    }
  };
  const width = Math.max(1, Math.min(limit, items.length));
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}
