import { createHash } from 'node:crypto';
import { chmod, copyFile, open, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/pipeline/manifest.js';
import { binaries } from '../../src/pipeline/manifest.js';
import { cleanupTemps, crossgo, fixtureRepo, runTool, tempDir, testEnv } from '../helpers/cli.js';

afterAll(cleanupTemps);

/**
 * go keeps an existing -o file whose build ID already has the right action ID, whatever else is
 * in it (cmd/go/internal/work/buildid.go, useCache). These tests edit a binary crossgo made, in the
 * output folder or in the link cache, in ways that keep that build ID, and check the next build
 * still produces the genuine bytes. A `-toolexec` logger is the independent witness of whether go
 * linked (it records every tool go runs), so a test can also tell reuse from a fresh link.
 */
const TARGETS = ['linux/amd64', 'linux/arm64'] as const;
const OBJCOPY: Record<string, string> = {
  'linux/amd64': 'objcopy',
  'linux/arm64': 'aarch64-linux-gnu-objcopy',
};

interface Setup {
  env: NodeJS.ProcessEnv;
  /** How many times go ran the linker (not counting its `-V=full` version queries) since the last reset. */
  links(): Promise<number>;
  resetLog(): Promise<void>;
  /** Folder for genuine copies and tamper inputs. */
  keep: string;
  cache: string;
}

async function setup(): Promise<Setup> {
  const keep = await tempDir('crossgo-tamper-');
  const cache = await tempDir('crossgo-tamper-cache-');
  const log = path.join(keep, 'tools.log');
  const script = path.join(keep, 'toolexec.sh');
  await writeFile(script, '#!/bin/sh\nprintf \'%s\\t%s\\n\' "$1" "$2" >> "$TAMPER_TOOL_LOG"\nexec "$@"\n');
  await chmod(script, 0o755);
  await writeFile(path.join(keep, 'note'), 'not built by go\n');
  const env = testEnv({ GOFLAGS: `-toolexec=${script}`, TAMPER_TOOL_LOG: log, CROSSGO_CACHE: cache });
  return {
    env,
    keep,
    cache,
    async links() {
      const text = await readFile(log, 'utf8').catch(() => '');
      const runs = text.split('\n').map((line) => line.split('\t'));
      return runs.filter(([tool, arg]) => tool && path.basename(tool) === 'link' && arg !== '-V=full').length;
    },
    resetLog: () => rm(log, { force: true }),
  };
}

async function build(dir: string, out: string, env: NodeJS.ProcessEnv, extra: string[] = []) {
  const result = await crossgo(['build', '-t', TARGETS.join(','), '-o', out, '--json', ...extra], {
    cwd: dir,
    env,
  });
  if (result.code !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as Manifest;
}

const sha256Of = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

async function buildIdOf(file: string): Promise<string> {
  const result = await runTool('go', ['tool', 'buildid', file]);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout.trim();
}

/** Keeps a copy and the facts of every artifact of a first, untouched build. */
async function keepGenuine(manifest: Manifest, outDir: string, keep: string) {
  const genuine = new Map<string, { sha256: string; buildId: string; copy: string }>();
  for (const artifact of binaries(manifest)) {
    const file = path.join(outDir, artifact.path);
    const copy = path.join(keep, `genuine-${artifact.target.replace('/', '-')}`);
    await copyFile(file, copy);
    expect(await sha256Of(copy)).toBe(artifact.sha256);
    genuine.set(artifact.target, { sha256: artifact.sha256, buildId: await buildIdOf(file), copy });
  }
  expect([...genuine.keys()].sort()).toEqual([...TARGETS]);
  return genuine;
}

type Genuine = Awaited<ReturnType<typeof keepGenuine>>;

/** (a) Rewrites bytes of the string the program prints, in place: the build ID is untouched. */
async function flipPrintedString(file: string): Promise<void> {
  const bytes = await readFile(file);
  const at = bytes.indexOf('greet version=');
  expect(at).toBeGreaterThan(0);
  const handle = await open(file, 'r+');
  try {
    await handle.write(Buffer.from('GREAT'), 0, 5, at);
  } finally {
    await handle.close();
  }
}

/** (b) Adds an allocated ELF note section, in place, with binutils for that machine. */
function addNote(keep: string) {
  return async (file: string, target: string): Promise<void> => {
    const result = await runTool(OBJCOPY[target] ?? 'objcopy', [
      '--add-section',
      `.note.evil=${path.join(keep, 'note')}`,
      '--set-section-flags',
      '.note.evil=alloc,readonly',
      file,
    ]);
    expect(result.code, result.stderr).toBe(0);
    const sections = await runTool('readelf', ['-S', '-W', file]);
    expect(sections.stdout).toContain('.note.evil');
  };
}

/** The tampered file now differs from the genuine one but still carries its build ID: go would keep it. */
async function expectDangerous(file: string, genuine: { sha256: string; buildId: string }) {
  expect(await sha256Of(file)).not.toBe(genuine.sha256);
  expect(await buildIdOf(file)).toBe(genuine.buildId);
}

async function runArtifact(file: string, target: string) {
  return target === 'linux/amd64' ? runTool(file, []) : runTool('qemu-aarch64', [file]);
}

/** The build recorded and wrote the genuine bytes, and the oracles agree. */
async function expectGenuine(outDir: string, manifest: Manifest, genuine: Genuine) {
  expect(binaries(manifest)).toHaveLength(TARGETS.length);
  for (const artifact of binaries(manifest)) {
    const want = genuine.get(artifact.target);
    const file = path.join(outDir, artifact.path);
    expect(artifact.sha256, artifact.target).toBe(want?.sha256);
    expect((await readFile(file)).equals(await readFile(want?.copy ?? '')), artifact.target).toBe(true);
    const ran = await runArtifact(file, artifact.target);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^greet version=/);
    expect(ran.stdout).toContain(`platform=${artifact.target}`);
    const info = await runTool('go', ['version', '-m', file]);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toContain('path\texample.com/greet');
    const sections = await runTool('readelf', ['-S', '-W', file]);
    expect(sections.stdout).not.toContain('.note.evil');
  }
  const check = await runTool('sha256sum', ['-c', 'SHA256SUMS'], { cwd: outDir });
  expect(check.code, check.stdout + check.stderr).toBe(0);
}

/** The link cache's entries by target, found through the records crossgo writes beside them. */
async function cacheEntries(cache: string) {
  const entries = new Map<string, { entry: string; record: string; sha256: string }>();
  for (const name of await readdir(cache)) {
    if (!name.endsWith('.json') || name.includes('crossgo-tmp')) continue;
    const record = path.join(cache, name);
    const data = JSON.parse(await readFile(record, 'utf8')) as { target: string; sha256: string };
    entries.set(data.target, { entry: record.slice(0, -'.json'.length), record, sha256: data.sha256 });
  }
  return entries;
}

/** Every cache entry is a regular file again, holding the genuine bytes its record names. */
async function expectCacheGenuine(cache: string, genuine: Genuine) {
  const entries = await cacheEntries(cache);
  expect([...entries.keys()].sort()).toEqual([...TARGETS]);
  for (const [target, { entry, sha256 }] of entries) {
    expect((await stat(entry)).isFile()).toBe(true);
    expect(sha256).toBe(genuine.get(target)?.sha256);
    expect(await sha256Of(entry)).toBe(sha256);
  }
}

describe('a rebuild over tampered bytes', () => {
  it('relinks an output binary edited in place instead of recording it', async () => {
    const s = await setup();
    const { dir } = await fixtureRepo('greet');
    const out = path.join(dir, 'out');
    // No link cache: the previous binary in the output folder is the only copy go could keep.
    const genuine = await keepGenuine(await build(dir, 'out', s.env, ['--no-link-cache']), out, s.keep);

    // Untouched: go keeps the previous binary, links nothing.
    await s.resetLog();
    await expectGenuine(out, await build(dir, 'out', s.env, ['--no-link-cache']), genuine);
    expect(await s.links()).toBe(0);

    for (const tamper of [flipPrintedString, addNote(s.keep)]) {
      for (const target of TARGETS) {
        const file = path.join(out, `greet-${target.replace('/', '-')}`);
        await tamper(file, target);
        await expectDangerous(file, genuine.get(target) as { sha256: string; buildId: string });
      }
      await s.resetLog();
      await expectGenuine(out, await build(dir, 'out', s.env, ['--no-link-cache']), genuine);
      expect(await s.links()).toBe(TARGETS.length);
    }
  });

  it('never serves a tampered link-cache entry to a fresh checkout', async () => {
    const s = await setup();
    const first = await fixtureRepo('greet');
    const genuine = await keepGenuine(
      await build(first.dir, 'out', s.env),
      path.join(first.dir, 'out'),
      s.keep,
    );
    await expectCacheGenuine(s.cache, genuine);

    // An untouched cache: a fresh checkout of the same commit links nothing and gets the same bytes.
    const second = await fixtureRepo('greet');
    await s.resetLog();
    await expectGenuine(path.join(second.dir, 'out'), await build(second.dir, 'out', s.env), genuine);
    expect(await s.links()).toBe(0);

    for (const tamper of [flipPrintedString, addNote(s.keep)]) {
      for (const [target, { entry }] of await cacheEntries(s.cache)) {
        await tamper(entry, target);
        await expectDangerous(entry, genuine.get(target) as { sha256: string; buildId: string });
      }
      const fresh = await fixtureRepo('greet');
      await s.resetLog();
      await expectGenuine(path.join(fresh.dir, 'out'), await build(fresh.dir, 'out', s.env), genuine);
      expect(await s.links()).toBe(TARGETS.length);
      await expectCacheGenuine(s.cache, genuine);
    }

    // The same checkout, a new output folder: served from the (repaired) cache again.
    await s.resetLog();
    await expectGenuine(
      path.join(first.dir, 'out/again'),
      await build(first.dir, 'out/again', s.env),
      genuine,
    );
    expect(await s.links()).toBe(0);
  });

  it('follows no symbolic link and waits on no FIFO in the link cache', async () => {
    const s = await setup();
    const { dir } = await fixtureRepo('greet');
    const genuine = await keepGenuine(await build(dir, 'out/1', s.env), path.join(dir, 'out/1'), s.keep);

    // Entries: amd64's is a link to a genuine copy (its bytes would even match), arm64's a FIFO.
    let entries = await cacheEntries(s.cache);
    const amd64 = entries.get('linux/amd64');
    const arm64 = entries.get('linux/arm64');
    if (!amd64 || !arm64) throw new Error('no cache entries');
    const linkedCopy = path.join(s.keep, 'linked-copy');
    await copyFile(genuine.get('linux/amd64')?.copy ?? '', linkedCopy);
    await rm(amd64.entry);
    await symlink(linkedCopy, amd64.entry);
    await rm(arm64.entry);
    expect((await runTool('mkfifo', [arm64.entry])).code).toBe(0);
    await s.resetLog();
    await expectGenuine(path.join(dir, 'out/2'), await build(dir, 'out/2', s.env), genuine);
    expect(await s.links()).toBe(TARGETS.length);
    await expectCacheGenuine(s.cache, genuine);
    // The link was replaced, its target left alone.
    expect(await sha256Of(linkedCopy)).toBe(genuine.get('linux/amd64')?.sha256);

    // Records: amd64's is a FIFO, arm64's a link to a copy of itself.
    entries = await cacheEntries(s.cache);
    const records = [entries.get('linux/amd64')?.record ?? '', entries.get('linux/arm64')?.record ?? ''];
    const recordCopy = path.join(s.keep, 'record-copy.json');
    await copyFile(records[1] ?? '', recordCopy);
    await rm(records[0] ?? '');
    expect((await runTool('mkfifo', [records[0] ?? ''])).code).toBe(0);
    await rm(records[1] ?? '');
    await symlink(recordCopy, records[1] ?? '');
    await s.resetLog();
    await expectGenuine(path.join(dir, 'out/3'), await build(dir, 'out/3', s.env), genuine);
    expect(await s.links()).toBe(TARGETS.length);
    await expectCacheGenuine(s.cache, genuine);
    for (const record of records) expect((await stat(record)).isFile()).toBe(true);
  });
});
