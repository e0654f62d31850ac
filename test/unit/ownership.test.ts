import { createHash } from 'node:crypto';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { OWNERSHIP_FILE, Ownership } from '../../src/fs/ownership.js';
import { cleanupTemps, tempDir } from '../helpers/cli.js';

afterAll(cleanupTemps);

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const exists = (file: string) =>
  readFile(file).then(
    () => true,
    () => false,
  );

describe('the ownership journal', () => {
  it('records before, forgets after, and survives a run killed in the middle of an append', async () => {
    const dir = await tempDir();
    const owned = await Ownership.load(dir, 'dist');
    await owned.record('a', 'binary', sha('a'));
    await owned.record('sub/b', 'release', sha('b'));
    await writeFile(path.join(dir, 'a'), 'a');
    // A half-written last line, as SIGKILL during an append leaves it.
    await writeFile(path.join(dir, OWNERSHIP_FILE), '{"own":"c","kind":"bin', { flag: 'a' });
    const again = await Ownership.load(dir, 'dist');
    expect(again.paths()).toEqual(['a', 'sub/b']);
    const warnings: string[] = [];
    await again.remove('a', (m) => warnings.push(m));
    expect(await exists(path.join(dir, 'a'))).toBe(false);
    await again.compact();
    expect((await Ownership.load(dir, 'dist')).paths()).toEqual(['sub/b']);
    expect(warnings).toEqual([]);
  });

  it('refuses a forged line in one line naming the file and line, and never deletes without proof', async () => {
    const dir = await tempDir();
    for (const forged of [
      '{"own":"../victim","kind":"release","sha256":null}',
      '{"own":"/etc/passwd","kind":"release","sha256":null}',
      '{"own":"a\\nb","kind":"release","sha256":null}',
      '{"own":"a","kind":"shell","sha256":null}',
      '{"own":"a","kind":"release","sha256":"xyz"}',
      '[1,2]',
    ]) {
      await writeFile(path.join(dir, OWNERSHIP_FILE), `${forged}\n{"forget":"a"}\n`);
      const error = await Ownership.load(dir, 'dist').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toBe(
        'dist/.crossgo-owned:1: not a record crossgo writes: move the file away (crossgo then owns only what manifest.json lists)',
      );
    }
    // A record without a sha256, or with another one, deletes nothing.
    await writeFile(path.join(dir, 'notes.txt'), 'mine');
    await writeFile(path.join(dir, 'other.txt'), 'mine too');
    await writeFile(
      path.join(dir, OWNERSHIP_FILE),
      `{"own":"notes.txt","kind":"release","sha256":null}\n{"own":"other.txt","kind":"release","sha256":"${sha('x')}"}\n`,
    );
    const owned = await Ownership.load(dir, 'dist');
    const warnings: string[] = [];
    for (const rel of owned.paths('release')) await owned.remove(rel, (m) => warnings.push(m));
    expect(await readFile(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine');
    expect(await readFile(path.join(dir, 'other.txt'), 'utf8')).toBe('mine too');
    expect(warnings).toHaveLength(2);
    expect(owned.paths()).toEqual([]);
  });

  it('never deletes through a link, nor writes its journal through one', async () => {
    const dir = await tempDir();
    const elsewhere = await tempDir();
    await writeFile(path.join(elsewhere, 'x'), 'x');
    await symlink(elsewhere, path.join(dir, 'sub'));
    const owned = await Ownership.load(dir, 'dist');
    owned.adopt('sub/x', { kind: 'release', sha256: sha('x') });
    const warnings: string[] = [];
    await owned.remove('sub/x', (m) => warnings.push(m));
    expect(await readFile(path.join(elsewhere, 'x'), 'utf8')).toBe('x');
    expect(warnings[0]).toContain('dist/sub is a symbolic link');

    const other = await tempDir();
    await mkdir(path.join(other, 'd'));
    await symlink(path.join(elsewhere, 'journal'), path.join(other, 'd', OWNERSHIP_FILE));
    // A link where the journal should be is refused by name, and nothing is written through it.
    const linked = await Ownership.load(path.join(other, 'd'), 'd').catch((e: unknown) => e);
    expect(linked).toBeInstanceOf(UsageError);
    expect((linked as Error).message).toBe(
      'd/.crossgo-owned is a symbolic link: crossgo reads only real files here',
    );
    expect(await exists(path.join(elsewhere, 'journal'))).toBe(false);
  });
});
