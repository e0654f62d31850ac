import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Driver, filesIn, sha256 } from '../helpers/cacheProg.js';
import { CLI, cleanupTemps, crossgo, fixtureRepo, runTool, tempDir, testEnv } from '../helpers/cli.js';
import { freePort } from '../helpers/nginx.js';
import { startVersitygw, type Versitygw } from '../helpers/versitygw.js';

/**
 * `crossgo cache-prog` and `crossgo build --cache s3://…` against a real versitygw (an S3
 * gateway over a local folder) and the real go command: the objects are read from versitygw's
 * folder and hashed with node:crypto, requests counted from versitygw's own access log,
 * binaries compared byte for byte.
 */

/** Not the default us-east-1: versitygw refuses a request signed for another region. */
const REGION = 'eu-north-1';
const BUCKET = 'crossgo-cache';

let gw: Versitygw;
let work: string;
let program: string;
let hooks: string;

/** The URL of a prefix in the test bucket, with every option in its query. */
const storeUrl = (prefix: string, extra = '') =>
  `s3://${BUCKET}/${prefix}?endpoint=${gw.endpoint}&region=${REGION}&path_style=true${extra}`;
/** What `where` shows for that store: the bucket, the prefix and the endpoint, no query. */
const shown = (prefix: string) => `s3://${BUCKET}/${prefix} at ${gw.endpoint}`;
/** The folder versitygw keeps a prefix's objects in. */
const onDisk = (prefix: string) => path.join(gw.root, BUCKET, prefix);

/**
 * The test environment without any AWS_* variable of the machine's (and no ~/.aws files), plus
 * `extra`: credentials come only from what a test gives.
 */
function s3Env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = testEnv();
  for (const key of Object.keys(env)) if (key.startsWith('AWS_')) delete env[key];
  return {
    ...env,
    AWS_SHARED_CREDENTIALS_FILE: path.join(work, 'no-credentials'),
    AWS_CONFIG_FILE: path.join(work, 'no-config'),
    ...extra,
  };
}

/** The root account's keys, as CI secrets would put them in the environment. */
const keys = () => ({ AWS_ACCESS_KEY_ID: gw.accessKey, AWS_SECRET_ACCESS_KEY: gw.secretKey });

beforeAll(async () => {
  gw = await startVersitygw({ buckets: [BUCKET], region: REGION });
  work = await tempDir('crossgo-cache-s3-');
  program = path.join(work, 'hello');
  await runTool('mkdir', ['-p', program]);
  await writeFile(path.join(program, 'go.mod'), 'module example.com/hello\n\ngo 1.22\n');
  await writeFile(path.join(program, 'main.go'), 'package main\n\nfunc main() { println("hello s3") }\n');
  // Node's own module hooks log every @aws-sdk module a process resolves (the lazy-load check).
  hooks = path.join(work, 'hooks.mjs');
  await writeFile(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@aws-sdk/') && process.env.SDK_LOG) appendFileSync(process.env.SDK_LOG, specifier + '\\n');
  return next(specifier, context);
}
`,
  );
});

afterAll(async () => {
  await gw?.stop();
  await cleanupTemps();
});

/** Puts one object through a fresh cache-prog, then gets it back through another with an empty local tier. */
async function roundTrip(remote: string, env: NodeJS.ProcessEnv, label: string) {
  const body = Buffer.from(`object for ${label}\n`.repeat(300));
  const action = sha256(Buffer.from(`action ${label}`));
  const writer = new Driver(['--dir', await tempDir(), '--remote', remote], env);
  await writer.put(1, action, body);
  expect(await writer.close(2)).toBe(0);
  const reader = new Driver(['--dir', await tempDir(), '--remote', remote], env);
  const got = await reader.get(1, action);
  expect(await reader.close(2)).toBe(0);
  return { body, got, stderr: writer.stderr + reader.stderr };
}

interface Stats {
  gets: number;
  localHits: number;
  remoteHits: number;
  misses: number;
  puts: number;
  uploads: number;
  uploadFailures: number;
  remoteMismatches: number;
}

/** `go build` of the tiny program with an empty GOCACHE and crossgo cache-prog as GOCACHEPROG. */
async function goBuild(
  name: string,
  cacheArgs: string[],
  env: NodeJS.ProcessEnv,
  during?: () => Promise<void>,
) {
  const dir = await tempDir(`crossgo-s3-${name}-`);
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
  const running = runTool('go', ['build', '-trimpath', '-o', out, '.'], {
    cwd: program,
    env: { ...env, GOCACHE: path.join(dir, 'gocache'), GOCACHEPROG: quoted, CGO_ENABLED: '0', GOFLAGS: '' },
  });
  if (during) await during();
  const result = await running;
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

describe('crossgo cache-prog with real go and versitygw', () => {
  let first: Awaited<ReturnType<typeof goBuild>>;

  it('a cold build fills the bucket; a build with an empty local tier is served from it', async () => {
    first = await goBuild('fill', ['--remote', storeUrl('ci')], s3Env(keys()));
    // Nothing on stderr: no SDK notice, no warning.
    expect(first.stderr).toBe('');
    expect(first.stats.puts).toBeGreaterThan(10);
    expect(first.stats.uploads).toBe(first.stats.puts);
    const stored = await filesIn(onDisk('ci'));
    expect(stored.filter((f) => f.startsWith('ac/')).length).toBe(first.stats.puts);
    const objects = stored.filter((f) => f.startsWith('cas/'));
    expect(objects.length).toBeGreaterThan(10);
    // Every stored object is named by the SHA-256 of its bytes.
    for (const file of objects)
      expect(sha256(await readFile(path.join(onDisk('ci'), file))).toString('hex')).toBe(path.basename(file));
    // Each record names an object that is there, with its size.
    for (const file of stored.filter((f) => f.startsWith('ac/')).slice(0, 20)) {
      const record = JSON.parse(await readFile(path.join(onDisk('ci'), file), 'utf8'));
      expect((await readFile(path.join(onDisk('ci'), 'cas', record.outputID))).length).toBe(record.size);
    }

    const before = (await gw.requests()).length;
    const second = await goBuild('served', ['--remote', storeUrl('ci')], s3Env(keys()));
    expect(second.stats.remoteHits).toBeGreaterThan(10);
    expect(second.stats.misses).toBeLessThan(second.stats.remoteHits);
    expect(second.binary.equals(first.binary)).toBe(true);
    expect(second.stderr).toBe('');
    // versitygw's own log: the second build read objects and wrote none it already had.
    const served = (await gw.requests()).slice(before);
    expect(served.filter((r) => r.action === 's3_GetObject' && r.status === 200).length).toBeGreaterThan(10);
    // Only what go had to build anew (its misses) was put.
    expect(served.filter((r) => r.action === 's3_PutObject' && r.key.includes('/ac/')).length).toBe(
      second.stats.puts,
    );
  });

  it('readonly (?readonly=1) uploads nothing: the bucket is unchanged', async () => {
    const before = await filesIn(onDisk('ci'));
    const requests = (await gw.requests()).length;
    const other = path.join(program, 'extra.go');
    await writeFile(other, 'package main\n\nvar extra = 42\n');
    try {
      const result = await goBuild('readonly', ['--remote', storeUrl('ci', '&readonly=1')], s3Env(keys()));
      expect(result.stats.puts).toBeGreaterThan(0);
      expect(result.stats.uploads).toBe(0);
      expect(result.stats.remoteHits).toBeGreaterThan(10);
    } finally {
      await runTool('rm', ['-f', other]);
    }
    expect(await filesIn(onDisk('ci'))).toEqual(before);
    const since = (await gw.requests()).slice(requests);
    expect(since.filter((r) => r.action === 's3_PutObject' || r.action === 's3_HeadObject')).toEqual([]);
  });

  it("a tampered object in versitygw's folder is a miss and one warning; the binary is still right", async () => {
    const objects = (await filesIn(onDisk('ci'))).filter((f) => f.startsWith('cas/'));
    const sizes = await Promise.all(
      objects.map(async (f) => [(await readFile(path.join(onDisk('ci'), f))).length, f] as const),
    );
    sizes.sort((a, b) => b[0] - a[0]);
    const victim = path.join(onDisk('ci'), (sizes[0] as readonly [number, string])[1]);
    const original = await readFile(victim);
    const tampered = Buffer.from(original);
    tampered[100] = (tampered[100] ?? 0) ^ 0xff;
    await writeFile(victim, tampered);
    try {
      const result = await goBuild('tampered', ['--remote', storeUrl('ci'), '--readonly'], s3Env(keys()));
      expect(result.stats.remoteMismatches).toBeGreaterThanOrEqual(1);
      expect(result.stderr.match(/does not match its SHA-256/g)).toHaveLength(1);
      expect(result.stderr).toContain(`remote cache ${shown('ci')}: object ${path.basename(victim)}`);
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

  it('versitygw stopped mid-build: one warning, a correct binary, no hang', async () => {
    const own = await startVersitygw({ buckets: [BUCKET], region: REGION });
    try {
      const url = `s3://${BUCKET}/mid?endpoint=${own.endpoint}&region=${REGION}`;
      const keysOfOwn = { AWS_ACCESS_KEY_ID: own.accessKey, AWS_SECRET_ACCESS_KEY: own.secretKey };
      const result = await goBuild('stopped', ['--remote', url], s3Env(keysOfOwn), async () => {
        // Stop it once versitygw has answered the first upload's last request (its record under ac/,
        // put after the object under cas/): the build still has most of its work ahead. Its access
        // log line is written after the answer, so the answer is already on its way to the client.
        const answered = async () =>
          (await own.requests()).some(
            (r) => r.action === 's3_PutObject' && r.key.includes('/ac/') && r.status === 200,
          );
        for (let i = 0; i < 1200 && !(await answered()); i++) await new Promise((r) => setTimeout(r, 50));
        await own.halt();
      });
      expect(result.binary.equals(first.binary)).toBe(true);
      const warnings = result.stderr.trim().split('\n');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        new RegExp(
          `^crossgo cache-prog: remote cache s3://${BUCKET}/mid at ${own.endpoint}: \\S.*; using the local cache only for the rest of this go command$`,
        ),
      );
      expect(result.stats.uploads).toBeGreaterThan(0);
      expect(result.stats.uploads).toBeLessThan(result.stats.puts);
    } finally {
      await own.stop();
    }
  });

  it('a get that hits the local tier never loads the AWS SDK; a remote request does', async () => {
    const dir = await tempDir();
    const log = path.join(dir, 'sdk.log');
    const env = s3Env({ ...keys(), SDK_LOG: log });
    const register = `data:text/javascript,import{register}from'node:module';register(${JSON.stringify(pathToFileURL(hooks).href)})`;
    const body = Buffer.from('kept locally');
    const action = sha256(Buffer.from('local action'));
    // Readonly: the put stays local, the get hits locally.
    const local = new Driver(['--dir', dir, '--remote', storeUrl('lazy'), '--readonly'], env, [
      '--import',
      register,
    ]);
    await local.put(1, action, body);
    expect((await local.get(2, action)).Size).toBe(body.length);
    expect(await local.close(3)).toBe(0);
    expect(local.stderr).toBe('');
    expect(await readFile(log, 'utf8').catch(() => '')).toBe('');
    // A miss asks the bucket: now the SDK is loaded.
    const remote = new Driver(['--dir', dir, '--remote', storeUrl('lazy')], env, ['--import', register]);
    expect(await remote.get(1, sha256(Buffer.from('not anywhere')))).toEqual({ ID: 1, Miss: true });
    expect(await remote.close(2)).toBe(0);
    expect(await readFile(log, 'utf8')).toContain('@aws-sdk/client-s3');
  });
});

describe('crossgo cache-prog: S3 credentials and settings', () => {
  it('a wrong secret: one warning naming the store and the refusal, never the secret; nothing stored', async () => {
    const wrong = 'wrong-secret-Zq8vX3';
    const before = await filesIn(onDisk('creds'));
    const { got, stderr } = await roundTrip(
      storeUrl('creds'),
      s3Env({ AWS_ACCESS_KEY_ID: gw.accessKey, AWS_SECRET_ACCESS_KEY: wrong }),
      'wrong secret',
    );
    expect(got).toEqual({ ID: 1, Miss: true });
    const lines = stderr.trim().split('\n');
    // One per cache-prog (two processes ran).
    expect(lines).toHaveLength(2);
    // A HEAD's refusal has no body to name the code; a GET's names it.
    for (const line of lines)
      expect(line).toMatch(
        new RegExp(
          `^crossgo cache-prog: remote cache ${shown('creds').replaceAll('.', '\\.')}: HTTP 403( SignatureDoesNotMatch)? \\(check the AWS credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE\\); using the local cache only for the rest of this go command$`,
        ),
      );
    expect(lines[1]).toContain('HTTP 403 SignatureDoesNotMatch');
    expect(stderr).not.toContain(wrong);
    expect(stderr).not.toContain(gw.secretKey);
    expect(await filesIn(onDisk('creds'))).toEqual(before);
  });

  it('no credentials at all: one warning saying where they come from', async () => {
    const driver = new Driver(['--dir', await tempDir(), '--remote', storeUrl('creds')], s3Env());
    expect(await driver.get(1, sha256(Buffer.from('x')))).toEqual({ ID: 1, Miss: true });
    expect(await driver.close(2)).toBe(0);
    expect(driver.stderr.trim()).toBe(
      `crossgo cache-prog: remote cache ${shown('creds')}: no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or a default profile in ~/.aws/credentials; using the local cache only for the rest of this go command`,
    );
  });

  it('credentials from a shared credentials file and AWS_PROFILE', async () => {
    const file = path.join(await tempDir(), 'credentials');
    await writeFile(
      file,
      `[default]\naws_access_key_id = WRONGKEY\naws_secret_access_key = wrong\n\n[ci]\naws_access_key_id = ${gw.accessKey}\naws_secret_access_key = ${gw.secretKey}\n`,
    );
    const { body, got, stderr } = await roundTrip(
      storeUrl('profile'),
      s3Env({ AWS_SHARED_CREDENTIALS_FILE: file, AWS_PROFILE: 'ci' }),
      'profile',
    );
    expect(stderr).toBe('');
    expect(got.Size).toBe(body.length);
    expect(await readFile(got.DiskPath as string)).toEqual(body);
    expect(await filesIn(onDisk('profile'))).toContain(`cas/${sha256(body).toString('hex')}`);
  });

  it('a bare s3://bucket/prefix takes the endpoint and region from AWS_ENDPOINT_URL_S3 and AWS_REGION', async () => {
    const { body, got, stderr } = await roundTrip(
      `s3://${BUCKET}/from-env`,
      s3Env({ ...keys(), AWS_ENDPOINT_URL_S3: gw.endpoint, AWS_REGION: REGION }),
      'env',
    );
    expect(stderr).toBe('');
    expect(got.Size).toBe(body.length);
    const stored = await filesIn(onDisk('from-env'));
    expect(stored).toContain(`cas/${sha256(body).toString('hex')}`);
    expect(stored.filter((f) => f.startsWith('ac/'))).toHaveLength(1);
  });

  it('AWS_ENDPOINT_URL and AWS_DEFAULT_REGION serve too; without a region the request is signed for us-east-1 and refused', async () => {
    const generic = await roundTrip(
      `s3://${BUCKET}/generic-env`,
      s3Env({ ...keys(), AWS_ENDPOINT_URL: gw.endpoint, AWS_DEFAULT_REGION: REGION }),
      'generic env',
    );
    expect(generic.stderr).toBe('');
    expect(generic.got.Size).toBe(generic.body.length);
    const unsigned = await roundTrip(
      `s3://${BUCKET}/no-region`,
      s3Env({ ...keys(), AWS_ENDPOINT_URL_S3: gw.endpoint }),
      'no region',
    );
    expect(unsigned.got).toEqual({ ID: 1, Miss: true });
    expect(unsigned.stderr).toContain(`remote cache s3://${BUCKET}/no-region at ${gw.endpoint}: HTTP 400`);
  });

  it('the URL wins over the environment: ?endpoint= and ?region= over AWS_ENDPOINT_URL_S3 and AWS_REGION', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const { body, got, stderr } = await roundTrip(
      storeUrl('query-wins'),
      s3Env({ ...keys(), AWS_ENDPOINT_URL_S3: dead, AWS_REGION: 'us-west-2' }),
      'query wins',
    );
    expect(stderr).toBe('');
    expect(got.Size).toBe(body.length);
  });

  it('a bad s3:// URL or variable is a usage error (exit 2) in one line', async () => {
    const bad = await runTool(process.execPath, [CLI, 'cache-prog', '--remote', 's3://Bucket_1/x'], {
      env: s3Env(),
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr.split('\n')[0]).toMatch(/^crossgo cache-prog: --remote: bucket "Bucket_1": /);
    const variable = await runTool(process.execPath, [CLI, 'cache-prog', '--remote', `s3://${BUCKET}/x`], {
      env: s3Env({ AWS_ENDPOINT_URL_S3: 'ftp://host' }),
    });
    expect(variable.code).toBe(2);
    expect(variable.stderr.split('\n')[0]).toBe(
      'crossgo cache-prog: --remote: AWS_ENDPOINT_URL_S3: ftp: is not http: or https: (expected http(s)://host[:port])',
    );
  });
});

describe('crossgo cache-prog: an S3 store that never answers, and hostile records', () => {
  it('a get times out into a miss with one warning, and a put is still answered', async () => {
    // A real TCP server that accepts connections and never says a word.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const url = `s3://${BUCKET}/slow?endpoint=http://127.0.0.1:${port}&region=${REGION}`;
      const driver = new Driver(['--dir', await tempDir(), '--remote', url], s3Env(keys()));
      expect(await driver.get(1, sha256(Buffer.from('wanted')))).toEqual({ ID: 1, Miss: true });
      const body = Buffer.from('after the timeout');
      const put = await driver.put(2, sha256(Buffer.from('put')), body);
      expect(sha256(await readFile(put.DiskPath as string))).toEqual(sha256(body));
      expect(await driver.close(3)).toBe(0);
      expect(driver.stderr.trim().split('\n')).toEqual([
        `crossgo cache-prog: remote cache s3://${BUCKET}/slow at http://127.0.0.1:${port}: timed out; using the local cache only for the rest of this go command`,
      ]);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('records written straight into the bucket: an odd time is made valid, garbage and a wrong size are misses', async () => {
    const base = onDisk('hostile');
    await mkdir(path.join(base, 'ac'), { recursive: true });
    await mkdir(path.join(base, 'cas'), { recursive: true });
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
    const driver = new Driver(
      ['--dir', await tempDir(), '--remote', storeUrl('hostile'), '--readonly'],
      s3Env(keys()),
    );
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

describe('crossgo build --cache s3://', () => {
  const name = 'greet-linux-amd64';
  let dir: string;
  let plain: Buffer;

  beforeAll(async () => {
    ({ dir } = await fixtureRepo('greet'));
    const result = await crossgo(['build', '-t', 'linux/amd64', '-o', 'plain'], { cwd: dir, env: s3Env() });
    expect(result.code, result.stderr).toBe(0);
    plain = await readFile(path.join(dir, 'plain', name));
  });

  /** A build with an empty local tier (XDG_CACHE_HOME) and an empty GOCACHE. */
  const build = async (out: string, env: NodeJS.ProcessEnv, extra: string[] = []) => {
    const result = await crossgo(['build', '-t', 'linux/amd64', '-o', out, '--json', ...extra], {
      cwd: dir,
      env: { ...env, XDG_CACHE_HOME: await tempDir(), GOCACHE: await tempDir() },
    });
    expect(result.code, result.stderr).toBe(0);
    return { ...result, binary: await readFile(path.join(dir, out, name)) };
  };

  it('fills the bucket, then serves a fresh runner; byte-identical binaries; the manifest names no store', async () => {
    const filled = await build('filled', s3Env(keys()), ['--cache', storeUrl('build')]);
    expect(filled.binary.equals(plain)).toBe(true);
    const objects = (await filesIn(onDisk('build'))).filter((f) => f.startsWith('cas/'));
    expect(objects.length).toBeGreaterThan(10);
    for (const file of objects)
      expect(sha256(await readFile(path.join(onDisk('build'), file))).toString('hex')).toBe(
        path.basename(file),
      );

    const before = (await gw.requests()).length;
    // The URL from CROSSGO_CACHE_URL this time.
    const served = await build('served', s3Env({ ...keys(), CROSSGO_CACHE_URL: storeUrl('build') }));
    expect(served.binary.equals(plain)).toBe(true);
    const requests = (await gw.requests()).slice(before);
    expect(requests.filter((r) => r.action === 's3_GetObject' && r.status === 200).length).toBeGreaterThan(
      10,
    );
    // Every output was in the bucket already: no object was uploaded again (go may still put a
    // record or two for an action whose ID names the output folder, with the same bytes).
    expect(requests.filter((r) => r.action === 's3_PutObject' && r.key.includes('/cas/'))).toEqual([]);
    for (const out of ['filled', 'served']) {
      const manifest = await readFile(path.join(dir, out, 'manifest.json'), 'utf8');
      expect(manifest).not.toContain(BUCKET);
      expect(manifest).not.toContain(gw.endpoint);
      expect(manifest).not.toContain(gw.secretKey);
    }
  });

  it('a wrong secret: the build succeeds with the right binary; the secret is in no output and not in the manifest', async () => {
    const wrong = 'wrong-secret-build-7Hk2';
    const before = await filesIn(onDisk('build-wrong'));
    const result = await build(
      'wrong',
      s3Env({ AWS_ACCESS_KEY_ID: gw.accessKey, AWS_SECRET_ACCESS_KEY: wrong }),
      ['--cache', storeUrl('build-wrong')],
    );
    expect(result.binary.equals(plain)).toBe(true);
    const manifest = await readFile(path.join(dir, 'wrong', 'manifest.json'), 'utf8');
    for (const text of [result.stdout, result.stderr, manifest]) {
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(gw.secretKey);
    }
    expect(await filesIn(onDisk('build-wrong'))).toEqual(before);
  });

  it('a bad s3:// cache is one line and exit 2, before go runs', async () => {
    const result = await crossgo(['build', '-t', 'linux/amd64', '--cache', 's3://bucket/p?regoin=x'], {
      cwd: dir,
      env: s3Env(),
    });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'crossgo: cache "s3://bucket/p?regoin=x": unknown option "regoin", did you mean region? (an s3:// store takes endpoint, region, path_style, readonly)',
    );
  });
});
