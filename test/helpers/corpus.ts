import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, readlink, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { FIXTURES } from './cli.js';

const execFileAsync = promisify(execFile);

/** One binary of the reader corpus, built with the real toolchain straight from `go build`. */
export interface CorpusSpec {
  goos: string;
  goarch: string;
  /** Extra environment, e.g. { GOARM: '6' } or { CC: 'x86_64-linux-gnu-gcc' }. */
  env?: Record<string, string>;
  /** Link with -s -w. */
  strip?: boolean;
  /** -buildmode=… (e.g. pie). */
  buildmode?: string;
  /** Extra -ldflags words, e.g. ['-H', 'windowsgui']. */
  ldflags?: string[];
  cgo?: boolean;
  /** The fixture to build (test/fixtures/<name>); default greet. */
  fixture?: string;
  /** A fixture folder anywhere (this helper's own tests); overrides `fixture`. */
  dir?: string;
}

const CORPUS_DIR = path.join(os.tmpdir(), 'crossgo-corpus');

/**
 * Variables that change what `go build` makes without appearing in its arguments: taken out of
 * the inherited environment, so the key (which holds what the spec sets) says all that counts.
 */
const LEAKY_ENV = [
  'GOAMD64',
  'GOARM',
  'GOARM64',
  'GO386',
  'GOMIPS',
  'GOMIPS64',
  'GOPPC64',
  'GORISCV64',
  'GOWASM',
  'GOEXPERIMENT',
  'GOFIPS140',
  'CGO_CFLAGS',
  'CGO_CPPFLAGS',
  'CGO_CXXFLAGS',
  'CGO_LDFLAGS',
  'CC',
  'CXX',
];

/**
 * The digest of a fixture folder: every file under it, by its path relative to the folder and
 * its bytes (a symbolic link by its target), in a fixed order. Two folders with the same files
 * have the same digest wherever they are; any edit, addition, removal or rename changes it.
 */
export async function fixtureDigest(dir: string): Promise<string> {
  const hash = createHash('sha256');
  async function walk(rel: string): Promise<void> {
    const entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const name = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const full = path.join(dir, name);
      if (entry.isDirectory()) {
        await walk(name);
      } else if (entry.isSymbolicLink()) {
        const target = Buffer.from(await readlink(full));
        hash.update(`link\0${name}\0${target.length}\0`).update(target);
      } else if (entry.isFile()) {
        const bytes = await readFile(full);
        hash.update(`file\0${name}\0${bytes.length}\0`).update(bytes);
      } else {
        throw new Error(`${full}: a fixture holds only files, folders and links`);
      }
    }
  }
  await walk('');
  return hash.digest('hex');
}

/** What decides a corpus binary: the fixture's contents, the Go release, and go's arguments and environment. */
export interface CorpusInputs {
  fixture: string;
  goVersion: string;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
}

/** The cache key of a corpus binary: a hash of everything that decides its bytes. */
export function corpusKey(inputs: CorpusInputs): string {
  const env = Object.entries(inputs.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256')
    .update(JSON.stringify({ ...inputs, env }))
    .digest('hex')
    .slice(0, 24);
}

let goVersion: Promise<string> | undefined;

/**
 * Builds (once per machine and key: a file is reused while it exists) a real binary for the
 * readers' tests, and returns its path. The key is the hash of the fixture's contents, the Go
 * release, and the exact arguments and environment given to go, so a changed fixture or flag
 * never reuses a stale binary. Written under a temporary name and renamed, so test files
 * building the same spec at once do not see half a file.
 */
export async function corpusBinary(spec: CorpusSpec): Promise<string> {
  goVersion ??= execFileAsync('go', ['env', 'GOVERSION']).then((r) => r.stdout.trim());
  const fixtureDir = spec.dir ?? path.join(FIXTURES, spec.fixture ?? 'greet');
  const ldflags = [...(spec.strip ? ['-s', '-w'] : []), ...(spec.ldflags ?? [])];
  const args = ['build', '-trimpath'];
  if (ldflags.length > 0) args.push(`-ldflags=${ldflags.join(' ')}`);
  if (spec.buildmode) args.push(`-buildmode=${spec.buildmode}`);
  const env: Record<string, string> = {
    GOENV: 'off',
    GOFLAGS: '-buildvcs=false',
    GOOS: spec.goos,
    GOARCH: spec.goarch,
    CGO_ENABLED: spec.cgo ? '1' : '0',
    ...spec.env,
  };
  const key = corpusKey({ fixture: await fixtureDigest(fixtureDir), goVersion: await goVersion, args, env });
  const name = `${path.basename(fixtureDir)}-${spec.goos}-${spec.goarch}${spec.strip ? '-stripped' : ''}${spec.buildmode ? `-${spec.buildmode}` : ''}${spec.cgo ? '-cgo' : ''}-${key}`;
  const file = path.join(CORPUS_DIR, name);
  if (existsSync(file)) return file;
  await mkdir(CORPUS_DIR, { recursive: true });
  const temp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const inherited = { ...process.env };
  for (const k of LEAKY_ENV) delete inherited[k];
  try {
    await execFileAsync('go', [...args, '-o', temp, '.'], {
      cwd: fixtureDir,
      env: { ...inherited, ...env },
      maxBuffer: 16 << 20,
    });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return file;
}
