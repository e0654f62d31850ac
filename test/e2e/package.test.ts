import { cp } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/pipeline/manifest.js';
import { cleanupTemps, crossgo, FIXTURES, runTool, tempDir, testEnv } from '../helpers/cli.js';

afterAll(cleanupTemps);

describe('choosing the package', () => {
  it('builds a command below the module root, named as go names it, from anywhere with -C', async () => {
    const root = await tempDir();
    const dir = path.join(root, 'multi');
    await cp(path.join(FIXTURES, 'multi'), dir, { recursive: true });
    const result = await crossgo(['-C', dir, 'build', './cmd/tool', '-t', 'linux/amd64', '--json'], {
      cwd: root,
      env: testEnv(),
    });
    expect(result.code, result.stderr).toBe(0);
    const manifest = JSON.parse(result.stdout) as Manifest;
    expect(manifest.project).toEqual({
      module: 'example.com/multi/v2',
      package: './cmd/tool',
      importPath: 'example.com/multi/v2/cmd/tool',
      name: 'tool',
    });
    expect(manifest.artifacts[0]?.path).toBe('tool-linux-amd64');
    const run = await runTool(path.join(dir, 'dist', 'tool-linux-amd64'), []);
    expect(run.stdout.trim()).toBe('tool 42');
  });

  it("from a subfolder of the module, the default output folder is still the module root's dist", async () => {
    const dir = path.join(await tempDir(), 'multi');
    await cp(path.join(FIXTURES, 'multi'), dir, { recursive: true });
    const cwd = path.join(dir, 'cmd', 'tool');
    const result = await crossgo(['build', '-t', 'linux/amd64'], { cwd, env: testEnv() });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('→ ../../dist/');
    const check = await runTool('sha256sum', ['-c', 'SHA256SUMS'], { cwd: path.join(dir, 'dist') });
    expect(check.stdout.trim()).toBe('tool-linux-amd64: OK');
  });
});
