import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { b64, Driver, filesIn, sha256 } from '../helpers/cacheProg.js';
import { CLI, cleanupTemps, crossgo, fixtureRepo, runTool, tempDir, testEnv } from '../helpers/cli.js';
import { freePort, type Nginx, startNginx } from '../helpers/nginx.js';

/**
 * `crossgo cache-prog` against a real nginx (WebDAV PUT) and the real go command: the objects
 * nginx stores are read from its folder, binaries compared byte for byte, hashes by node:crypto.
 */

let nginx: Nginx;
let work: string;
let program: string;

beforeAll(async () => {
  nginx = await startNginx();
  work = await tempDir('crossgo-cacheprog-');
  program = path.join(work, 'hello');
  await runTool('mkdir', ['-p', program]);
  await writeFile(path.join(program, 'go.mod'), 'module example.com/hello\n\ngo 1.22\n');
  await writeFile(path.join(program, 'main.go'), 'package main\n\nfunc main() { println("hello") }\n');
});

afterAll(async () => {
  await nginx?.stop();
  await cleanupTemps();
});

interface Stats {
  gets: number;
  localHits: number;
  remoteHits: number;
  misses: number;
  puts: number;
  uploads: number;
  remoteMismatches: number;
}

/** `go build` of the tiny program with an empty GOCACHE and crossgo cache-prog as GOCACHEPROG. */
async function goBuild(name: string, cacheArgs: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const dir = await tempDir(`crossgo-${name}-`);
  const stats = path.join(dir, 'stats.jsonl');
  const quoted = [
    process.execPath,
    CLI,
    'cache-prog',
    '--dir',
    path.join(dir, 'local'),
    '--stats',
    stats,
    ...cacheArgs,
  ]
    .map((word) => `'${word}'`)
    .join(' ');
  const out = path.join(dir, 'hello');
  const result = await runTool('go', ['build', '-trimpath', '-o', out, '.'], {
    cwd: program,
    env: testEnv({
      GOCACHE: path.join(dir, 'gocache'),
      GOCACHEPROG: quoted,
      CGO_ENABLED: '0',
      GOFLAGS: '',
      ...extraEnv,
    }),
  });
  expect(result.code, result.stderr).toBe(0);
  const lines = (await readFile(stats, 'utf8')).trim().split('\n');
  const total = lines
    .map((l) => JSON.parse(l) as Stats)
    .reduce((a, b) => {
      for (const key of Object.keys(b) as (keyof Stats)[]) a[key] = (a[key] ?? 0) + b[key];
      return a;
    });
  return { binary: await readFile(out), stderr: result.stderr, stats: total, dir };
}

describe('crossgo cache-prog: the GOCACHEPROG protocol', () => {
  it('answers a put, then a get with the OutputID and a DiskPath of those bytes; an unknown ActionID is a miss', async () => {
    const dir = await tempDir();
    const driver = new Driver(['--dir', dir]);
    const body = Buffer.from('object bytes\n'.repeat(5000));
    const action = sha256(Buffer.from('action one'));
    const put = await driver.put(1, action, body);
    expect(put.Err).toBeUndefined();
    expect(sha256(await readFile(put.DiskPath as string))).toEqual(sha256(body));
    const got = await driver.get(2, action);
    expect(got.Miss).toBeUndefined();
    expect(Buffer.from(got.OutputID as string, 'base64')).toEqual(sha256(body));
    expect(got.Size).toBe(body.length);
    expect(sha256(await readFile(got.DiskPath as string))).toEqual(sha256(body));
    expect(await driver.get(3, sha256(Buffer.from('never put')))).toEqual({ ID: 3, Miss: true });
    // An empty output has no body line.
    const empty = await driver.put(4, sha256(Buffer.from('empty')), Buffer.alloc(0));
    expect((await readFile(empty.DiskPath as string)).length).toBe(0);
    expect(await driver.close(5)).toBe(0);
    expect(driver.responses[0]).toEqual({ ID: 0, KnownCommands: ['get', 'put', 'close'] });
  });

  it('refuses a body that is not its OutputID, and an unknown command, and goes on', async () => {
    const driver = new Driver(['--dir', await tempDir()]);
    const body = Buffer.from('real');
    const lie = await driver.send(
      {
        ID: 1,
        Command: 'put',
        ActionID: b64(sha256(body)),
        OutputID: b64(sha256(Buffer.from('other'))),
        BodySize: 4,
      },
      body,
    );
    expect(lie.Err).toMatch(/SHA-256/);
    expect((await driver.send({ ID: 2, Command: 'frobnicate' })).Err).toMatch(/unknown command/);
    expect(await driver.get(3, sha256(body))).toEqual({ ID: 3, Miss: true });
    expect(await driver.close(4)).toBe(0);
  });

  it('a malformed line: one line on stderr and exit 1, no stack trace', async () => {
    const driver = new Driver(['--dir', await tempDir()]);
    driver.child.stdin.end('{"ID": 1, "Command": "get", "ActionID": "not base64 of 32 bytes"\nnot json\n');
    expect(await driver.exited).toBe(1);
    expect(driver.stderr.trim().split('\n')).toHaveLength(1);
    expect(driver.stderr).toMatch(/^crossgo cache-prog: broken request stream: /);
  });

  it('a usage error is exit 2', async () => {
    const result = await runTool(process.execPath, [CLI, 'cache-prog', '--remote', 'gs://bucket/x'], {
      env: testEnv(),
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/gs: is not a supported store/);
  });
});

describe('crossgo cache-prog with real go and nginx', () => {
  let first: Awaited<ReturnType<typeof goBuild>>;
  const remote = () => nginx.url('/cache');

  it('a cold build fills the store; a build with an empty GOCACHE and --dir is served from it', async () => {
    first = await goBuild('fill', ['--remote', remote()]);
    expect(first.stats.puts).toBeGreaterThan(10);
    expect(first.stats.uploads).toBe(first.stats.puts);
    const stored = await filesIn(nginx.store);
    expect(stored.filter((f) => f.startsWith('cache/ac/')).length).toBe(first.stats.puts);
    expect(stored.filter((f) => f.startsWith('cache/cas/')).length).toBeGreaterThan(10);
    // Each stored object is named by the SHA-256 of its bytes.
    for (const file of stored.filter((f) => f.startsWith('cache/cas/')).slice(0, 20))
      expect(sha256(await readFile(path.join(nginx.store, file))).toString('hex')).toBe(path.basename(file));

    const second = await goBuild('served', ['--remote', remote()]);
    expect(second.stats.remoteHits).toBeGreaterThan(10);
    expect(second.stats.misses).toBeLessThan(second.stats.remoteHits);
    expect(second.binary.equals(first.binary)).toBe(true);
    expect(second.stderr).toBe('');
  });

  it('--readonly uploads nothing: the store is unchanged', async () => {
    const before = await filesIn(nginx.store);
    const other = path.join(program, 'extra.go');
    await writeFile(other, 'package main\n\nvar extra = 42\n');
    try {
      const result = await goBuild('readonly', ['--remote', remote(), '--readonly']);
      expect(result.stats.puts).toBeGreaterThan(0);
      expect(result.stats.uploads).toBe(0);
    } finally {
      await runTool('rm', ['-f', other]);
    }
    expect(await filesIn(nginx.store)).toEqual(before);
  });

  it('a tampered object in the store is a miss and one warning; the binary is still right', async () => {
    const objects = (await filesIn(nginx.store)).filter((f) => f.startsWith('cache/cas/'));
    // The biggest object is the linked binary or a big package archive go needs.
    const sizes = await Promise.all(
      objects.map(async (f) => [(await readFile(path.join(nginx.store, f))).length, f] as const),
    );
    sizes.sort((a, b) => b[0] - a[0]);
    const victim = path.join(nginx.store, (sizes[0] as readonly [number, string])[1]);
    const original = await readFile(victim);
    const tampered = Buffer.from(original);
    tampered[100] = (tampered[100] ?? 0) ^ 0xff;
    await writeFile(victim, tampered);
    try {
      const result = await goBuild('tampered', ['--remote', remote(), '--readonly']);
      expect(result.stats.remoteMismatches).toBeGreaterThanOrEqual(1);
      expect(result.stderr.match(/does not match its SHA-256/g)).toHaveLength(1);
      expect(result.binary.equals(first.binary)).toBe(true);
      // The poisoned bytes never reached the local tier.
      const local = await filesIn(path.join(result.dir, 'local'));
      for (const file of local.filter((f) => f.startsWith('o/')))
        expect(sha256(await readFile(path.join(result.dir, 'local', file))).toString('hex')).toBe(
          path.basename(file),
        );
    } finally {
      await writeFile(victim, original);
    }
  });

  it('a store nothing listens on: one warning, a correct binary, no hang', async () => {
    const dead = `http://127.0.0.1:${await freePort()}/cache`;
    const result = await goBuild('dead', ['--remote', dead]);
    expect(result.binary.equals(first.binary)).toBe(true);
    expect(result.stderr.match(/crossgo cache-prog: remote cache/g)).toHaveLength(1);
    expect(result.stderr).toContain(`remote cache ${dead}`);
    expect(result.stderr).toMatch(/local cache only/);
  });
});

describe('crossgo cache-prog: a store that never answers', () => {
  it('a get times out into a miss with one warning, and a put is still answered', async () => {
    // A real TCP server that accepts connections and never says a word.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const driver = new Driver(['--dir', await tempDir(), '--remote', `http://127.0.0.1:${port}/slow`]);
      expect(await driver.get(1, sha256(Buffer.from('wanted')))).toEqual({ ID: 1, Miss: true });
      const body = Buffer.from('after the timeout');
      const put = await driver.put(2, sha256(Buffer.from('put')), body);
      expect(sha256(await readFile(put.DiskPath as string))).toEqual(sha256(body));
      expect(await driver.get(3, sha256(Buffer.from('other')))).toEqual({ ID: 3, Miss: true });
      expect(await driver.close(4)).toBe(0);
      expect(driver.stderr.trim().split('\n')).toEqual([
        `crossgo cache-prog: remote cache http://127.0.0.1:${port}/slow: timed out; using the local cache only for the rest of this go command`,
      ]);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });
});

describe('crossgo cache-prog: hostile records in the store', () => {
  it('an odd time becomes a valid one, a garbage record and a record of another size are misses', async () => {
    const base = path.join(nginx.store, 'hostile');
    await runTool('mkdir', ['-p', path.join(base, 'ac'), path.join(base, 'cas')]);
    const body = Buffer.from('five!');
    const output = sha256(body).toString('hex');
    await writeFile(path.join(base, 'cas', output), body);
    const odd = sha256(Buffer.from('odd time'));
    await writeFile(
      path.join(base, 'ac', odd.toString('hex')),
      JSON.stringify({ outputID: output, size: 5, time: 'yesterday-ish' }),
    );
    const garbage = sha256(Buffer.from('garbage'));
    await writeFile(path.join(base, 'ac', garbage.toString('hex')), '{"outputID": 12, "size": "x"}');
    const wrongSize = sha256(Buffer.from('wrong size'));
    await writeFile(
      path.join(base, 'ac', wrongSize.toString('hex')),
      JSON.stringify({ outputID: output, size: 4 }),
    );
    const driver = new Driver(['--dir', await tempDir(), '--remote', nginx.url('/hostile'), '--readonly']);
    const hit = await driver.get(1, odd);
    expect(hit.Size).toBe(5);
    expect(new Date(hit.Time as string).toISOString()).toBe(hit.Time);
    expect(await readFile(hit.DiskPath as string)).toEqual(body);
    expect(await driver.get(2, garbage)).toEqual({ ID: 2, Miss: true });
    expect(await driver.get(3, wrongSize)).toEqual({ ID: 3, Miss: true });
    expect(await driver.close(4)).toBe(0);
    expect(driver.stderr.match(/does not match its SHA-256/g)).toHaveLength(1);
  });
});

describe('crossgo build --cache', () => {
  it('sets GOCACHEPROG for go: the store fills, the binary is byte-identical to a build without it, the manifest holds no URL', async () => {
    const { dir } = await fixtureRepo('greet');
    const plain = await crossgo(['build', '-t', 'linux/amd64', '-o', 'plain', '--json'], {
      cwd: dir,
      env: testEnv(),
    });
    expect(plain.code, plain.stderr).toBe(0);
    const before = (await filesIn(nginx.store)).length;
    const url = nginx.url('/build-cache');
    // An empty local tier (XDG_CACHE_HOME): everything go needs is compiled through cache-prog.
    const cached = await crossgo(['build', '-t', 'linux/amd64', '-o', 'cached', '--json', '--cache', url], {
      cwd: dir,
      env: testEnv({ XDG_CACHE_HOME: await tempDir(), GOCACHE: await tempDir() }),
    });
    expect(cached.code, cached.stderr).toBe(0);
    const stored = await filesIn(nginx.store);
    expect(stored.length).toBeGreaterThan(before + 10);
    expect(stored.filter((f) => f.startsWith('build-cache/cas/')).length).toBeGreaterThan(10);
    const name = 'greet-linux-amd64';
    expect(
      (await readFile(path.join(dir, 'cached', name))).equals(await readFile(path.join(dir, 'plain', name))),
    ).toBe(true);
    expect(await readFile(path.join(dir, 'cached', 'manifest.json'), 'utf8')).not.toContain('build-cache');
  });

  it('refuses a bad s3:// cache in one line (exit 2); test/e2e/cache-s3.test.ts tests real ones', async () => {
    const { dir } = await fixtureRepo('greet');
    const result = await crossgo(
      ['build', '-t', 'linux/amd64', '--cache', 's3://bucket/prefix?path_style=maybe'],
      {
        cwd: dir,
        env: testEnv(),
      },
    );
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'crossgo: cache "s3://bucket/prefix?path_style=maybe": path_style="maybe" is not true, false, 1 or 0',
    );
  });
});

describe('crossgo cache-prog: credentials', () => {
  let guarded: Nginx;
  beforeAll(async () => {
    guarded = await startNginx({ bearer: 'right-secret' });
  });
  afterAll(async () => {
    await guarded?.stop();
  });

  const roundTrip = async (token: string) => {
    const driver = new Driver(
      ['--dir', await tempDir(), '--remote', guarded.url('/store')],
      testEnv({ CROSSGO_CACHE_TOKEN: token }),
    );
    const body = Buffer.from(`bytes uploaded with ${token.length}`);
    await driver.put(1, sha256(Buffer.from(`action ${token}`)), body);
    expect(await driver.close(2)).toBe(0);
    return { driver, body };
  };

  it('sends CROSSGO_CACHE_TOKEN as a Bearer token: the object and its record are stored', async () => {
    const { body, driver } = await roundTrip('right-secret');
    expect(driver.stderr).toBe('');
    const stored = await filesIn(guarded.store);
    expect(stored).toContain(`store/cas/${sha256(body).toString('hex')}`);
    expect(stored.filter((f) => f.startsWith('store/ac/'))).toHaveLength(1);
  });

  it('a wrong token: one warning naming the store and the status, never the secret', async () => {
    const before = await filesIn(guarded.store);
    const { driver } = await roundTrip('wrong-secret-value');
    const lines = driver.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`remote cache ${guarded.url('/store')}: HTTP 401`);
    expect(driver.stderr).not.toContain('wrong-secret-value');
    expect(await filesIn(guarded.store)).toEqual(before);
  });
});
