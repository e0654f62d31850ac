import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemps, crossgo, fixtureRepo, testEnv } from '../helpers/cli.js';
import { goRecorder } from '../helpers/goRecorder.js';

afterAll(cleanupTemps);

/** The release toolchain.test.ts fetches too (GOMODCACHE keeps it). */
const OLDER = '1.25.4';

/** What crossgo asks go, each call split into words, witnessed by a go first on PATH. */
async function recordingGo(): Promise<{ env: NodeJS.ProcessEnv; calls: () => Promise<string[][]> }> {
  const go = await goRecorder();
  return {
    env: testEnv({ PATH: go.path }),
    calls: async () => (await go.take()).map((l) => l.split(' ')),
  };
}

describe('one discovery per run', () => {
  it('a 3-target build runs go env once and go tool dist list once', async () => {
    const { dir } = await fixtureRepo('greet');
    const go = await recordingGo();
    const result = await crossgo(['-C', dir, 'build', '-t', 'linux/amd64,linux/arm64,windows/386'], {
      env: go.env,
    });
    expect(result.code, result.stderr).toBe(0);
    const calls = await go.calls();
    expect(calls.filter((c) => c[0] === 'env')).toHaveLength(1);
    expect(calls.filter((c) => c[0] === 'tool' && c[1] === 'dist')).toHaveLength(1);
    expect(calls.filter((c) => c[0] === 'build')).toHaveLength(3);
  });

  it('with --go, go env runs once for the go on PATH and once for the release (not again per plan)', async () => {
    const { dir } = await fixtureRepo('greet');
    const go = await recordingGo();
    const result = await crossgo(
      ['-C', dir, 'build', '--go', OLDER, '-t', 'linux/amd64,windows/386,darwin/arm64'],
      {
        env: go.env,
      },
    );
    expect(result.code, result.stderr).toBe(0);
    const calls = await go.calls();
    expect(calls.filter((c) => c[0] === 'env')).toHaveLength(2);
    // The release's port list only: the go on PATH's is not needed.
    expect(calls.filter((c) => c[0] === 'tool' && c[1] === 'dist')).toHaveLength(1);
  });

  it('doctor reads go env once for every target it checks', async () => {
    const go = await recordingGo();
    const { dir } = await fixtureRepo('cgo');
    const result = await crossgo(
      ['-C', dir, 'doctor', '--json', '--cgo', 'auto', '-t', 'linux/amd64,linux/arm64,js/wasm'],
      {
        env: go.env,
      },
    );
    expect(JSON.parse(result.stdout).targets).toHaveLength(3);
    expect((await go.calls()).filter((c) => c[0] === 'env')).toHaveLength(1);
  });

  it('bench and test read go env once each, the build inside bench included', async () => {
    const { dir } = await fixtureRepo('greet');
    const go = await recordingGo();
    const bench = await crossgo(
      ['-C', dir, 'bench', '-t', 'linux/amd64', '--runs', '1', '--count', '1', '--no-html', '--json'],
      { env: go.env },
    );
    expect(bench.code, bench.stderr).toBe(0);
    const benchCalls = await go.calls();
    expect(benchCalls.filter((c) => c[0] === 'env')).toHaveLength(1);
    expect(benchCalls.filter((c) => c[0] === 'tool' && c[1] === 'dist')).toHaveLength(1);
    expect(benchCalls.filter((c) => c[0] === 'build')).toHaveLength(1);

    const tests = await fixtureRepo('runtests');
    const other = await recordingGo();
    const run = await crossgo(
      ['-C', tests.dir, 'test', '-t', 'linux/amd64', '--run', 'TestSum', '--json', './'],
      {
        env: other.env,
      },
    );
    expect(run.code, run.stderr).toBe(0);
    expect((await other.calls()).filter((c) => c[0] === 'env')).toHaveLength(1);
  });
});
