import { UsageError } from '../errors.js';
import { splitQuotedOrWhy } from '../exec/quote.js';

/**
 * Splits a hook's command string into words the way go splits flag values such as GOFLAGS and
 * CC (cmd/internal/quoted.Split): spaces separate words, and a word may be quoted with ' or "
 * to hold spaces; there is no escaping and no shell: $VAR, *, | and > are plain characters.
 */
export function splitWords(text: string, what: string): string[] {
  const split = splitQuotedOrWhy(text);
  if (split.words === null) {
    throw new UsageError(`${what}: unterminated ${split.unterminated} string in ${JSON.stringify(text)}`);
  }
  if (split.words.length === 0) throw new UsageError(`${what}: the command is empty`);
  return split.words;
}
