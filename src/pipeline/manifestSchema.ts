import { readFileSync } from 'node:fs';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { absentModule, ManifestError } from '../errors.js';
import { relativePathProblem } from '../fs/confine.js';
import { nearest } from '../targets/suggest.js';
import type { Manifest } from './manifest.js';
import { fromV1, type ManifestV1 } from './manifestV1.js';

const SCHEMA_URL = new URL('../../schema/manifest.schema.json', import.meta.url);
const SCHEMA_V1_URL = new URL('../../schema/manifest.v1.schema.json', import.meta.url);

/** The custom format the schema gives every path inside the output folder. */
export const RELATIVE_PATH_FORMAT = 'relative-path';

const validators = new Map<URL, ValidateFunction>();

/**
 * The validators scripts/schemas.mjs generated from the same schemas with the same options at
 * `npm run build` (ajv standalone code): compiling a schema here costs ~90 ms of CPU per run, more
 * than an unchanged rebuild's own work. Absent where the TypeScript sources run (vitest): then
 * each schema is compiled on first use.
 */
const generated = (await import(new URL('./manifestValidators.js', import.meta.url).href).catch(
  absentModule,
)) as Record<'manifest' | 'manifestV1', ValidateFunction> | null;
/** ajv itself (a large library) is loaded only to compile, where nothing was generated. */
const { Ajv } = generated ? { Ajv: null } : await import('ajv');

/**
 * Compiled once, on first use. allErrors off: ajv stops at the first problem, so a file with
 * 20000 bad entries costs one error, not 20000; verbose: each error carries the bad value and
 * its schema, for the message.
 */
function compiled(url: URL): ValidateFunction {
  let validator =
    validators.get(url) ?? (generated?.[url === SCHEMA_URL ? 'manifest' : 'manifestV1'] || undefined);
  if (!validator) {
    if (!Ajv) throw new Error(`no validator generated for ${url}`);
    const ajv = new Ajv({ allErrors: false, verbose: true, allowUnionTypes: true });
    ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
    ajv.addFormat(RELATIVE_PATH_FORMAT, {
      type: 'string',
      validate: (value: string) => relativePathProblem(value) === null,
    });
    validator = ajv.compile(JSON.parse(readFileSync(url, 'utf8')) as object);
    validators.set(url, validator);
  }
  return validator;
}

/**
 * Checks parsed JSON against schema/manifest.schema.json, then what a schema cannot say (no path
 * listed twice, each binary's target spelled from its goos, goarch and variant, each `from` naming
 * an artifact of the list). A target may appear twice: a manifest may list copies of one build.
 * A manifest of schemaVersion 1 is checked against schema/manifest.v1.schema.json (its messages
 * point into the file as written) and converted. Throws a ManifestError naming the first problem.
 */
export function checkManifest(data: unknown, shown: string): Manifest {
  if (isObject(data) && data.schemaVersion === 1) {
    const v1 = validated<ManifestV1>(SCHEMA_V1_URL, data, shown);
    checkV1(v1, shown);
    return fromV1(v1);
  }
  const manifest = validated<Manifest>(SCHEMA_URL, data, shown);
  const once = pathsOnce(shown);
  for (const [i, a] of manifest.artifacts.entries()) {
    if (a.kind === 'binary') checkTarget(a, `/artifacts/${i}/target`, shown);
    once(a.path, `/artifacts/${i}/path`);
  }
  const listed = new Set(manifest.artifacts.map((a) => a.path));
  for (const [i, a] of manifest.artifacts.entries()) {
    for (const [j, rel] of a.from.entries()) {
      if (!listed.has(rel)) {
        throw new ManifestError(
          shown,
          `/artifacts/${i}/from/${j}`,
          `${quote(rel)} is not the path of an artifact in this manifest`,
        );
      }
    }
  }
  return manifest;
}

function isObject(data: unknown): data is Record<string, unknown> {
  return typeof data === 'object' && data !== null && !Array.isArray(data);
}

function validated<T>(url: URL, data: unknown, shown: string): T {
  const validate = compiled(url);
  if (!validate(data)) {
    const { where, problem } = describe(validate.errors ?? []);
    throw new ManifestError(shown, where, problem);
  }
  return data as T;
}

/** The schemaVersion 1 checks, with pointers into the file as written. */
function checkV1(manifest: ManifestV1, shown: string): void {
  const once = pathsOnce(shown);
  for (const [i, a] of manifest.artifacts.entries()) {
    checkTarget(a, `/artifacts/${i}/target`, shown);
    once(a.path, `/artifacts/${i}/path`);
  }
  for (const [i, f] of (manifest.release?.files ?? []).entries()) once(f.path, `/release/files/${i}/path`);
}

/** A function that refuses a path it was given before, naming where it was first. */
function pathsOnce(shown: string): (rel: string, pointer: string) => void {
  const seen = new Map<string, string>();
  return (rel, pointer) => {
    const earlier = seen.get(rel);
    if (earlier)
      throw new ManifestError(shown, pointer, `path ${quote(rel)} is listed twice (also at ${earlier})`);
    seen.set(rel, pointer);
  };
}

function checkTarget(
  a: { target: string; goos: string; goarch: string; variant: string | null },
  pointer: string,
  shown: string,
): void {
  const spelled = [a.goos, a.goarch, a.variant].filter((p) => p !== null).join('/');
  if (a.target !== spelled) {
    throw new ManifestError(
      shown,
      pointer,
      `${quote(a.target)} does not match goos, goarch and variant (${spelled})`,
    );
  }
}

/** The first error, as a JSON pointer (the key itself for a key problem) and what was expected. */
function describe(errors: ErrorObject[]): { where: string; problem: string } {
  const first = errors[0] as ErrorObject;
  const expected = (first.parentSchema as { 'x-expected'?: string } | undefined)?.['x-expected'];
  const at = (extra?: string) => pointer(first.instancePath, extra);
  // A bad key is reported by its own pattern error, then by propertyNames with the key's name.
  const names = errors.find((e) => e.keyword === 'propertyNames');
  if (names) {
    const key = String(names.params.propertyName);
    return { where: at(key), problem: `bad key: expected ${expected ?? 'a valid key'}` };
  }
  const value = first.data;
  // A path's pattern and format say the same (the pattern for other validators): crossgo's own
  // rule names what is wrong with it.
  const isPath = (first.parentSchema as { format?: string } | undefined)?.format === RELATIVE_PATH_FORMAT;
  const pathProblem = isPath ? relativePathProblem(value) : null;
  if (pathProblem && (first.keyword === 'pattern' || first.keyword === 'format')) {
    return {
      where: at(),
      problem: `${shown(value)} ${pathProblem}: expected a plain relative path inside the output folder`,
    };
  }
  switch (first.keyword) {
    case 'required':
      return { where: at(String(first.params.missingProperty)), problem: 'missing (a required key)' };
    case 'additionalProperties': {
      const key = String(first.params.additionalProperty);
      const known = Object.keys((first.parentSchema as { properties?: object }).properties ?? {});
      const guess = nearest(key, known);
      return {
        where: at(key),
        problem: `unknown key${guess ? `, did you mean ${guess}?` : ` (expected one of ${known.join(', ')})`}`,
      };
    }
    case 'type': {
      const type = first.params.type as string | string[];
      const types = (Array.isArray(type) ? type : type.split(',')).map(article).join(' or ');
      return { where: at(), problem: `expected ${types}, got ${shown(value)}` };
    }
    case 'pattern':
    case 'format':
    case 'const':
    case 'enum': {
      const want =
        expected ??
        (first.keyword === 'enum'
          ? `one of ${(first.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`
          : first.keyword === 'const'
            ? JSON.stringify(first.params.allowedValue)
            : `a string matching ${first.params.pattern}`);
      return { where: at(), problem: `expected ${want}, got ${shown(value)}` };
    }
    case 'maxLength':
      return {
        where: at(),
        problem: `expected at most ${first.params.limit} characters, got ${(value as string).length}`,
      };
    case 'minLength':
      return { where: at(), problem: 'expected a non-empty string' };
    case 'maxItems':
      return {
        where: at(),
        problem: `expected at most ${first.params.limit} items, got ${(value as unknown[]).length}`,
      };
    case 'minItems':
      return { where: at(), problem: `expected at least ${first.params.limit} item` };
    case 'maxProperties':
      return {
        where: at(),
        problem: `expected at most ${first.params.limit} keys, got ${Object.keys(value as object).length}`,
      };
    case 'minimum':
    case 'maximum':
      return {
        where: at(),
        problem: `expected ${expected ?? 'a number'}: ${first.keyword === 'minimum' ? 'at least' : 'at most'} ${first.params.limit}, got ${shown(value)}`,
      };
    default:
      return { where: at(), problem: `expected a value that ${first.message ?? 'matches the schema'}` };
  }
}

/** A JSON pointer for a message: each odd segment (control characters, long) quoted and cut. */
function pointer(instancePath: string, extra?: string): string {
  const segments = instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) segments.push(extra);
  if (segments.length === 0) return '(top level)';
  return segments.map((s) => `/${/^[\w.$@+-]{1,64}$/.test(s) ? s : quote(s)}`).join('');
}

/** A value as a message shows it: strings quoted and cut at 40 characters, printable ASCII only. */
function shown(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return quote(value);
  return String(value);
}

function quote(text: string): string {
  const printable = JSON.stringify(text.slice(0, 40)).replace(
    /[^\x20-\x7e]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return text.length > 40 ? `${printable}…` : printable;
}

function article(type: string): string {
  if (type === 'null') return 'null';
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}
