import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { appendFile, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/pipeline/manifest.js';
import {
  cleanupTemps,
  crossgo,
  fixtureRepo,
  runTool,
  spawnCrossgo,
  tempDir,
  testEnv,
} from '../helpers/cli.js';

afterAll(cleanupTemps);

const sha256 = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
const readManifest = async (dir: string) =>
  JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
const writeManifest = (dir: string, m: unknown) =>
  writeFile(path.join(dir, 'manifest.json'), `${JSON.stringify(m, null, 2)}\n`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every file below `dir` with its sha256: what must not change. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, file)] = await sha256(file);
  }
  return out;
}

/** One line on stderr, starting crossgo:, no stack trace. */
function expectOneLine(stderr: string): void {
  const lines = stderr.trim().split('\n');
  expect(lines.filter((l) => l.startsWith('crossgo: '))).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

describe('a tampered manifest or output folder', () => {
  it('cannot make crossgo delete files outside the output folder', async () => {
    const { dir } = await fixtureRepo('greet');
    const env = testEnv();
    expect((await crossgo(['build', '-t', 'linux/amd64'], { cwd: dir, env })).code).toBe(0);
    const victim = path.join(dir, '..', 'victim');
    await writeFile(victim, 'not crossgo’s');
    const before = { victim: await sha256(victim), main: await sha256(path.join(dir, 'main.go')) };
    const dist = path.join(dir, 'dist');
    const m = await readManifest(dist);
    const fake = (p: string) => ({ kind: 'archive', path: p, size: 1, sha256: before.victim, from: [] });
    await writeManifest(dist, {
      ...m,
      artifacts: [...m.artifacts, fake('../../victim'), fake('../main.go'), fake(victim)],
      release: {
        mtime: '2024-05-06T07:08:09.000Z',
        mtimeSource: 'commit',
        checksum: 'sha256',
        signature: null,
      },
    });
    for (const args of [['build', '-t', 'linux/amd64'], ['package'], ['verify']]) {
      const r = await crossgo(args, { cwd: dir, env });
      if (r.code !== 0) expectOneLine(r.stderr);
      expect(await sha256(victim)).toBe(before.victim);
      expect(await sha256(path.join(dir, 'main.go'))).toBe(before.main);
    }
  });

  it('cannot reach through a symbolic link inside the output folder, to write or to delete', async () => {
    const { dir } = await fixtureRepo('greet');
    const env = testEnv();
    const dist = path.join(dir, 'dist');
    expect((await crossgo(['build', '-t', 'linux/amd64'], { cwd: dir, env })).code).toBe(0);
    const elsewhere = await tempDir('crossgo-elsewhere-');
    await writeFile(path.join(elsewhere, 'x.tar.gz'), 'keep me');
    await writeFile(path.join(elsewhere, 'greet-linux-amd64'), 'keep me too');
    const before = await snapshot(elsewhere);
    await symlink(elsewhere, path.join(dist, 'sub'));

    // A release file listed through the link, in the manifest and in the ownership journal (a
    // manifest alone no longer makes a file crossgo's): a build would delete it as stale.
    await appendFile(
      path.join(dist, '.crossgo-owned'),
      `${JSON.stringify({ own: 'sub/x.tar.gz', kind: 'release', sha256: before['x.tar.gz'] })}\n`,
    );
    const m = await readManifest(dist);
    await writeManifest(dist, {
      ...m,
      artifacts: [
        ...m.artifacts,
        { kind: 'archive', path: 'sub/x.tar.gz', size: 7, sha256: before['x.tar.gz'], from: [] },
      ],
      release: {
        mtime: '2024-05-06T07:08:09.000Z',
        mtimeSource: 'commit',
        checksum: 'sha256',
        signature: null,
      },
    });
    const rebuilt = await crossgo(['build', '-t', 'linux/amd64'], { cwd: dir, env });
    expect(rebuilt.code).toBe(0);
    expect(rebuilt.stderr).toContain('dist/sub is a symbolic link');
    expect(await snapshot(elsewhere)).toEqual(before);

    // An output template through the link: refused before anything is built.
    const through = await crossgo(
      ['build', '-t', 'linux/amd64', '--template', 'sub/{name}-{goos}-{goarch}'],
      {
        cwd: dir,
        env,
      },
    );
    expect(through.code).toBe(2);
    expectOneLine(through.stderr);
    expect(through.stderr).toMatch(/dist\/sub is a symbolic link/);
    expect(await snapshot(elsewhere)).toEqual(before);
  });

  it('makes package ship only the bytes the build recorded, from inside the output folder', async () => {
    const { dir } = await fixtureRepo('greet');
    const env = testEnv();
    const dist = path.join(dir, 'dist');
    expect((await crossgo(['build', '-t', 'linux/amd64,linux/arm64'], { cwd: dir, env })).code).toBe(0);
    const genuine = await readManifest(dist);

    // An artifact path climbing out to the toolchain's gofmt.
    const goroot = (await runTool('go', ['env', 'GOROOT'], { env })).stdout.trim();
    const gofmt = path.join(goroot, 'bin', 'gofmt');
    const climbing = path.relative(dist, gofmt);
    const tampered = structuredClone(genuine);
    (tampered.artifacts[0] as { path: string }).path = climbing;
    (tampered.artifacts[0] as { sha256: string }).sha256 = await sha256(gofmt);
    await writeManifest(dist, tampered);
    const out = await crossgo(['package'], { cwd: dir, env });
    expect(out.code).toBe(2);
    expectOneLine(out.stderr);
    expect((await readdir(dist)).filter((f) => f.endsWith('.tar.gz'))).toEqual([]);

    // A binary swapped after the build: package refuses it, verify fails it.
    await writeManifest(dist, genuine);
    const arm64 = path.join(dist, 'greet-linux-arm64');
    await writeFile(arm64, await readFile(path.join(dist, 'greet-linux-amd64')));
    const swapped = await crossgo(['package'], { cwd: dir, env });
    expect(swapped.code).toBe(1);
    expectOneLine(swapped.stderr);
    expect(swapped.stderr).toContain('dist/greet-linux-arm64 has sha256');
    expect(swapped.stderr).toContain('changed after crossgo');
    expect((await readdir(dist)).filter((f) => /\.(tar\.gz|txt|json)$/.test(f))).toEqual(['manifest.json']);
    expect((await crossgo(['verify'], { cwd: dir, env })).code).toBe(1);
  });

  it('packs nothing of the output folder into the archives, and no linked file, with --files "**"', async () => {
    const { dir } = await fixtureRepo('greet');
    const env = testEnv();
    expect((await crossgo(['build', '-t', 'linux/amd64'], { cwd: dir, env })).code).toBe(0);
    const r = await crossgo(['package', '--files', '**', '--no-sbom'], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    const listing = await runTool('tar', ['tzf', path.join(dir, 'dist', 'greet_1.2.3_linux_amd64.tar.gz')]);
    const names = listing.stdout.trim().split('\n');
    expect(names).toContain('greet_1.2.3_linux_amd64/main.go');
    expect(names.filter((n) => n.includes('dist/') || n.includes('manifest.json'))).toEqual([]);

    // A link among the extra files is passed over: it could name any file of the machine.
    await symlink('/etc/passwd', path.join(dir, 'PASSWD.md'));
    await writeFile(path.join(dir, 'NOTES.md'), 'notes\n');
    const linked = await crossgo(['package', '--files', '*.md', '--no-sbom'], { cwd: dir, env });
    expect(linked.code, linked.stderr).toBe(0);
    const again = await runTool('tar', ['tzf', path.join(dir, 'dist', 'greet_1.2.3_linux_amd64.tar.gz')]);
    expect(again.stdout.trim().split('\n').sort()).toEqual([
      'greet_1.2.3_linux_amd64/',
      'greet_1.2.3_linux_amd64/NOTES.md',
      'greet_1.2.3_linux_amd64/greet',
    ]);
  });
});

describe('the output folder after ordinary events', () => {
  it('builds of other target sets, one after another, keep every file crossgo made its own', async () => {
    const { dir } = await fixtureRepo('greet');
    const env = testEnv();
    for (const t of ['linux/amd64', 'linux/arm64', 'linux/amd64', 'linux/arm64,linux/amd64']) {
      const r = await crossgo(['build', '-t', t], { cwd: dir, env });
      expect(r.code, r.stderr).toBe(0);
    }
    const dist = path.join(dir, 'dist');
    expect((await runTool('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dist })).code).toBe(0);
    expect((await readManifest(dist)).artifacts.map((a) => a.target)).toEqual(['linux/arm64', 'linux/amd64']);
  });

  it('a build killed with SIGKILL leaves a folder the next build takes over (its lock, its files)', async () => {
    const { dir } = await fixtureRepo('greet');
    const dist = path.join(dir, 'dist');
    const env = testEnv({ GOCACHE: await tempDir('crossgo-cold-cache-') });
    const child = spawnCrossgo(
      ['build', '-t', 'linux/amd64,linux/arm64,windows/amd64,darwin/arm64', '-j', '1'],
      {
        cwd: dir,
        env,
      },
    );
    // Killed once the first binary is in place and recorded, while go compiles the next target.
    await waitFor(async () => {
      const names = await readdir(dist).catch(() => [] as string[]);
      return names.some((n) => n.startsWith('greet-') && !n.includes('crossgo-tmp')) ? true : undefined;
    }, 170_000);
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(await stat(path.join(dist, '.crossgo.lock')).catch(() => null)).not.toBeNull();

    const next = await crossgo(['build', '-t', 'linux/amd64,linux/arm64,windows/amd64,darwin/arm64'], {
      cwd: dir,
      env: testEnv(),
    });
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(
      /\.crossgo\.lock: its holder \(pid \d+\) is no longer running; taking the lock over/,
    );
    expect((await runTool('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dist })).code).toBe(0);
    expect(await stat(path.join(dist, '.crossgo.lock')).catch(() => null)).toBeNull();
    // The killed run's temporary files are crossgo's (its marker in the name): gone.
    expect((await readdir(dist)).filter((n) => n.includes('crossgo-tmp'))).toEqual([]);
  });

  it('one writer at a time: a second build refuses naming the holder, or waits with --wait', async () => {
    const { dir } = await fixtureRepo('greet');
    const dist = path.join(dir, 'dist');
    const env = testEnv({ GOCACHE: await tempDir('crossgo-cold-cache-') });
    const first = spawnCrossgo(['build', '-t', 'linux/amd64'], { cwd: dir, env });
    const firstExit = once(first, 'exit');
    await waitFor(
      () =>
        stat(path.join(dist, '.crossgo.lock')).then(
          () => true,
          () => undefined,
        ),
      60_000,
    );

    const refused = await crossgo(['build', '-t', 'linux/amd64,windows/386'], { cwd: dir, env: testEnv() });
    expect(refused.code).toBe(2);
    expectOneLine(refused.stderr);
    expect(refused.stderr).toMatch(
      new RegExp(
        `dist is being written by crossgo build \\(pid ${first.pid}, since [0-9T:.-]+Z\\): .*--wait`,
      ),
    );

    const waited = await crossgo(['build', '-t', 'linux/amd64,windows/386', '--wait', '10m'], {
      cwd: dir,
      env: testEnv(),
    });
    const [code] = await firstExit;
    expect(code).toBe(0);
    expect(waited.code, waited.stderr).toBe(0);
    // The last writer's manifest, SHA256SUMS and binaries agree.
    const m = await readManifest(dist);
    expect(m.artifacts.map((a) => a.target)).toEqual(['linux/amd64', 'windows/386']);
    for (const a of m.artifacts) expect(await sha256(path.join(dist, a.path))).toBe(a.sha256);
    expect((await runTool('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dist })).code).toBe(0);
  });

  it('a lock whose holder is another process now (a reused pid) is taken over; a live one is not', async () => {
    const { dir } = await fixtureRepo('greet');
    const dist = path.join(dir, 'dist');
    await mkdir(dist);
    const host = (await import('node:os')).hostname();
    const holder = {
      pid: process.pid,
      startTicks: '1',
      bootId: '',
      host,
      command: 'crossgo build',
      since: 'x',
    };
    await writeFile(path.join(dist, '.crossgo.lock'), JSON.stringify(holder));
    const r = await crossgo(['build', '-t', 'linux/amd64'], { cwd: dir, env: testEnv() });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`pid ${process.pid} is another process now; taking the lock over`);

    // A live holder: a sleeping process whose start time is recorded as /proc has it.
    const sleeper = spawn('sleep', ['60']);
    await once(sleeper, 'spawn');
    const stat22 = (await readFile(`/proc/${sleeper.pid}/stat`, 'utf8')).split(') ')[1]?.split(' ')[19];
    const bootId = (await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim();
    await writeFile(
      path.join(dist, '.crossgo.lock'),
      JSON.stringify({
        ...holder,
        pid: sleeper.pid,
        startTicks: stat22,
        bootId,
        since: '2026-01-01T00:00:00Z',
      }),
    );
    try {
      const busy = await crossgo(['build', '-t', 'linux/amd64'], { cwd: dir, env: testEnv() });
      expect(busy.code).toBe(2);
      expect(busy.stderr).toContain(`is being written by crossgo build (pid ${sleeper.pid}`);
    } finally {
      sleeper.kill();
    }
  });
});

describe('a failed signing', () => {
  let gnupg: string;
  let fingerprint: string;
  beforeAll(async () => {
    gnupg = path.join(await tempDir(), 'gnupg');
    await mkdir(gnupg, { mode: 0o700 });
    const env = { ...process.env, GNUPGHOME: gnupg };
    const uid = 'crossgo staging <staging@example.com>';
    const gen = await runTool(
      'gpg',
      [
        '--batch',
        '--pinentry-mode',
        'loopback',
        '--passphrase',
        '',
        '--quick-gen-key',
        uid,
        'ed25519',
        'sign',
        'never',
      ],
      { env },
    );
    if (gen.code !== 0) throw new Error(gen.stderr);
    const list = await runTool('gpg', ['--batch', '--with-colons', '--list-secret-keys', uid], { env });
    fingerprint = /^fpr:+([0-9A-F]+):/m.exec(list.stdout)?.[1] as string;
  });

  it('leaves the previous release exactly as it was, its signature still good, no temporary file behind', async () => {
    const { dir } = await fixtureRepo('release');
    const env = testEnv({ GNUPGHOME: gnupg });
    const dist = path.join(dir, 'dist');
    expect((await crossgo(['build', '-t', 'linux/amd64'], { cwd: dir, env })).code).toBe(0);
    const good = await crossgo(['package', '--sign', 'gpg', '--key', fingerprint], { cwd: dir, env });
    expect(good.code, good.stderr).toBe(0);
    const before = await snapshot(dist);
    expect(Object.keys(before)).toContain('hello_1.2.3_checksums.txt.asc');

    // Other archive contents (so the archives and checksums would change), and a key gpg lacks.
    const failed = await crossgo(
      ['package', '--files', 'LICENSE', '--sign', 'gpg', '--key', 'nobody@example.invalid'],
      {
        cwd: dir,
        env,
      },
    );
    expect(failed.code).toBe(1);
    expectOneLine(failed.stderr);
    expect(await snapshot(dist)).toEqual(before);
    expect((await readdir(dist)).filter((n) => n.includes('crossgo-tmp'))).toEqual([]);
    const verified = await runTool(
      'gpg',
      ['--batch', '--verify', 'hello_1.2.3_checksums.txt.asc', 'hello_1.2.3_checksums.txt'],
      { cwd: dist, env },
    );
    expect(verified.code, verified.stderr).toBe(0);
    expect((await runTool('sha256sum', ['-c', 'hello_1.2.3_checksums.txt'], { cwd: dist })).code).toBe(0);
  });
});

describe('the output folder itself', () => {
  it('a link named with -o is followed once; a link to a file, or a config dist outside the module, is refused', async () => {
    const { dir } = await fixtureRepo('greet');
    const env = testEnv();
    const real = await tempDir('crossgo-real-out-');
    await symlink(real, path.join(dir, 'out'));
    const viaLink = await crossgo(['build', '-t', 'linux/amd64', '-o', 'out'], { cwd: dir, env });
    expect(viaLink.code, viaLink.stderr).toBe(0);
    expect((await runTool('sha256sum', ['-c', 'SHA256SUMS'], { cwd: real })).code).toBe(0);

    await writeFile(path.join(dir, 'afile'), 'x');
    await symlink(path.join(dir, 'afile'), path.join(dir, 'filelink'));
    const toFile = await crossgo(['build', '-t', 'linux/amd64', '-o', 'filelink'], { cwd: dir, env });
    expect(toFile.code).toBe(2);
    expect(toFile.stderr.trim()).toBe(
      'crossgo: output folder filelink is a symbolic link to something that is not a folder: choose a folder with -o',
    );

    for (const dist of ['../elsewhere', 'out/inner']) {
      await writeFile(path.join(dir, 'crossgo.yaml'), `out: ${dist}\n`);
      const outside = await crossgo(['build', '-t', 'linux/amd64'], { cwd: dir, env });
      expect(outside.code).toBe(2);
      expectOneLine(outside.stderr);
      expect(outside.stderr).toMatch(
        /crossgo\.yaml: out: .* is outside the module .*pass -o to write elsewhere/,
      );
    }
  });
});
