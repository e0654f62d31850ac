import { readFile, realpath, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/pipeline/manifest.js';
import { binaries } from '../../src/pipeline/manifest.js';
import { cleanupTemps, crossgo, fixtureRepo, runTool, testEnv } from '../helpers/cli.js';
import { goVersionM } from '../helpers/oracles.js';

afterAll(cleanupTemps);

const CONFIG = `# crossgo.yaml for the greet fixture
targets:
  - linux/amd64
  - linux/arm64
  - windows/amd64
out: out
template: "{goos}_{goarch}/{name}-{version}{ext}"
tags: fancy
# Config ldflags replace the default stamps: this one stamps main.version itself, with its v.
ldflags: -X main.version={raw_version} -X main.edition=global
env:
  GREET_UNUSED: "1"
overrides:
  linux/*:
    ldflags: -X main.edition=linux-only
  linux/arm64:
    env:
      GOEXPERIMENT: ""
  windows/*:
    tags: [windowsonly]
`;

describe('crossgo.yaml', () => {
  it('sets targets, output folder and template, and flags globally and per target', async () => {
    const { dir } = await fixtureRepo('greet');
    await writeFile(path.join(dir, 'crossgo.yaml'), CONFIG);
    const result = await crossgo(['build', '--json'], { cwd: dir, env: testEnv() });
    expect(result.code, result.stderr).toBe(0);
    const manifest = JSON.parse(result.stdout) as Manifest;
    expect(binaries(manifest).map((a) => a.path)).toEqual([
      'linux_amd64/greet-1.2.3',
      'linux_arm64/greet-1.2.3',
      'windows_amd64/greet-1.2.3.exe',
    ]);
    const out = path.join(dir, 'out');
    // Later -X of the same variable wins in go's linker: the per-target value is the one linked.
    const amd64 = await runTool(path.join(out, 'linux_amd64/greet-1.2.3'), []);
    expect(amd64.stdout).toContain('edition=linux-only flavour=fancy platform=linux/amd64');
    const arm64 = await runTool('qemu-aarch64', [path.join(out, 'linux_arm64/greet-1.2.3')]);
    expect(arm64.stdout).toContain('edition=linux-only flavour=fancy platform=linux/arm64');

    const win = binaries(manifest)[2];
    expect(win?.argv).toContain('-tags=fancy,windowsonly');
    expect(win?.argv.find((a) => a.startsWith('-ldflags='))).toMatch(/-X main\.edition=global$/);
    expect(win?.env).toEqual({ GREET_UNUSED: '1', GOOS: 'windows', GOARCH: 'amd64', CGO_ENABLED: '0' });
    expect(binaries(manifest)[1]?.env).toMatchObject({ GOEXPERIMENT: '' });
    const settings = await goVersionM(path.join(out, 'windows_amd64/greet-1.2.3.exe'));
    expect(settings.get('-tags')).toBe('fancy,windowsonly');

    const sums = await runTool('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out });
    expect(sums.code, sums.stdout).toBe(0);
    expect(sums.stdout).toContain('linux_amd64/greet-1.2.3: OK');
  });

  it('command-line flags win over the file', async () => {
    const { dir } = await fixtureRepo('greet');
    await writeFile(path.join(dir, 'crossgo.yaml'), CONFIG);
    const result = await crossgo(
      [
        'build',
        '-t',
        'linux/amd64',
        '-o',
        'cli-out',
        '--template',
        '{name}{ext}',
        '--app-version',
        'v9-beta',
        '--ldflags=-X main.edition=cli',
      ],
      { cwd: dir, env: testEnv() },
    );
    expect(result.code, result.stderr).toBe(0);
    const run = await runTool(path.join(dir, 'cli-out', 'greet'), []);
    // The per-target override comes after the CLI flags, so it still wins for linux.
    expect(run.stdout).toContain('version=v9-beta');
    expect(run.stdout).toContain('edition=linux-only');
  });

  it('reads crossgo.json the same way', async () => {
    const { dir } = await fixtureRepo('greet');
    const json = { targets: 'linux/amd64/v2', tags: ['fancy'], ldflags: ['-X main.edition=json'] };
    await writeFile(path.join(dir, 'crossgo.json'), JSON.stringify(json));
    const result = await crossgo(['build', '--json'], { cwd: dir, env: testEnv() });
    expect(result.code, result.stderr).toBe(0);
    const manifest = JSON.parse(result.stdout) as Manifest;
    expect(binaries(manifest)[0]?.path).toBe('greet-linux-amd64-v2');
    const run = await runTool(path.join(dir, 'dist', 'greet-linux-amd64-v2'), []);
    expect(run.stdout).toContain('edition=json flavour=fancy');
    expect((await goVersionM(path.join(dir, 'dist', 'greet-linux-amd64-v2'))).get('GOAMD64')).toBe('v2');
  });

  it('ships a JSON Schema that editors can use, matching what crossgo accepts', async () => {
    const schema = JSON.parse(
      await readFile(path.join(__dirname, '../../schema/crossgo.schema.json'), 'utf8'),
    ) as {
      properties: Record<string, unknown>;
    };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining([
        'targets',
        'dist',
        'output',
        'jobs',
        'ldflags',
        'tags',
        'gcflags',
        'env',
        'overrides',
      ]),
    );
  });

  it('still reads the deprecated keys dist and output, saying so once each, and refuses both spellings', async () => {
    const { dir } = await fixtureRepo('greet');
    await writeFile(
      path.join(dir, 'crossgo.yaml'),
      'targets: linux/amd64\ndist: out\noutput: "{name}-{goos}{ext}"\n',
    );
    const result = await crossgo(['build'], { cwd: dir, env: testEnv() });
    expect(result.code, result.stderr).toBe(0);
    const warnings = result.stderr.split('\n').filter((l) => l.includes('deprecated'));
    expect(warnings).toEqual([
      'crossgo: warning: crossgo.yaml: "dist" is deprecated; call it "out"',
      'crossgo: warning: crossgo.yaml: "output" is deprecated; call it "template"',
    ]);
    const sums = await runTool('sha256sum', ['-c', 'SHA256SUMS'], { cwd: path.join(dir, 'out') });
    expect(sums.stdout).toBe('greet-linux: OK\n');

    await writeFile(path.join(dir, 'crossgo.yaml'), 'out: a\ndist: b\n');
    const both = await crossgo(['build'], { cwd: dir, env: testEnv() });
    expect(both.code).toBe(2);
    expect(both.stderr).toBe(
      'crossgo: crossgo.yaml: dist: "dist" is the old name of "out", and both are set: keep "out" only\n',
    );
  });

  it('--config naming a missing file says so in one line, for build and package alike', async () => {
    const { dir } = await fixtureRepo('greet');
    expect((await crossgo(['build', '-t', 'linux/amd64'], { cwd: dir, env: testEnv() })).code).toBe(0);
    for (const args of [['build', '-t', 'linux/amd64'], ['package']]) {
      const result = await crossgo([...args, '--config', 'nope.yaml'], { cwd: dir, env: testEnv() });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toBe(
        `crossgo: --config ${path.join(await realpath(dir), 'nope.yaml')}: no such file (name it relative to where crossgo runs, or leave --config out to use crossgo.yaml in the module root)\n`,
      );
    }
  });
});
