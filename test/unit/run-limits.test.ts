import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { checkArgumentSizes, MAX_ARG_STRLEN, run } from '../../src/exec/run.js';
import { buildArgs, type MergedFlags, targetEnv } from '../../src/stages/build/flags.js';
import type { Target } from '../../src/targets/parse.js';

/**
 * The oracle is the kernel itself: spawnSync hands the same strings to execve, which answers
 * E2BIG or runs the program. crossgo must refuse exactly what the kernel refuses (per string),
 * before spawning, with a message naming the command and the argument.
 */
const linux = process.platform === 'linux';
const kernelRefuses = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  (
    spawnSync('true', args, { env: { PATH: process.env.PATH, ...env } }).error as
      | NodeJS.ErrnoException
      | undefined
  )?.code === 'E2BIG';

/** The soft stack limit of this process, from /proc/self/limits (null when unlimited). */
function stackLimit(): number | null {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Max stack size'));
  const soft = line?.split(/\s{2,}/)[1];
  return soft === undefined || soft === 'unlimited' ? null : Number(soft);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'crossgo-limits-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!linux)('argument limits before spawning', () => {
  const longest = 'x'.repeat(MAX_ARG_STRLEN - 1);
  const tooLong = 'x'.repeat(MAX_ARG_STRLEN);

  it('agrees with execve on the boundary of one argument (MAX_ARG_STRLEN, NUL included)', async () => {
    expect(kernelRefuses([longest])).toBe(false);
    expect(kernelRefuses([tooLong])).toBe(true);
    const ok = await run('true', [longest], { env: { PATH: process.env.PATH } });
    expect(ok.exitCode).toBe(0);
    await expect(run('true', [tooLong], { env: { PATH: process.env.PATH } })).rejects.toBeInstanceOf(
      UsageError,
    );
  });

  it('names the command and the flag, and never starts the process', async () => {
    const marker = path.join(dir, 'started');
    const huge = `-ldflags=${'x'.repeat(200_000)}`;
    const error = await run('touch', [marker, huge], { env: { PATH: process.env.PATH } }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toBe(
      `cannot run touch: -ldflags is ${huge.length} bytes: touch's arguments may be at most 128 KiB each`,
    );
    expect(error?.message).not.toContain('\n');
    expect(existsSync(marker), 'touch never ran').toBe(false);
    expect(kernelRefuses([huge])).toBe(true);
  });

  it('names a flag given as the next argument, or the position', () => {
    expect(() => checkArgumentSizes('go', ['build', '-o', tooLong], {})).toThrow(
      /^cannot run go: the value of -o is 131072 bytes/,
    );
    expect(() => checkArgumentSizes('/usr/bin/go', ['build', tooLong], {})).toThrow(
      /^cannot run go: argument 2 is 131072 bytes/,
    );
  });

  it('names an environment variable that is too long', async () => {
    const env = { PATH: process.env.PATH, CGO_LDFLAGS: tooLong };
    expect(kernelRefuses([], { CGO_LDFLAGS: tooLong })).toBe(true);
    await expect(run('true', [], { env })).rejects.toThrow(
      `cannot run true: the environment variable CGO_LDFLAGS is ${'CGO_LDFLAGS='.length + tooLong.length} bytes: each variable may be at most 128 KiB`,
    );
  });

  it('refuses arguments that are short each but too many together (the 2 MiB budget)', async () => {
    const many = Array.from({ length: 20 }, () => 'y'.repeat(120_000));
    // The kernel's own budget is a quarter of the stack limit: 2 MiB under the usual 8 MiB.
    if (stackLimit() === 8 * 1024 * 1024) {
      expect(kernelRefuses(many), 'the kernel refuses 2.4 MB of arguments under an 8 MiB stack').toBe(true);
    }
    await expect(run('true', many, { env: { PATH: process.env.PATH } })).rejects.toThrow(
      /^cannot run true: its 20 arguments and 1 environment variables are \d+ bytes together, over the 2 MiB a program may be given/,
    );
    const fewer = many.slice(0, 12);
    expect(kernelRefuses(fewer)).toBe(false);
    expect((await run('true', fewer, { env: { PATH: process.env.PATH } })).exitCode).toBe(0);
  });

  it('counts UTF-8 bytes, not characters', () => {
    const euro = '€'.repeat(Math.ceil(MAX_ARG_STRLEN / 3));
    expect(kernelRefuses([euro])).toBe(true);
    expect(() => checkArgumentSizes('true', [euro], {})).toThrow(UsageError);
  });
});

describe.skipIf(!linux)('flag sizes are checked at planning, naming the flag', () => {
  const noFlags: MergedFlags = { ldflags: [], tags: [], gcflags: [], env: {} };
  const linuxAmd64 = {
    goos: 'linux',
    goarch: 'amd64',
    variant: null,
    id: 'linux/amd64',
    level: null,
  } as Target;

  it('ldflags, tags and gcflags that make one go argument over 128 KiB', () => {
    const big = 'x'.repeat(MAX_ARG_STRLEN);
    expect(() => buildArgs({ trimpath: true, ldflags: big, flags: noFlags })).toThrow(
      `ldflags (the config's ldflags and --ldflags together) make go's -ldflags argument ${'-ldflags='.length + big.length} bytes: go's arguments may be at most 128 KiB each; shorten them`,
    );
    expect(() => buildArgs({ trimpath: true, ldflags: '', flags: { ...noFlags, gcflags: [big] } })).toThrow(
      /^gcflags \(the config's gcflags and --gcflags together\) make go's -gcflags argument/,
    );
    // Just under the limit passes, and the kernel agrees it can be passed.
    const fits = 'x'.repeat(MAX_ARG_STRLEN - 1 - '-ldflags='.length);
    const args = buildArgs({ trimpath: false, ldflags: fits, flags: noFlags });
    expect(kernelRefuses(args)).toBe(false);
  });

  it('an env value over 128 KiB', () => {
    const flags = { ...noFlags, env: { HUGE: 'x'.repeat(MAX_ARG_STRLEN) } };
    expect(() => targetEnv(linuxAmd64, flags, {})).toThrow(
      `env HUGE is ${'HUGE='.length + MAX_ARG_STRLEN} bytes: a variable for go may be at most 128 KiB; shorten it`,
    );
  });
});
