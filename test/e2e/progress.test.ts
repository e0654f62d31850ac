import { afterAll, describe, expect, it } from 'vitest';
import { CLI, cleanupTemps, crossgo, fixtureRepo, runTool, testEnv } from '../helpers/cli.js';

afterAll(cleanupTemps);

// Python's pty.spawn gives the CLI a real terminal, with an argument array and no shell.
const IN_A_TERMINAL = ['-c', 'import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)'];

describe('progress', () => {
  it('on a terminal: live lines per target, redrawn in place, then the table', async () => {
    const { dir } = await fixtureRepo('greet');
    const result = await runTool(
      'python3',
      [...IN_A_TERMINAL, process.execPath, CLI, 'build', '-t', 'linux/amd64,linux/arm64'],
      {
        cwd: dir,
        env: testEnv({ TERM: 'xterm' }),
      },
    );
    expect(result.code, result.stdout).toBe(0);
    // Cursor up: lines are redrawn in place, not appended.
    expect(result.stdout).toMatch(new RegExp(`${String.fromCharCode(27)}\\[\\d+A`));
    expect(result.stdout).toMatch(/✓ linux\/amd64 +\d/);
    expect(result.stdout).toMatch(/✓ linux\/arm64 +\d/);
    expect(result.stdout).toMatch(/linux\/arm64 +[\d.]+ MiB .* greet-linux-arm64/);
  });

  it('elsewhere (CI logs): one plain line per finished target on stderr, stdout keeps the table', async () => {
    const { dir } = await fixtureRepo('greet');
    const result = await crossgo(['build', '-t', 'linux/amd64,linux/arm64'], { cwd: dir, env: testEnv() });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^built linux\/amd64: [\d.]+ MiB in /m);
    expect(result.stderr).toMatch(/^built linux\/arm64: [\d.]+ MiB in /m);
    expect(result.stderr).not.toContain('\x1b[');
    expect(result.stdout).toMatch(/^target\s+size\s+time\s+sha256\s+file$/m);
  });
});
