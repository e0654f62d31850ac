import { UsageError } from '../errors.js';

/**
 * Splits a hook's command string into words the way go splits flag values such as GOFLAGS and
 * CC (cmd/internal/quoted.Split): spaces separate words, and a word may be quoted with ' or "
 * to hold spaces; there is no escaping and no shell: $VAR, *, | and > are plain characters.
 */
export function splitWords(text: string, what: string): string[] {
  const words: string[] = [];
  let rest = text;
  for (;;) {
    rest = rest.replace(/^[ \t\n\r]+/, '');
    if (rest === '') break;
    const quote = rest[0];
    if (quote === '"' || quote === "'") {
      const end = rest.indexOf(quote, 1);
      if (end < 0) throw new UsageError(`${what}: unterminated ${quote} string in ${JSON.stringify(text)}`);
      words.push(rest.slice(1, end));
      rest = rest.slice(end + 1);
      continue;
    }
    const end = rest.search(/[ \t\n\r]/);
    words.push(end < 0 ? rest : rest.slice(0, end));
    rest = end < 0 ? '' : rest.slice(end);
  }
  if (words.length === 0) throw new UsageError(`${what}: the command is empty`);
  return words;
}
