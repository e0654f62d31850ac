import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChecked } from '../exec/run.js';

/**
 * crossgo-cache-relay (go/cacherelay/main.go): the GOCACHEPROG `crossgo build` gives go. go starts
 * one per go command; node would spend ~100 ms starting and ~0.5 ms per request, the relay ~2 ms
 * and microseconds per local hit (bench/cache.mjs), and hands the rest to the build's own cache
 * core over a unix socket.
 *
 * It is built once per relay source, Go release and host, with the go the build uses, into
 * `<crossgo cache>/relay/<key>/`, and only a file this user owns and nobody else may write is run.
 */
const SOURCE_DIR = fileURLToPath(new URL('../../go/cacherelay/', import.meta.url));
const FILES = ['go.mod', 'main.go'] as const;
const NAME = process.platform === 'win32' ? 'crossgo-cache-relay.exe' : 'crossgo-cache-relay';

export interface RelayOptions {
  go: string;
  /** `go env GOVERSION` of that go: part of the key. */
  goVersion: string;
  /** crossgo's cache folder (crossgoCacheHome). */
  cacheHome: string;
  /** The environment go builds the relay in; GOOS/GOARCH/CGO/flags are set here. */
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** The relay's path, built when this source, Go release and host have none yet. */
export async function ensureRelay(options: RelayOptions): Promise<string> {
  const sources = await Promise.all(FILES.map((f) => readFile(path.join(SOURCE_DIR, f))));
  const key = createHash('sha256');
  for (const [i, bytes] of sources.entries()) key.update(`${FILES[i]}\0${bytes.length}\0`).update(bytes);
  key.update(`${options.goVersion}\0${process.platform}\0${process.arch}`);
  const dir = path.join(options.cacheHome, 'relay', key.digest('hex').slice(0, 32));
  const binary = path.join(dir, NAME);
  if (await trusted(binary)) return binary;

  await mkdir(dir, { recursive: true, mode: 0o700 });
  const work = await mkdtemp(path.join(dir, '.build-'));
  try {
    for (const [i, bytes] of sources.entries()) await writeFile(path.join(work, FILES[i] as string), bytes);
    const temp = path.join(work, NAME);
    await runChecked(options.go, ['build', '-trimpath', '-ldflags=-s -w', '-o', temp, '.'], {
      cwd: work,
      signal: options.signal,
      env: {
        ...options.env,
        // The host's own binary, from the standard library alone: no module, workspace or flag
        // of the user's reaches it.
        GOOS: undefined,
        GOARCH: undefined,
        CGO_ENABLED: '0',
        GOFLAGS: '-mod=mod',
        GOWORK: 'off',
        GO111MODULE: 'on',
        GOTOOLCHAIN: 'local',
      },
    });
    await rename(temp, binary);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  if (!(await trusted(binary))) throw new Error(`${binary} is not a file only this user can write`);
  return binary;
}

/** A regular file (not a link) and its folder, owned by this user and writable by no one else. */
async function trusted(file: string): Promise<boolean> {
  const uid = process.getuid?.();
  for (const target of [path.dirname(file), file]) {
    const info = await lstat(target).catch(() => null);
    if (!info || info.isSymbolicLink()) return false;
    if (target === file && !info.isFile()) return false;
    if (uid !== undefined && info.uid !== uid) return false;
    if ((info.mode & 0o022) !== 0) return false;
  }
  return true;
}
