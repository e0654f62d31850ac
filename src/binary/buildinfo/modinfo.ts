import type { GoBuildInfo, GoModule } from '../types.js';

/**
 * The module info text (src/runtime/debug/mod.go, ParseBuildInfo): TAB-separated lines
 * `path`, `mod`, `dep`, `=>` (replaces the line before) and `build key=value`. Unknown and
 * malformed lines are skipped, as `go version -m` shows what it can.
 */
export function parseModInfo(text: string): Omit<GoBuildInfo, 'version'> {
  const info: Omit<GoBuildInfo, 'version'> = { path: '', main: null, deps: [], settings: {} };
  let last: GoModule | null = null;
  const lines = text.split('\n');
  // ParseBuildInfo reads only newline-terminated lines: a trailing fragment is ignored.
  lines.pop();
  for (const line of lines) {
    const fields = line.split('\t');
    switch (fields[0]) {
      case 'path':
        // The rest of the line, tabs included (ParseBuildInfo takes everything after "path\t").
        if (fields.length > 1) info.path = line.slice('path\t'.length);
        break;
      case 'mod':
        info.main = module(fields);
        last = info.main;
        break;
      case 'dep':
        last = module(fields);
        info.deps.push(last);
        break;
      case '=>':
        if (last) last.replace = module(fields);
        last = null;
        break;
      case 'build': {
        const setting = splitSetting(fields.slice(1).join('\t'));
        // defineProperty, not assignment: a key "__proto__" would otherwise replace the
        // object's prototype instead of being recorded.
        if (setting)
          Object.defineProperty(info.settings, setting[0], {
            value: setting[1],
            enumerable: true,
            writable: true,
            configurable: true,
          });
        break;
      }
      default:
        break;
    }
  }
  return info;
}

function module(fields: string[]): GoModule {
  return { path: fields[1] ?? '', version: fields[2] ?? '', sum: fields[3] ?? '', replace: null };
}

/**
 * `key=value`, where either side may be a Go quoted string: cmd/go quotes keys that are
 * empty or hold `= \t\r\n"` and a backquote, and values with spaces, tabs, newlines or quotes
 * (runtime/debug/mod.go quoteKey, quoteValue; ParseBuildInfo reads both "…" and `…`). An empty
 * key is legal (written `""`); null when the text is no setting at all.
 */
export function splitSetting(setting: string): [string, string] | null {
  let key: string;
  let rest: string;
  const q = setting[0];
  if (q === '"' || q === '`') {
    const end = quotedEnd(setting);
    if (end === -1) return null;
    key = unquote(setting.slice(0, end + 1));
    rest = setting.slice(end + 1);
    if (!rest.startsWith('=')) return null;
    rest = rest.slice(1);
  } else {
    const eq = setting.indexOf('=');
    if (eq === -1) return null;
    key = setting.slice(0, eq);
    rest = setting.slice(eq + 1);
  }
  const value = rest.startsWith('"') || rest.startsWith('`') ? unquote(rest) : rest;
  return [key, value];
}

/** Index of the quote closing the Go string literal that starts `text` ("…" with escapes, or `…`), or -1. */
function quotedEnd(text: string): number {
  const quote = text[0];
  for (let i = 1; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') i++;
    else if (text[i] === quote) return i;
  }
  return -1;
}

const SIMPLE_ESCAPES: Record<string, number> = {
  a: 7,
  b: 8,
  f: 12,
  n: 10,
  r: 13,
  t: 9,
  v: 11,
  '\\': 92,
  '"': 34,
};

/**
 * Go's strconv.Unquote for the two forms strconv.Quote and cmd/go write: `…` (raw, carriage
 * returns dropped) or "…" with \a \b \f \n \r \t \v \\ \" \xHH \ooo \uHHHH \UHHHHHHHH. \x and
 * octal escapes are bytes, so the result is rebuilt as UTF-8 bytes and decoded once. Text that
 * is not a valid literal is returned as it is, as `go version -m` shows what it can.
 */
export function unquote(text: string): string {
  if (text.length >= 2 && text.startsWith('`') && text.endsWith('`'))
    return text.slice(1, -1).replaceAll('\r', '');
  if (text.length < 2 || !text.startsWith('"') || !text.endsWith('"')) return text;
  const bytes = unescapeGo(text.slice(1, -1));
  return bytes === null ? text : new TextDecoder('utf-8').decode(bytes);
}

function unescapeGo(body: string): Uint8Array | null {
  const out: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < body.length; ) {
    const c = body[i] as string;
    if (c === '"' || c === '\n') return null;
    if (c !== '\\') {
      const cp = body.codePointAt(i) as number;
      const ch = String.fromCodePoint(cp);
      out.push(...encoder.encode(ch));
      i += ch.length;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) return null;
    const simple = SIMPLE_ESCAPES[e];
    if (simple !== undefined) {
      out.push(simple);
      i += 2;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 2, i + 2 + n);
      if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== n) return null;
      const v = Number.parseInt(hex, 16);
      if (e === 'x') out.push(v);
      else if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) return null;
      else out.push(...encoder.encode(String.fromCodePoint(v)));
      i += 2 + n;
    } else if (e >= '0' && e <= '7') {
      const oct = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct)) return null;
      const v = Number.parseInt(oct, 8);
      if (v > 255) return null;
      out.push(v);
      i += 4;
    } else return null;
  }
  return Uint8Array.from(out);
}
