import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TestReport } from '../../src/commands/test.js';
import { cleanupTemps, crossgo, FIXTURES, fixtureRepo, testEnv } from '../helpers/cli.js';
import { processesWithMarker } from '../helpers/oracles.js';

afterAll(cleanupTemps);

const FIXTURE = path.join(FIXTURES, 'runtests');

async function testJson(
  args: string[],
  env = testEnv(),
): Promise<{ code: number; report: TestReport; stderr: string }> {
  const result = await crossgo(['-C', FIXTURE, 'test', '--json', ...args], { env });
  if (result.stdout === '') throw new Error(result.stderr);
  return { code: result.code, report: JSON.parse(result.stdout) as TestReport, stderr: result.stderr };
}

describe('crossgo test', () => {
  it('runs each package per target, natively or under qemu-user, and reports per target (exit 1 on a failure)', async () => {
    const { code, report } = await testJson(['-t', 'linux/amd64,linux/arm64,linux/386,darwin/arm64']);
    expect(code).toBe(1);
    const calc = (target: string) => {
      const t = report.targets.find((x) => x.target === target);
      return {
        runner: t?.runner,
        emulated: t?.emulated,
        result: t?.packages.find((p) => p.package === 'example.com/calc'),
      };
    };
    expect(calc('linux/amd64')).toMatchObject({
      runner: 'native',
      emulated: false,
      result: { status: 'pass', failed: [] },
    });
    expect(calc('linux/386')).toMatchObject({ runner: 'native', result: { status: 'pass' } });
    // The test behind an arm64 build tag fails there, and only there.
    expect(calc('linux/arm64')).toMatchObject({
      runner: 'qemu-user',
      emulated: true,
      result: { status: 'fail', failed: ['TestOnlyOnArm64'] },
    });
    expect(calc('linux/arm64').result?.excerpt).toContain('this test fails on arm64 only');
    expect(calc('darwin/arm64')).toMatchObject({
      runner: null,
      result: { status: 'skip', reason: 'cannot run here: darwin binaries run only on Apple systems' },
    });
    for (const t of report.targets) {
      expect(t.packages.find((p) => p.package === 'example.com/calc/cmd/calc')).toMatchObject({
        status: 'skip',
        reason: 'no test files',
      });
      const ran = t.packages.find((p) => p.package === 'example.com/calc');
      if (ran?.status !== 'skip') expect(ran?.durationMs).toBeGreaterThan(0);
    }
  });

  it('passes where every test passes (exit 0), and --run picks tests', async () => {
    const { code, report } = await testJson(['-t', 'linux/arm64', '--run', 'TestSum|TestFib', './']);
    expect(code).toBe(0);
    expect(report.targets[0]?.packages.map((p) => [p.package, p.status])).toEqual([
      ['example.com/calc', 'pass'],
    ]);
  });

  it('a timeout stops the whole process tree, under emulation too', async () => {
    for (const target of ['linux/amd64', 'linux/arm64']) {
      const marker = `CROSSGO_TREE_${randomBytes(6).toString('hex')}`;
      const { code, report } = await testJson(
        ['-t', target, '--tags', 'hang', '--run', 'TestHang', '--timeout', '3s', './'],
        testEnv({ [marker]: '1' }),
      );
      expect(code).toBe(1);
      expect(report.targets[0]?.packages[0]).toMatchObject({
        status: 'fail',
        reason: 'timed out after 3000 ms: the whole process tree was stopped',
      });
      // The test binary's own child (sleep 300) is gone too.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(await processesWithMarker(marker)).toEqual([]);
    }
  });

  it('builds the test binaries without the level variables of the shell (GOAMD64=v9 there), as build does', async () => {
    // TestNoLeakedLevel reads the level settings from its own build info.
    const { code, report, stderr } = await testJson(
      ['-t', 'linux/amd64,linux/386', './level'],
      testEnv({ GOAMD64: 'v9' }),
    );
    expect(code, stderr).toBe(0);
    expect(report.targets.map((t) => [t.target, t.packages.map((p) => [p.package, p.status])])).toEqual([
      ['linux/amd64', [['example.com/calc/level', 'pass']]],
      ['linux/386', [['example.com/calc/level', 'pass']]],
    ]);
  });

  it('reads the targets from --config', async () => {
    const { dir } = await fixtureRepo('runtests');
    await writeFile(path.join(dir, 'other.yaml'), 'targets: [linux/386]\n');
    const result = await crossgo(['-C', dir, 'test', '--json', '--config', 'other.yaml', './'], {
      env: testEnv(),
    });
    expect(result.code, result.stderr).toBe(0);
    expect((JSON.parse(result.stdout) as TestReport).targets.map((t) => t.target)).toEqual(['linux/386']);
  });

  it('refuses a bad duration in one line', async () => {
    const result = await crossgo(['-C', FIXTURE, 'test', '--timeout', 'soon'], { env: testEnv() });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(
      'crossgo: --timeout "soon": expected a duration such as 90s, 5m or 1500ms',
    );
  });
});
