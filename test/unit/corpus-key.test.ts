import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, rename, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTemps, FIXTURES, runTool, tempDir } from '../helpers/cli.js';
import { corpusBinary, corpusKey, fixtureDigest } from '../helpers/corpus.js';
import { goVersionM } from '../helpers/oracles.js';

afterAll(cleanupTemps);

/** A fresh copy of test/fixtures/greet. */
async function greetCopy(): Promise<string> {
  const dir = path.join(await tempDir('crossgo-corpus-key-'), 'greet');
  await cp(path.join(FIXTURES, 'greet'), dir, { recursive: true });
  return dir;
}

describe('fixtureDigest: the corpus cache is keyed by the fixture’s contents', () => {
  it('is the same for two copies of one fixture, wherever they are', async () => {
    const [a, b] = await Promise.all([greetCopy(), greetCopy()]);
    expect(a).not.toBe(b);
    expect(await fixtureDigest(a)).toBe(await fixtureDigest(b));
    expect(await fixtureDigest(a)).toBe(await fixtureDigest(path.join(FIXTURES, 'greet')));
  });

  it('changes with any edit, addition, removal, rename or link in the folder', async () => {
    const dir = await greetCopy();
    const seen = new Set([await fixtureDigest(dir)]);
    const expectNew = async (what: string) => {
      const digest = await fixtureDigest(dir);
      expect(seen.has(digest), what).toBe(false);
      seen.add(digest);
    };
    const main = path.join(dir, 'main.go');
    const source = await readFile(main, 'utf8');
    await writeFile(main, source.replace('package main', 'package main // edited'));
    await expectNew('one line of main.go edited');
    await writeFile(main, source);
    expect(seen.has(await fixtureDigest(dir)), 'restored: the first digest again').toBe(true);
    await mkdir(path.join(dir, 'sub'));
    await writeFile(path.join(dir, 'sub', 'x.go'), 'package sub\n');
    await expectNew('a file in a new sub-folder');
    await rename(path.join(dir, 'sub', 'x.go'), path.join(dir, 'sub', 'y.go'));
    await expectNew('the same bytes under another name');
    await symlink('y.go', path.join(dir, 'sub', 'z.go'));
    await expectNew('a symbolic link');
    await rm(path.join(dir, 'sub'), { recursive: true });
    expect(seen.has(await fixtureDigest(dir)), 'back to the fixture: its digest').toBe(true);
  });

  it('is a sha256 over path and bytes, not over names or times', async () => {
    const dir = path.join(await tempDir('crossgo-corpus-key-'), 'one');
    await mkdir(dir);
    await writeFile(path.join(dir, 'a'), 'hello');
    const expected = createHash('sha256').update('file\0a\x005\0').update('hello').digest('hex');
    expect(await fixtureDigest(dir)).toBe(expected);
  });
});

describe('corpusKey', () => {
  const base = {
    fixture: 'f'.repeat(64),
    goVersion: 'go1.25.4',
    args: ['build', '-trimpath'],
    env: { GOOS: 'linux' },
  };

  it('changes with the fixture, the Go release, the flags and the environment; not with the order of env keys', () => {
    const key = corpusKey(base);
    expect(corpusKey({ ...base, fixture: 'e'.repeat(64) })).not.toBe(key);
    expect(corpusKey({ ...base, goVersion: 'go1.25.5' })).not.toBe(key);
    expect(corpusKey({ ...base, args: [...base.args, '-ldflags=-s -w'] })).not.toBe(key);
    expect(corpusKey({ ...base, env: { GOOS: 'linux', GOAMD64: 'v3' } })).not.toBe(key);
    expect(corpusKey({ ...base, env: { A: '1', B: '2' } })).toBe(
      corpusKey({ ...base, env: { B: '2', A: '1' } }),
    );
  });
});

describe('corpusBinary', () => {
  it('a changed fixture copy is built anew (its own file, its own output), an unchanged copy reuses the binary', async () => {
    const spec = { goos: 'linux', goarch: 'amd64', strip: true } as const;
    const original = await corpusBinary(spec);
    const same = await greetCopy();
    expect(await corpusBinary({ ...spec, dir: same })).toBe(original);

    const changed = await greetCopy();
    const main = path.join(changed, 'main.go');
    await writeFile(main, `${await readFile(main, 'utf8')}\nfunc init() { println("changed fixture") }\n`);
    const rebuilt = await corpusBinary({ ...spec, dir: changed });
    expect(rebuilt).not.toBe(original);
    // The oracle: the binary itself, run, says which source it was built from.
    const run = await runTool(rebuilt, []);
    expect(run.stderr).toContain('changed fixture');
    expect((await runTool(original, [])).stderr).not.toContain('changed fixture');
  });

  it('a GOAMD64 (or GOARM, GOEXPERIMENT …) in the shell does not leak into the build: the key says all that counts', async () => {
    const dir = await greetCopy();
    // A file of its own, so this copy's key is new and the binary is built here, not reused.
    await writeFile(
      path.join(dir, 'leak.go'),
      `package main\n\nconst leakTest = "${process.pid}-${Date.now()}"\n`,
    );
    const saved = process.env.GOAMD64;
    process.env.GOAMD64 = 'v3';
    let file: string;
    try {
      file = await corpusBinary({ goos: 'linux', goarch: 'amd64', strip: true, dir });
    } finally {
      if (saved === undefined) delete process.env.GOAMD64;
      else process.env.GOAMD64 = saved;
    }
    // The oracle: what go itself recorded in the binary.
    expect((await goVersionM(file)).get('GOAMD64')).toBe('v1');
  });
});
