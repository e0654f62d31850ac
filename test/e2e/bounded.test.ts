import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { link, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/pipeline/manifest.js';
import type { VerifyReport } from '../../src/stages/verify/verifyFile.js';
import { CLI, cleanupTemps, crossgo, fixtureRepo, runTool, tempDir, testEnv } from '../helpers/cli.js';

afterAll(cleanupTemps);

/**
 * Hostile sizes and file kinds: nothing may block, nothing may grow without bound, and each
 * refusal is one line. Every run has a deadline far above what it needs (a FIFO open that
 * blocks would otherwise hang the test until vitest's timeout, which says less); no test
 * asserts a tighter time than that (the machine is shared and noisy): which line crossgo
 * printed shows which path it took.
 */

interface TimedResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the CLI with a deadline: SIGKILL after `deadlineMs`, which the test then sees as signal. */
function crossgoWithin(args: readonly string[], cwd: string, deadlineMs = 20_000): Promise<TimedResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: testEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** The lines crossgo itself wrote to stderr ("crossgo: …"), and whether anything looks like a trace. */
function crossgoLines(stderr: string): { lines: string[]; trace: boolean } {
  return {
    lines: stderr.split('\n').filter((l) => l.startsWith('crossgo:')),
    trace: /^\s+at /m.test(stderr) || stderr.includes('internal error'),
  };
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

let dir: string;
let manifest: Manifest;
let binary: string;

beforeAll(async () => {
  ({ dir } = await fixtureRepo('greet'));
  const built = await crossgo(['build', '-t', 'linux/amd64', '--json'], { cwd: dir, env: testEnv() });
  if (built.code !== 0) throw new Error(built.stdout + built.stderr);
  manifest = JSON.parse(built.stdout) as Manifest;
  binary = path.join(dir, 'dist', manifest.artifacts[0]?.path as string);
}, 180_000);

describe('FIFOs and devices are refused before any open can block', () => {
  let fifo: string;
  beforeAll(async () => {
    fifo = path.join(await tempDir(), 'fifo');
    const made = await runTool('mkfifo', [fifo]);
    if (made.code !== 0) throw new Error(made.stderr);
  });

  it('inspect FIFO and inspect /dev/zero: one line each, exit 1, at once', async () => {
    const r = await crossgoWithin(['inspect', fifo, '/dev/zero'], dir);
    expect(r.signal, 'killed at the deadline: an open blocked').toBeNull();
    expect(r.code).toBe(1);
    const { lines, trace } = crossgoLines(r.stderr);
    expect(trace).toBe(false);
    expect(lines).toEqual([
      `crossgo: ${fifo}: is a FIFO, not a regular file: crossgo reads only regular files`,
      'crossgo: /dev/zero: is a device, not a regular file: crossgo reads only regular files',
    ]);
  });

  it('rebuild FIFO: one line, exit 2', async () => {
    const r = await crossgoWithin(['rebuild', fifo], dir);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      `crossgo: ${fifo} is a FIFO, not a regular file: crossgo reads only regular files`,
    );
  });

  it('verify FIFO: the file fails as unreadable (exit 1), the others are still checked', async () => {
    const r = await crossgoWithin(['verify', fifo, binary, '--json'], dir);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    const [fifoReport, good] = JSON.parse(r.stdout) as VerifyReport[];
    expect(fifoReport?.checks).toEqual([
      {
        name: 'readable',
        status: 'fail',
        detail: 'is a FIFO, not a regular file: crossgo reads only regular files',
      },
    ]);
    expect(good?.ok).toBe(true);
    expect(crossgoLines(r.stderr).trace).toBe(false);
  });

  it('verify --manifest FIFO and build --config FIFO: one line, exit 2', async () => {
    const m = await crossgoWithin(['verify', '--manifest', fifo], dir);
    expect(m.signal).toBeNull();
    expect(m.code).toBe(2);
    expect(m.stderr.trim()).toBe(
      `crossgo: ${fifo} is a FIFO, not a regular file: crossgo reads only regular files`,
    );
    const c = await crossgoWithin(['build', '--config', fifo, '-t', 'linux/amd64'], dir);
    expect(c.signal).toBeNull();
    expect(c.code).toBe(2);
    expect(c.stderr.trim()).toBe(
      'crossgo: fifo: is a FIFO, not a regular file: crossgo reads only regular files',
    );
  });

  it('verify --manifest: a FIFO or a link fails its artifact, a path out of the folder or a missing sha256 refuses the manifest; the real one passes', async () => {
    const out = path.join(dir, 'dist');
    const real = manifest.artifacts[0] as Manifest['artifacts'][number];
    await mkdir(path.join(out, 'odd'), { recursive: true });
    await runTool('mkfifo', [path.join(out, 'odd', 'fifo')]);
    await symlink(binary, path.join(out, 'odd', 'link'));
    await symlink(out, path.join(out, 'odd', 'folder-link'));
    await link(binary, path.join(out, 'odd', 'unhashed'));
    const { sha256: _, ...noHash } = real;
    const hostile = {
      ...manifest,
      artifacts: [
        real,
        { ...real, path: 'odd/fifo' },
        { ...real, path: 'odd/link' },
        { ...real, path: `odd/folder-link/${real.path}` },
      ],
    };
    // A path out of the folder, or no sha256: the manifest itself is refused (its schema), exit 2.
    for (const [bad, message] of [
      [
        { ...real, path: `../${path.basename(dir)}/dist/${real.path}` },
        /\/artifacts\/1\/path: .*climbs out with "\.\."/,
      ],
      [{ ...noHash, path: 'odd/unhashed' }, /\/artifacts\/1\/sha256: missing/],
    ] as const) {
      await writeFile(
        path.join(out, 'refused.json'),
        JSON.stringify({ ...manifest, artifacts: [real, bad] }),
      );
      const refused = await crossgoWithin(['verify', '--manifest', 'dist/refused.json'], dir);
      expect(refused.code).toBe(2);
      expect(refused.stderr.trim().split('\n')).toHaveLength(1);
      expect(refused.stderr).toMatch(message);
    }
    await writeFile(path.join(out, 'hostile.json'), JSON.stringify(hostile));
    const r = await crossgoWithin(['verify', '--manifest', 'dist/hostile.json', '--json'], dir);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(1);
    const reports = JSON.parse(r.stdout) as VerifyReport[];
    const failed = (i: number) => reports[i]?.checks.filter((c) => c.status === 'fail');
    expect(reports[0]?.ok).toBe(true);
    expect(failed(1)).toEqual([
      {
        name: 'readable',
        status: 'fail',
        detail: 'is a FIFO, not a regular file: crossgo reads only regular files',
      },
    ]);
    expect(failed(2)?.[0]).toMatchObject({
      name: 'path',
      detail: expect.stringContaining('is a symbolic link'),
    });
    expect(failed(3)?.[0]).toMatchObject({
      name: 'path',
      detail: expect.stringContaining('is a symbolic link'),
    });
    expect(reports).toHaveLength(4);
  });
});

describe('config files are bounded', () => {
  /** A fresh copy of the module with this crossgo.yaml. */
  async function moduleWith(config: string): Promise<string> {
    const { dir: d } = await fixtureRepo('greet');
    await writeFile(path.join(d, 'crossgo.yaml'), config);
    return d;
  }
  const env = (n: number) => `env:\n${Array.from({ length: n }, (_, i) => `  K${i}: v\n`).join('')}`;

  it('a 20 MB config with 1.5 million env keys: one line naming the file and the 1 MiB limit, at once', async () => {
    const d = await moduleWith(env(1_500_000));
    const r = await crossgoWithin(['build', '-t', 'linux/amd64'], d);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(
      /^crossgo: crossgo\.yaml: is \d{8} bytes, over the 1 MiB limit for a config file \(a whole config is a few KiB\): shorten it$/,
    );
    // The size message, not the schema's "more than 256 keys": refused before parsing.
    expect(existsSync(path.join(d, 'dist')), 'nothing was built').toBe(false);
  });

  it('50 MB of ldflags in a config: refused by size, one line', async () => {
    const d = await moduleWith(`ldflags: "-X main.pad=${'x'.repeat(50 * 1024 * 1024)}"\n`);
    const r = await crossgoWithin(['build', '-t', 'linux/amd64'], d);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^crossgo: crossgo\.yaml: is 524\d{5} bytes, over the 1 MiB limit/);
  });

  it('300 env keys (under 1 MiB): the schema caps the map, one line', async () => {
    const d = await moduleWith(env(300));
    const r = await crossgoWithin(['build', '-t', 'linux/amd64'], d);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'crossgo: crossgo.yaml: env: more than 256 keys: crossgo accepts at most 256 here',
    );
  });

  it('a YAML alias bomb: one line, no trace', async () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      levels.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(',')}]`);
    }
    const d = await moduleWith(`${levels.join('\n')}\n`);
    const r = await crossgoWithin(['build', '-t', 'linux/amd64'], d);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'crossgo: crossgo.yaml: not valid YAML: its aliases (*name) copy their anchors more than 100 times (an alias bomb?): write the values out or use fewer aliases',
    );
  });

  it('60,000 distinct keys parse in bounded time (the duplicate-key check is not quadratic)', async () => {
    // Over the schema's cap, so refused: what is measured is that the parser gets there. The
    // yaml package's own check compares each key with every earlier one: over a minute for these.
    const keys = Array.from({ length: 60_000 }, (_, i) => `  a/${i}: {}\n`).join('');
    const d = await moduleWith(`overrides:\n${keys}`);
    const r = await crossgoWithin(['build', '-t', 'linux/amd64'], d, 60_000);
    expect(r.signal).toBeNull();
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'crossgo: crossgo.yaml: overrides: more than 256 keys: crossgo accepts at most 256 here',
    );
  });

  it("ldflags that make go's -ldflags argument over 128 KiB: one line naming ldflags, before any build", async () => {
    const entries = Array.from({ length: 4 }, (_, i) => `  - -X main.pad${i}=${'x'.repeat(50_000)}\n`).join(
      '',
    );
    const d = await moduleWith(`ldflags:\n${entries}`);
    const r = await crossgoWithin(['build', '-t', 'linux/amd64'], d);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(
      /^crossgo: ldflags \(the config's ldflags and --ldflags together\) make go's -ldflags argument 2\d{5} bytes: go's arguments may be at most 128 KiB each; shorten them$/,
    );
    expect(existsSync(path.join(d, 'dist')), 'planning refused it: no output folder, no go build').toBe(
      false,
    );
  });
});

/** Descriptors of `pid` (and of its children, for a process started under /usr/bin/time) open on files under `folder`. */
function openUnder(pid: number, folder: string): number {
  const pids = [pid];
  try {
    pids.push(
      ...readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map(Number),
    );
  } catch {
    return 0;
  }
  let n = 0;
  for (const p of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${p}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${p}/fd/${fd}`).startsWith(folder)) n++;
      } catch {
        // closed meanwhile
      }
    }
  }
  return n;
}

describe('verify of 5,000 artifacts is bounded', () => {
  const COUNT = 5000;
  let many: string;

  beforeAll(async () => {
    // One real binary, 5,000 hard links to it, and a manifest listing each with its sha256.
    many = path.join(dir, 'dist', 'many');
    await mkdir(many, { recursive: true });
    const real = manifest.artifacts[0] as Manifest['artifacts'][number];
    const artifacts: Manifest['artifacts'] = [];
    for (let i = 0; i < COUNT; i++) {
      const rel = `many/greet-${String(i).padStart(4, '0')}`;
      await link(binary, path.join(dir, 'dist', rel));
      artifacts.push({ ...real, path: rel });
    }
    await writeFile(path.join(dir, 'dist', 'many.json'), JSON.stringify({ ...manifest, artifacts }));
  });

  it('checks them all in < 300 MB peak RSS with a bounded number of files open', async () => {
    // The oracle for the hash: sha256sum, not crossgo.
    const sum = await runTool('sha256sum', [binary]);
    expect(sum.stdout.split(' ')[0]).toBe(manifest.artifacts[0]?.sha256);
    expect(sha256(await readFile(binary))).toBe(manifest.artifacts[0]?.sha256);

    const child = spawn(
      '/usr/bin/time',
      ['-f', 'peak-rss-kb=%M', process.execPath, CLI, 'verify', '--manifest', 'dist/many.json', '--json'],
      { cwd: dir, env: testEnv(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => chunks.push(d));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    let maxOpen = 0;
    const sampler = setInterval(() => {
      maxOpen = Math.max(maxOpen, openUnder(child.pid as number, many));
    }, 20);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearInterval(sampler);

    expect(code, stderr).toBe(0);
    const reports = JSON.parse(Buffer.concat(chunks).toString()) as VerifyReport[];
    expect(reports).toHaveLength(COUNT);
    expect(reports.every((r) => r.ok)).toBe(true);
    expect(reports.every((r) => r.checks[0]?.name === 'sha256' && r.checks[0].status === 'pass')).toBe(true);
    const peakKb = Number(/peak-rss-kb=(\d+)/.exec(stderr)?.[1]);
    console.log(
      `verify of ${COUNT} artifacts: peak RSS ${Math.round(peakKb / 1024)} MB, at most ${maxOpen} artifacts open at once`,
    );
    expect(peakKb).toBeGreaterThan(0);
    expect(peakKb, 'peak RSS in KB').toBeLessThan(300 * 1024);
    expect(maxOpen, 'at most 16 artifacts open at once').toBeLessThanOrEqual(16);
    expect(maxOpen, 'the sampler saw the files being read').toBeGreaterThan(0);
  }, 600_000);

  it('SIGTERM in the middle ends it within seconds: one line, exit 143', async () => {
    const child = spawn(process.execPath, [CLI, 'verify', '--manifest', 'dist/many.json'], {
      cwd: dir,
      env: testEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    // In the middle: artifacts are being read.
    const deadline = Date.now() + 120_000;
    let seen = 0;
    while (Date.now() < deadline && seen < 3) {
      if (openUnder(child.pid as number, many) > 0) seen++;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(seen, 'verify reached the artifacts').toBe(3);
    const sent = performance.now();
    child.kill('SIGTERM');
    const code = await closed;
    const ms = performance.now() - sent;
    console.log(`verify stopped ${Math.round(ms)} ms after SIGTERM`);
    expect(code).toBe(143);
    // A clean stop, not the forced one 2 s later ("still stopping after 2 s, so stopped at once").
    expect(stderr.trim()).toBe(
      'crossgo: interrupted by SIGTERM; no partial file is left (a build records its finished artifacts in the manifest)',
    );
  }, 180_000);

  it('inspect of 2,000 files under a limit of 64 open files: all read', async () => {
    const files = readdirSync(many)
      .slice(0, 2000)
      .map((f) => path.join('dist', 'many', f));
    const r = await runTool(
      'prlimit',
      ['--nofile=64', process.execPath, CLI, 'inspect', '--json', ...files],
      {
        cwd: dir,
        env: testEnv(),
      },
    );
    expect(r.code, r.stderr).toBe(0);
    const records = JSON.parse(r.stdout) as { file: string; goos?: string }[];
    expect(records).toHaveLength(2000);
    expect(records.every((x) => x.goos === 'linux')).toBe(true);
  }, 180_000);
});

describe('a signal always ends the run', () => {
  /** A go that never answers and ignores SIGTERM and SIGINT (disposition kept across exec). */
  async function stubbornGo(): Promise<{ go: string; pidFile: string }> {
    const d = await tempDir();
    const pidFile = path.join(d, 'pid');
    const go = path.join(d, 'go');
    await writeFile(go, `#!/bin/sh\ntrap '' TERM INT\necho $$ > '${pidFile}'\nexec sleep 600\n`, {
      mode: 0o755,
    });
    return { go, pidFile };
  }

  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
    } catch {
      return false;
    }
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  };

  async function stuckVerify(signals: NodeJS.Signals[]) {
    const { go, pidFile } = await stubbornGo();
    const child = spawn(process.execPath, [CLI, 'verify', binary], {
      cwd: dir,
      env: testEnv({ CROSSGO_GO: go }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    const deadline = Date.now() + 60_000;
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '') {
      if (Date.now() > deadline) throw new Error('the stub go never started');
      await new Promise((r) => setTimeout(r, 20));
    }
    const goPid = Number(readFileSync(pidFile, 'utf8'));
    // Apart: a signal sent while the same one is still pending is merged with it (signal(7)).
    let sent = 0;
    for (const [i, s] of signals.entries()) {
      if (i > 0) await new Promise((r) => setTimeout(r, 300));
      sent = performance.now();
      child.kill(s);
    }
    const code = await closed;
    const ms = performance.now() - sent;
    // SIGKILL takes effect when the kernel next schedules the child: allow it a moment.
    const until = Date.now() + 2_000;
    while (alive(goPid) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    return { code, ms, stderr, goAlive: alive(goPid) };
  }

  it('a child that ignores SIGTERM: crossgo still exits about 2 s after the signal, and kills it', async () => {
    const r = await stuckVerify(['SIGTERM']);
    console.log(`with a child ignoring SIGTERM, crossgo exited ${Math.round(r.ms)} ms after the signal`);
    expect(r.code).toBe(143);
    expect(r.stderr.trim()).toBe(
      'crossgo: interrupted by SIGTERM; still stopping after 2 s, so stopped at once',
    );
    // It waited for the child first (a lower bound: a busy machine only makes it later).
    expect(r.ms).toBeGreaterThan(1_500);
    expect(r.goAlive, 'the stubborn child was killed').toBe(false);
  }, 120_000);

  it('a second SIGINT stops at once (measured from the second)', async () => {
    const r = await stuckVerify(['SIGINT', 'SIGINT']);
    expect(r.code).toBe(130);
    // The message is the proof it did not wait: after 2 s it would say "still stopping after 2 s".
    expect(r.stderr.trim()).toBe('crossgo: SIGINT again: stopped at once');
    expect(r.goAlive).toBe(false);
  }, 120_000);
});
