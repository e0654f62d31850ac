import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import { relativePathProblem } from '../../src/fs/confine.js';

/**
 * ajv over a manifest schema file as shipped (schema/manifest.schema.json, or the v1 one), set
 * up here and not through crossgo's reader: a manifest crossgo writes must pass it as it is.
 */
export function manifestValidator(file = 'manifest.schema.json'): ValidateFunction {
  const schema = JSON.parse(readFileSync(new URL(`../../schema/${file}`, import.meta.url), 'utf8'));
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true });
  ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
  ajv.addFormat('relative-path', {
    type: 'string',
    validate: (s: string) => relativePathProblem(s) === null,
  });
  return ajv.compile(schema);
}
