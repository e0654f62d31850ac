import { execFileSync } from 'node:child_process';
import { mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CgoRecord } from '../../src/cgo/plan.js';
import {
  canonicalJson,
  digestOf,
  type Inputs,
  localModuleDirs,
  type ModuleInputsRequest,
  moduleInputs,
  targetInputs,
} from '../../src/stages/build/inputs.js';
import { WalkBudget, type WalkLimits, walkTree } from '../../src/stages/build/walk.js';
import { cleanupTemps, tempDir } from '../helpers/cli.js';

afterAll(cleanupTemps);

/** No racy window: these trees are made a moment before they are walked. */
const CALM: WalkLimits = { maxEntries: 1000, racyNs: 0n };
const budget = (limits: WalkLimits = CALM) => new WalkBudget(limits, BigInt(Date.now()) * 1_000_000n);
const digest = (inputs: Inputs) => ('digest' in inputs ? inputs.digest : `doubt: ${inputs.doubt}`);

describe('the canonical encoding', () => {
  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null } })).toBe('{"a":{"c":null,"d":[2,1]},"b":1}');
    expect(digestOf({ x: 1, y: 2 })).toBe(digestOf({ y: 2, x: 1 }));
    expect(digestOf({ x: [1, 2] })).not.toBe(digestOf({ x: [2, 1] }));
    expect(digestOf({ x: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('localModuleDirs', () => {
  it('reads local replacements and workspace uses, single and in blocks, and nothing else', () => {
    const mod = [
      'module example.com/app',
      'replace example.com/a => ../a // a comment',
      'replace example.com/b v1.0.0 => "./vendored/b"',
      'replace example.com/c => example.com/fork v1.2.3',
      'replace (',
      '\texample.com/d => /abs/d',
      '\texample.com/e => example.com/e2 v0.1.0',
      ')',
      '// replace example.com/f => ../f',
    ].join('\n');
    expect(localModuleDirs(mod, '/src/app')).toEqual(['/src/a', '/src/app/vendored/b', '/abs/d']);
    const work = 'go 1.22\n\nuse ./app\nuse (\n\t./lib\n\t../other\n)\nreplace example.com/x => ./x\n';
    expect(localModuleDirs(work, '/w')).toEqual(['/w/app', '/w/lib', '/other', '/w/x']);
  });
});

describe('walkTree', () => {
  let root: string;
  beforeAll(async () => {
    root = await tempDir('crossgo-walk-');
    await mkdir(path.join(root, 'pkg'));
    await mkdir(path.join(root, '.git'));
    await mkdir(path.join(root, 'dist'));
    await writeFile(path.join(root, 'main.go'), 'package main\n');
    await writeFile(path.join(root, 'pkg', 'p.go'), 'package pkg\n');
    await writeFile(path.join(root, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    await writeFile(path.join(root, 'dist', 'app'), 'built\n');
    await symlink('main.go', path.join(root, 'alias.go'));
  });

  it('lists every file and folder, sorted, without .git and the skipped output folder', async () => {
    const entries = await walkTree(root, [path.join(root, 'dist')], budget());
    if ('doubt' in entries) throw new Error(entries.doubt);
    expect(entries.map((e) => `${e.kind} ${e.path}`)).toEqual([
      'link alias.go',
      'file main.go',
      'dir pkg',
      'file pkg/p.go',
    ]);
    const link = entries[0];
    // A link is described by its text and by the file go reads through it.
    expect(link).toMatchObject({ kind: 'link', to: 'main.go', target: { size: '13' } });
  });

  it('sees an mtime change, and nothing in the output folder or another of crossgo', async () => {
    const before = await walkTree(root, [path.join(root, 'dist')], budget());
    await writeFile(path.join(root, 'dist', 'app'), 'built again, longer\n');
    expect(await walkTree(root, [path.join(root, 'dist')], budget())).toEqual(before);
    // dist/go1.26.8 of another release's build: a folder with crossgo's ownership journal.
    await mkdir(path.join(root, 'pkg', 'other'));
    await writeFile(path.join(root, 'pkg', 'other', '.crossgo-owned'), '');
    const withOther = await walkTree(root, [path.join(root, 'dist')], budget());
    await writeFile(path.join(root, 'pkg', 'other', 'app'), 'built by the other run\n');
    expect(await walkTree(root, [path.join(root, 'dist')], budget())).toEqual(withOther);
    await utimes(path.join(root, 'pkg', 'p.go'), new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect(await walkTree(root, [path.join(root, 'dist')], budget())).not.toEqual(withOther);
  });

  it('doubts a tree over the cap, a linked folder, and a file changed just now', async () => {
    expect(await walkTree(root, [], budget({ maxEntries: 3, racyNs: 0n }))).toEqual({
      doubt: 'more than 3 files to check',
    });
    const linked = await tempDir('crossgo-walk-link-');
    await symlink(root, path.join(linked, 'elsewhere'));
    expect(await walkTree(linked, [], budget())).toEqual({
      doubt: `${path.join(linked, 'elsewhere')} links to a folder`,
    });
    // Written now: within the racy window a second write could carry the same mtime.
    const fresh = await tempDir('crossgo-walk-fresh-');
    await writeFile(path.join(fresh, 'new.go'), 'package main\n');
    expect(await walkTree(fresh, [], budget({ maxEntries: 10, racyNs: 60_000_000_000n }))).toEqual({
      doubt: `${path.join(fresh, 'new.go')} changed just now`,
    });
  });
});

describe('targetInputs', () => {
  const off: CgoRecord = { enabled: false, mode: 'off', packages: [], static: false, compiler: null };
  const facts = {
    target: 'linux/amd64',
    outputRel: 'app-linux-amd64',
    importPath: 'example.com/app',
    packageDir: '/src/app',
    args: ['build', '-trimpath'],
    env: { GOOS: 'linux', GOARCH: 'amd64', CGO_ENABLED: '0' },
    cgo: off,
  };
  const module = { digest: 'a'.repeat(64) };

  it('changes with the module, the flags and the environment of the target', () => {
    const base = digest(targetInputs(module, facts));
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    expect(digest(targetInputs(module, { ...facts }))).toBe(base);
    expect(digest(targetInputs({ digest: 'b'.repeat(64) }, facts))).not.toBe(base);
    expect(digest(targetInputs(module, { ...facts, args: ['build'] }))).not.toBe(base);
    expect(digest(targetInputs(module, { ...facts, env: { ...facts.env, GOAMD64: 'v3' } }))).not.toBe(base);
    // Two builds of one config: the same module and flags, another main package.
    expect(digest(targetInputs(module, { ...facts, importPath: 'example.com/app/cmd/b' }))).not.toBe(base);
    expect(digest(targetInputs(module, { ...facts, packageDir: '/src/app/cmd/b' }))).not.toBe(base);
  });

  it('doubts a module doubt, and cgo with no known compiler version', () => {
    expect(targetInputs({ doubt: 'too many files' }, facts)).toEqual({ doubt: 'too many files' });
    const on: CgoRecord = {
      ...off,
      enabled: true,
      mode: 'on',
      compiler: { kind: 'host', cc: 'gcc', cxx: null, version: '', triple: null, flags: [] },
    };
    expect(targetInputs(module, { ...facts, cgo: on })).toHaveProperty('doubt');
    const known = {
      ...on,
      compiler: { ...(on.compiler as NonNullable<CgoRecord['compiler']>), version: 'gcc 12.2' },
    };
    expect(digest(targetInputs(module, { ...facts, cgo: known }))).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('moduleInputs', () => {
  const goEnv = JSON.parse(
    execFileSync('go', ['env', '-json', 'GOVERSION', 'GOROOT', 'GOHOSTOS', 'GOHOSTARCH', 'GOFLAGS'], {
      encoding: 'utf8',
    }),
  ) as Record<string, string>;
  let app: string;
  let request: ModuleInputsRequest;

  beforeAll(async () => {
    const top = await tempDir('crossgo-inputs-');
    app = path.join(top, 'app');
    await mkdir(path.join(top, 'dep'), { recursive: true });
    await mkdir(path.join(app, 'dist'), { recursive: true });
    await writeFile(
      path.join(app, 'go.mod'),
      'module example.com/app\n\ngo 1.21\n\nrequire example.com/dep v1.0.0\n\nreplace example.com/dep => ../dep\n',
    );
    await writeFile(path.join(app, 'main.go'), 'package main\n\nfunc main() {}\n');
    await writeFile(path.join(app, 'crossgo.yaml'), 'trimpath: true\n');
    await writeFile(path.join(top, 'dep', 'go.mod'), 'module example.com/dep\n\ngo 1.21\n');
    await writeFile(path.join(top, 'dep', 'dep.go'), 'package dep\n');
    request = {
      moduleRoot: app,
      outDirs: [path.join(app, 'dist')],
      goMod: path.join(app, 'go.mod'),
      goWork: null,
      configFile: path.join(app, 'crossgo.yaml'),
      goBinary: 'go',
      goEnv,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, GOENV: 'off', GOCACHE: '/tmp/one' },
      crossgoVersion: '0.1.0',
      shared: { importPath: 'example.com/app' },
    };
  });

  const inputs = (over: Partial<ModuleInputsRequest> = {}) =>
    moduleInputs({ ...request, ...over }, CALM).then(digest);

  it('is the same for the same facts, whatever the build cache or the output folder holds', async () => {
    const base = await inputs();
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    await writeFile(path.join(app, 'dist', 'app-linux-amd64'), 'anything');
    expect(await inputs({ env: { ...request.env, GOCACHE: '/tmp/two' } })).toBe(base);
  });

  it('changes with the environment go reads, the config, crossgo and a local replacement', async () => {
    const base = await inputs();
    expect(await inputs({ env: { ...request.env, GOFLAGS: '-tags=x' } })).not.toBe(base);
    expect(await inputs({ crossgoVersion: '0.2.0' })).not.toBe(base);
    expect(await inputs({ shared: { importPath: 'example.com/app/cmd' } })).not.toBe(base);
    await writeFile(path.join(app, 'crossgo.yaml'), 'trimpath: true # same settings, other text\n');
    const configChanged = await inputs();
    expect(configChanged).not.toBe(base);
    await utimes(path.join(app, '..', 'dep', 'dep.go'), new Date(2002, 2, 2), new Date(2002, 2, 2));
    expect(await inputs()).not.toBe(configChanged);
  });

  it('doubts a development toolchain and a go that is not on PATH', async () => {
    expect(
      await moduleInputs({ ...request, goEnv: { ...goEnv, GOVERSION: 'devel go1.27-abc' } }, CALM),
    ).toHaveProperty('doubt');
    expect(await moduleInputs({ ...request, env: { ...request.env, PATH: '/nonexistent' } }, CALM)).toEqual({
      doubt: 'cannot find go on PATH',
    });
  });
});
