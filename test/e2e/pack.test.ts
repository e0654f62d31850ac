import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemps, fixtureRepo, REPO, runTool, tempDir, testEnv } from '../helpers/cli.js';

afterAll(cleanupTemps);

describe('the npm package', () => {
  it('installs globally from the npm pack tarball and gives a working crossgo', async () => {
    const packDir = await tempDir('crossgo-pack-');
    const pack = await runTool('npm', ['pack', '--silent', '--pack-destination', packDir], { cwd: REPO });
    expect(pack.code, pack.stderr).toBe(0);
    const tarball = (await readdir(packDir)).find((f) => f.endsWith('.tgz'));
    expect(tarball).toMatch(/^crossgo-\d+\.\d+\.\d+\.tgz$/);

    const prefix = await tempDir('crossgo-prefix-');
    const install = await runTool(
      'npm',
      [
        'install',
        '-g',
        '--prefix',
        prefix,
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        path.join(packDir, tarball ?? ''),
      ],
      { cwd: packDir },
    );
    expect(install.code, install.stderr).toBe(0);
    const bin = path.join(prefix, 'bin', 'crossgo');

    const version = await runTool(bin, ['--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);

    const { dir } = await fixtureRepo('greet');
    const build = await runTool(bin, ['build', '-t', 'linux/amd64', '--json'], { cwd: dir, env: testEnv() });
    expect(build.code, build.stderr).toBe(0);
    const run = await runTool(path.join(dir, 'dist', 'greet-linux-amd64'), []);
    expect(run.stdout).toMatch(/^greet version=1\.2\.3 /);
    // The installed package carries the config schema and both manifest schemas (v1 is still read).
    const files = await readdir(path.join(prefix, 'lib', 'node_modules', 'crossgo', 'schema'));
    expect(files).toEqual(
      expect.arrayContaining(['crossgo.schema.json', 'manifest.schema.json', 'manifest.v1.schema.json']),
    );
  });
});
