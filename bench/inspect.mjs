#!/usr/bin/env node
/**
 * crossgo inspect benchmark: N binaries of every format (hard links to one real binary per
 * format: "copies are fine", and links keep the disk use flat) read in one call, against
 * `go version -m` on the same files in the same run. crossgo reports far more (format,
 * machine, linking, symbols, DWARF, build ID, code signature…), go version -m only the build
 * info, and cannot read wasm at all.
 *
 *   npm run build && node bench/inspect.mjs [--per-format 1000] [--runs 3] [--json]
 */
import { execFile, spawnSync } from 'node:child_process';
import { accessSync, constants, readdirSync } from 'node:fs';
import { link, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { optionErrors } from './lib.mjs';

const REPO = path.resolve(fileURLToPath(import.meta.url), '../..');
const CLI = path.join(REPO, 'bin', 'crossgo.js');
const FORMATS = [
  { name: 'elf', goos: 'linux', goarch: 'amd64' },
  { name: 'pe', goos: 'windows', goarch: 'amd64' },
  { name: 'macho', goos: 'darwin', goarch: 'arm64' },
  { name: 'macho-fat', goos: 'darwin', goarch: 'universal' },
  { name: 'wasm', goos: 'wasip1', goarch: 'wasm' },
];

const { usage, count } = optionErrors('bench/inspect.mjs');

function parseOptions(argv) {
  try {
    return parseArgs({
      args: argv,
      options: {
        'per-format': { type: 'string', default: '1000' },
        runs: { type: 'string', default: '3' },
        json: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    return usage(error.message);
  }
}

let perFormat;
let runs;
let values;
try {
  values = parseOptions(process.argv.slice(2));
  perFormat = count('--per-format', values['per-format']);
  runs = count('--runs', values.runs);
} catch (error) {
  process.stderr.write(`${error.message}\n`);
  process.exit(error.exitCode ?? 1);
}

/** An LLVM tool: on PATH, else in the highest /usr/lib/llvm-N/bin (test/helpers/oracles.ts llvmTool). */
function llvmTool(name) {
  const executable = (file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  let versions = [];
  try {
    versions = readdirSync('/usr/lib')
      .filter((d) => /^llvm-\d+$/.test(d))
      .sort((a, b) => Number(b.slice(5)) - Number(a.slice(5)))
      .map((d) => path.join('/usr/lib', d, 'bin'));
  } catch {
    // no /usr/lib
  }
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...versions];
  const found = dirs.map((d) => path.join(d, name)).find(executable);
  if (!found) throw new Error(`${name} not found on PATH or in /usr/lib/llvm-*/bin: apt-get install llvm`);
  return found;
}

function must(command, args, opts = {}) {
  const r = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 30, ...opts });
  if (r.status !== 0) throw new Error(`${command} ${args.slice(0, 3).join(' ')}… failed: ${r.stderr}`);
  return r.stdout;
}

/** Wall time of one command over all files; output discarded but fully read. */
function timed(command, args) {
  return new Promise((resolve) => {
    const started = performance.now();
    execFile(command, args, { maxBuffer: 1 << 30 }, (error, stdout) => {
      resolve({
        seconds: (performance.now() - started) / 1000,
        bytes: stdout.length,
        code: error?.code ?? 0,
      });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const root = await mkdtemp(path.join(os.tmpdir(), 'crossgo-inspect-bench-'));
  try {
    const src = path.join(REPO, 'examples', 'hello');
    const originals = {};
    for (const f of FORMATS.filter((f) => f.goarch !== 'universal')) {
      const out = path.join(root, `hello-${f.name}`);
      must('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', out, '.'], {
        cwd: src,
        env: { ...process.env, GOOS: f.goos, GOARCH: f.goarch, CGO_ENABLED: '0' },
      });
      originals[f.name] = out;
    }
    const amd = path.join(root, 'hello-darwin-amd64');
    must('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', amd, '.'], {
      cwd: src,
      env: { ...process.env, GOOS: 'darwin', GOARCH: 'amd64', CGO_ENABLED: '0' },
    });
    originals['macho-fat'] = path.join(root, 'hello-fat');
    must(llvmTool('llvm-lipo'), ['-create', amd, originals.macho, '-output', originals['macho-fat']]);

    const files = [];
    for (const f of FORMATS) {
      const dir = path.join(root, f.name);
      await mkdir(dir);
      for (let i = 0; i < perFormat; i++) {
        const file = path.join(dir, `b${i}`);
        await link(originals[f.name], file);
        files.push(file);
      }
    }
    const goFiles = files.filter((f) => !f.includes(`${path.sep}wasm${path.sep}`));
    // Warm the page cache and both programs once.
    await timed(process.execPath, [CLI, 'inspect', '--json', ...files]);
    await timed('go', ['version', '-m', ...goFiles]);

    const rows = [];
    const measure = async (label, command, args, count) => {
      const samples = [];
      for (let i = 0; i < runs; i++) samples.push(await timed(command, args));
      const row = {
        label,
        files: count,
        seconds: median(samples.map((s) => s.seconds)),
        outputBytes: samples[0].bytes,
      };
      rows.push(row);
      return row;
    };
    await measure(
      'crossgo inspect --json, all formats',
      process.execPath,
      [CLI, 'inspect', '--json', ...files],
      files.length,
    );
    const go = await measure(
      'go version -m, all but wasm',
      'go',
      ['version', '-m', ...goFiles],
      goFiles.length,
    );
    const all = await measure(
      'crossgo inspect --json, all but wasm',
      process.execPath,
      [CLI, 'inspect', '--json', ...goFiles],
      goFiles.length,
    );
    // Per format, each against go version -m on the same files: where the time goes.
    const perFormatRows = [];
    for (const f of FORMATS) {
      const mine = files.filter((file) => file.includes(`${path.sep}${f.name}${path.sep}`));
      const c = await measure(
        `  crossgo, ${f.name}`,
        process.execPath,
        [CLI, 'inspect', '--json', ...mine],
        mine.length,
      );
      const g =
        f.name === 'wasm'
          ? null
          : await measure(`  go version -m, ${f.name}`, 'go', ['version', '-m', ...mine], mine.length);
      perFormatRows.push({ format: f.name, crossgo: c.seconds, go: g?.seconds ?? null });
    }
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ perFormat, runs, rows, perFormatRows }, null, 2)}\n`);
      return;
    }
    process.stdout.write(
      `crossgo inspect benchmark: ${perFormat} files per format (${FORMATS.map((f) => f.name).join(', ')}), median of ${runs}\n`,
    );
    process.stdout.write(
      `${must('go', ['version']).trim()}, node ${process.version}, ${os.availableParallelism()} cores\n\n`,
    );
    process.stdout.write(
      `${'tool'.padEnd(40)} ${'files'.padStart(6)} ${'seconds'.padStart(8)} ${'vs go'.padStart(7)} ${'output'.padStart(10)}\n`,
    );
    for (const r of rows) {
      const format = FORMATS.find((f) => r.label.endsWith(`, ${f.name}`));
      const against = format ? perFormatRows.find((p) => p.format === format.name)?.go : go.seconds;
      const ratio = against ? `${(r.seconds / against).toFixed(2)}x` : '-';
      process.stdout.write(
        `${r.label.padEnd(40)} ${String(r.files).padStart(6)} ${r.seconds.toFixed(2).padStart(8)} ${ratio.padStart(7)} ${`${(r.outputBytes / 1024).toFixed(0)} KiB`.padStart(10)}\n`,
      );
    }
    const ratio = all.seconds / go.seconds;
    process.stdout.write(
      `\ngoal: crossgo <= 1.0x go version -m on the same files: ${ratio <= 1 ? 'met' : 'MISSED'} (${ratio.toFixed(2)}x)\n`,
    );
    process.stdout.write(
      'crossgo also verifies every ad-hoc code signature (SHA-256 of each signed page: the whole image), which go version -m does not read.\n',
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
