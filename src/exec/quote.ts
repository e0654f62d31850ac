import { UsageError } from '../errors.js';

/** Quotes one -ldflags word the way cmd/go splits them (cmd/internal/quoted). */
export function quoteFlagWord(word: string): string {
  if (!/[\s'"]/.test(word)) return word;
  if (!word.includes("'")) return `'${word}'`;
  if (!word.includes('"')) return `"${word}"`;
  throw new UsageError(
    `value ${JSON.stringify(word)} contains both quote characters: go's -ldflags cannot carry it`,
  );
}
