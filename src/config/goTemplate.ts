import {
  compileTemplate,
  renderTemplate,
  type TemplateScope,
  type TemplateValues,
} from '../template/engine.js';

/*
 * GoReleaser's templates (Go's text/template over .Version, .Os, …) rewritten into crossgo's
 * ({version}, {os|title}, …), for `crossgo init --from`. Only the subset GoReleaser configs use
 * is parsed: fields, the string functions crossgo has filters for, and if/with/else over one
 * field. A conditional is translated only when the result is proven equal: over a field with a
 * known set of values (.Os, .Arch, .Arm, .Amd64, .IsSnapshot, …) the Go template is evaluated
 * for every value and compared with crossgo's rendering of the candidate; anything else is
 * refused with the reason, never guessed.
 */

/** A GoReleaser field and the crossgo placeholders that hold it (.Mips: {mips} or {mips64}). */
interface Field {
  parts: string[];
  /** Every value it can take, when that set is known; null: any string. */
  domain: readonly string[] | null;
  /** A lossy translation the user must hear about. */
  note?: string;
  /** A bool (.IsSnapshot): "true" is truthy, "false" not. */
  bool?: boolean;
}

// The ports of `go tool dist list` (Go 1.25).
const GOOS = [
  'aix',
  'android',
  'darwin',
  'dragonfly',
  'freebsd',
  'illumos',
  'ios',
  'js',
  'linux',
  'netbsd',
  'openbsd',
  'plan9',
  'solaris',
  'wasip1',
  'windows',
];
const GOARCH = [
  '386',
  'amd64',
  'arm',
  'arm64',
  'loong64',
  'mips',
  'mips64',
  'mips64le',
  'mipsle',
  'ppc64',
  'ppc64le',
  'riscv64',
  's390x',
  'wasm',
];
// The levels go accepts (GOARM, GOAMD64, …), "" for a target of another architecture.
const ARM = ['', '5', '6', '7'];
const AMD64 = ['', 'v1', 'v2', 'v3', 'v4'];
const ARM64 = ['', ...['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'].map((m) => `v8.${m}`)].concat(
  ['0', '1', '2', '3', '4', '5'].map((m) => `v9.${m}`),
);
const I386 = ['', 'sse2', 'softfloat'];
const MIPS = ['', 'hardfloat', 'softfloat'];
const PPC64 = ['', 'power8', 'power9', 'power10'];
const RISCV64 = ['', 'rva20u64', 'rva22u64', 'rva23u64'];

const PROJECT_FIELDS: Record<string, Field> = {
  ProjectName: { parts: ['project'], domain: null },
  Version: { parts: ['version'], domain: null },
  Tag: { parts: ['tag'], domain: null },
  Commit: { parts: ['commit'], domain: null },
  FullCommit: { parts: ['commit'], domain: null },
  ShortCommit: { parts: ['short_commit'], domain: null },
  CommitDate: { parts: ['commit_date'], domain: null },
  CommitTimestamp: { parts: ['commit_timestamp'], domain: null },
  Branch: { parts: ['branch'], domain: null },
  Major: { parts: ['major'], domain: null },
  Minor: { parts: ['minor'], domain: null },
  Patch: { parts: ['patch'], domain: null },
  Prerelease: { parts: ['prerelease'], domain: null },
  IsSnapshot: { parts: ['snapshot'], domain: ['true', 'false'], bool: true },
  Date: {
    parts: ['commit_date'],
    domain: null,
    note: '.Date became {commit_date}: crossgo never stamps the wall clock, so a rebuild of the commit gives the same bytes',
  },
  Timestamp: {
    parts: ['commit_timestamp'],
    domain: null,
    note: '.Timestamp became {commit_timestamp}: crossgo never stamps the wall clock, so a rebuild of the commit gives the same bytes',
  },
};

const TARGET_FIELDS: Record<string, Field> = {
  Os: { parts: ['os'], domain: GOOS },
  Arch: { parts: ['arch'], domain: GOARCH },
  Arm: { parts: ['arm'], domain: ARM },
  Amd64: { parts: ['amd64'], domain: AMD64 },
  Arm64: { parts: ['arm64'], domain: ARM64 },
  I386: { parts: ['386'], domain: I386 },
  // GoReleaser's .Mips holds GOMIPS for mips, mipsle and GOMIPS64 for mips64, mips64le alike.
  Mips: { parts: ['mips', 'mips64'], domain: MIPS },
  Ppc64: { parts: ['ppc64'], domain: PPC64 },
  Riscv64: { parts: ['riscv64'], domain: RISCV64 },
  Binary: { parts: ['binary'], domain: null },
};

/** Why a template has no translation (the `why` of the note). */
class Untranslatable extends Error {}
const refuse = (why: string): never => {
  throw new Untranslatable(why);
};

// ---- tokens and syntax tree ------------------------------------------------------------------

type Token =
  | { t: 'field'; path: string[] }
  | { t: 'dot' }
  | { t: 'str'; v: string }
  | { t: 'num'; v: string }
  | { t: 'ident'; v: string }
  | { t: '(' }
  | { t: ')' }
  | { t: '|' };

/** An expression: a field, a string, or a function applied to arguments. */
type Expr = { k: 'field'; name: string } | { k: 'str'; v: string } | { k: 'call'; fn: string; args: Expr[] };

type Node =
  | { k: 'text'; v: string }
  | { k: 'out'; e: Expr }
  | { k: 'if'; with: boolean; branches: { cond: Expr | null; body: Node[] }[]; source: string };

interface Action {
  tokens: Token[];
  source: string;
}
type Piece = { k: 'text'; v: string } | { k: 'action'; a: Action };

const MAX_TEMPLATE = 65536;

/** Splits a template into text and {{ actions }}, applying the {{- and -}} whitespace trims. */
function lex(text: string): Piece[] {
  if (text.length > MAX_TEMPLATE) refuse(`longer than ${MAX_TEMPLATE} characters`);
  const pieces: Piece[] = [];
  let i = 0;
  let trimNext = false;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    let literal = open < 0 ? text.slice(i) : text.slice(i, open);
    if (trimNext) literal = literal.replace(/^[ \t\r\n]+/, '');
    if (open < 0) {
      if (literal) pieces.push({ k: 'text', v: literal });
      break;
    }
    let start = open + 2;
    if (text.startsWith('- ', start) || /^-[\t\r\n]/.test(text.slice(start, start + 2))) {
      literal = literal.replace(/[ \t\r\n]+$/, '');
      start += 1;
    }
    if (literal) pieces.push({ k: 'text', v: literal });
    const close = findClose(text, start);
    if (close < 0) refuse('a "{{" without its "}}"');
    let end = close;
    trimNext = false;
    if (/[ \t\r\n]-$/.test(text.slice(start, close))) {
      trimNext = true;
      end = close - 1;
    }
    const source = text.slice(start, end).trim();
    i = close + 2;
    if (source.startsWith('/*')) {
      if (!source.endsWith('*/')) refuse('an unterminated comment');
      continue;
    }
    pieces.push({ k: 'action', a: { tokens: tokenize(source), source } });
  }
  return pieces;
}

/** The "}}" that closes an action, skipping those inside quoted strings. */
function findClose(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"' || ch === '`') {
      const end = ch === '`' ? text.indexOf('`', i + 1) : closingQuote(text, i);
      if (end < 0) return -1;
      i = end + 1;
      continue;
    }
    if (text.startsWith('}}', i)) return i;
    i++;
  }
  return -1;
}

function closingQuote(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const rest = source.slice(i);
    const space = /^[ \t\r\n]+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const ch = source[i] as string;
    if (ch === '(' || ch === ')' || ch === '|') {
      tokens.push({ t: ch });
      i++;
      continue;
    }
    if (ch === '"') {
      const end = closingQuote(source, i);
      if (end < 0) refuse('an unterminated string');
      try {
        tokens.push({ t: 'str', v: JSON.parse(source.slice(i, end + 1)) as string });
      } catch {
        refuse(`the string ${source.slice(i, end + 1)} uses an escape crossgo does not read`);
      }
      i = end + 1;
      continue;
    }
    if (ch === '`') {
      const end = source.indexOf('`', i + 1);
      if (end < 0) refuse('an unterminated raw string');
      tokens.push({ t: 'str', v: source.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const field = /^(\.[A-Za-z_][A-Za-z0-9_]*)+/.exec(rest);
    if (field) {
      tokens.push({ t: 'field', path: field[0].slice(1).split('.') });
      i += field[0].length;
      continue;
    }
    if (ch === '.') {
      tokens.push({ t: 'dot' });
      i++;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (word) {
      tokens.push({ t: 'ident', v: word[0] });
      i += word[0].length;
      continue;
    }
    const number = /^-?[0-9][0-9.]*/.exec(rest);
    if (number) {
      tokens.push({ t: 'num', v: number[0] });
      i += number[0].length;
      continue;
    }
    const variable = /^\$[A-Za-z0-9_]*/.exec(rest);
    if (variable) refuse(`template variables (${variable[0]}) have no crossgo equivalent`);
    refuse(`${JSON.stringify(ch)} in {{ ${source} }} is not template syntax crossgo reads`);
  }
  return tokens;
}

/** GoReleaser's functions that crossgo can express, by name. */
const FUNCTIONS = new Set([
  'title',
  'tolower',
  'toupper',
  'lower',
  'upper',
  'replace',
  'trimprefix',
  'trimsuffix',
  'eq',
  'ne',
  'not',
  'and',
  'or',
]);
const ARITY: Record<string, number> = {
  title: 1,
  tolower: 1,
  toupper: 1,
  lower: 1,
  upper: 1,
  replace: 3,
  trimprefix: 2,
  trimsuffix: 2,
  not: 1,
};

/** Parses an action's tokens as a pipeline: `cmd args | cmd args …`. */
function parsePipeline(tokens: Token[], source: string, dotField: string | null): Expr {
  let at = 0;
  const peek = () => tokens[at];
  const operand = (): Expr => {
    const token = tokens[at++];
    if (!token) return refuse(`{{ ${source} }} ends too early`);
    switch (token.t) {
      case 'str':
      case 'num':
        return { k: 'str', v: token.v };
      case 'dot':
        if (dotField === null) return refuse(`{{ ${source} }}: "." outside a {{ with }}`);
        return { k: 'field', name: dotField };
      case 'field':
        return { k: 'field', name: fieldName(token.path, source) };
      case '(': {
        const inner = command();
        if (tokens[at++]?.t !== ')') refuse(`{{ ${source} }}: a "(" without its ")"`);
        return inner;
      }
      case 'ident':
        return refuse(
          FUNCTIONS.has(token.v)
            ? `{{ ${source} }}: ${token.v} needs parentheses here`
            : `the function ${token.v} has no crossgo equivalent`,
        );
      default:
        return refuse(`{{ ${source} }} is not template syntax crossgo reads`);
    }
  };
  const command = (): Expr => {
    const first = peek();
    if (first?.t === 'ident') {
      at++;
      if (!FUNCTIONS.has(first.v)) refuse(`the function ${first.v} has no crossgo equivalent`);
      const args: Expr[] = [];
      while (at < tokens.length && peek()?.t !== '|' && peek()?.t !== ')') args.push(operand());
      let expr: Expr = { k: 'call', fn: first.v, args };
      while (peek()?.t === '|') expr = pipeInto(expr);
      return expr;
    }
    let expr = operand();
    if (at < tokens.length && peek()?.t !== '|' && peek()?.t !== ')')
      refuse(`{{ ${source} }}: a field cannot take arguments`);
    while (peek()?.t === '|') expr = pipeInto(expr);
    return expr;
  };
  // `x | f a` is `f a x`: the piped value is the last argument.
  const pipeInto = (value: Expr): Expr => {
    at++;
    const fn = tokens[at++];
    if (fn?.t !== 'ident') return refuse(`{{ ${source} }}: a "|" must be followed by a function`);
    if (!FUNCTIONS.has(fn.v)) refuse(`the function ${fn.v} has no crossgo equivalent`);
    const args: Expr[] = [];
    while (at < tokens.length && peek()?.t !== '|' && peek()?.t !== ')') args.push(operand());
    return { k: 'call', fn: fn.v, args: [...args, value] };
  };
  const expr = command();
  if (at !== tokens.length) refuse(`{{ ${source} }} is not template syntax crossgo reads`);
  check(expr);
  return expr;
}

function check(expr: Expr): void {
  if (expr.k !== 'call') return;
  const want = ARITY[expr.fn];
  if (want !== undefined && expr.args.length !== want)
    refuse(`${expr.fn} takes ${want} argument${want === 1 ? '' : 's'}, not ${expr.args.length}`);
  if ((expr.fn === 'eq' || expr.fn === 'ne') && expr.args.length < 2)
    refuse(`${expr.fn} needs two arguments`);
  for (const arg of expr.args) check(arg);
}

/** "Env.NAME" for .Env.NAME; the field's name otherwise; refuses the unknown ones. */
function fieldName(path: string[], source: string): string {
  const [head = '', ...rest] = path;
  if (head === 'Env') {
    if (rest.length !== 1 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(rest[0] ?? ''))
      refuse(`{{ ${source} }}: .Env takes one variable name`);
    return `Env.${rest[0]}`;
  }
  if (head === 'Now') return refuse('.Now is the wall clock, which crossgo never stamps (use .CommitDate)');
  if (rest.length > 0) refuse(`.${path.join('.')} has no crossgo equivalent`);
  if (head === 'RawVersion') return head;
  if (head in PROJECT_FIELDS || head in TARGET_FIELDS) return head;
  return refuse(`.${head} has no crossgo equivalent`);
}

/** Builds the node tree: text, outputs and if/with blocks. */
function parse(pieces: Piece[]): Node[] {
  let at = 0;
  const block = (dotField: string | null, closers: Set<string>): { nodes: Node[]; stop: Action | null } => {
    const nodes: Node[] = [];
    while (at < pieces.length) {
      const piece = pieces[at++] as Piece;
      if (piece.k === 'text') {
        nodes.push(piece);
        continue;
      }
      const { tokens, source } = piece.a;
      const first = tokens[0];
      const keyword = first?.t === 'ident' ? first.v : null;
      if (keyword === 'end' || keyword === 'else') {
        if (!closers.has(keyword)) refuse(`{{ ${source} }} without its {{ if }}`);
        return { nodes, stop: piece.a };
      }
      if (keyword === 'if' || keyword === 'with') nodes.push(conditional(keyword, piece.a, dotField));
      else if (keyword && ['range', 'define', 'template', 'block', 'break', 'continue'].includes(keyword))
        refuse(`{{ ${keyword} }} has no crossgo equivalent`);
      else nodes.push({ k: 'out', e: parsePipeline(tokens, source, dotField) });
    }
    if (closers.size > 0) refuse('an {{ if }} or {{ with }} without its {{ end }}');
    return { nodes, stop: null };
  };
  const conditional = (keyword: 'if' | 'with', head: Action, dotField: string | null): Node => {
    const branches: { cond: Expr | null; body: Node[] }[] = [];
    let cond: Expr | null = parsePipeline(head.tokens.slice(1), head.source, dotField);
    let isWith = keyword === 'with';
    const sources = [head.source];
    for (;;) {
      const inner = isWith && cond?.k === 'field' ? cond.name : dotField;
      if (isWith && cond?.k !== 'field' && cond !== null) refuse('{{ with }} over anything but a field');
      const { nodes, stop } = block(inner, new Set(['end', 'else']));
      branches.push({ cond, body: nodes });
      if (!stop) return refuse('an {{ if }} without its {{ end }}');
      sources.push(stop.source);
      const rest = stop.tokens.slice(1);
      if ((stop.tokens[0] as { v?: string }).v === 'end') break;
      if (cond === null) refuse('{{ else }} after {{ else }}');
      if (rest.length === 0) cond = null;
      else if (rest[0]?.t === 'ident' && (rest[0].v === 'if' || rest[0].v === 'with')) {
        isWith = rest[0].v === 'with';
        cond = parsePipeline(rest.slice(1), stop.source, dotField);
      } else refuse(`{{ ${stop.source} }} is not template syntax crossgo reads`);
    }
    return { k: 'if', with: keyword === 'with', branches, source: sources.join(' … ') };
  };
  return block(null, new Set()).nodes;
}

// ---- evaluation (Go's semantics, for the proof) ----------------------------------------------

type Value = string | boolean;
type Env = Readonly<Record<string, string>>;

function truthy(value: Value): boolean {
  return typeof value === 'boolean' ? value : value !== '';
}

function evaluate(expr: Expr, env: Env): Value {
  if (expr.k === 'str') return expr.v;
  if (expr.k === 'field') {
    const value = env[expr.name] ?? '';
    return PROJECT_FIELDS[expr.name]?.bool ? value === 'true' : value;
  }
  const args = expr.args.map((a) => evaluate(a, env));
  const s = (i: number) => String(args[i]);
  switch (expr.fn) {
    case 'title':
      return goTitle(s(0));
    case 'tolower':
    case 'lower':
      return s(0).toLowerCase();
    case 'toupper':
    case 'upper':
      return s(0).toUpperCase();
    case 'replace':
      return s(0).split(s(1)).join(s(2));
    case 'trimprefix':
      return s(0).startsWith(s(1)) ? s(0).slice(s(1).length) : s(0);
    case 'trimsuffix':
      return s(1) && s(0).endsWith(s(1)) ? s(0).slice(0, -s(1).length) : s(0);
    case 'eq':
      return args.slice(1).some((a) => String(a) === s(0));
    case 'ne':
      return s(0) !== s(1);
    case 'not':
      return !truthy(args[0] as Value);
    case 'and':
      return args.every(truthy);
    case 'or':
      return args.some(truthy);
    default:
      return refuse(`the function ${expr.fn} has no crossgo equivalent`);
  }
}

/** As Go's strings.Title: the first letter of each word upper-cased. */
function goTitle(value: string): string {
  return value.replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_, b: string, l: string) => b + l.toUpperCase());
}

function render(nodes: Node[], env: Env): string {
  let out = '';
  for (const node of nodes) {
    if (node.k === 'text') out += node.v;
    else if (node.k === 'out') out += String(evaluate(node.e, env));
    else {
      const taken = node.branches.find((b) => b.cond === null || truthy(evaluate(b.cond, env)));
      if (taken) out += render(taken.body, env);
    }
  }
  return out;
}

// ---- translation -----------------------------------------------------------------------------

/** What a template becomes: crossgo's text, or why it has none; plus what was lost on the way. */
export type GoTemplateResult = { ok: true; text: string; notes: string[] } | { ok: false; why: string };

/**
 * Translates a GoReleaser template into crossgo's for a value of `scope` (target placeholders
 * such as {os} only in a target's). The result compiles with compileTemplate; `fileName` keeps
 * control characters out as that does.
 */
export function translateGoTemplate(
  text: string,
  scope: TemplateScope,
  options: { fileName?: boolean } = {},
): GoTemplateResult {
  const notes = new Set<string>();
  try {
    const nodes = parse(lex(text));
    const out = nodes.map((node) => translateNode(node, notes)).join('');
    try {
      compileTemplate(out, { file: 'goreleaser', key: '' }, { scope, fileName: options.fileName });
    } catch (error) {
      const message = (error as Error).message.replace(/^goreleaser: /, '');
      if (scope === 'project' && / is a target's/.test(message)) {
        return {
          ok: false,
          why: `${/\{([a-z0-9_-]+)\} is a target's/.exec(message)?.[0] ?? 'it names a target'} here: crossgo makes this value once for the whole release`,
        };
      }
      return { ok: false, why: message };
    }
    return { ok: true, text: out, notes: [...notes] };
  } catch (error) {
    if (error instanceof Untranslatable) return { ok: false, why: error.message };
    throw error;
  }
}

function translateNode(node: Node, notes: Set<string>): string {
  if (node.k === 'text') return literal(node.v);
  if (node.k === 'out') return translateExpr(node.e, notes);
  return translateConditional(node, notes);
}

/** Text crossgo writes as it is: it has no escape for a brace. */
function literal(text: string): string {
  if (/[{}]/.test(text))
    refuse(`the text ${JSON.stringify(text)} holds a brace, which crossgo templates cannot write`);
  return text;
}

/** A filter argument must not hold what ends it or a placeholder. */
function filterArg(value: string, what: string, extra = ''): string {
  const bad = new RegExp(`[{}|${extra}]`);
  if (bad.test(value))
    refuse(`${what} ${JSON.stringify(value)} holds a character crossgo's filters cannot take`);
  return value;
}

/** An expression as a crossgo placeholder with filters (a string literal as text). */
function translateExpr(expr: Expr, notes: Set<string>): string {
  if (expr.k === 'str') return literal(expr.v);
  const filters: string[] = [];
  let at: Expr = expr;
  while (at.k === 'call') {
    const [a, b, c] = at.args;
    switch (at.fn) {
      case 'title':
        filters.unshift('title');
        at = a as Expr;
        break;
      case 'tolower':
      case 'lower':
        filters.unshift('lower');
        at = a as Expr;
        break;
      case 'toupper':
      case 'upper':
        filters.unshift('upper');
        at = a as Expr;
        break;
      case 'replace': {
        if (b?.k !== 'str' || c?.k !== 'str') return refuse('replace with anything but two strings');
        if (b.v === '') return refuse('replace of the empty string');
        filters.unshift(`replace:${filterArg(b.v, 'replace', ',=')}=${filterArg(c.v, 'replace', ',')}`);
        at = a as Expr;
        break;
      }
      case 'trimprefix':
      case 'trimsuffix': {
        // strings.TrimPrefix(s, prefix): the value first, so `.Tag | trimprefix "v"` trims .Tag off "v".
        if (b?.k !== 'str' || a?.k === 'str')
          return refuse(`GoReleaser's ${at.fn} takes the value first: {{ ${at.fn} .Tag "v" }}`);
        if (b.v !== '') filters.unshift(`${at.fn}:${filterArg(b.v, at.fn)}`);
        at = a as Expr;
        break;
      }
      default:
        return refuse(`${at.fn} outside an {{ if }} has no crossgo equivalent`);
    }
  }
  if (at.k === 'str') return refuse('a filter over a string literal');
  const parts = placeholderParts(at.name, notes);
  if (parts.length > 1 && filters.length > 0 && parts.some((p) => !p.startsWith('{'))) {
    return refuse(`.${at.name} has no single crossgo placeholder to filter`);
  }
  return parts
    .map((p) => (p.startsWith('{') ? `{${p.slice(1, -1)}${filters.map((f) => `|${f}`).join('')}}` : p))
    .join('');
}

/** The crossgo text of a field: "{version}", "{mips}{mips64}", "{major}.{minor}.{patch}". */
function placeholderParts(name: string, notes: Set<string>): string[] {
  if (name.startsWith('Env.')) return [`{env:${name.slice(4)}}`];
  // GoReleaser's .RawVersion is {{.Major}}.{{.Minor}}.{{.Patch}}, not the tag.
  if (name === 'RawVersion') return ['{major}', '.', '{minor}', '.', '{patch}'];
  const field = fieldOf(name);
  if (field.note) notes.add(field.note);
  return field.parts.map((p) => `{${p}}`);
}

function fieldOf(name: string): Field {
  const field = PROJECT_FIELDS[name] ?? TARGET_FIELDS[name];
  if (!field) return refuse(`.${name} has no crossgo equivalent`);
  return field;
}

/** The fields an expression or nodes read. */
function fieldsOf(nodes: readonly (Node | Expr)[], into = new Set<string>()): Set<string> {
  for (const n of nodes) {
    if (n.k === 'field') into.add(n.name);
    else if (n.k === 'call') fieldsOf(n.args, into);
    else if (n.k === 'out') fieldsOf([n.e], into);
    else if (n.k === 'if') for (const b of n.branches) fieldsOf(b.cond ? [b.cond, ...b.body] : b.body, into);
  }
  return into;
}

/**
 * An if/with over one field as a crossgo placeholder with filters, proven equal: the candidate
 * ({x|prefix:…|suffix:…} for "if x then text x text", else a replace map over the field's
 * values) is rendered for every value the field can take and compared with Go's result.
 */
function translateConditional(node: Extract<Node, { k: 'if' }>, notes: Set<string>): string {
  const fields = [...fieldsOf([node])];
  if (fields.length !== 1)
    refuse(
      fields.length === 0
        ? `{{ ${node.source} }} tests no field`
        : `{{ ${node.source} }} depends on ${fields.map((f) => `.${f}`).join(' and ')}: crossgo's filters read one placeholder`,
    );
  const name = fields[0] as string;
  if (name.startsWith('Env.') || name === 'RawVersion')
    refuse(`{{ ${node.source} }}: crossgo cannot test .${name}`);
  const field = fieldOf(name);
  if (field.note) notes.add(field.note);
  const candidates: string[] = [];
  const prefixed = prefixForm(node, notes);
  if (prefixed !== null) candidates.push(prefixed);
  if (field.domain !== null) {
    const mapped = replaceForm(node, field);
    if (mapped !== null) candidates.push(mapped);
  }
  const samples = field.domain ?? ['', 'x', '1.2.3-rc.1'];
  for (const candidate of candidates) {
    if (provenEqual(node, candidate, name, field, samples)) return candidate;
  }
  return refuse(
    field.domain === null
      ? `{{ ${node.source} }}: crossgo's filters can test .${name} only for being empty`
      : `{{ ${node.source} }} has no equal crossgo filter chain`,
  );
}

/** `{{ if x }}A{{ x|f }}B{{ else }}C{{ end }}` (or with, and `.`) as {x|f|prefix:A|suffix:B|default:C}. */
function prefixForm(node: Extract<Node, { k: 'if' }>, notes: Set<string>): string | null {
  const [only, ...more] = node.branches;
  if (!only || more.length > 1) return null;
  // An {{ else }} of text alone is the value for "": |default.
  const otherwise = more[0];
  if (otherwise && (otherwise.cond !== null || otherwise.body.some((n) => n.k !== 'text'))) return null;
  const fallback = (otherwise?.body ?? []).map((n) => (n as { v: string }).v).join('');
  if (only.cond?.k !== 'field') return null;
  const body = only.body;
  const outs = body.filter((n) => n.k === 'out');
  if (outs.length !== 1) return null;
  const index = body.indexOf(outs[0] as Node);
  const texts = body.filter((n) => n.k === 'text');
  if (texts.length + 1 !== body.length) return null;
  const before = body
    .slice(0, index)
    .map((n) => (n as { v: string }).v)
    .join('');
  const after = body
    .slice(index + 1)
    .map((n) => (n as { v: string }).v)
    .join('');
  const inner = translateExpr((outs[0] as { e: Expr }).e, notes);
  const parts = inner.match(/\{[^{}]*\}|[^{}]+/g) ?? [];
  const add = (p: string) =>
    p.startsWith('{')
      ? `${p.slice(0, -1)}${before ? `|prefix:${filterArg(before, 'the text')}` : ''}${after ? `|suffix:${filterArg(after, 'the text')}` : ''}${fallback ? `|default:${filterArg(fallback, 'the text')}` : ''}}`
      : null;
  const out = parts.map(add);
  if (out.some((p) => p === null)) return null;
  return out.join('');
}

/** The field's values Go maps to something else, as a replace map (and a default for ""). */
function replaceForm(node: Extract<Node, { k: 'if' }>, field: Field): string | null {
  const domain = field.domain as readonly string[];
  const name = [...fieldsOf([node])][0] as string;
  const pairs: [string, string][] = [];
  let empty: string | null = null;
  for (const value of domain) {
    const got = render([node], { [name]: value });
    if (got === value) continue;
    if (value === '') empty = got;
    else pairs.push([value, got]);
  }
  // In the order the template names them, as a reader wrote them.
  pairs.sort((a, b) => position(node.source, a[0]) - position(node.source, b[0]));
  if (pairs.some(([from, to]) => /[,={}|]/.test(from) || /[,{}|]/.test(to))) return null;
  // A map of most of a field's values is no longer what its author wrote (and a new port breaks it).
  if (pairs.length > MAX_PAIRS) return null;
  if (empty !== null && /[{}|]/.test(empty)) return null;
  const filters = [
    ...(pairs.length > 0 ? [`replace:${pairs.map(([a, b]) => `${a}=${b}`).join(',')}`] : []),
    ...(empty !== null ? [`default:${empty}`] : []),
  ];
  return field.parts.map((p) => `{${p}${filters.map((f) => `|${f}`).join('')}}`).join('');
}

const MAX_PAIRS = 6;

function position(source: string, value: string): number {
  const at = source.indexOf(`"${value}"`);
  return at < 0 ? Number.MAX_SAFE_INTEGER : at;
}

/** Does crossgo's `candidate` give what Go's template gives, for every sample of the field? */
function provenEqual(
  node: Extract<Node, { k: 'if' }>,
  candidate: string,
  name: string,
  field: Field,
  samples: readonly string[],
): boolean {
  let template: ReturnType<typeof compileTemplate>;
  try {
    template = compileTemplate(candidate, { file: 'goreleaser', key: '' }, { scope: 'target' });
  } catch {
    return false;
  }
  for (const value of samples) {
    const want = render([node], { [name]: value });
    // A field held in several placeholders has its value in one of them, the others "".
    for (const holder of field.parts) {
      const values: Record<string, string> = {};
      for (const p of field.parts) values[p] = p === holder ? value : '';
      if (renderTemplate(template, values as TemplateValues, {}) !== want) return false;
    }
  }
  return true;
}
