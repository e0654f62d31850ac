import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { copyFile, mkdir, open, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { tempPathFor } from '../../fs/atomic.js';

/**
 * The link cache: the last binary crossgo built for each (package, target), kept outside
 * the output folder. `go build -o FILE` skips the link when FILE already carries the build
 * ID go would produce (cmd/go/internal/work/buildid.go, useCache), so a copy of a previous
 * build placed at the temporary output name turns a warm rebuild into a check. go decides:
 * a stale copy is simply relinked over, so the cache can never change an artifact.
 */
export function defaultLinkCacheDir(env: NodeJS.ProcessEnv): string {
  if (env.CROSSGO_CACHE) return env.CROSSGO_CACHE;
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'crossgo', 'links');
}

/** Where the cached binary for a package and target lives. */
export function linkCachePath(dir: string, importPath: string, targetId: string): string {
  const key = createHash('sha256').update(`${importPath}\n${targetId}`).digest('hex').slice(0, 32);
  return path.join(dir, key);
}

/**
 * The executable magic numbers go accepts at an existing -o path (cmd/go/internal/work/exec.go,
 * objectMagic); go refuses to replace any other file, so nothing else may be seeded.
 */
const OBJECT_MAGIC = [
  [0x7f, 0x45, 0x4c, 0x46], // ELF
  [0xfe, 0xed, 0xfa, 0xce], // Mach-O
  [0xfe, 0xed, 0xfa, 0xcf],
  [0xce, 0xfa, 0xed, 0xfe],
  [0xcf, 0xfa, 0xed, 0xfe],
  [0x4d, 0x5a, 0x90, 0x00, 0x03, 0x00], // PE as go's linker writes it
  [0x00, 0x61, 0x73, 0x6d], // wasm
  [0x01, 0xdf], // XCOFF
  [0x01, 0xf7],
];

async function looksLikeExecutable(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(8);
    const { bytesRead } = await handle.read(head, 0, 8, 0);
    return OBJECT_MAGIC.some((magic) => bytesRead >= magic.length && magic.every((b, i) => head[i] === b));
  } finally {
    await handle.close();
  }
}

/** Copies an executable `from` to `to` (a reflink where the file system has them); false when there is none. */
export async function seedFrom(from: string, to: string): Promise<boolean> {
  try {
    if (!(await looksLikeExecutable(from))) return false;
    await copyFile(from, to, constants.COPYFILE_FICLONE);
    return true;
  } catch {
    await rm(to, { force: true }).catch(() => {});
    return false;
  }
}

/** Stores a finished artifact in the cache, atomically; a failure here never fails the build. */
export async function storeInLinkCache(artifact: string, entry: string): Promise<void> {
  const temp = tempPathFor(entry);
  try {
    await mkdir(path.dirname(entry), { recursive: true });
    await copyFile(artifact, temp, constants.COPYFILE_FICLONE);
    await rename(temp, entry);
  } catch {
    await rm(temp, { force: true }).catch(() => {});
  }
}
