import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../../src/bench/types.js';
import { cleanupTemps, crossgo, fixtureRepo, testEnv } from '../helpers/cli.js';

/**
 * crossgo bench as a user runs it: its exit codes, the program's arguments, the units of its
 * terminal table, and an environment that carries level variables from the shell.
 */

afterAll(cleanupTemps);

let runtests: string;
beforeAll(async () => {
  ({ dir: runtests } = await fixtureRepo('runtests'));
}, 120_000);

/** A quick bench of one program on the host: one startup run, no Go benchmark. */
const quick = ['-t', 'linux/amd64', '--runs', '1', '--count', '1', '--bench', '^$', '--json'];

describe('crossgo bench', () => {
  it('exits 1, not 2, when the build inside it fails, naming the target and go’s error in one line', async () => {
    const { dir } = await fixtureRepo('partial');
    const result = await crossgo(['-C', dir, 'bench', '-t', 'windows/amd64', '--runs', '1'], {
      env: testEnv(),
    });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      /^crossgo: bench: the build failed for windows\/amd64 \(.*name_windows\.go:\d+:\d+: .+\): crossgo build -t windows\/amd64 shows the whole error$/,
    );
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  }, 300_000);

  // argcheck exits 0 only when its arguments are exactly $ARGCHECK_WANT (and 3 otherwise).
  it.each([
    ['--args "--version"', ['--args', '--version'], ['--version']],
    ['--args=--version', ['--args=--version'], ['--version']],
    ['-- --version', ['--', '--version'], ['--version']],
    ['-- with a word that has spaces', ['--', '--name', 'two words', '-V'], ['--name', 'two words', '-V']],
    ['--args with several words', ['--args', '-C x --help'], ['-C', 'x', '--help']],
  ])(
    'passes the program its arguments: %s',
    async (_, args, want) => {
      const result = await crossgo(['-C', runtests, 'bench', './cmd/argcheck', ...quick, ...args], {
        env: testEnv({ ARGCHECK_WANT: JSON.stringify(want) }),
      });
      expect(result.stderr).not.toContain('0.1.0');
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as BenchReport;
      expect(report.targets).toHaveLength(1);
      expect(report.targets[0]).toMatchObject({ target: 'linux/amd64', startup: { runs: 1 } });
      expect(report.targets[0]?.reason).toBeUndefined();
    },
    300_000,
  );

  it('fails (exit 1) and says so when the program exits non-zero: the arguments above were checked', async () => {
    const result = await crossgo(['-C', runtests, 'bench', './cmd/argcheck', ...quick, '--args', 'wrong'], {
      env: testEnv({ ARGCHECK_WANT: '["--version"]' }),
    });
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as BenchReport;
    expect(report.targets[0]?.reason).toBe('the program exited with code 3');
  }, 300_000);

  it('refuses arguments given both ways, and stray operands, in one line (exit 2)', async () => {
    const both = await crossgo(['-C', runtests, 'bench', './cmd/argcheck', '--args', 'a', '--', 'b'], {
      env: testEnv(),
    });
    expect(both.code).toBe(2);
    expect(both.stderr.trim()).toBe(`crossgo: --args "a" and "-- b": give the program's arguments one way`);
    const stray = await crossgo(['-C', runtests, 'bench', './cmd/argcheck', 'serve'], { env: testEnv() });
    expect(stray.code).toBe(2);
    expect(stray.stderr.trim()).toBe(
      `crossgo: bench takes one package, not "serve": put the program's arguments after -- or in --args`,
    );
  });

  it('prints benchmark times in ns/µs in the terminal, the same text as the HTML report', async () => {
    const result = await crossgo(
      [
        '-C',
        runtests,
        'bench',
        './cmd/calc',
        '-t',
        'linux/386',
        '--runs',
        '1',
        '--count',
        '2',
        '--bench',
        'Fib',
      ],
      { env: testEnv() },
    );
    expect(result.code, result.stderr).toBe(0);
    const row = result.stdout.split('\n').find((l) => /^BenchmarkFib\S*\s+sec\/op\s+linux\/386\s/.test(l));
    expect(row, result.stdout).toBeDefined();
    const figures = /\s(\d+(?:\.\d+)? (?:ns|µs))\s+(\d+(?:\.\d+)? (?:ns|µs))\s/.exec(row as string);
    expect(figures, row).not.toBeNull();
    expect(result.stdout).not.toMatch(/\de-\d/); // no 1.102e-7
    // The HTML report writes the baseline's median with the same formatter.
    const html = await readFile(path.join(runtests, 'dist', 'bench.html'), 'utf8');
    const tr = html.split('\n').find((l) => /data-benchmark="BenchmarkFib[^"]*" data-unit="sec\/op"/.test(l));
    expect(tr).toContain(`<span class="median">${figures?.[1]}</span>`);
    expect(tr).toContain(`<span class="median">${figures?.[2]}</span>`);
  }, 300_000);

  it('builds test binaries without the level variables of the shell (GOAMD64=v9 there)', async () => {
    const result = await crossgo(
      [
        '-C',
        runtests,
        'bench',
        './cmd/calc',
        '-t',
        'linux/386',
        '--runs',
        '1',
        '--count',
        '1',
        '--bench',
        'NoLeakedLevel',
        '--json',
      ],
      { env: testEnv({ GOAMD64: 'v9' }) },
    );
    expect(result.code, result.stderr + result.stdout).toBe(0);
    const report = JSON.parse(result.stdout) as BenchReport;
    // BenchmarkNoLeakedLevel fails inside a binary built with GOAMD64=v9: no samples then.
    const level = report.benchmarks.find(
      (b) => b.name.startsWith('BenchmarkNoLeakedLevel') && b.unit === 'sec/op',
    );
    expect(level?.base.n).toBe(1);
    expect(level?.other?.n).toBe(1);
    expect(report.targets.map((t) => t.reason)).toEqual([undefined, undefined]);
  }, 300_000);
});
