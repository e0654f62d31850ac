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

// go starts a GOCACHEPROG per go command: `cache-prog` loads its own few modules, not the CLI.
if (process.argv[2] === 'cache-prog') {
  const { cacheProgCommand } = await import('../dist/cli/commands/cacheProg.js');
  const code = await cacheProgCommand(process.argv.slice(3));
  // Idle keep-alive sockets to the remote store must not keep go waiting for the exit.
  process.stdout.write('', () => process.exit(code));
} else {
  process.exitCode = await crossgo();
}

async function crossgo() {
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
  return main(process.argv.slice(2));
}
