import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/pipeline/manifest.js';
import { binaries } from '../../src/pipeline/manifest.js';
import { COMMIT_DATE, cleanupTemps, crossgo, fixtureRepo, runTool, testEnv } from '../helpers/cli.js';
import { fileType, goVersionM, readelf } from '../helpers/oracles.js';

/** Each target, what `file` must say, and for ELF what readelf must say. */
const EXPECTED: Record<string, { file: RegExp; elf?: { class: string; machine: RegExp } }> = {
  'linux/amd64': {
    file: /^ELF 64-bit LSB executable, x86-64.*statically linked/,
    elf: { class: 'ELF64', machine: /X86-64/ },
  },
  'linux/amd64/v3': {
    file: /^ELF 64-bit LSB executable, x86-64/,
    elf: { class: 'ELF64', machine: /X86-64/ },
  },
  'linux/arm64': {
    file: /^ELF 64-bit LSB executable, ARM aarch64.*statically linked/,
    elf: { class: 'ELF64', machine: /AArch64/ },
  },
  'linux/386': {
    file: /^ELF 32-bit LSB executable, Intel (80386|i386).*statically linked/,
    elf: { class: 'ELF32', machine: /Intel 80386/ },
  },
  'linux/arm/6': { file: /^ELF 32-bit LSB executable, ARM, EABI5/, elf: { class: 'ELF32', machine: /ARM/ } },
  'darwin/amd64': { file: /^Mach-O 64-bit x86_64 executable/ },
  'darwin/arm64': { file: /^Mach-O 64-bit arm64 executable/ },
  'windows/386': { file: /^PE32 executable \(console\) Intel 80386/ },
  'windows/amd64': { file: /^PE32\+ executable \(console\) x86-64/ },
};
const TARGETS = Object.keys(EXPECTED);

let dir: string;
let commit: string;
let manifest: Manifest;
let result: Awaited<ReturnType<typeof crossgo>>;

beforeAll(async () => {
  ({ dir, commit } = await fixtureRepo('greet'));
  result = await crossgo(['build', '-t', TARGETS.join(','), '--json'], { cwd: dir, env: testEnv() });
  if (result.code !== 0) throw new Error(`crossgo build failed (${result.code}): ${result.stderr}`);
  manifest = JSON.parse(result.stdout) as Manifest;
});
afterAll(cleanupTemps);

const dist = () => path.join(dir, 'dist');
const artifact = (target: string) => {
  const found = binaries(manifest).find((a) => a.target === target);
  if (!found) throw new Error(`no artifact for ${target}`);
  return found;
};

describe('crossgo build for a matrix of targets', () => {
  it('prints only the manifest on stdout with --json, every target built', async () => {
    expect(manifest.complete).toBe(true);
    expect(manifest.failures).toEqual([]);
    expect(binaries(manifest).map((a) => a.target)).toEqual(TARGETS);
    const onDisk = JSON.parse(await readFile(path.join(dist(), 'manifest.json'), 'utf8')) as Manifest;
    expect(onDisk).toEqual(manifest);
  });

  it('names artifacts <name>-<goos>-<goarch>[-<variant>][.exe]', () => {
    expect(artifact('linux/amd64').path).toBe('greet-linux-amd64');
    expect(artifact('linux/amd64/v3').path).toBe('greet-linux-amd64-v3');
    expect(artifact('linux/arm/6').path).toBe('greet-linux-arm-6');
    expect(artifact('windows/386').path).toBe('greet-windows-386.exe');
  });

  it('records size and sha256 that match the files', async () => {
    for (const a of binaries(manifest)) {
      const bytes = await readFile(path.join(dist(), a.path));
      expect(a.size, a.target).toBe(bytes.length);
      expect(a.sha256, a.target).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(a.durationMs).toBeGreaterThan(0);
      expect(a.goVersion).toMatch(/^go1\.\d+/);
    }
  });

  it('records the exact go argv and the environment crossgo set', () => {
    const a = artifact('linux/amd64/v3');
    expect(a.argv).toEqual([
      'go',
      'build',
      '-trimpath',
      `-ldflags=-s -w -X main.version=1.2.3 -X main.commit=${commit} -X main.date=${COMMIT_DATE}`,
      '-o',
      'dist/greet-linux-amd64-v3',
      'example.com/greet',
    ]);
    expect(a.env).toEqual({ GOOS: 'linux', GOARCH: 'amd64', CGO_ENABLED: '0', GOAMD64: 'v3' });
    expect(manifest.source).toMatchObject({
      version: 'v1.2.3',
      commit,
      date: COMMIT_DATE,
      dateSource: 'commit',
      dirty: false,
    });
  });

  it.each(TARGETS)('%s is the binary it claims to be (file, readelf)', async (target) => {
    const file = path.join(dist(), artifact(target).path);
    const expected = EXPECTED[target] as (typeof EXPECTED)[string];
    expect(await fileType(file)).toMatch(expected.file);
    if (expected.elf) {
      const header = await readelf(['-h'], file);
      expect(header).toMatch(new RegExp(`Class:\\s+${expected.elf.class}`));
      expect(header).toMatch(expected.elf.machine);
      const segments = await readelf(['-l'], file);
      expect(segments, 'CGO_ENABLED=0 gives a static binary: no interpreter').not.toMatch(/INTERP/);
    }
    const mode = (await stat(file)).mode;
    expect(mode & 0o111, 'executable bits').not.toBe(0);
  });

  it('go version -m reads back the settings crossgo asked for', async () => {
    const v3 = await goVersionM(path.join(dist(), artifact('linux/amd64/v3').path));
    expect(v3.get('GOAMD64')).toBe('v3');
    expect(v3.get('CGO_ENABLED')).toBe('0');
    expect(v3.get('-trimpath')).toBe('true');
    expect(v3.get('GOOS')).toBe('linux');
    const arm = await goVersionM(path.join(dist(), artifact('linux/arm/6').path));
    expect(arm.get('GOARM')).toBe('6');
    const win = await goVersionM(path.join(dist(), artifact('windows/386').path));
    expect(win.get('GOARCH')).toBe('386');
  });

  it('runs natively and under qemu-user, printing the injected version (without its v) and commit', async () => {
    const expectLine = (goarch: string) =>
      `greet version=1.2.3 commit=${commit} date=${COMMIT_DATE} edition=community flavour=plain platform=linux/${goarch} env=`;
    const native = await runTool(path.join(dist(), 'greet-linux-amd64'), []);
    expect(native.stdout.trim()).toBe(expectLine('amd64'));
    const arm64 = await runTool('qemu-aarch64', [path.join(dist(), 'greet-linux-arm64')]);
    expect(arm64.stdout.trim()).toBe(expectLine('arm64'));
    const i386 = await runTool('qemu-i386', [path.join(dist(), 'greet-linux-386')]);
    expect(i386.stdout.trim()).toBe(expectLine('386'));
    const arm = await runTool('qemu-arm', [path.join(dist(), 'greet-linux-arm-6')]);
    expect(arm.stdout.trim()).toBe(expectLine('arm'));
  });

  it('writes SHA256SUMS that sha256sum -c accepts', async () => {
    const check = await runTool('sha256sum', ['-c', '--strict', 'SHA256SUMS'], { cwd: dist() });
    expect(check.code, check.stderr).toBe(0);
    for (const a of binaries(manifest)) expect(check.stdout).toContain(`${a.path}: OK`);
  });

  it('leaves no temporary file in the output folder', async () => {
    const files = await readdir(dist());
    expect(files.filter((f) => f.includes('crossgo-tmp'))).toEqual([]);
    expect(files.sort()).toEqual(
      [...binaries(manifest).map((a) => a.path), '.crossgo-owned', 'SHA256SUMS', 'manifest.json'].sort(),
    );
  });
});
