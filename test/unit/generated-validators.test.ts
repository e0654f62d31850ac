import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { relativePathProblem } from '../../src/fs/confine.js';
import { REPO } from '../helpers/cli.js';
import { mulberry32 } from '../helpers/prng.js';

/**
 * scripts/schemas.mjs generates the validators crossgo runs with (dist/…/manifestValidators.js,
 * configValidator.js) from the schema files. They must say what a validator compiled from the
 * same file says, on valid documents and on each seeded mutation of one: the oracle is ajv
 * compiling schema/*.json here, not crossgo's code.
 */
const dist = (...p: string[]) => path.join(REPO, 'dist', ...p);

async function schema(name: string): Promise<object> {
  return JSON.parse(await readFile(path.join(REPO, 'schema', name), 'utf8')) as object;
}

function compiledHere(s: object, options: object, format: boolean) {
  const ajv = new Ajv(options);
  if (format) {
    ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
    ajv.addFormat('relative-path', {
      type: 'string',
      validate: (v: string) => relativePathProblem(v) === null,
    });
  }
  return ajv.compile(s);
}

/** A copy of `doc` with one value somewhere replaced by a hostile one. */
function mutate(doc: unknown, next: () => number): unknown {
  const copy = structuredClone(doc) as Record<string, unknown>;
  const values: unknown[] = [42, '', '../x', '/abs', null, [], {}, 'a\nb', -1, 'x'.repeat(300), true];
  const holders: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) {
        holders.push([v, i]);
        walk(x);
      }
    } else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        holders.push([v as Record<string, unknown>, k]);
        walk(x);
      }
    }
  };
  walk(copy);
  const [holder, key] = holders[Math.floor(next() * holders.length)] as [Record<string, unknown>, string];
  holder[key] = values[Math.floor(next() * values.length)];
  return copy;
}

describe('the generated validators', () => {
  it('judge manifests as ajv compiling schema/manifest.schema.json does (600 seeded mutations)', async () => {
    const generated = (await import(dist('pipeline', 'manifestValidators.js'))) as Record<
      string,
      (d: unknown) => boolean
    >;
    const here = compiledHere(
      await schema('manifest.schema.json'),
      { allErrors: false, verbose: true, allowUnionTypes: true },
      true,
    );
    const valid = JSON.parse(
      await readFile(path.join(REPO, 'test', 'fixtures', 'manifest-v1', 'dist', 'manifest.json'), 'utf8'),
    );
    const v1Here = compiledHere(
      await schema('manifest.v1.schema.json'),
      { allErrors: false, verbose: true, allowUnionTypes: true },
      true,
    );
    expect(generated.manifestV1?.(valid)).toBe(true);
    expect(v1Here(valid)).toBe(true);
    const next = mulberry32(13);
    let rejected = 0;
    for (let i = 0; i < 600; i++) {
      const doc = mutate(valid, next);
      const verdict = v1Here(doc);
      expect(generated.manifestV1?.(doc), `mutation ${i}`).toBe(verdict);
      if (!verdict) rejected += 1;
      const v2 = { ...(doc as object), schemaVersion: 2 };
      expect(generated.manifest?.(v2), `mutation ${i} as v2`).toBe(here(v2));
    }
    expect(rejected).toBeGreaterThan(100);
  });

  it('judge configs as ajv compiling schema/crossgo.schema.json does', async () => {
    const generated = (await import(dist('config', 'configValidator.js'))) as {
      config: (d: unknown) => boolean;
    };
    const here = compiledHere(await schema('crossgo.schema.json'), { allErrors: true, strict: false }, false);
    const docs: unknown[] = [
      { targets: 'all', out: 'dist', template: '{name}-{goos}-{goarch}{ext}' },
      { targets: 42 },
      { overrides: { 'linux/arm64': { env: { FOO: 1 } } } },
      { package: { files: [] } },
      { unknown: true },
      { cgo: 'maybe' },
    ];
    for (const doc of docs) expect(generated.config(doc), JSON.stringify(doc)).toBe(here(doc));
  });
});
