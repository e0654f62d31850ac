import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { runTool } from './cli.js';

let zig: Promise<string> | undefined;

/** The zig binary of the PyPI package ziglang (what .ci/run installs). */
export function zigBinary(): Promise<string> {
  zig ??= runTool('python3', ['-c', 'import os, ziglang; print(os.path.dirname(ziglang.__file__))']).then(
    (r) => {
      if (r.code !== 0) throw new Error(`ziglang is not installed (pip install ziglang): ${r.stderr}`);
      return path.join(r.stdout.trim(), 'zig');
    },
  );
  return zig;
}

/** zig's triple for each target the cgo fixture links libscale.a for. */
const TRIPLES: Record<string, string> = {
  'linux/amd64': 'x86_64-linux-gnu',
  'linux/arm64': 'aarch64-linux-gnu',
  'windows/386': 'x86-windows-gnu',
  'windows/amd64': 'x86_64-windows-gnu',
  'darwin/arm64': 'aarch64-macos',
  'darwin/amd64': 'x86_64-macos',
};

/**
 * Builds the cgo fixture's static library for each target into clib/<goos>_<goarch>/libscale.a.
 * The object calls no libc, so zig's archive links with gcc, mingw-w64 or zig alike.
 */
export async function buildScaleLibraries(fixtureDir: string, targets: readonly string[]): Promise<void> {
  const zigBin = await zigBinary();
  await Promise.all(
    targets.map(async (target) => {
      const triple = TRIPLES[target];
      if (!triple) throw new Error(`no triple for ${target}`);
      const out = path.join(fixtureDir, 'clib', target.replace('/', '_'));
      await mkdir(out, { recursive: true });
      const object = path.join(out, 'scale.o');
      // -O2: zig's debug mode would add UBSan calls that only zig's own runtime provides.
      const cc = await runTool(zigBin, [
        'cc',
        '-O2',
        '-target',
        triple,
        '-c',
        path.join(fixtureDir, 'clib', 'scale.c'),
        '-o',
        object,
      ]);
      if (cc.code !== 0) throw new Error(`zig cc for ${target}: ${cc.stderr}`);
      const ar = await runTool(zigBin, ['ar', 'rcs', path.join(out, 'libscale.a'), object]);
      if (ar.code !== 0) throw new Error(`zig ar for ${target}: ${ar.stderr}`);
    }),
  );
}
