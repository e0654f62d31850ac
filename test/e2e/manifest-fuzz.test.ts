import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFile,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  rm,
  symlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManifestError } from '../../src/errors.js';
import {
  type BinaryArtifact,
  binaries,
  CrossgoError,
  type Manifest,
  packageRelease,
  verify,
} from '../../src/index.js';
import { cleanupTemps, crossgo, fixtureRepo, testEnv } from '../helpers/cli.js';
import { manifestValidator } from '../helpers/manifestSchema.js';
import { mulberry32 } from '../helpers/prng.js';

/**
 * A real manifest (fixture greet, two targets, packaged), then thousands of seeded mutations of
 * it fed to verify and package in-process and some through the CLI: every one must end in a
 * result or a CrossgoError (never a TypeError or RangeError), the CLI in one `crossgo:` line,
 * and nothing outside the output folder may change. Replay a failure with CROSSGO_FUZZ_SEED.
 */
const SEED = Number(process.env.CROSSGO_FUZZ_SEED ?? 0x6d616e69);
const COUNT = 3000;
/** Every PACKAGE_EVERY-th mutation also goes through packageRelease. */
const PACKAGE_EVERY = 20;
/** Every CLI_EVERY-th mutation also goes through the built CLI (3000 / 75 = 40 runs). */
const CLI_EVERY = 75;
const TARGETS = 'linux/amd64,windows/arm64';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Container = Json[] | { [key: string]: Json };

afterAll(cleanupTemps);

let root: string;
let moduleDir: string;
let dist: string;
let goldenDir: string;
let built: Manifest;
let packaged: Manifest;

beforeAll(async () => {
  ({ dir: moduleDir } = await fixtureRepo('greet'));
  root = path.dirname(moduleDir);
  dist = path.join(moduleDir, 'dist');
  const build = await crossgo(['build', '-t', TARGETS], { cwd: moduleDir, env: testEnv() });
  if (build.code !== 0) throw new Error(build.stdout + build.stderr);
  built = JSON.parse(await readFile(path.join(dist, 'manifest.json'), 'utf8')) as Manifest;
  const pack = await crossgo(['package'], { cwd: moduleDir, env: testEnv() });
  if (pack.code !== 0) throw new Error(pack.stdout + pack.stderr);
  packaged = JSON.parse(await readFile(path.join(dist, 'manifest.json'), 'utf8')) as Manifest;

  // What must not change: a sentinel folder next to the output folder, and one outside the module.
  const sentinel = path.join(moduleDir, 'sentinel');
  await mkdir(path.join(sentinel, 'inner'), { recursive: true });
  await writeFile(path.join(sentinel, 'secret.txt'), 'do not touch\n');
  await writeFile(path.join(sentinel, 'inner', 'greet_1.2.3_checksums.txt'), 'not crossgo’s\n');
  await copyFile(path.join(dist, 'greet-linux-amd64'), path.join(sentinel, 'greet-linux-amd64'));
  await mkdir(path.join(root, 'outside'));
  await writeFile(path.join(root, 'outside', 'secret.txt'), 'do not touch either\n');
  // Hostile neighbours inside the output folder, for the mutated paths to name.
  await symlink('../sentinel', path.join(dist, 'link'));
  await symlink('../sentinel/secret.txt', path.join(dist, 'secret-link'));
  await symlink('loop', path.join(dist, 'loop'));
  execFileSync('mkfifo', [path.join(dist, 'fifo')]);
  await mkdir(path.join(dist, 'folder'));
  // The packaged output folder, to put back after each packageRelease (it may rewrite files).
  goldenDir = path.join(root, 'golden');
  await mkdir(goldenDir);
  for (const entry of await readdir(dist, { withFileTypes: true })) {
    if (entry.isFile()) await copyFile(path.join(dist, entry.name), path.join(goldenDir, entry.name));
  }
  golden = await distEntries();
});

describe('the manifest crossgo writes matches its schema', () => {
  it('after crossgo build and after crossgo package, checked by a separate ajv', () => {
    const validate = manifestValidator();
    expect(built.release).toBeUndefined();
    expect(built.artifacts.map((a) => a.target)).toEqual(TARGETS.split(','));
    expect(validate(built), JSON.stringify(validate.errors)).toBe(true);
    expect(packaged.artifacts.map((f) => f.kind).sort()).toEqual([
      'archive',
      'archive',
      'binary',
      'binary',
      'changelog',
      'checksums',
      'sbom',
      'sbom',
    ]);
    expect(validate(packaged), JSON.stringify(validate.errors)).toBe(true);
  });

  it('a build that made nothing is not verified, matches the schema, and crossgo verify fails on it', async () => {
    const { dir } = await fixtureRepo('partial');
    const result = await crossgo(['build', '-t', 'windows/amd64'], { cwd: dir, env: testEnv() });
    expect(result.code, result.stderr).toBe(1);
    const manifest = JSON.parse(await readFile(path.join(dir, 'dist', 'manifest.json'), 'utf8')) as Manifest;
    expect(manifest.artifacts).toEqual([]);
    expect(manifest.failures.map((f) => f.target)).toEqual(['windows/amd64']);
    expect(manifest.verified).toBe(false);
    const validate = manifestValidator();
    expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
    const check = await crossgo(['verify'], { cwd: dir, env: testEnv() });
    expect(check.code).toBe(2);
    expect(check.stdout).toBe('');
    expect(check.stderr).toBe(
      'crossgo: dist/manifest.json lists no artifacts: nothing to verify (its build made none; see its failures)\n',
    );
    await expect(verify({ cwd: dir, manifest: 'dist/manifest.json' })).rejects.toThrow('lists no artifacts');
  });
});

describe('mutated manifests', () => {
  it(`${COUNT} seeded mutations: a result or a CrossgoError in-process, one line from the CLI, nothing outside touched`, async () => {
    const before = await protectedState();
    const rand = mulberry32(SEED);
    const env = testEnv();
    // In-process verify asks go for its paths (go env) on every call; without go it falls back to
    // $HOME. A missing CROSSGO_GO spares a process per call; the CLI runs below use the real go.
    const inProcessEnv = testEnv({ CROSSGO_GO: path.join(root, 'no-go-here') });
    const outcomes = new Map<string, number>();
    const count = (key: string) => outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    const manifestFile = path.join(dist, 'manifest.json');
    let cliRuns = 0;
    const cliVerify: { bytes: Buffer; label: string }[] = [];
    for (let i = 0; i < COUNT; i++) {
      const mutation = await timed('mutate', async () => mutate(rand));
      const label = `seed ${SEED} #${i} (${mutation.what.join('; ')})`;
      await writeFile(manifestFile, mutation.bytes);
      count(
        `verify: ${await classify(() => verify({ manifest: 'dist/manifest.json', cwd: moduleDir, environment: inProcessEnv }), label)}`,
      );
      expect(({} as Record<string, unknown>).polluted, label).toBeUndefined();
      if (i % PACKAGE_EVERY === 0) {
        const options = rand() < 0.15 ? {} : { format: 'binary' as const, sbom: rand() < 0.3 };
        await writeFile(manifestFile, mutation.bytes);
        const outcome = await classify(
          () =>
            packageRelease({ manifest: 'dist/manifest.json', cwd: moduleDir, environment: env, ...options }),
          label,
          'package',
        );
        count(`package: ${outcome}`);
        await timed('restore', () => restoreDist());
        // A manifest the schema refused cannot have made package touch anything: hash the rest.
        if (outcome !== 'ManifestError')
          expect(
            await timed('snapshot', () => protectedState()),
            `${label}: package changed files outside the output folder`,
          ).toEqual(before);
      }
      if (i % CLI_EVERY === CLI_EVERY - 1) {
        cliRuns++;
        // verify only reads: those runs wait for the end, to go a few at a time.
        if (cliRuns % 4 !== 0) cliVerify.push({ bytes: mutation.bytes, label });
        else {
          await writeFile(manifestFile, mutation.bytes);
          const args = ['package', '--manifest', 'dist/manifest.json', '--format', 'binary', '--no-sbom'];
          const result = await timed('cli', () => crossgo(args, { cwd: moduleDir, env }));
          expectOneLine(result, `${label}: crossgo package`);
          count(`cli package: exit ${result.code}`);
          await restoreDist();
        }
      }
    }
    for (let k = 0; k < cliVerify.length; k += 3) {
      const batch = cliVerify.slice(k, k + 3).map((job, j) => ({ ...job, name: `cli-${k + j}.json` }));
      for (const job of batch) await writeFile(path.join(dist, job.name), job.bytes);
      const results = await timed('cli', () =>
        Promise.all(
          batch.map((job) => crossgo(['verify', '--manifest', `dist/${job.name}`], { cwd: moduleDir, env })),
        ),
      );
      for (const [j, result] of results.entries()) {
        expectOneLine(result, `${batch[j]?.label}: crossgo verify`);
        count(`cli verify: exit ${result.code}`);
      }
    }
    await writeFile(manifestFile, `${JSON.stringify(packaged, null, 2)}\n`);
    await restoreDist();
    expect(await protectedState(), 'nothing outside the output folder changed').toEqual(before);

    const summary = [...outcomes].sort().map(([k, n]) => `${k}: ${n}`);
    console.log(`manifest fuzz, seed ${SEED}:\n  ${summary.join('\n  ')}`);
    console.log([...timing].map(([k, v]) => `${k}: ${Math.round(v)} ms`).join('\n'));
    // The campaign reached every way out: refused by the schema, refused later (an empty list,
    // a link, a changed file), verified with failing checks, and verified clean.
    const n = (key: string) => outcomes.get(key) ?? 0;
    expect(cliRuns).toBe(COUNT / CLI_EVERY);
    expect(n('verify: ManifestError')).toBeGreaterThan(COUNT / 4);
    expect(n('verify: checks failed')).toBeGreaterThan(COUNT / 50);
    expect(n('verify: passed')).toBeGreaterThan(COUNT / 50);
    expect(n('verify: UsageError')).toBeGreaterThan(0);
    expect(n('package: ManifestError')).toBeGreaterThan(0);
    expect(n('package: made release files')).toBeGreaterThan(0);
  }, 170_000);
});

/** Where the time goes, printed with the outcomes (a slow machine shows which part is slow). */
const timing = new Map<string, number>();
async function timed<T>(key: string, call: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await call();
  } finally {
    timing.set(key, (timing.get(key) ?? 0) + performance.now() - t0);
  }
}

/** Runs one call: its outcome's name, or the test fails naming the mutation when it crashed. */
async function classify(call: () => Promise<unknown>, label: string, kind = 'verify'): Promise<string> {
  const t0 = performance.now();
  const outcome = await classifyUntimed(call, label);
  timing.set(`${kind} ${outcome}`, (timing.get(`${kind} ${outcome}`) ?? 0) + performance.now() - t0);
  return outcome;
}

async function classifyUntimed(call: () => Promise<unknown>, label: string): Promise<string> {
  try {
    const result = await call();
    if (Array.isArray(result)) return result.every((r: { ok: boolean }) => r.ok) ? 'passed' : 'checks failed';
    return 'made release files';
  } catch (error) {
    if (error instanceof CrossgoError) {
      expect(error.message, label).not.toMatch(/\n/);
      return error instanceof ManifestError ? 'ManifestError' : error.name;
    }
    throw new Error(`${label}: not a CrossgoError: ${error instanceof Error ? error.stack : String(error)}`);
  }
}

function expectOneLine(result: { code: number; stdout: string; stderr: string }, label: string): void {
  const detail = `${label}\n${result.stderr}`;
  expect([0, 1, 2], detail).toContain(result.code);
  expect(result.stderr, detail).not.toMatch(/^ {4}at /m);
  expect(result.stderr, detail).not.toContain('internal error');
  const lines = result.stderr.split('\n').filter((l) => l !== '');
  if (result.code === 2 || (result.code === 1 && !result.stdout.includes('failed'))) {
    expect(lines, detail).toHaveLength(1);
  }
  expect(lines.length, detail).toBeLessThanOrEqual(1);
  for (const line of lines) expect(line, detail).toMatch(/^crossgo: /);
}

// ---- mutations ---------------------------------------------------------------------------

const DEEP = '\u0001deep\u0001';
/** Nesting deeper than any recursive parser or validator could follow. */
const DEEP_TEXT = `${'['.repeat(100000)}${']'.repeat(100000)}`;
const HUGE_NUMBER = '\u0001huge-number\u0001';

const LONG_STRINGS = [
  'x'.repeat(65),
  'x'.repeat(257),
  'x'.repeat(4097),
  'x'.repeat(70000),
  'y'.repeat(140000),
];

const PATHS = [
  '..',
  '../x',
  '../sentinel/secret.txt',
  '../../outside/secret.txt',
  '/etc/passwd',
  '/',
  '',
  '.',
  './greet-linux-amd64',
  'a/../greet-linux-amd64',
  'greet-linux-amd64/',
  'folder//x',
  'link',
  'link/secret.txt',
  'link/greet-linux-amd64',
  'link/inner/greet_1.2.3_checksums.txt',
  'secret-link',
  'loop',
  'loop/x',
  'fifo',
  'folder',
  'folder/missing',
  'manifest.json',
  'SHA256SUMS',
  'missing-file',
  'greet-linux-amd64',
  'greet-windows-arm64.exe',
  'greet_1.2.3_linux_amd64.tar.gz',
  'greet_1.2.3_checksums.txt',
  'C:\\Windows\\system32',
  '\\\\server\\share',
  'a\\b',
  'greet\nforged  line',
  'greet\r',
  'nul\u0000byte',
  '\u007f',
  '\u202egnp.exe',
  'é/ü',
  'x'.repeat(300),
  `${'a/'.repeat(600)}b`,
  'x'.repeat(1025),
];

function hostileValue(rand: () => number, everything: Slot[]): Json {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  switch (Math.floor(rand() * 8)) {
    case 0:
      return pick([42, -1, 0, 1.5, -0, 1e308, 2 ** 53 + 2, -(2 ** 31) - 1, 4294967296, true, false, null]);
    case 1:
      return pick<Json>(['', 'string', [], {}, [null], [[]], { a: 1 }, [1, 2, 3], ['x'], { '': '' }]);
    case 2:
      return pick(LONG_STRINGS);
    case 3:
      return pick(PATHS);
    case 4:
      return pick([
        'a'.repeat(64),
        '0'.repeat(63),
        'A'.repeat(64),
        'g'.repeat(64),
        (packaged.artifacts[1] as { sha256: string }).sha256,
        'linux/amd64',
        'linux/amd64/v3',
        'windows/arm64',
        'darwin/universal',
        'Linux/AMD64',
        'a/b/c/d',
        'none',
        'unknown',
        '1969-12-31T23:59:59Z',
        '9999-12-31T23:59:59Z',
        '2024-05-06T07:08:09.000Z',
      ]);
    case 5:
      return pick([DEEP, HUGE_NUMBER]);
    case 6: {
      const leaves = everything.filter((s) => typeof valueAt(s) !== 'object');
      return leaves.length ? structuredClone(valueAt(pick(leaves))) : null;
    }
    default:
      return pick([
        '-trimpath',
        'CGO_ENABLED',
        '1',
        'zig',
        'auto',
        'pass',
        'fail',
        'binary',
        'archive',
        'sha512',
      ]);
  }
}

interface Slot {
  parent: Container;
  key: string | number;
  /** Inside free text crossgo only records (argv, checks, cgo packages and flags): mutated less often. */
  boring: boolean;
}

const BORING = new Set(['argv', 'verification', 'packages', 'flags', 'excerpt']);

const valueAt = (s: Slot): Json => (s.parent as Record<string | number, Json>)[s.key] as Json;
const setAt = (s: Slot, v: Json) => {
  (s.parent as Record<string | number, Json>)[s.key] = v;
};

/** Every slot of a JSON value: each array element and object member, at any depth. */
function collect(value: Json, out: Slot[] = [], boring = false): Slot[] {
  if (Array.isArray(value)) {
    value.forEach((child, i) => {
      out.push({ parent: value, key: i, boring });
      collect(child, out, boring);
    });
  } else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      const inner = boring || BORING.has(key);
      out.push({ parent: value, key, boring: inner });
      collect(child, out, inner);
    }
  }
  return out;
}

/** The objects and arrays of a JSON value (the value itself first), each with whether it is free text. */
function containers(value: Container, slots: Slot[]): { container: Container; boring: boolean }[] {
  const out = [{ container: value, boring: false }];
  for (const slot of slots) {
    const child = valueAt(slot);
    if (child && typeof child === 'object') out.push({ container: child, boring: slot.boring });
  }
  return out;
}

/** One mutated manifest: its bytes and what was done, for the failure message. */
function mutate(rand: () => number): { bytes: Buffer; what: string[] } {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const m = structuredClone(rand() < 0.15 ? built : packaged) as unknown as Json & Record<string, Json>;
  const what: string[] = [m.release ? 'packaged' : 'built'];
  const ops = 1 + Math.floor(rand() * 3);
  for (let k = 0; k < ops; k++) {
    const r = rand();
    // Free text takes most values, so its mutations mostly pass the schema and test little more.
    const everything = collect(m);
    const slots = rand() < 0.2 ? everything : everything.filter((s) => !s.boring);
    if (slots.length === 0) break;
    const all = containers(m, everything);
    const chosen = all.filter((c) => !c.boring || rand() < 0.2).map((c) => c.container);
    if (r < 0.36) {
      const slot = pick(slots);
      const value = hostileValue(rand, everything);
      setAt(slot, value);
      what.push(`${String(slot.key)} = ${short(value)}`);
    } else if (r < 0.52) {
      const paths = slots.filter(
        (s) => s.key === 'path' || (Array.isArray(s.parent) && typeof valueAt(s) === 'string'),
      );
      const slot = pick(paths.length ? paths : slots);
      const value = pick(PATHS);
      setAt(slot, value);
      what.push(`${String(slot.key)} = ${short(value)}`);
    } else if (r < 0.62) {
      const members = slots.filter((s) => !Array.isArray(s.parent));
      if (members.length === 0) continue;
      const slot = pick(members);
      delete (slot.parent as Record<string, Json>)[slot.key as string];
      what.push(`delete ${String(slot.key)}`);
    } else if (r < 0.68) {
      const objects = chosen.filter((c) => !Array.isArray(c)) as Record<string, Json>[];
      const key = pick([
        'bogus',
        'sha265',
        'A\nB',
        '',
        'x'.repeat(300),
        'constructor',
        'toString',
        'GOFLAGS',
      ]);
      const target = objects.length ? pick(objects) : undefined;
      if (target) target[key] = hostileValue(rand, everything);
      what.push(`add key ${short(key)}`);
    } else if (r < 0.8) {
      const arrays = chosen.filter(Array.isArray) as Json[][];
      const list = pick(arrays);
      if (!list) continue;
      const op = pick(['duplicate', 'remove', 'empty', 'swap', 'null', 'many']);
      if (op === 'duplicate' && list.length) list.push(structuredClone(pick(list)));
      else if (op === 'remove') list.splice(Math.floor(rand() * list.length), 1);
      else if (op === 'empty') list.length = 0;
      else if (op === 'swap' && list.length > 1) list.reverse();
      else if (op === 'null') list.push(null);
      // Past every item limit but 20000 artifacts; objects stand as null (12 MB files teach nothing more).
      else if (op === 'many' && list.length) {
        const item = typeof list[0] === 'object' ? null : (list[0] as Json);
        list.push(...Array.from({ length: 4100 }, () => item));
      }
      what.push(`${op} in an array of ${list.length}`);
    } else if (r < 0.9) {
      const leaves = slots.filter((s) => typeof valueAt(s) !== 'object' || valueAt(s) === null);
      if (leaves.length === 0) continue;
      const a = pick(leaves);
      const b = pick(leaves);
      const va = valueAt(a);
      setAt(a, valueAt(b));
      setAt(b, va);
      what.push(`swap ${String(a.key)} and ${String(b.key)}`);
    } else {
      what.push(plausibleEdit(m as unknown as Manifest, rand));
    }
  }
  let text = JSON.stringify(m, null, rand() < 0.5 ? 2 : undefined);
  text = text.replaceAll(JSON.stringify(DEEP), DEEP_TEXT).replaceAll(JSON.stringify(HUGE_NUMBER), '1e400');
  if (rand() < 0.08) {
    const raw = rawEdit(text, rand);
    what.push(raw.what);
    return { bytes: raw.bytes, what };
  }
  return { bytes: Buffer.from(text), what };
}

/** Edits that keep the manifest valid, so verify and package get past the schema and do real work. */
function plausibleEdit(m: Manifest, rand: () => number): string {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  // Earlier mutations may have left anything in the list: the binaries are the records that say so.
  const built = (Array.isArray(m.artifacts) ? m.artifacts : []).filter(
    (x): x is BinaryArtifact => (x as { kind?: unknown } | null)?.kind === 'binary',
  );
  const a = built.length ? pick(built) : undefined;
  const other = binaries(packaged).find((x) => x.path !== a?.path) as BinaryArtifact;
  const edits: [string, () => void][] = [
    ['nothing', () => {}],
    [
      'no artifacts',
      () => {
        m.artifacts.splice(0);
      },
    ],
    [
      'sha256 of another file',
      () => {
        if (a) a.sha256 = other.sha256;
      },
    ],
    [
      'zero sha256',
      () => {
        if (a) a.sha256 = '0'.repeat(64);
      },
    ],
    [
      'path of the other binary',
      () => {
        if (a) a.path = other.path;
      },
    ],
    [
      'path and sha256 of the other binary',
      () => a && Object.assign(a, { path: other.path, sha256: other.sha256 }),
    ],
    [
      'path through a link',
      () => {
        if (a) a.path = pick(['link/greet-linux-amd64', 'secret-link', 'loop', 'link/secret.txt']);
      },
    ],
    [
      'path of a FIFO, a folder or nothing',
      () => {
        if (a) a.path = pick(['fifo', 'folder', 'folder/x', 'missing-file']);
      },
    ],
    [
      'path of an archive',
      () => {
        if (a) a.path = 'greet_1.2.3_linux_amd64.tar.gz';
      },
    ],
    [
      'size',
      () => {
        if (a) a.size = pick([0, 1, 2 ** 40]);
      },
    ],
    [
      'another target',
      () => a && Object.assign(a, { target: 'linux/arm64', goos: 'linux', goarch: 'arm64', variant: null }),
    ],
    ['a variant', () => a && Object.assign(a, { target: `${a.goos}/${a.goarch}/v3`, variant: 'v3' })],
    [
      'cgo on',
      () => {
        if (a) a.env.CGO_ENABLED = '1';
      },
    ],
    [
      'zig on darwin',
      () =>
        a &&
        Object.assign(a, {
          target: 'darwin/arm64',
          goos: 'darwin',
          goarch: 'arm64',
          cgo: {
            enabled: true,
            mode: 'on',
            packages: [],
            static: false,
            compiler: {
              kind: 'zig',
              cc: 'zig cc',
              cxx: null,
              version: '0.13.0',
              triple: 'aarch64-macos',
              flags: [],
            },
          },
        }),
    ],
    [
      'not stripped',
      () => {
        m.settings.strip = false;
      },
    ],
    [
      'no trimpath',
      () => {
        m.settings.trimpath = false;
      },
    ],
    [
      'name',
      () => {
        m.project.name = pick(['x', '..', '.', '-', 'manifest.json', 'SHA256SUMS', 'link', 'A'.repeat(64)]);
      },
    ],
    [
      'version',
      () => {
        m.source.version = pick(['..', '.', 'v0', 'fifo', '~', '1'.repeat(64)]);
      },
    ],
    [
      'date',
      () =>
        Object.assign(
          m.source,
          pick([
            { date: '1970-01-01T00:00:00Z', dateSource: 'commit' },
            { date: '9999-12-31T23:59:59Z', dateSource: 'SOURCE_DATE_EPOCH' },
            { date: 'unknown', dateSource: 'none' },
          ]),
        ),
    ],
    [
      'release file through a link',
      () =>
        m.artifacts.push({
          kind: 'sbom',
          path: pick(['link/secret.txt', 'link/inner/greet_1.2.3_checksums.txt', 'secret-link', 'loop']),
          size: 1,
          sha256: '0'.repeat(64),
          from: [],
        }),
    ],
    [
      'release file of a FIFO or folder',
      () =>
        m.artifacts.push({
          kind: 'signature',
          path: pick(['fifo', 'folder']),
          size: 1,
          sha256: '0'.repeat(64),
          from: [],
        }),
    ],
    [
      'release file missing',
      () =>
        m.artifacts.push({
          kind: 'archive',
          path: 'folder/gone.tar.gz',
          size: 1,
          sha256: '0'.repeat(64),
          target: 'linux/amd64',
          from: ['greet-linux-amd64'],
        }),
    ],
    [
      'no release files',
      () => {
        m.artifacts = binaries(m);
      },
    ],
    [
      'release file sha256',
      () => {
        const f = m.artifacts.find((x) => x.kind !== 'binary');
        if (f) f.sha256 = 'f'.repeat(64);
      },
    ],
  ];
  const [name, edit] = pick(edits);
  try {
    edit();
  } catch {
    return `${name} (skipped: an earlier mutation changed the shape)`;
  }
  return name;
}

function rawEdit(text: string, rand: () => number): { bytes: Buffer; what: string } {
  const at = Math.floor(rand() * text.length);
  switch (Math.floor(rand() * 8)) {
    case 0:
      return { bytes: Buffer.from(text.slice(0, at)), what: `truncated at ${at}` };
    case 1:
      return {
        bytes: Buffer.from(
          `${text.slice(0, at)}${String.fromCharCode(Math.floor(rand() * 128))}${text.slice(at)}`,
        ),
        what: `a character at ${at}`,
      };
    case 2:
      return { bytes: Buffer.from(`\ufeff${text}`), what: 'a byte order mark' };
    case 3:
      return {
        bytes: Buffer.concat([
          Buffer.from(text.slice(0, at)),
          Buffer.from([0xff, 0xc0, 0x80]),
          Buffer.from(text.slice(at)),
        ]),
        what: 'invalid UTF-8',
      };
    case 4:
      return { bytes: Buffer.alloc(0), what: 'empty' };
    case 5:
      return {
        bytes: Buffer.from(text.replace('"path":', '"path": "../../outside/secret.txt", "path":')),
        what: 'a key twice',
      };
    case 6:
      return {
        bytes: Buffer.from(text.replace('"kind":', '"__proto__": {"polluted": true}, "kind":')),
        what: '__proto__ key',
      };
    default:
      return { bytes: Buffer.from(`${text}${' '.repeat(100000)}\n`), what: 'trailing space' };
  }
}

function short(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

// ---- the output folder and what must not change -----------------------------------------

interface Entry {
  kind: 'file' | 'link' | 'fifo' | 'folder';
  size: number;
  mtimeMs: number;
  ino: number;
  link?: string;
}
let golden: Map<string, Entry>;

async function distEntries(): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>();
  for (const name of await readdir(dist)) {
    if (name === 'manifest.json') continue;
    const info = await lstat(path.join(dist, name));
    const kind = info.isSymbolicLink()
      ? 'link'
      : info.isFIFO()
        ? 'fifo'
        : info.isDirectory()
          ? 'folder'
          : 'file';
    out.set(name, {
      kind,
      size: info.size,
      mtimeMs: info.mtimeMs,
      ino: info.ino,
      ...(kind === 'link' ? { link: await readlink(path.join(dist, name)) } : {}),
    });
  }
  return out;
}

/** Puts the output folder back as packaged: package may rewrite, add or remove release files. */
async function restoreDist(): Promise<void> {
  const now = await distEntries();
  for (const name of now.keys()) {
    if (!golden.has(name)) await rm(path.join(dist, name), { recursive: true, force: true });
  }
  for (const [name, want] of golden) {
    const have = now.get(name);
    if (
      have &&
      have.kind === want.kind &&
      have.size === want.size &&
      have.mtimeMs === want.mtimeMs &&
      have.ino === want.ino
    )
      continue;
    const file = path.join(dist, name);
    await rm(file, { recursive: true, force: true });
    if (want.kind === 'file') await copyFile(path.join(goldenDir, name), file);
    else if (want.kind === 'link') await symlink(want.link as string, file);
    else if (want.kind === 'fifo') execFileSync('mkfifo', [file]);
    else await mkdir(file);
  }
  golden = await distEntries();
}

/** Every file outside the output folder (the module, the sentinels, the golden copy): path, mode, sha256. */
async function protectedState(): Promise<string[]> {
  const out: string[] = [];
  for (const rel of (await readdir(root, { recursive: true })).sort()) {
    const full = path.join(root, rel);
    if (full === dist || full.startsWith(`${dist}${path.sep}`)) continue;
    const info = await lstat(full);
    if (info.isSymbolicLink()) out.push(`${rel} -> ${await readlink(full)}`);
    else if (info.isFile())
      out.push(
        `${rel} ${info.mode.toString(8)} ${createHash('sha256')
          .update(await readFile(full))
          .digest('hex')}`,
      );
    else out.push(`${rel} ${info.isDirectory() ? 'folder' : 'other'} ${info.mode.toString(8)}`);
  }
  return out;
}
