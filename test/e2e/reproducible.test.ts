import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/pipeline/manifest.js';
import { cleanupTemps, crossgo, fixtureRepo, runTool, tempDir, testEnv } from '../helpers/cli.js';

afterAll(cleanupTemps);

const TARGETS = 'linux/amd64,linux/arm64,darwin/arm64,windows/386';

async function buildJson(cwd: string, args: string[], env = testEnv()): Promise<Manifest> {
  const result = await crossgo(['build', '-t', TARGETS, '--json', ...args], { cwd, env });
  if (result.code !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout) as Manifest;
}

const hashes = (m: Manifest) => Object.fromEntries(m.artifacts.map((a) => [a.target, a.sha256]));

describe('two builds of one commit', () => {
  it('are byte-identical, from two checkouts at different paths with different environments', async () => {
    const a = await fixtureRepo('greet');
    const b = await fixtureRepo('greet');
    expect(b.commit).toBe(a.commit);
    expect(b.dir).not.toBe(a.dir);
    const first = await buildJson(a.dir, []);
    const second = await buildJson(
      b.dir,
      ['-o', 'out', '-j', '1'],
      testEnv({ TZ: 'Asia/Tokyo', LANG: 'C', TMPDIR: await tempDir('crossgo-tmpdir-') }),
    );
    expect(hashes(second)).toEqual(hashes(first));
    for (const artifact of second.artifacts) {
      const left = await readFile(
        path.join(a.dir, 'dist', first.artifacts.find((x) => x.target === artifact.target)?.path ?? ''),
      );
      const right = await readFile(path.join(b.dir, 'out', artifact.path));
      expect(Buffer.compare(left, right), artifact.target).toBe(0);
    }
    const sums = await Promise.all([
      readFile(path.join(a.dir, 'dist', 'SHA256SUMS'), 'utf8'),
      readFile(path.join(b.dir, 'out', 'SHA256SUMS'), 'utf8'),
    ]);
    expect(sums[1]).toBe(sums[0]);
  });

  it("a rebuild in place replaces only crossgo's own files and gives the same bytes", async () => {
    const { dir } = await fixtureRepo('greet');
    const first = await buildJson(dir, []);
    const again = await buildJson(dir, []);
    expect(hashes(again)).toEqual(hashes(first));
    const check = await runTool('sha256sum', ['-c', 'SHA256SUMS'], { cwd: path.join(dir, 'dist') });
    expect(check.code).toBe(0);
  });

  it('takes the date from SOURCE_DATE_EPOCH over the commit time, never from the clock', async () => {
    const { dir } = await fixtureRepo('greet');
    const env = testEnv({ SOURCE_DATE_EPOCH: '1700000000' });
    const result = await crossgo(['build', '-t', 'linux/amd64', '--json'], { cwd: dir, env });
    const manifest = JSON.parse(result.stdout) as Manifest;
    expect(manifest.source.date).toBe('2023-11-14T22:13:20Z');
    expect(manifest.source.dateSource).toBe('SOURCE_DATE_EPOCH');
    const run = await runTool(path.join(dir, 'dist', 'greet-linux-amd64'), []);
    expect(run.stdout).toContain('date=2023-11-14T22:13:20Z');
  });

  it('outside a git repository injects dev/none/unknown, not the time of the build', async () => {
    const { dir } = await fixtureRepo('greet');
    await runTool('rm', ['-rf', path.join(dir, '.git')]);
    const result = await crossgo(['build', '-t', 'linux/amd64', '--json'], { cwd: dir, env: testEnv() });
    expect(result.code, result.stderr).toBe(0);
    const run = await runTool(path.join(dir, 'dist', 'greet-linux-amd64'), []);
    expect(run.stdout).toMatch(/^greet version=dev commit=none date=unknown /);
  });

  it('warns when the output folder would make the git tree dirty for the next build', async () => {
    const { dir } = await fixtureRepo('greet', { ignoreDist: false });
    const result = await crossgo(['build', '-t', 'linux/amd64'], { cwd: dir, env: testEnv() });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'crossgo: warning: dist/ is inside the git work tree and not ignored: once it holds files, go stamps vcs.modified=true',
    );
    const ignored = await fixtureRepo('greet');
    const quiet = await crossgo(['build', '-t', 'linux/amd64'], { cwd: ignored.dir, env: testEnv() });
    expect(quiet.stderr).not.toContain('warning');
  });
});
