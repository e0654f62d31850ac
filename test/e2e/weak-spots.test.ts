import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/commands/build.js';
import { UsageError } from '../../src/errors.js';
import type { Manifest } from '../../src/pipeline/manifest.js';
import { cleanupTemps, crossgo, fixtureRepo, runTool, tempDir, testEnv } from '../helpers/cli.js';

let greet: string;
beforeAll(async () => {
  greet = (await fixtureRepo('greet')).dir;
});
afterAll(cleanupTemps);

describe('short options with =, as go flag reads them', () => {
  it('-o=out -t=… -j=… build into out/, not "=out"; a value word that looks like one is left alone', async () => {
    const { dir } = await fixtureRepo('greet');
    const result = await crossgo(
      ['build', '-o=out', '-t=linux/amd64', '-j=1', '--ldflags', '-X=main.edition=eq', '--json'],
      { cwd: dir, env: testEnv() },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(path.join(dir, '=out'))).toBe(false);
    const manifest = JSON.parse(result.stdout) as Manifest;
    expect(manifest.artifacts.map((a) => a.target)).toEqual(['linux/amd64']);
    const run = await runTool(path.join(dir, 'out', 'greet-linux-amd64'), []);
    expect(run.stdout).toMatch(/ edition=eq /);
  });
});

describe('config overrides', () => {
  async function withOverrides(overrides: Record<string, unknown>): Promise<string> {
    const { dir } = await fixtureRepo('greet');
    await writeFile(path.join(dir, 'crossgo.json'), JSON.stringify({ targets: ['linux/amd64'], overrides }));
    return dir;
  }

  it('for a selector that matches no target of the toolchain: one line naming the key, with a suggestion', async () => {
    const go = (await runTool('go', ['env', 'GOVERSION'], { env: testEnv() })).stdout.trim();
    for (const [selector, guess] of [
      ['linux/amd65', 'linux/amd64'],
      ['linux/amd64/v9', 'linux/amd64/v4'],
    ] as const) {
      const dir = await withOverrides({ [selector]: { ldflags: ['-X main.edition=x'] } });
      const result = await crossgo(['build'], { cwd: dir, env: testEnv() });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toBe(
        `crossgo: crossgo.json: overrides["${selector}"]: matches no target of ${go}, did you mean ${guess}? (crossgo targets lists them)\n`,
      );
      expect(existsSync(path.join(dir, 'dist'))).toBe(false);
    }
  });

  it('for a real port this build does not target: fine, and the matching one applies', async () => {
    const dir = await withOverrides({
      'freebsd/riscv64': { ldflags: ['-X main.edition=bsd'] },
      'linux/*': { ldflags: ['-X main.edition=pro'] },
    });
    const result = await crossgo(['build'], { cwd: dir, env: testEnv() });
    expect(result.code, result.stderr).toBe(0);
    const run = await runTool(path.join(dir, 'dist', 'greet-linux-amd64'), []);
    expect(run.stdout).toMatch(/ edition=pro /);
  });
});

describe('the failure excerpt', () => {
  it('keeps the linker giving up and the first undefined symbol, not only the last lines', async () => {
    const dir = path.join(await tempDir(), 'linkfail');
    await mkdir(dir);
    await writeFile(path.join(dir, 'go.mod'), 'module example.com/linkfail\n\ngo 1.22\n');
    const n = 30;
    const names = Array.from({ length: n }, (_, i) => `missing_${String(i).padStart(2, '0')}`);
    await writeFile(
      path.join(dir, 'main.go'),
      `package main\n\n/*\n${names.map((f) => `void ${f}(void);`).join('\n')}\n*/\nimport "C"\n\nfunc main() {\n${names.map((f) => `\tC.${f}()`).join('\n')}\n}\n`,
    );
    // The oracle: go build's own output holds the cause far above its last lines.
    const plain = await runTool('go', ['build', '-o', path.join(dir, 'plain'), '.'], {
      cwd: dir,
      env: testEnv({ CGO_ENABLED: '1', CC: 'gcc' }),
    });
    expect(plain.code).not.toBe(0);
    const goLines = plain.stderr.split('\n').filter((l) => l.trim() !== '');
    const firstCause = goLines.findIndex((l) => l.includes("undefined reference to `missing_00'"));
    expect(firstCause).toBeGreaterThan(0);
    expect(goLines.length - firstCause).toBeGreaterThan(12);

    const result = await crossgo(['build', '-t', 'linux/amd64', '--cgo', 'on', '--cc', 'host', '--json'], {
      cwd: dir,
      env: testEnv(),
    });
    expect(result.code).toBe(1);
    const excerpt = (JSON.parse(result.stdout) as Manifest).failures[0]?.excerpt ?? '';
    const lines = excerpt.split('\n');
    expect(lines[0]).toBe('# example.com/linkfail');
    expect(lines[1]).toMatch(/link: running gcc failed: exit status 1$/);
    expect(lines[2]).toMatch(/undefined reference to `missing_00'$/);
    expect(lines[3]).toBe('…');
    expect(lines.at(-1)).toMatch(/collect2: error: ld returned 1 exit status/);
    expect(lines.length).toBeLessThanOrEqual(13);
    expect(excerpt.length).toBeLessThan(6000);
  });
});

describe('the library with a cwd that does not exist', () => {
  it('says so in one line, not "not in a Go module"', async () => {
    const missing = path.join(await tempDir(), 'nonexistent');
    const attempt = build({ cwd: missing, targets: 'linux/amd64', environment: testEnv() });
    await expect(attempt).rejects.toBeInstanceOf(UsageError);
    await expect(attempt).rejects.toThrow(`cwd ${missing}: no such folder`);
  });

  it('and the CLI the same for -C', async () => {
    const result = await crossgo(['-C', '/nonexistent-crossgo', 'build'], { cwd: greet, env: testEnv() });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('crossgo: -C /nonexistent-crossgo: no such folder\n');
  });
});

describe('a gpg failure', () => {
  it('is said once: a wrong key id gives one line, its cause not repeated', async () => {
    const gnupg = path.join(await tempDir(), 'gnupg');
    await mkdir(gnupg, { mode: 0o700 });
    const env = { ...process.env, GNUPGHOME: gnupg };
    const gen = await runTool(
      'gpg',
      ['--batch', '--passphrase', '', '--quick-gen-key', 'crossgo test <t@example.com>'],
      {
        env,
      },
    );
    expect(gen.code, gen.stderr).toBe(0);
    try {
      const { dir } = await fixtureRepo('greet');
      const built = await crossgo(['build', '-t', 'linux/amd64'], { cwd: dir, env: testEnv() });
      expect(built.code, built.stderr).toBe(0);
      const result = await crossgo(['package', '--sign', 'gpg', '--key', '0123456789ABCDEF'], {
        cwd: dir,
        env: testEnv({ GNUPGHOME: gnupg }),
      });
      expect(result.code).toBe(1);
      const lines = result.stderr.trim().split('\n');
      expect(lines, result.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^crossgo: gpg could not sign greet_1\.2\.3_checksums\.txt: /);
      expect(lines[0]).toContain('0123456789ABCDEF');
      // The oracle: what gpg itself says, once per line; crossgo says the cause once.
      const cause = /No secret key|No public key|not found/i.exec(lines[0] as string)?.[0];
      expect(cause, lines[0]).toBeDefined();
      expect(lines[0]?.split(cause as string)).toHaveLength(2);
    } finally {
      await runTool('gpgconf', ['--kill', 'gpg-agent'], { env });
    }
  });
});
