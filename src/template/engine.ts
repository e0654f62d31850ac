import { ConfigError, UsageError } from '../errors.js';
import { noteSecretReference } from '../exec/redact.js';
import { nearest } from '../targets/suggest.js';

/*
 * crossgo's one template language, for every value the config or a flag passes on (ldflags, env
 * values, hook commands, output and archive names, the archive's top folder, the checksums file's
 * name, snapshot versions): `{placeholder}` or `{placeholder|filter|filter:args}`, and
 * `{env:NAME}` for crossgo's environment. It is compiled once, where it is read, so a wrong
 * placeholder or filter is one line naming the file, the key path and the nearest valid
 * spelling, before anything runs; rendering cannot fail except for an unset {env:NAME}.
 *
 * Deliberately not Go's text/template: no conditionals, loops or function calls, so a template
 * from a hostile config can do nothing but substitute values. The filters cover what GoReleaser's
 * common names need ({{ title .Os }}, {{ replace .Arch "amd64" "x86_64" }},
 * {{ if .Arm }}v{{ .Arm }}{{ end }} → {os|title}, {arch|replace:amd64=x86_64}, {arm|prefix:v}).
 */

/** Where a template was read, for messages: the file ("crossgo.yaml", "--template") and its key path. */
export interface TemplateSource {
  file: string;
  key: string;
}

/** Which placeholders a template may use: a project's (once per run) or a target's (per build). */
export type TemplateScope = 'project' | 'target';

export const PROJECT_PLACEHOLDERS = [
  'version',
  'raw_version',
  'tag',
  'commit',
  'short_commit',
  'commit_date',
  'commit_timestamp',
  'branch',
  'major',
  'minor',
  'patch',
  'prerelease',
  'snapshot',
  'project',
] as const;

export const TARGET_PLACEHOLDERS = [
  'os',
  'arch',
  'goos',
  'goarch',
  'variant',
  '-variant',
  'arm',
  'arm64',
  'amd64',
  '386',
  'mips',
  'mips64',
  'ppc64',
  'riscv64',
  'target',
  'name',
  'binary',
  'ext',
  'id',
] as const;

export type ProjectPlaceholder = (typeof PROJECT_PLACEHOLDERS)[number];
export type TargetPlaceholder = (typeof TARGET_PLACEHOLDERS)[number];
/** The values a template renders with; a target scope's values include the project's. */
export type TemplateValues = Readonly<Partial<Record<ProjectPlaceholder | TargetPlaceholder, string>>>;

export const FILTERS = [
  'title',
  'upper',
  'lower',
  'replace',
  'trimprefix',
  'trimsuffix',
  'prefix',
  'suffix',
  'default',
] as const;
type FilterName = (typeof FILTERS)[number];

/** Filters that take no argument; every other one needs one (`|replace:a=b`). */
const WITHOUT_ARGUMENT = new Set<FilterName>(['title', 'upper', 'lower']);

interface Filter {
  name: FilterName;
  /** replace: the pairs, in order; the others: the one argument. */
  pairs?: [string, string][];
  arg?: string;
}

type Part = string | { placeholder: string; env: string | null; filters: Filter[] };

export interface Template {
  readonly text: string;
  readonly source: TemplateSource;
  readonly scope: TemplateScope;
  /** The placeholders it uses (env:NAME as "env:NAME"). */
  readonly uses: ReadonlySet<string>;
  /** False when it holds no placeholder: rendering gives `text` itself. */
  readonly dynamic: boolean;
  /** @internal */
  readonly parts: readonly Part[];
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface CompileOptions {
  scope: TemplateScope;
  /** Refuse control characters (file names, versions): a newline would forge a checksums line. */
  fileName?: boolean;
}

/** The placeholders a scope allows, in the order the README lists them. */
export function placeholdersOf(scope: TemplateScope): readonly string[] {
  return scope === 'project' ? PROJECT_PLACEHOLDERS : [...PROJECT_PLACEHOLDERS, ...TARGET_PLACEHOLDERS];
}

/** Compiles a template, checking every placeholder and filter; throws ConfigError naming source and key. */
export function compileTemplate(text: string, source: TemplateSource, options: CompileOptions): Template {
  const fail = (problem: string): never => {
    throw new ConfigError(source.file, source.key, problem);
  };
  if (options.fileName && CONTROL.test(text)) {
    fail(
      `${JSON.stringify(text)} holds a control character: names may not (a newline would forge a checksums line)`,
    );
  }
  if (text.includes('{{')) {
    fail(
      `${JSON.stringify(text)} is a Go template ({{ … }}): crossgo's are {version}, {os|title}, … (crossgo init --from .goreleaser.yaml translates them)`,
    );
  }
  const parts: Part[] = [];
  const uses = new Set<string>();
  let literal = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === '}')
      fail(`${JSON.stringify(text)}: a "}" without its "{" (placeholders are {version}, {os}, …)`);
    if (ch !== '{') {
      literal += ch;
      i++;
      continue;
    }
    const end = text.indexOf('}', i + 1);
    const open = text.indexOf('{', i + 1);
    if (end < 0 || (open >= 0 && open < end)) {
      fail(`${JSON.stringify(text)}: a "{" without its "}" (placeholders are {version}, {os}, …)`);
    }
    if (literal) parts.push(literal);
    literal = '';
    parts.push(parsePlaceholder(text.slice(i + 1, end), text, options.scope, fail, uses));
    i = end + 1;
  }
  if (literal) parts.push(literal);
  return { text, source, scope: options.scope, uses, dynamic: uses.size > 0, parts };
}

function parsePlaceholder(
  body: string,
  text: string,
  scope: TemplateScope,
  fail: (problem: string) => never,
  uses: Set<string>,
): Part {
  const [head = '', ...filterTexts] = body.split('|');
  const name = head.trim();
  let env: string | null = null;
  if (name.startsWith('env:')) {
    env = name.slice(4);
    if (!ENV_NAME.test(env)) {
      fail(
        `${JSON.stringify(text)}: {${name}} names no environment variable (letters, digits and _, e.g. {env:USER})`,
      );
    }
  } else if (!placeholdersOf(scope).includes(name)) {
    if (scope === 'project' && (TARGET_PLACEHOLDERS as readonly string[]).includes(name)) {
      fail(
        `${JSON.stringify(text)}: {${name}} is a target's, and this value is made once for the whole run: use ${PROJECT_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')} or {env:NAME}`,
      );
    }
    const guess = nearest(name, [...placeholdersOf(scope)]);
    fail(
      `${JSON.stringify(text)}: unknown placeholder {${name}}${
        guess
          ? `, did you mean {${guess}}?`
          : ` (use ${placeholdersOf(scope)
              .map((p) => `{${p}}`)
              .join(' ')} or {env:NAME})`
      }`,
    );
  }
  uses.add(env === null ? name : `env:${env}`);
  const filters = filterTexts.map((f) => parseFilter(f, text, fail));
  return { placeholder: env === null ? name : `env:${env}`, env, filters };
}

function parseFilter(raw: string, text: string, fail: (problem: string) => never): Filter {
  const colon = raw.indexOf(':');
  const name = (colon < 0 ? raw : raw.slice(0, colon)).trim();
  const arg = colon < 0 ? null : raw.slice(colon + 1);
  if (!(FILTERS as readonly string[]).includes(name)) {
    const guess = nearest(name, [...FILTERS]);
    fail(
      `${JSON.stringify(text)}: unknown filter |${name}${guess ? `, did you mean |${guess}?` : ` (use ${FILTERS.map((f) => `|${f}`).join(' ')})`}`,
    );
  }
  const filter = name as FilterName;
  if (WITHOUT_ARGUMENT.has(filter)) {
    if (arg !== null) fail(`${JSON.stringify(text)}: the filter |${filter} takes no argument`);
    return { name: filter };
  }
  if (arg === null || (arg === '' && filter !== 'default')) {
    fail(`${JSON.stringify(text)}: the filter |${filter} needs an argument (${FILTER_EXAMPLES[filter]})`);
  }
  if (filter !== 'replace') return { name: filter, arg: arg ?? '' };
  const pairs: [string, string][] = [];
  for (const pair of (arg ?? '').split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0)
      fail(`${JSON.stringify(text)}: |replace:${arg} wants old=new pairs (${FILTER_EXAMPLES.replace})`);
    pairs.push([pair.slice(0, eq), pair.slice(eq + 1)]);
  }
  return { name: filter, pairs };
}

const FILTER_EXAMPLES: Record<FilterName, string> = {
  title: '{os|title}',
  upper: '{os|upper}',
  lower: '{os|lower}',
  replace: '{arch|replace:amd64=x86_64,386=i386}',
  trimprefix: '{tag|trimprefix:v}',
  trimsuffix: '{version|trimsuffix:-rc}',
  prefix: '{arm|prefix:v} gives v7 for 7 and nothing for ""',
  suffix: '{variant|suffix:_}',
  default: '{branch|default:detached}',
};

/** What each filter does, for the README and --help. */
export const FILTER_HELP = FILTER_EXAMPLES;

/**
 * Renders a compiled template. Every placeholder of its scope must be in `values` (a missing one
 * is a bug in crossgo, not the user's); {env:NAME} reads `env`, and an unset variable is a usage
 * error naming the template, not an empty string.
 */
export function renderTemplate(template: Template, values: TemplateValues, env: NodeJS.ProcessEnv): string {
  let out = '';
  for (const part of template.parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    let value: string;
    if (part.env !== null) {
      noteSecretReference(part.env); // the manifest records a secret-named value's sha256 only (redact.ts)
      const got = env[part.env];
      if (got === undefined) {
        throw new UsageError(
          `${template.source.file}: ${template.source.key ? `${template.source.key}: ` : ''}${JSON.stringify(template.text)}: ${part.env} is not set in the environment ({env:${part.env}})`,
        );
      }
      value = got;
    } else {
      const got = values[part.placeholder as keyof TemplateValues];
      if (got === undefined) throw new Error(`bug: template value {${part.placeholder}} was not given`);
      value = got;
    }
    for (const filter of part.filters) value = applyFilter(filter, value);
    out += value;
  }
  return out;
}

/** Compiles and renders in one step, for a value used once. */
export function expandTemplate(
  text: string,
  source: TemplateSource,
  options: CompileOptions,
  values: TemplateValues,
  env: NodeJS.ProcessEnv,
): string {
  return renderTemplate(compileTemplate(text, source, options), values, env);
}

function applyFilter(filter: Filter, value: string): string {
  switch (filter.name) {
    case 'title':
      // As Go's strings.Title (GoReleaser's title): the first letter of each word upper-cased.
      return value.replace(
        /(^|[^\p{L}\p{N}_'])(\p{L})/gu,
        (_, before: string, letter: string) => before + letter.toUpperCase(),
      );
    case 'upper':
      return value.toUpperCase();
    case 'lower':
      return value.toLowerCase();
    case 'replace': {
      let out = value;
      for (const [from, to] of filter.pairs ?? []) out = out.split(from).join(to);
      return out;
    }
    case 'trimprefix':
      return value.startsWith(filter.arg ?? '') ? value.slice((filter.arg ?? '').length) : value;
    case 'trimsuffix': {
      const arg = filter.arg ?? '';
      return arg && value.endsWith(arg) ? value.slice(0, -arg.length) : value;
    }
    case 'prefix':
      return value === '' ? '' : `${filter.arg}${value}`;
    case 'suffix':
      return value === '' ? '' : `${value}${filter.arg}`;
    case 'default':
      return value === '' ? (filter.arg ?? '') : value;
  }
}
