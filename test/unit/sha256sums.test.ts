import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatSha256Sums } from '../../src/stages/checksum/sha256sums.js';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const LINE = /^[0-9a-f]{64} {2}\S(.*\S)?$/;

describe('formatSha256Sums', () => {
  it('is empty for no artifacts', () => {
    expect(formatSha256Sums([])).toBe('');
  });

  it('writes "<hex>  <path>\\n" per artifact, sorted by path in byte order', () => {
    const artifacts = [
      { path: 'b', sha256: sha256('b') },
      { path: 'a/z', sha256: sha256('a/z') },
      { path: 'B.exe', sha256: sha256('B') },
      { path: 'a', sha256: sha256('a') },
      { path: 'A', sha256: sha256('A') },
    ];
    const text = formatSha256Sums(artifacts);
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    for (const line of lines) expect(line).toMatch(LINE);
    expect(lines.map((l) => l.slice(66))).toEqual(['A', 'B.exe', 'a', 'a/z', 'b']);
    expect(text).toBe(
      `${sha256('A')}  A\n${sha256('B')}  B.exe\n${sha256('a')}  a\n${sha256('a/z')}  a/z\n${sha256('b')}  b\n`,
    );
    expect(artifacts[0]?.path).toBe('b');
  });
});

describe('formatSha256Sums against sha256sum -c', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'crossgo-sums-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function writeArtifacts() {
    const files: Record<string, Buffer> = {
      'hello-linux-amd64': Buffer.from('\x7fELF linux binary'),
      'hello-windows-386.exe': Buffer.from('MZ windows binary'),
      'hello-js-wasm.wasm': Buffer.from([0x00, 0x61, 0x73, 0x6d, 0xff, 0x00]),
      'v1/hello-darwin-arm64': Buffer.alloc(100_000, 7),
    };
    await mkdir(path.join(dir, 'v1'));
    for (const [name, data] of Object.entries(files)) await writeFile(path.join(dir, name), data);
    return Object.entries(files).map(([name, data]) => ({ path: name, sha256: sha256(data) }));
  }

  it('is accepted by the real sha256sum -c', async () => {
    const artifacts = await writeArtifacts();
    await writeFile(path.join(dir, 'SHA256SUMS'), formatSha256Sums(artifacts));
    const out = execFileSync('sha256sum', ['-c', '--strict', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' });
    expect(out.split('\n').filter(Boolean)).toEqual([
      'hello-js-wasm.wasm: OK',
      'hello-linux-amd64: OK',
      'hello-windows-386.exe: OK',
      'v1/hello-darwin-arm64: OK',
    ]);
  });

  it('matches what sha256sum itself prints', async () => {
    const artifacts = await writeArtifacts();
    const names = artifacts.map((a) => a.path).sort();
    const expected = execFileSync('sha256sum', ['--', ...names], { cwd: dir, encoding: 'utf8' });
    expect(formatSha256Sums(artifacts)).toBe(expected);
  });

  it('lets sha256sum -c catch a changed file', async () => {
    const artifacts = await writeArtifacts();
    await writeFile(path.join(dir, 'SHA256SUMS'), formatSha256Sums(artifacts));
    await writeFile(path.join(dir, 'hello-linux-amd64'), 'tampered');
    const result = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('hello-linux-amd64: FAILED');
    expect(result.stdout).toContain('hello-windows-386.exe: OK');
  });
});
