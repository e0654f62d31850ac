#!/usr/bin/env node
/**
 * Bundles the compiled CLI (dist/cli/main.js and everything it imports, dependencies included)
 * into one file, dist/cli.js, which bin/crossgo.js loads when it is not older than
 * dist/cli/main.js. Node resolves, reads and compiles every ES module one by one: the ~200 files
 * of `crossgo build` cost more than the build itself on an unchanged rebuild (about 130 ms of
 * module loading on the 2-core reference machine), one file costs a fraction of that.
 *
 * Run by `npm run build` after tsc. esbuild is a devDependency (pinned with vitest's own); where it is missing
 * the bundle is skipped with a note and bin/crossgo.js loads dist/cli/main.js as before.
 *
 * The bundle keeps the compiled files' view of where they are: every `import.meta.url` becomes
 * the URL of the dist file it was written in, so the schema files, package.json and the inspect
 * worker are found exactly as the unbundled modules find them.
 */
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(REPO, 'dist');
const OUT = path.join(DIST, 'bundle');

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  process.stderr.write(
    'scripts/bundle.mjs: esbuild is not installed: no dist/cli.js (the CLI loads dist/cli/main.js)\n',
  );
  process.exit(0);
}

/** Rewrites import.meta.url in each compiled file to that file's own URL, relative to the bundle. */
const keepFileUrls = {
  name: 'keep-file-urls',
  setup(build) {
    build.onLoad({ filter: /\.js$/ }, async (args) => {
      if (!args.path.startsWith(DIST + path.sep)) return undefined;
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return { contents: text, loader: 'js' };
      const rel = path.relative(OUT, args.path).split(path.sep).join('/');
      return {
        contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`),
        loader: 'js',
      };
    });
  },
};

// Chunk names change with their contents: start from an empty folder (only this script writes it).
await rm(OUT, { recursive: true, force: true });
await esbuild.build({
  entryPoints: [path.join(DIST, 'cli', 'main.js')],
  outdir: OUT,
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  // One chunk per lazily loaded command: `crossgo --version` reads only the parser's.
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // CommonJS dependencies (commander, yaml, ajv) call require(): give the ES module bundle one.
  banner: {
    js: "import { createRequire as __crossgoRequire } from 'node:module';\nconst require = __crossgoRequire(import.meta.url);",
  },
  plugins: [keepFileUrls],
  logLevel: 'warning',
  legalComments: 'none',
});
