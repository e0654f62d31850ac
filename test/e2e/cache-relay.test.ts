import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, lstat, readdir, readFile, rename, symlink } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CacheService, startCacheService } from '../../src/cache/service.js';
import { parseStoreUrl, type StoreUrl } from '../../src/cache/storeUrl.js';
import { cleanupTemps, crossgo, fixtureRepo, runTool, tempDir, testEnv } from '../helpers/cli.js';
import { type Nginx, startNginx } from '../helpers/nginx.js';

/**
 * crossgo build's own cache service: one cache core in the crossgo process, and go's GOCACHEPROG
 * a small Go relay (go/cacherelay) that answers local hits itself. Oracles: gofmt and go vet on
 * the relay's source, go version -m on the relay binary, nginx's folder for what was uploaded,
 * and the binaries compared byte for byte with a build without any cache program.
 */

const REPO = path.resolve(import.meta.dirname, '../..');
const RELAY_SOURCE = path.join(REPO, 'go', 'cacherelay');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest();
const b64 = (bytes: Buffer) => bytes.toString('base64');

let nginx: Nginx;
beforeAll(async () => {
  nginx = await startNginx();
});
afterAll(async () => {
  await nginx?.stop();
  await cleanupTemps();
});

async function filesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/** The relay binaries below an XDG cache home. */
async function relaysIn(xdg: string): Promise<string[]> {
  return (await filesIn(path.join(xdg, 'crossgo', 'relay'))).map((f) =>
    path.join(xdg, 'crossgo', 'relay', f),
  );
}

/** The counters of the build's `cache:` line (stderr). */
function cacheLine(stderr: string) {
  const match = /cache: (\d+) local, (\d+) remote hits?, (\d+) miss(?:es)?, (\d+) uploaded/.exec(stderr);
  expect(match, stderr).not.toBeNull();
  const [, local = 0, remote = 0, misses = 0, uploaded = 0] = (match as RegExpExecArray).map(Number);
  return { local, remote, misses, uploaded };
}

describe('the relay source', () => {
  it('is gofmt-clean and passes go vet', async () => {
    const fmt = await runTool('gofmt', ['-l', '.'], { cwd: RELAY_SOURCE });
    expect(fmt.code, fmt.stderr).toBe(0);
    expect(fmt.stdout).toBe('');
    const vet = await runTool('go', ['vet', '.'], {
      cwd: RELAY_SOURCE,
      env: testEnv({ GOFLAGS: '', GOWORK: 'off', CGO_ENABLED: '0' }),
    });
    expect(vet.code, vet.stderr).toBe(0);
  });
});

describe('crossgo build --cache: the run serves go through the relay', () => {
  it('fills the store, then a fresh machine is served from it; byte-identical binaries; go version -m names the relay', async () => {
    const { dir } = await fixtureRepo('greet');
    const targets = ['-t', 'linux/amd64,windows/arm64'];
    const plain = await crossgo(['build', ...targets, '-o', 'plain'], { cwd: dir, env: testEnv() });
    expect(plain.code, plain.stderr).toBe(0);
    const url = nginx.url('/relay');
    const firstXdg = await tempDir();
    const first = await crossgo(['build', ...targets, '-o', 'first', '--cache', url], {
      cwd: dir,
      env: testEnv({ XDG_CACHE_HOME: firstXdg, GOCACHE: await tempDir() }),
    });
    expect(first.code, first.stderr).toBe(0);
    const filled = cacheLine(first.stderr);
    expect(filled.misses).toBeGreaterThan(10);
    // go puts an entry per miss, and more (an action's several outputs): every put is uploaded.
    expect(filled.uploaded).toBeGreaterThanOrEqual(filled.misses);
    const stored = await filesIn(path.join(nginx.store, 'relay'));
    expect(stored.filter((f) => f.startsWith('cas/')).length).toBeGreaterThan(10);

    const relays = await relaysIn(firstXdg);
    expect(relays).toHaveLength(1);
    const info = await runTool('go', ['version', '-m', relays[0] as string], { env: testEnv() });
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/\tpath\tcrossgo\.dev\/cacherelay\n/);
    expect(info.stdout).toMatch(/\tbuild\tCGO_ENABLED=0\n/);

    // A fresh machine: no local tier, no GOCACHE, no relay yet.
    const second = await crossgo(['build', ...targets, '-o', 'second', '--cache', url], {
      cwd: dir,
      env: testEnv({ XDG_CACHE_HOME: await tempDir(), GOCACHE: await tempDir() }),
    });
    expect(second.code, second.stderr).toBe(0);
    const served = cacheLine(second.stderr);
    expect(served.remote).toBeGreaterThan(10);
    expect(served.misses).toBeLessThan(served.remote);
    expect(served.uploaded).toBeGreaterThanOrEqual(served.misses);

    // Warm: everything local; the relay answers the hits itself (counted at each go command's close).
    const third = await crossgo(['build', ...targets, '-o', 'third', '--cache', url, '--force'], {
      cwd: dir,
      env: testEnv({ XDG_CACHE_HOME: firstXdg, GOCACHE: await tempDir() }),
    });
    expect(third.code, third.stderr).toBe(0);
    const warm = cacheLine(third.stderr);
    expect(warm.local).toBeGreaterThan(10);
    expect(warm.remote).toBe(0);

    for (const name of ['greet-linux-amd64', 'greet-windows-arm64.exe']) {
      const want = await readFile(path.join(dir, 'plain', name));
      for (const out of ['first', 'second', 'third'])
        expect((await readFile(path.join(dir, out, name))).equals(want), `${out}/${name}`).toBe(true);
    }
    const manifest = await readFile(path.join(dir, 'second', 'manifest.json'), 'utf8');
    expect(manifest).not.toContain('relay');
    expect(manifest).not.toContain('crossgo-cache-');
  });

  it('a relay another user could have written is not run: a group-writable one is rebuilt, a linked folder falls back with one warning', async () => {
    const { dir } = await fixtureRepo('greet');
    const url = nginx.url('/relay-trust');
    const xdg = await tempDir();
    const env = testEnv({ XDG_CACHE_HOME: xdg });
    const first = await crossgo(['build', '-t', 'linux/amd64', '-o', 'a', '--cache', url], { cwd: dir, env });
    expect(first.code, first.stderr).toBe(0);
    const [relay] = await relaysIn(xdg);
    const before = await lstat(relay as string);
    await chmod(relay as string, 0o775);
    const second = await crossgo(['build', '-t', 'linux/amd64', '-o', 'b', '--cache', url, '--force'], {
      cwd: dir,
      env,
    });
    expect(second.code, second.stderr).toBe(0);
    const after = await lstat(relay as string);
    expect(after.ino).not.toBe(before.ino);
    expect(after.mode & 0o022).toBe(0);

    // The relay's folder replaced by a link to a folder of someone else's choosing.
    const folder = path.dirname(relay as string);
    const elsewhere = await tempDir();
    await rename(folder, path.join(elsewhere, 'moved'));
    await symlink(path.join(elsewhere, 'moved'), folder);
    const third = await crossgo(['build', '-t', 'linux/amd64', '-o', 'c', '--cache', url, '--force'], {
      cwd: dir,
      env,
    });
    expect(third.code, third.stderr).toBe(0);
    const warnings = third.stderr.split('\n').filter((l) => l.includes('cache relay'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('go runs crossgo cache-prog itself');
    expect(
      (await readFile(path.join(dir, 'c', 'greet-linux-amd64'))).equals(
        await readFile(path.join(dir, 'a', 'greet-linux-amd64')),
      ),
    ).toBe(true);
  });
});

/** The relay driven like go drives it: JSON lines in, JSON lines out, against a service in this process. */
class RelayDriver {
  readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting = new Map<number, (r: Record<string, unknown>) => void>();
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(goCacheProg: string) {
    const words = goCacheProg.split(' ').map((w) => w.replace(/^'(.*)'$/, '$1'));
    this.child = spawn(words[0] as string, words.slice(1));
    this.child.stderr.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const response = JSON.parse(line) as Record<string, unknown>;
      this.waiting.get(response.ID as number)?.(response);
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  send(request: Record<string, unknown>, body?: Buffer): Promise<Record<string, unknown>> {
    const answer = new Promise<Record<string, unknown>>((resolve) =>
      this.waiting.set(request.ID as number, resolve),
    );
    this.child.stdin.write(`${JSON.stringify(request)}\n`);
    if (body && body.length > 0) this.child.stdin.write(`"${b64(body)}"\n`);
    return answer;
  }
}

describe('the relay, driven directly', () => {
  let service: CacheService | null = null;
  afterAll(async () => {
    await service?.close();
  });

  it('answers ID 0 with the commands, relays a put, answers the later get itself, counts it at close, and ends when go closes its input', async () => {
    const xdg = await tempDir();
    const store = parseStoreUrl(nginx.url('/relay-direct')) as StoreUrl;
    const env = testEnv({ XDG_CACHE_HOME: xdg });
    const go = (await runTool('go', ['env', 'GOROOT', 'GOVERSION'], { env })).stdout.trim().split('\n');
    service = await startCacheService({
      store,
      readonly: false,
      go: path.join(go[0] as string, 'bin', 'go'),
      goVersion: go[1] as string,
      env,
      fallback: '',
      warn: (line) => {
        throw new Error(`unexpected warning: ${line}`);
      },
    });
    expect(service.goCacheProg).toContain('crossgo-cache-relay');
    const driver = new RelayDriver(service.goCacheProg);
    const hello = await new Promise<Record<string, unknown>>((resolve) =>
      createInterface({ input: driver.child.stdout }).once('line', (l) => resolve(JSON.parse(l))),
    );
    expect(hello).toEqual({ ID: 0, KnownCommands: ['get', 'put', 'close'] });

    const body = Buffer.from('an output of some action\n');
    const action = sha256(Buffer.from('an action'));
    const miss = await driver.send({ ID: 1, Command: 'get', ActionID: b64(action) });
    expect(miss).toEqual({ ID: 1, Miss: true });
    const put = await driver.send(
      { ID: 2, Command: 'put', ActionID: b64(action), OutputID: b64(sha256(body)), BodySize: body.length },
      body,
    );
    expect(put.Err).toBeUndefined();
    expect(await readFile(put.DiskPath as string)).toEqual(body);
    const got = await driver.send({ ID: 3, Command: 'get', ActionID: b64(action) });
    expect(got.OutputID).toBe(b64(sha256(body)));
    expect(got.Size).toBe(body.length);
    expect(got.DiskPath).toBe(put.DiskPath);
    expect(Number.isNaN(Date.parse(got.Time as string))).toBe(false);
    expect(await driver.send({ ID: 4, Command: 'close' })).toEqual({ ID: 4 });
    driver.child.stdin.end();
    expect(await driver.exited).toBe(0);
    expect(driver.stderr).toBe('');
    const stats = await service.close();
    service = null;
    // The get of ID 3 never reached the core: the relay answered it and reported it with close.
    expect(stats).toMatchObject({ gets: 2, localHits: 1, misses: 1, puts: 1, uploads: 1 });
    expect(
      await readFile(path.join(nginx.store, 'relay-direct', 'cas', sha256(body).toString('hex'))),
    ).toEqual(body);
  });
});
