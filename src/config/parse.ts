import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { type Document, isMap, isScalar, LineCounter, parseDocument, visit } from 'yaml';
import { absentModule, ConfigError, UsageError } from '../errors.js';
import { nearest } from '../targets/suggest.js';
import type { CrossgoConfig } from './types.js';

const SCHEMA_URL = new URL('../../schema/crossgo.schema.json', import.meta.url);

interface SchemaNode {
  $ref?: string;
  anyOf?: SchemaNode[];
  properties?: Record<string, SchemaNode & { deprecated?: boolean }>;
  additionalProperties?: SchemaNode | boolean;
  items?: SchemaNode;
  type?: string;
}
type SchemaShape = SchemaNode & { definitions: Record<string, SchemaNode> };

let schema: SchemaShape | undefined;
let validator: ReturnType<Ajv['compile']> | undefined;
function loadSchema(): SchemaShape {
  schema ??= JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as SchemaShape;
  return schema;
}
/** Generated at `npm run build` by scripts/schemas.mjs (see pipeline/manifestSchema.ts); absent under vitest. */
const generated = (await import(new URL('./configValidator.js', import.meta.url).href).catch(
  absentModule,
)) as {
  config: ReturnType<Ajv['compile']>;
} | null;

function validate(data: unknown) {
  validator ??= generated?.config ?? new Ajv({ allErrors: true, strict: false }).compile(loadSchema());
  return { ok: validator(data) as boolean, errors: validator.errors ?? [] };
}

/** The keys valid where an unknown key was found, from the schema itself, for did-you-mean. */
function knownKeys(instancePath: string): string[] {
  const node = schemaAt(instancePath);
  // Deprecated names are still read, never suggested.
  return Object.entries(node?.properties ?? {})
    .filter(([k, v]) => k !== '$schema' && !v.deprecated)
    .map(([k]) => k);
}

/** The schema node that describes the object at a JSON pointer of the config, or null. */
function schemaAt(instancePath: string): SchemaNode | null {
  const root = loadSchema();
  const resolve = (node: SchemaNode | undefined): SchemaNode | undefined => {
    let current = node;
    for (let hops = 0; current?.$ref && hops < 16; hops++) {
      current = current.$ref
        .slice(2)
        .split('/')
        .reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], root) as
        | SchemaNode
        | undefined;
    }
    return current;
  };
  // Of an anyOf, the branch that holds objects (or lists, for an index).
  const branch = (node: SchemaNode | undefined, wantList: boolean): SchemaNode | undefined => {
    const resolved = resolve(node);
    if (!resolved?.anyOf) return resolved;
    for (const option of resolved.anyOf) {
      const o = resolve(option);
      if (wantList ? o?.items : o?.properties || o?.anyOf) return branch(o, wantList);
    }
    return resolved;
  };
  let node: SchemaNode | undefined = root;
  for (const raw of instancePath.split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const index = /^\d+$/.test(segment);
    node = branch(node, index);
    if (!node) return null;
    if (index) node = node.items;
    else
      node =
        node.properties?.[segment] ??
        (typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined);
  }
  return branch(node, false) ?? null;
}

/** Parses and validates config text; errors name the file, the key path and what was expected. */
export function parseConfig(text: string, file: string): CrossgoConfig {
  const shown = path.basename(file);
  let data: unknown;
  if (file.endsWith('.json')) {
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new ConfigError(shown, '', `not valid JSON: ${(error as Error).message}`);
    }
  } else {
    data = parseYaml(text, shown);
  }
  const goreleaser = goReleaserSign(data);
  if (goreleaser) {
    throw new UsageError(
      `${shown} is a GoReleaser config (${goreleaser}): translate it with crossgo init --from ${shown}`,
    );
  }
  const { ok, errors } = validate(data);
  if (!ok) {
    const error = pickError(errors);
    throw new ConfigError(shown, keyPath(error), describe(error));
  }
  return data as CrossgoConfig;
}

/**
 * What shows a file given to --config is GoReleaser's, not crossgo's: keys crossgo never had
 * (version, project_name, archives), a before: with hooks, or builds with goos/goarch.
 */
function goReleaserSign(data: unknown): string | null {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
  const top = data as Record<string, unknown>;
  for (const key of ['version', 'project_name', 'archives'])
    if (Object.hasOwn(top, key)) return `it has ${key}:`;
  const before = top.before;
  if (
    typeof before === 'object' &&
    before !== null &&
    !Array.isArray(before) &&
    Object.hasOwn(before, 'hooks')
  )
    return 'it has before.hooks';
  const builds = Array.isArray(top.builds) ? top.builds : [];
  for (const build of builds) {
    if (typeof build === 'object' && build !== null && ('goos' in build || 'goarch' in build))
      return 'its builds have goos/goarch';
  }
  return null;
}

/**
 * At most this many times the aliases of a document may copy what they point to (the yaml
 * package's maxAliasCount, its default): a few nested aliases of lists of aliases (a "billion
 * laughs") would otherwise expand a small file into gigabytes.
 */
export const MAX_ALIAS_COUNT = 100;

function parseYaml(text: string, shown: string): unknown {
  const lineCounter = new LineCounter();
  // The yaml package checks unique keys by comparing each key with every earlier one of its
  // map (quadratic: 20,000 keys took ten seconds); uniqueKeys() does it with a set.
  const doc = parseDocument(text, { uniqueKeys: false, lineCounter });
  const first = doc.errors[0];
  if (first) {
    const where = first.linePos?.[0];
    const what = (first.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(
      where ? `${shown}:${where.line}:${where.col}` : shown,
      '',
      `not valid YAML: ${what}`,
    );
  }
  const duplicate = firstDuplicateKey(doc);
  if (duplicate !== null) {
    const where = lineCounter.linePos(duplicate);
    throw new ConfigError(
      `${shown}:${where.line}:${where.col}`,
      '',
      'not valid YAML: Map keys must be unique',
    );
  }
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (error) {
    const message = (error as Error).message;
    if (/alias count/i.test(message)) {
      throw new ConfigError(
        shown,
        '',
        `not valid YAML: its aliases (*name) copy their anchors more than ${MAX_ALIAS_COUNT} times (an alias bomb?): write the values out or use fewer aliases`,
      );
    }
    throw new ConfigError(shown, '', `not valid YAML: ${message.split('\n')[0]}`);
  }
}

/** The offset of the first key that repeats an earlier scalar key of its map, or null. */
function firstDuplicateKey(doc: Document): number | null {
  let found: number | null = null;
  visit(doc, {
    Map(_, map) {
      if (!isMap(map)) return undefined;
      const seen = new Set<string>();
      for (const pair of map.items) {
        // As the yaml package's own check: scalars equal by value (1 and "1" differ).
        if (!isScalar(pair.key)) continue;
        const value = pair.key.value;
        const id = `${typeof value}:${String(value)}`;
        if (seen.has(id)) {
          found = pair.key.range?.[0] ?? 0;
          return visit.BREAK;
        }
        seen.add(id);
      }
      return undefined;
    },
  });
  return found;
}

/** The most useful of ajv's errors: unknown keys first, then the deepest problem. */
function pickError(errors: ErrorObject[]): ErrorObject {
  // A type error inside a string-or-list is reported once, as the anyOf, at the deepest path.
  const anyOfPaths = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const useful = errors.filter((e) => !(e.keyword === 'type' && anyOfPaths.has(e.instancePath)));
  // A limit broken inside a string-or-list says more than the anyOf around it.
  const rank = (e: ErrorObject) =>
    e.keyword === 'additionalProperties'
      ? 0
      : e.keyword === 'propertyNames'
        ? 1
        : LIMITS.has(e.keyword)
          ? 2
          : 3;
  return [...useful].sort(
    (a, b) => rank(a) - rank(b) || b.instancePath.length - a.instancePath.length,
  )[0] as ErrorObject;
}

const LIMITS = new Set(['maxLength', 'maxItems', 'maxProperties']);

function keyPath(error: ErrorObject): string {
  const segments = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'propertyNames' && typeof error.params.propertyName === 'string') {
    segments.push(error.params.propertyName);
  }
  if (error.keyword === 'additionalProperties' && typeof error.params.additionalProperty === 'string') {
    segments.push(error.params.additionalProperty);
  }
  let out = '';
  for (const segment of segments) {
    out += /^[A-Za-z_$][\w$]*$/.test(segment)
      ? out
        ? `.${segment}`
        : segment
      : `[${JSON.stringify(segment)}]`;
  }
  return out || '(top level)';
}

function describe(error: ErrorObject): string {
  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(error.params.additionalProperty);
      const known = knownKeys(error.instancePath);
      const guess = nearest(key, known);
      return `unknown key${guess ? `, did you mean ${guess}?` : ` (expected one of ${known.join(', ')})`}`;
    }
    case 'anyOf':
      return 'expected a string or a list of strings';
    case 'propertyNames':
      return error.instancePath.endsWith('/overrides') || error.instancePath === '/overrides'
        ? 'expected a target selector such as linux/arm64, windows/* or linux/amd64/v3'
        : 'expected an environment variable name (letters, digits, _)';
    case 'maxProperties':
      return `more than ${String(error.params.limit)} keys: crossgo accepts at most ${String(error.params.limit)} here`;
    case 'maxItems':
      return `more than ${String(error.params.limit)} entries: crossgo accepts at most ${String(error.params.limit)} here`;
    case 'maxLength':
      return `longer than ${String(error.params.limit)} characters: crossgo accepts at most ${String(error.params.limit)} here`;
    case 'type':
      return `expected ${String(error.params.type)}`;
    default:
      return `expected a value that ${error.message ?? 'matches the schema'}`;
  }
}
