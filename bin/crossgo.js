#!/usr/bin/env node
import { statSync } from 'node:fs';

/**
 * `npm run build` compiles src/ to dist/ with tsc, then bundles the CLI into dist/bundle/
 * (scripts/bundle.mjs): a few files per command instead of ~200 modules, the biggest part of
 * crossgo's start-up. A bundle older than the compiled CLI is stale (tsc ran again without it):
 * then the compiled modules are loaded, as they are where no bundle was made.
 */
function bundleIsFresh() {
  try {
    const bundle = statSync(new URL('../dist/bundle/main.js', import.meta.url)).mtimeMs;
    return bundle >= statSync(new URL('../dist/cli/main.js', import.meta.url)).mtimeMs;
  } catch {
    return false;
  }
}

let main;
try {
  ({ main } = await import(bundleIsFresh() ? '../dist/bundle/main.js' : '../dist/cli/main.js'));
} catch (error) {
  // Loading crossgo's own modules opens files too: under a tiny limit on open files, say so in
  // the one line crossgo gives for it anywhere else (cli/main.ts), not with Node's stack trace.
  if (error?.code !== 'EMFILE' && error?.code !== 'ENFILE') throw error;
  process.stderr.write(
    `crossgo: cannot open ${error.path ?? 'its own modules'}: too many open files (${error.code}); raise the limit on open files (ulimit -n)\n`,
  );
  process.exit(1);
}
process.exitCode = await main(process.argv.slice(2));
