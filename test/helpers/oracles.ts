import { accessSync, constants, readdirSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { runTool } from './cli.js';

/**
 * An LLVM tool by name (llvm-readobj, llvm-objdump, llvm-nm, llvm-lipo, llc, yaml2obj …): on
 * PATH, else in the highest Debian-versioned /usr/lib/llvm-N/bin, where apt's llvm puts the
 * tools it does not link into /usr/bin (llvm-lipo, llc, yaml2obj on Debian 12). No version is
 * written into a test: any release of apt's llvm works.
 */
export function llvmTool(name: string, where: { path?: string; root?: string } = {}): string {
  for (const dir of (where.path ?? process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  for (const dir of llvmBinDirs(where.root)) {
    if (isExecutable(path.join(dir, name))) return path.join(dir, name);
  }
  throw new Error(
    `${name} not found on PATH or in /usr/lib/llvm-*/bin: install it with apt-get install llvm`,
  );
}

/** /usr/lib/llvm-N/bin folders, the highest N first (compared as numbers: 19 before 9). */
export function llvmBinDirs(root = '/usr/lib'): string[] {
  let entries: string[];
  try {
    entries = readdirSync(root);
  } catch {
    return [];
  }
  return entries
    .filter((d) => /^llvm-\d+$/.test(d))
    .sort((a, b) => Number(b.slice(5)) - Number(a.slice(5)))
    .map((d) => path.join(root, d, 'bin'));
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `file -b` on a path: the independent answer to "what is this binary?". */
export async function fileType(path: string): Promise<string> {
  const result = await runTool('file', ['-b', path]);
  if (result.code !== 0) throw new Error(`file ${path}: ${result.stderr}`);
  return result.stdout.trim();
}

/** `readelf` with the given flags; wide output. */
export async function readelf(flags: string[], path: string): Promise<string> {
  const result = await runTool('readelf', ['-W', ...flags, path]);
  if (result.code !== 0) throw new Error(`readelf ${path}: ${result.stderr}`);
  return result.stdout;
}

/** `go version -m` on a binary: the build settings Go itself reads back. */
export async function goVersionM(path: string): Promise<Map<string, string>> {
  const result = await runTool('go', ['version', '-m', path]);
  if (result.code !== 0) throw new Error(`go version -m ${path}: ${result.stderr}`);
  const settings = new Map<string, string>();
  for (const line of result.stdout.split('\n')) {
    const match = /^\tbuild\t([^=]+)=(.*)$/.exec(line);
    if (match) settings.set(match[1] as string, match[2] as string);
  }
  return settings;
}

/** The Go version `go version` reads from a binary ("go1.25.4"). */
export async function goVersionOf(path: string): Promise<string> {
  const result = await runTool('go', ['version', path]);
  if (result.code !== 0) throw new Error(`go version ${path}: ${result.stderr}`);
  return result.stdout.trim().split(' ').at(-1) as string;
}

/** Pids of live processes whose environment contains `marker` (to find leftover children). */
export async function processesWithMarker(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const environ = await readFile(`/proc/${entry}/environ`, 'latin1');
      const stat = await readFile(`/proc/${entry}/stat`, 'latin1');
      const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (state !== 'Z' && environ.includes(marker)) found.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return found;
}
