/**
 * The WWW-Authenticate header (RFC 7235 section 4.1, auth-param grammar of RFC 7230): a scheme and
 * name=value parameters, a value a token or a quoted string with backslash escapes. A registry
 * answers a 401 with `Bearer realm=…,service=…,scope=…` (distribution's docs/spec/auth/token.md)
 * or `Basic realm=…`. Several challenges may share one header; crossgo takes Bearer or Basic.
 */
export interface Challenge {
  scheme: 'bearer' | 'basic';
  params: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

export function parseChallenges(header: string): Challenge[] {
  const found: Challenge[] = [];
  let rest = header.slice(0, 8192);
  let current: { scheme: string; params: Record<string, string> } | null = null;
  const push = () => {
    if (current && (current.scheme === 'bearer' || current.scheme === 'basic')) {
      found.push({ scheme: current.scheme, params: current.params });
    }
  };
  while (rest.length > 0) {
    rest = rest.replace(/^[\s,]+/, '');
    const name = TOKEN.exec(rest)?.[0];
    if (!name) break;
    rest = rest.slice(name.length);
    // A token68 (`Negotiate abc==`): padding then the end of the challenge; skipped.
    const token68 = /^=+\s*(?:,|$)/.exec(rest);
    if (token68) {
      rest = rest.slice(token68[0].length);
      continue;
    }
    const eq = /^\s*=\s*/.exec(rest);
    if (!eq) {
      // A new scheme.
      push();
      current = { scheme: name.toLowerCase(), params: {} };
      continue;
    }
    rest = rest.slice(eq[0].length);
    let value: string;
    if (rest.startsWith('"')) {
      let i = 1;
      value = '';
      while (i < rest.length && rest[i] !== '"') {
        if (rest[i] === '\\' && i + 1 < rest.length) i++;
        value += rest[i];
        i++;
      }
      rest = rest.slice(i + 1);
    } else {
      value = TOKEN.exec(rest)?.[0] ?? '';
      rest = rest.slice(value.length);
    }
    if (current) current.params[name.toLowerCase()] = value;
  }
  push();
  return found;
}
