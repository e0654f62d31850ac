#!/usr/bin/env node
/**
 * Precompiles crossgo's JSON Schemas (schema/*.schema.json) into validator modules beside the
 * compiled code that uses them, with ajv's standalone code generation: compiling a schema costs
 * ~90 ms of CPU at every run that reads a manifest (more than all of an unchanged rebuild's own
 * work), loading generated code costs a few. Run by `npm run build` after tsc; the options here
 * must be the ones src/pipeline/manifestSchema.ts and src/config/parse.ts compile with when the
 * generated module is absent (vitest runs the TypeScript sources).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { relativePathProblem } = await import(path.join(REPO, 'dist', 'fs', 'confine.js'));
const { readFile } = await import('node:fs/promises');
const schema = async (name) => JSON.parse(await readFile(path.join(REPO, 'schema', name), 'utf8'));

// The generated code calls ajv's runtime helpers through require(), and the custom format through
// `formats`: both are given at the top of each module.
const header = (formats) =>
  [
    "import { createRequire } from 'node:module';",
    'const require = createRequire(import.meta.url);',
    formats
      ? "import { relativePathProblem } from '../fs/confine.js';\nconst formats = { 'relative-path': { type: 'string', validate: (value) => relativePathProblem(value) === null } };"
      : '',
    '',
  ].join('\n');

async function generate({ schemas, options, relativePath, out }) {
  const ajv = new Ajv({
    ...options,
    code: {
      source: true,
      esm: true,
      ...(relativePath ? { formats: new (await codeClass())('formats') } : {}),
    },
  });
  if (relativePath) {
    ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
    ajv.addFormat('relative-path', { type: 'string', validate: (v) => relativePathProblem(v) === null });
  }
  const refs = {};
  for (const [exportName, file] of Object.entries(schemas)) {
    const s = await schema(file);
    ajv.addSchema(s, exportName);
    refs[exportName] = exportName;
  }
  const code = standaloneCode.default ? standaloneCode.default(ajv, refs) : standaloneCode(ajv, refs);
  await writeFile(path.join(REPO, 'dist', out), `${header(relativePath)}${code}\n`);
}

/** ajv's code-fragment class (codegen _Code), so that `formats` is emitted as a name, not a string. */
async function codeClass() {
  const { _Code } = await import('ajv/dist/compile/codegen/code.js');
  return _Code;
}

await generate({
  schemas: { manifest: 'manifest.schema.json', manifestV1: 'manifest.v1.schema.json' },
  options: { allErrors: false, verbose: true, allowUnionTypes: true },
  relativePath: true,
  out: path.join('pipeline', 'manifestValidators.js'),
});
await generate({
  schemas: { config: 'crossgo.schema.json' },
  options: { allErrors: true, strict: false },
  relativePath: false,
  out: path.join('config', 'configValidator.js'),
});
