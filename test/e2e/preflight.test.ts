import { chmod, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemps, REPO, runTool, tempDir } from '../helpers/cli.js';

/**
 * The suite's first step names every missing tool with the command that installs it (issue 13,
 * must have 6), run as npm test runs it: a real process, with PATH cut down to a temporary folder.
 */

afterAll(cleanupTemps);

const PREFLIGHT = path.join(REPO, 'scripts', 'preflight.mjs');

async function preflight(pathDirs: string[]) {
  return runTool(process.execPath, [PREFLIGHT], {
    env: { PATH: pathDirs.join(path.delimiter) },
  });
}

/** The "  name  install command  (what for)" lines. */
function missing(stderr: string): Map<string, string> {
  const lines = stderr.trimEnd().split('\n').slice(1);
  const out = new Map<string, string>();
  for (const line of lines) {
    const match = /^ {2}(\S+)\s+(.+?) {2}\((.+)\)$/.exec(line);
    expect(match, line).not.toBeNull();
    out.set(match?.[1] as string, match?.[2] as string);
  }
  return out;
}

describe('the test suite preflight', () => {
  it('npm test runs it first', async () => {
    const pkg = JSON.parse(await readFile(path.join(REPO, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.test).toMatch(/^node scripts\/preflight\.mjs && /);
    expect(pkg.scripts.setup).toBe('bash scripts/setup.sh');
    expect(await readFile(path.join(REPO, '.ci', 'run'), 'utf8')).toMatch(
      /\nbash scripts\/setup\.sh\n[\s\S]*\nnpm test\n$/,
    );
  });

  it('names each missing tool on a line of its own with its install command, and exits 1', async () => {
    const bin = await tempDir();
    // Two tools are there; everything else the suite needs is not on this PATH.
    for (const tool of ['git', 'file']) {
      const real = (await runTool('sh', ['-c', `command -v ${tool}`])).stdout.trim();
      await symlink(real, path.join(bin, tool));
    }
    const result = await preflight([bin]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^crossgo test suite: \d+ tools missing; .*`npm run setup`/);
    const lines = missing(result.stderr);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(lines.size + 1);
    expect(lines.has('git')).toBe(false);
    expect(lines.has('file')).toBe(false);
    expect(Object.fromEntries([...lines].filter(([name]) => WANTED.includes(name)))).toEqual({
      go: 'install Go 1.21 or newer from https://go.dev/dl (Debian 12 has 1.19)',
      readelf: 'apt-get install binutils',
      'qemu-aarch64': 'apt-get install -t bookworm-backports qemu-user',
      'qemu-i386': 'apt-get install -t bookworm-backports qemu-user',
      zig: 'pip install ziglang==0.17.1',
      'x86_64-w64-mingw32-gcc': 'apt-get install gcc-mingw-w64-x86-64',
      'aarch64-linux-gnu-gcc': 'apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross',
      gpg: 'apt-get install gnupg',
      'ssh-keygen': 'apt-get install openssh-client',
      zip: 'apt-get install zip',
      unzip: 'apt-get install unzip',
    });
    for (const fix of lines.values())
      expect(fix).toMatch(/apt-get install |pip install |https:\/\/|^go install [\w./-]+@v[\d.]+$/);
  });

  it('refuses a qemu too old to run linux/386, saying which version it found', async () => {
    const bin = await tempDir();
    const qemu = path.join(bin, 'qemu-i386');
    await writeFile(qemu, "#!/bin/sh\necho 'qemu-i386 version 7.2.0 (Debian 1:7.2+dfsg-7)'\n");
    await chmod(qemu, 0o755);
    const result = await preflight([bin]);
    expect(missing(result.stderr).get('qemu-i386')).toBe(
      "is qemu 7, which crashes Go's linux/386 runtime; need 8 or newer: apt-get install -t bookworm-backports qemu-user",
    );
  });

  it('passes quietly on this machine, where .ci/run installed everything', async () => {
    const result = await runTool(process.execPath, [PREFLIGHT]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});

const WANTED = [
  'go',
  'readelf',
  'qemu-aarch64',
  'qemu-i386',
  'zig',
  'x86_64-w64-mingw32-gcc',
  'aarch64-linux-gnu-gcc',
  'gpg',
  'ssh-keygen',
  'zip',
  'unzip',
];
