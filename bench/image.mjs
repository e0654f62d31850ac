#!/usr/bin/env node
/**
 * crossgo image's benchmark (issue 16): `crossgo image` for 4 linux targets of examples/hello
 * (linux/amd64, linux/arm64, linux/arm/7, linux/386) from an existing build.
 *
 * Run it with `npm run bench:image` (which runs `npm run build --silent && node bench/image.mjs`),
 * or `node bench/image.mjs [options]` after a build. Options:
 *
 *   --runs N   runs per measurement; the median counts (default 5)
 *   --json     print the results as JSON on stdout (progress goes to stderr)
 *   --keep     keep the temporary folder (its path is printed)
 *
 * Untimed set-up: examples/hello copied into a temporary git repository (one commit, tag
 * v1.2.3), `crossgo build` of the 4 targets, and a real registry started on 127.0.0.1 —
 * Debian's docker-registry (CNCF Distribution 2.8, /usr/bin/docker-registry) with its storage in
 * the temporary folder, stopped at the end, also on failure or Ctrl-C. Each run starts from a
 * fresh copy of the build's output folder (no earlier layout in it), then times, as whole
 * `crossgo image` processes (node's start-up included; `crossgo --version` is printed as the
 * floor):
 *
 * 1. layout: `crossgo image --oci-layout DIR` (a new DIR): the images made, <out>/image and DIR written;
 * 2. first push: `crossgo image --push HOST/app-RUN:1.2.3` to a repository new to the registry
 *    (distribution only answers HEAD 200 for blobs linked to that repository, so all are sent);
 * 3. second push: the same command again: the layers are reused from <out>/image and the
 *    registry has everything, so only existence checks go out (goal < 0.5 s).
 *
 * Every push must report what the registry had (the --json output of crossgo image): the
 * second push must upload no blob and put no manifest, or the benchmark fails.
 */
import { spawn } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(fileURLToPath(import.meta.url), '../..');
const CLI = path.join(REPO, 'bin', 'crossgo.js');
const REGISTRY_BIN = '/usr/bin/docker-registry';
const TARGETS = ['linux/amd64', 'linux/arm64', 'linux/arm/7', 'linux/386'];

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const value = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] ? argv[i + 1] : fallback;
};
const runs = Number(value('--runs', '5'));
if (!Number.isInteger(runs) || runs < 1) {
  process.stderr.write('bench/image.mjs: --runs N: expected a whole number ≥ 1\n');
  process.exit(2);
}

const log = (line) => process.stderr.write(`${line}\n`);

function run(command, args, { cwd, env } = {}) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) reject(new Error(`${command} ${args.join(' ')}: exit ${code}: ${stderr.trim()}`));
      else resolve({ stdout, stderr, seconds });
    });
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startRegistry(root) {
  const port = await freePort();
  await writeFile(
    path.join(root, 'registry.yml'),
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${root}/registry\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  const child = spawn(REGISTRY_BIN, ['serve', path.join(root, 'registry.yml')], { stdio: 'ignore' });
  const stop = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`http://127.0.0.1:${port}/v2/`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ok) return { host: `127.0.0.1:${port}`, stop };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  stop();
  throw new Error(`${REGISTRY_BIN} did not answer on 127.0.0.1:${port}`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

async function main() {
  const root = await mkdtemp(path.join(os.tmpdir(), 'crossgo-bench-image-'));
  let registry;
  const onSignal = () => {
    registry?.stop();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  try {
    const env = { ...process.env, NO_COLOR: '1', GOENV: 'off' };
    delete env.GOFLAGS;
    const src = path.join(root, 'hello');
    await cp(path.join(REPO, 'examples', 'hello'), src, { recursive: true });
    await writeFile(path.join(src, '.gitignore'), '/dist/\n/out-*/\n');
    const date = '2024-05-06T07:08:09Z';
    const gitEnv = {
      ...env,
      GIT_AUTHOR_NAME: 'bench',
      GIT_AUTHOR_EMAIL: 'bench@example.com',
      GIT_COMMITTER_NAME: 'bench',
      GIT_COMMITTER_EMAIL: 'bench@example.com',
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
    };
    for (const args of [
      ['init', '-q'],
      ['add', '-A'],
      ['commit', '-q', '-m', 'bench'],
      ['tag', 'v1.2.3'],
    ]) {
      await run('git', ['-c', 'init.defaultBranch=main', ...args], { cwd: src, env: gitEnv });
    }
    log(`build of ${TARGETS.join(', ')} (untimed)…`);
    await run(process.execPath, [CLI, 'build', '-t', TARGETS.join(',')], { cwd: src, env });
    registry = await startRegistry(root);
    log(`registry on ${registry.host}; ${runs} runs each`);
    const floor = [];
    const times = { layout: [], first: [], second: [] };
    let digest = null;
    let second = null;
    for (let i = 0; i < runs; i++) {
      floor.push((await run(process.execPath, [CLI, '--version'], { env })).seconds);
      // A fresh copy of the build's output: no earlier layout to reuse.
      for (const [key, args] of [
        ['layout', (out) => ['image', '-o', out, '--oci-layout', path.join(root, `layout-${i}`), '--json']],
        ['first', (out) => ['image', '-o', out, '--push', `${registry.host}/app-${i}:1.2.3`, '--json']],
      ]) {
        const out = `out-${key}-${i}`;
        await rm(path.join(src, out), { recursive: true, force: true });
        await cp(path.join(src, 'dist'), path.join(src, out), { recursive: true });
        const result = await run(process.execPath, [CLI, ...args(out)], { cwd: src, env });
        times[key].push(result.seconds);
        const report = JSON.parse(result.stdout);
        const index = report.images.find((r) => r.role === 'index').digest;
        if (digest && index !== digest) throw new Error(`run ${i} ${key}: index ${index}, not ${digest}`);
        digest = index;
        if (key === 'first') {
          const again = await run(process.execPath, [CLI, ...args(out)], { cwd: src, env });
          times.second.push(again.seconds);
          second = JSON.parse(again.stdout).pushed[0];
          if (second.uploaded !== 0 || second.manifests !== 0) {
            throw new Error(
              `second push uploaded ${second.uploaded} blobs and ${second.manifests} manifests`,
            );
          }
        }
      }
    }
    const rows = [
      ['node + crossgo start-up (crossgo --version)', median(floor)],
      ['OCI layout (--oci-layout)', median(times.layout)],
      ['first push (new repository)', median(times.first)],
      ['second push (everything there)', median(times.second)],
    ];
    const result = {
      runs,
      targets: TARGETS,
      index: digest,
      cores: os.cpus().length,
      rows: Object.fromEntries(rows),
      second,
    };
    if (flag('--json')) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      process.stdout.write(
        `crossgo image, examples/hello, ${TARGETS.length} linux targets, ${os.cpus().length} cores, median of ${runs}\n\n`,
      );
      process.stdout.write('| measurement | median |\n| --- | --- |\n');
      for (const [name, s] of rows) process.stdout.write(`| ${name} | ${s.toFixed(2)} s |\n`);
      process.stdout.write(
        `\nindex ${digest} in every run; second push: ${second.existing} blobs already there, ${second.uploaded} uploaded, SBOMs by ${second.referrers}\n`,
      );
    }
  } finally {
    registry?.stop();
    if (flag('--keep')) log(`kept ${root}`);
    else await rm(root, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench/image.mjs: ${error.message}\n`);
  process.exit(1);
});
