import { existsSync } from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSandbox, outputFolder } from '../../src/repro/sandbox.js';
import { findGo } from '../../src/toolchain/go.js';
import { cleanupTemps, runTool, tempDir, testEnv } from '../helpers/cli.js';

afterAll(cleanupTemps);

describe('outputFolder: what repro leaves out of its copies', () => {
  const moduleRoot = '/work/mod';
  const cwd = '/work/mod/cmd/tool';
  it('is -o (from the folder crossgo runs in), else the config\'s "out" or "dist", else dist', () => {
    expect(outputFolder({ moduleRoot, cwd, out: '../../bin', config: { dist: 'x' } })).toBe('/work/mod/bin');
    expect(outputFolder({ moduleRoot, cwd, config: { out: 'release' } as never })).toBe('/work/mod/release');
    expect(outputFolder({ moduleRoot, cwd, config: { dist: 'out' } })).toBe('/work/mod/out');
    expect(outputFolder({ moduleRoot, cwd, config: {} })).toBe('/work/mod/dist');
  });
});

describe('createSandbox', () => {
  it('copies the tree but the output folder and what no copy can take, into two different places', async () => {
    const tree = path.join(await tempDir(), 'tree');
    await mkdir(path.join(tree, 'release'), { recursive: true });
    await writeFile(path.join(tree, 'go.mod'), 'module example.com/m\n');
    await writeFile(path.join(tree, 'release', 'stale'), 'old output');
    expect((await runTool('mkfifo', [path.join(tree, 'a-fifo')])).code).toBe(0);
    const env = testEnv();
    const go = await findGo({ cwd: tree, env });
    const sandbox = await createSandbox({
      treeRoot: tree,
      moduleRoot: tree,
      cwd: tree,
      leaveOut: [path.join(tree, 'release'), '/somewhere/else'],
      go,
      environment: env,
    });
    try {
      const [a, b] = sandbox.sides;
      for (const side of [a, b]) expect((await readdir(side.cwd)).sort()).toEqual(['go.mod']);
      expect(a.cwd.length).not.toBe(b.cwd.length);
      expect(b.env.GOCACHE).not.toBe(go.env.GOCACHE);
      expect(await readdir(b.env.GOCACHE as string).catch(() => [])).toEqual([]);
      expect(a.env.GOCACHE).toBe(go.env.GOCACHE);
      for (const key of ['HOME', 'TMPDIR', 'TZ', 'LANG'] as const) expect(a.env[key]).not.toBe(b.env[key]);
      for (const side of [a, b]) expect((await stat(side.env.HOME as string)).isDirectory()).toBe(true);
      expect([a.umask, b.umask]).toEqual([0o022, 0o077]);
    } finally {
      await sandbox.remove();
    }
    expect(existsSync(sandbox.sides[0].cwd)).toBe(false);
  });
});
