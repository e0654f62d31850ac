import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmdirSync, statfsSync } from 'node:fs';
import { link, mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/pipeline/manifest.js';
import { CLI, cleanupTemps, crossgo, fixtureRepo, runTool, tempDir, testEnv } from '../helpers/cli.js';

/**
 * Real file-system failures, not mocked ones: a small tmpfs that fills up (ENOSPC) or is
 * remounted read-only (EROFS), and a process limit on open files (EMFILE, through prlimit).
 * Each must end in one line naming the file, the operation and what was left, exit 1, and
 * leave manifest.json and SHA256SUMS agreeing with each other and with the files.
 */

/** Why this machine cannot mount a tmpfs (not root, no CAP_SYS_ADMIN), or null when it can. */
const cannotMount = (() => {
  const probe = mkdtempSync(path.join(os.tmpdir(), 'crossgo-mount-probe-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { encoding: 'utf8' });
  if (r.status === 0) spawnSync('umount', [probe]);
  rmdirSync(probe);
  return r.status === 0 ? null : (r.stderr || r.error?.message || 'mount failed').trim();
})();

const mounts: string[] = [];
afterAll(async () => {
  for (const m of mounts.splice(0)) spawnSync('umount', [m]);
  await cleanupTemps();
});

/** The lines crossgo itself wrote ("crossgo: …"), and whether anything looks like a stack trace. */
function crossgoLines(stderr: string): { lines: string[]; trace: boolean } {
  return {
    lines: stderr.split('\n').filter((l) => l.startsWith('crossgo:')),
    trace: /^\s+at /m.test(stderr) || stderr.includes('internal error'),
  };
}

const PAGE = 4096;
const pages = (bytes: number) => Math.ceil(bytes / PAGE);
const TEMPLATE = '{name}-{version}-{goos}-{goarch}{ext}';

/** A fresh module, a config that makes the manifest span three pages, and a 16 MiB tmpfs. */
async function setup() {
  const { dir } = await fixtureRepo('greet');
  const mnt = await tempDir('crossgo-tmpfs-');
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mnt], { encoding: 'utf8' });
  if (mounted.status !== 0) throw new Error(mounted.stderr);
  mounts.push(mnt);
  // Outside the module, so the tree stays clean; the variable is recorded per artifact.
  const config = path.join(await tempDir(), 'crossgo.yaml');
  await writeFile(config, `env:\n  CROSSGO_TEST_PAD: "${'p'.repeat(9000)}"\n`);
  const out = path.join(mnt, 'dist');
  const build = (version: string) =>
    crossgo(
      [
        'build',
        '-t',
        'linux/amd64',
        '-o',
        out,
        '--config',
        config,
        '--app-version',
        version,
        '--template',
        TEMPLATE,
        '--no-link-cache',
      ],
      { cwd: dir, env: testEnv() },
    );
  const first = await build('1.0.0');
  if (first.code !== 0) throw new Error(first.stdout + first.stderr);
  return { dir, mnt, out, build };
}

/** Fills the tmpfs so that exactly `leave` pages stay free. */
async function fillLeaving(mnt: string, leave: number): Promise<void> {
  const s = statfsSync(mnt);
  const free = s.bavail * s.bsize;
  await writeFile(path.join(mnt, 'filler'), Buffer.alloc(free - leave * PAGE));
  const after = statfsSync(mnt);
  expect(after.bavail * after.bsize).toBe(leave * PAGE);
}

/** What is on disk agrees: SHA256SUMS lists exactly the manifest's artifacts, and sha256sum -c passes. */
async function expectAgreement(out: string): Promise<Manifest> {
  const manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
  const sums = (await readFile(path.join(out, 'SHA256SUMS'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => ({ sha256: line.slice(0, 64), path: line.slice(66) }));
  expect(sums).toEqual(manifest.artifacts.map((a) => ({ sha256: a.sha256, path: a.path })));
  const check = await runTool('sha256sum', ['-c', '--strict', 'SHA256SUMS'], { cwd: out });
  expect(check.code, check.stdout + check.stderr).toBe(0);
  expect(
    readdirSync(out).filter((f) => f.includes('.crossgo-tmp-')),
    'no temporary file is left',
  ).toEqual([]);
  return manifest;
}

describe.skipIf(cannotMount !== null)(
  `a full or read-only output folder${cannotMount ? ` (skipped: cannot mount a tmpfs: ${cannotMount})` : ''}`,
  () => {
    it('ENOSPC at the manifest: one line, exit 1, the previous manifest.json and SHA256SUMS kept together', async () => {
      const { mnt, out, build } = await setup();
      const before = await expectAgreement(out);
      const binary = before.artifacts[0]?.size as number;
      const manifestBytes = (await readFile(path.join(out, 'manifest.json'))).length;
      expect(pages(manifestBytes), 'the manifest needs more than the one page left for it').toBeGreaterThan(
        1,
      );
      // Room for the new binary (the same size: only the version string differs) and one page
      // each for SHA256SUMS and part of the manifest, which needs more.
      await fillLeaving(mnt, pages(binary) + 2);

      const r = await build('2.0.0');
      expect(r.code).toBe(1);
      const { lines, trace } = crossgoLines(r.stderr);
      expect(trace).toBe(false);
      expect(lines).toEqual([
        `crossgo: cannot write ${out}/manifest.json: no space left on the device (ENOSPC); the previous manifest.json and SHA256SUMS were kept; the binary built now is not recorded: build again once the folder can be written`,
      ]);
      const after = await expectAgreement(out);
      expect(after).toEqual(before);
      expect(after.source.version).toBe('1.0.0');
    }, 240_000);

    it('ENOSPC at SHA256SUMS: one line, exit 1, neither file replaced', async () => {
      const { mnt, out, build } = await setup();
      const before = await expectAgreement(out);
      // Room for the new binary and for the lock the build holds (one page), none for SHA256SUMS.
      await fillLeaving(mnt, pages(before.artifacts[0]?.size as number) + 1);

      const r = await build('2.0.0');
      expect(r.code).toBe(1);
      const { lines, trace } = crossgoLines(r.stderr);
      expect(trace).toBe(false);
      expect(lines).toEqual([
        `crossgo: cannot write ${out}/SHA256SUMS: no space left on the device (ENOSPC); the previous manifest.json and SHA256SUMS were kept; the binary built now is not recorded: build again once the folder can be written`,
      ]);
      expect(await expectAgreement(out)).toEqual(before);
    }, 240_000);

    it('EROFS: a read-only output folder is one line, no trace; what was there stays', async () => {
      const { mnt, out, build } = await setup();
      const before = await expectAgreement(out);
      const remount = spawnSync('mount', ['-o', 'remount,ro', mnt], { encoding: 'utf8' });
      expect(remount.status, remount.stderr).toBe(0);

      const r = await build('2.0.0');
      expect(r.code).not.toBe(0);
      const { lines, trace } = crossgoLines(r.stderr);
      expect(trace).toBe(false);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('EROFS');
      expect(lines[0]).toMatch(/dist\b/);
      expect(await expectAgreement(out)).toEqual(before);
    }, 240_000);
  },
);

describe('EMFILE: a small limit on open files', () => {
  let dir: string;
  beforeAll(async () => {
    ({ dir } = await fixtureRepo('greet'));
    const built = await crossgo(['build', '-t', 'linux/amd64', '--json'], { cwd: dir, env: testEnv() });
    if (built.code !== 0) throw new Error(built.stdout + built.stderr);
    const manifest = JSON.parse(built.stdout) as Manifest;
    const real = manifest.artifacts[0] as Manifest['artifacts'][number];
    await mkdir(path.join(dir, 'dist', 'many'));
    const artifacts: Manifest['artifacts'] = [];
    for (let i = 0; i < 200; i++) {
      const rel = `many/greet-${i}`;
      await link(path.join(dir, 'dist', real.path), path.join(dir, 'dist', rel));
      artifacts.push({ ...real, path: rel });
    }
    await writeFile(path.join(dir, 'dist', 'many.json'), JSON.stringify({ ...manifest, artifacts }));
  }, 180_000);

  // Below about 22 descriptors node itself cannot start (its own assertion or its module
  // loader fails before crossgo runs); from there on crossgo must answer in one line or succeed.
  it.each([26, 28, 32, 48])(
    'verify of 200 files under --nofile=%i: one line or success, never a hang',
    async (n) => {
      const started = performance.now();
      const r = await runTool(
        'timeout',
        [
          '-s',
          'KILL',
          '120',
          'prlimit',
          `--nofile=${n}`,
          process.execPath,
          CLI,
          'verify',
          '--manifest',
          'dist/many.json',
        ],
        { cwd: dir, env: testEnv() },
      );
      const ms = performance.now() - started;
      expect(r.code, 'killed by the 120 s deadline').not.toBe(137);
      const { lines, trace } = crossgoLines(r.stderr);
      expect(trace, r.stderr).toBe(false);
      if (r.code === 0) {
        expect(r.stdout).toContain('200 passed, 0 failed');
      } else {
        expect(r.code).toBe(1);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(
          /^crossgo: cannot open \S+: too many open files \(EMFILE\); raise the limit on open files \(ulimit -n\)$/,
        );
      }
      console.log(`--nofile=${n}: exit ${r.code} in ${Math.round(ms)} ms${lines[0] ? `: ${lines[0]}` : ''}`);
    },
    180_000,
  );
});
