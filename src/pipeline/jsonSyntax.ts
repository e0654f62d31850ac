/**
 * Where JSON text first breaks the grammar (RFC 8259), for a message with a line and column:
 * V8's JSON.parse names a position for some errors only ("Unexpected token 'x', "…" is not
 * valid JSON" has none, and quotes the input). Iterative, so no nesting depth can overflow it.
 */
export interface JsonSyntaxProblem {
  line: number;
  column: number;
  reason: string;
}

type Expect = 'value' | 'value-or-close' | 'key' | 'key-or-close' | 'colon' | 'comma-or-close' | 'end';

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);

/** The first syntax error in `text`, or null when it is valid JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxProblem | null {
  const stack: string[] = [];
  let i = 0;
  let expect: Expect = 'value';
  const at = (offset: number, reason: string): JsonSyntaxProblem => ({
    ...lineAndColumn(text, offset),
    reason,
  });
  const afterValue = (): Expect => (stack.length === 0 ? 'end' : 'comma-or-close');
  const scanString = (): JsonSyntaxProblem | null => {
    const start = i;
    i++;
    for (;;) {
      if (i >= text.length) return at(start, 'a string is not closed');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return null;
      }
      if (c < 0x20) return at(i, 'a control character inside a string (escape it, e.g. \\n)');
      if (c === 0x5c) {
        const next = text[i + 1] ?? '';
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return at(i, 'a bad \\u escape');
          i += 6;
          continue;
        }
        if (!ESCAPES.has(next)) return at(i, `a bad escape ${shownChar(`\\${next}`)}`);
        i += 2;
        continue;
      }
      i++;
    }
  };
  for (;;) {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i++;
    if (i >= text.length) return expect === 'end' ? null : at(i, 'unexpected end of the file');
    const c = text[i] as string;
    const top = stack.at(-1);
    switch (expect) {
      case 'end':
        return at(i, `${shownChar(c)} after the end of the document`);
      case 'colon':
        if (c !== ':') return at(i, `expected ":" after a key, found ${shownChar(c)}`);
        i++;
        expect = 'value';
        break;
      case 'comma-or-close':
        if (c === ',') {
          i++;
          expect = top === '{' ? 'key' : 'value';
        } else if (c === (top === '{' ? '}' : ']')) {
          stack.pop();
          i++;
          expect = afterValue();
        } else {
          return at(i, `expected "," or "${top === '{' ? '}' : ']'}", found ${shownChar(c)}`);
        }
        break;
      case 'key':
      case 'key-or-close': {
        if (c === '}' && expect === 'key-or-close') {
          stack.pop();
          i++;
          expect = afterValue();
          break;
        }
        if (c !== '"') return at(i, `expected a key in double quotes, found ${shownChar(c)}`);
        const problem = scanString();
        if (problem) return problem;
        expect = 'colon';
        break;
      }
      default: {
        if (c === ']' && expect === 'value-or-close') {
          stack.pop();
          i++;
          expect = afterValue();
          break;
        }
        if (c === '{' || c === '[') {
          stack.push(c);
          i++;
          expect = c === '{' ? 'key-or-close' : 'value-or-close';
          break;
        }
        if (c === '"') {
          const problem = scanString();
          if (problem) return problem;
        } else if (c === '-' || (c >= '0' && c <= '9')) {
          NUMBER.lastIndex = i;
          if (!NUMBER.test(text)) return at(i, 'a malformed number');
          i = NUMBER.lastIndex;
        } else {
          const literal = ['true', 'false', 'null'].find((word) => text.startsWith(word, i));
          if (!literal) return at(i, `expected a value, found ${shownChar(c)}`);
          i += literal.length;
        }
        expect = afterValue();
      }
    }
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/** A character as a message shows it: quoted, anything outside printable ASCII as \uXXXX. */
function shownChar(c: string): string {
  return JSON.stringify(c).replace(
    /[^\x20-\x7e]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
