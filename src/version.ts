import { readFileSync } from 'node:fs';

/** crossgo's own version, from its package.json (one level above src/ and dist/). */
export const CROSSGO_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
