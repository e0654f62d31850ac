import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemps, runTool, tempDir } from '../helpers/cli.js';
import { llvmBinDirs, llvmTool } from '../helpers/oracles.js';

afterAll(cleanupTemps);

/** A folder holding the given (empty, executable) tools. */
async function toolDir(dir: string, names: string[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const name of names) {
    await writeFile(path.join(dir, name), '#!/bin/sh\n');
    await chmod(path.join(dir, name), 0o755);
  }
}

describe('llvmTool: no LLVM release written into the tests', () => {
  it('takes the tool from PATH first, else from the highest /usr/lib/llvm-N/bin (as numbers)', async () => {
    const root = await tempDir('crossgo-llvm-root-');
    // Fake releases in a fake /usr/lib: the numbers are made up, only their order counts.
    const bin = (n: number) => path.join(root, `llvm-${n}`, 'bin');
    await toolDir(bin(9), ['llvm-lipo', 'llc']);
    await toolDir(bin(14), ['llvm-lipo']);
    await toolDir(bin(19), []);
    await mkdir(path.join(root, 'llvm-dev'));
    expect(llvmBinDirs(root)).toEqual([bin(19), bin(14), bin(9)]);
    const onPath = await tempDir('crossgo-llvm-path-');
    await toolDir(onPath, ['llvm-lipo']);
    expect(llvmTool('llvm-lipo', { path: onPath, root })).toBe(path.join(onPath, 'llvm-lipo'));
    expect(llvmTool('llvm-lipo', { path: '', root })).toBe(path.join(bin(14), 'llvm-lipo'));
    expect(llvmTool('llc', { path: '', root })).toBe(path.join(bin(9), 'llc'));
    expect(() => llvmTool('yaml2obj', { path: '', root })).toThrow(
      'yaml2obj not found on PATH or in /usr/lib/llvm-*/bin: install it with apt-get install llvm',
    );
  });

  it('finds the real tools the binary tests use, and each says it is LLVM', async () => {
    for (const name of ['llvm-readobj', 'llvm-objdump', 'llvm-nm', 'llvm-lipo']) {
      const tool = llvmTool(name);
      const version = await runTool(tool, ['--version']);
      expect(version.code, tool).toBe(0);
      expect(version.stdout, tool).toMatch(/LLVM version \d+/);
    }
  });
});
