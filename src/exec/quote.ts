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

/**
 * Splits a value the way go does (cmd/internal/quoted.Split): on spaces, with '…' and "…"
 * grouping a word, no escapes and no shell. go splits -ldflags, -gcflags, GOFLAGS, -extldflags
 * and CC so. Null for an unterminated quote (its quote character is `unterminated`).
 */
export function splitQuoted(text: string): string[] | null {
  return splitQuotedOrWhy(text).words;
}

/** splitQuoted, with the quote character that was left open. */
export function splitQuotedOrWhy(
  text: string,
): { words: string[]; unterminated?: undefined } | { words: null; unterminated: string } {
  const words: string[] = [];
  let rest = text;
  for (;;) {
    rest = rest.replace(/^[ \t\n\r]+/, '');
    if (rest === '') return { words };
    const quote = rest[0] as string;
    if (quote === '"' || quote === "'") {
      const end = rest.indexOf(quote, 1);
      if (end < 0) return { words: null, unterminated: quote };
      words.push(rest.slice(1, end));
      rest = rest.slice(end + 1);
      continue;
    }
    const end = rest.search(/[ \t\n\r]/);
    words.push(end < 0 ? rest : rest.slice(0, end));
    rest = end < 0 ? '' : rest.slice(end);
  }
}
