import type { GoBuildInfo, GoModule } from '../types.js';

/**
 * The module info text (src/runtime/debug/mod.go, ParseBuildInfo): TAB-separated lines
 * `path`, `mod`, `dep`, `=>` (replaces the line before) and `build key=value`. Unknown and
 * malformed lines are skipped, as `go version -m` shows what it can.
 */
export function parseModInfo(text: string): Omit<GoBuildInfo, 'version'> {
  const info: Omit<GoBuildInfo, 'version'> = { path: '', main: null, deps: [], settings: {} };
  let last: GoModule | null = null;
  for (const line of text.split('\n')) {
    const fields = line.split('\t');
    switch (fields[0]) {
      case 'path':
        info.path = fields[1] ?? '';
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
        const setting = fields.slice(1).join('\t');
        const [key, value] = splitSetting(setting);
        if (key !== '') info.settings[key] = value;
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

/** `key=value`, where either side may be a Go quoted string (keys with '=' or spaces, values with spaces). */
export function splitSetting(setting: string): [string, string] {
  let key: string;
  let rest: string;
  if (setting.startsWith('"')) {
    const end = quotedEnd(setting);
    if (end === -1) return ['', ''];
    key = unquote(setting.slice(0, end + 1));
    rest = setting.slice(end + 1);
    if (!rest.startsWith('=')) return ['', ''];
    rest = rest.slice(1);
  } else {
    const eq = setting.indexOf('=');
    if (eq === -1) return ['', ''];
    key = setting.slice(0, eq);
    rest = setting.slice(eq + 1);
  }
  const value = rest.startsWith('"') || rest.startsWith('`') ? unquote(rest) : rest;
  return [key, value];
}

function quotedEnd(text: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

/** Go's strconv.Unquote for the forms cmd/go writes: "…" with escapes, or `…`. */
export function unquote(text: string): string {
  if (text.startsWith('`') && text.endsWith('`') && text.length >= 2) return text.slice(1, -1);
  try {
    return JSON.parse(text.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1').replace(/\\'/g, "'")) as string;
  } catch {
    return text;
  }
}
