import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitCodeFor, ManifestError, UsageError } from '../../src/errors.js';
import { relativePathProblem } from '../../src/fs/confine.js';
import { binaries, type Manifest } from '../../src/pipeline/manifest.js';
import type { ManifestV1 } from '../../src/pipeline/manifestV1.js';
import { MAX_MANIFEST_BYTES, parseManifest, readManifest } from '../../src/pipeline/readManifest.js';
import { manifestValidator } from '../helpers/manifestSchema.js';
import { mulberry32 } from '../helpers/prng.js';

const HINT = ' (not as crossgo wrote it: build again into an empty output folder)';
const SHOWN = 'dist/manifest.json';
const hex = (c: string) => c.repeat(64);

/**
 * A manifest of schemaVersion 2: a binary with its checks, then an archive of it and a
 * checksums file over both, a cgo failure, a release.
 */
function validManifest(): Manifest {
  const v1 = validV1Manifest();
  const [binary] = v1.artifacts;
  return {
    schemaVersion: 2,
    crossgo: v1.crossgo,
    complete: v1.complete,
    verified: v1.verified,
    project: v1.project,
    toolchain: v1.toolchain,
    source: v1.source,
    settings: v1.settings,
    artifacts: [
      {
        kind: 'binary',
        target: 'linux/amd64/v3',
        goos: 'linux',
        goarch: 'amd64',
        variant: 'v3',
        path: 'sub/greet-linux-amd64',
        size: 1593506,
        sha256: hex('a'),
        from: [],
        durationMs: 803,
        goVersion: 'go1.26.8',
        argv: binary?.argv ?? [],
        env: { GOOS: 'linux', GOARCH: 'amd64', CGO_ENABLED: '0', GOAMD64: 'v3' },
        cgo: { enabled: false, mode: 'off', packages: [], static: false, compiler: null },
        verification: {
          ok: true,
          checks: [
            { name: 'format', status: 'pass', detail: 'elf' },
            { name: 'go-version', status: 'skip', detail: 'no minimum asked (--min-go)' },
          ],
        },
        inputs: hex('d'),
      },
      {
        kind: 'archive',
        path: 'greet_1.2.3_linux_amd64_v3.tar.gz',
        size: 721039,
        sha256: hex('b'),
        target: 'linux/amd64/v3',
        from: ['sub/greet-linux-amd64'],
      },
      {
        kind: 'checksums',
        path: 'greet_1.2.3_checksums.txt',
        size: 174,
        sha256: hex('c'),
        from: ['greet_1.2.3_linux_amd64_v3.tar.gz', 'sub/greet-linux-amd64'],
      },
    ],
    failures: v1.failures,
    release: {
      mtime: '2024-05-06T07:08:09.000Z',
      mtimeSource: 'commit',
      checksum: 'sha256',
      signature: null,
    },
  };
}

/** A manifest of schemaVersion 1 (crossgo before the one artifact list): binaries, and release.files. */
function validV1Manifest(): ManifestV1 {
  const argv = [
    'go',
    'build',
    '-trimpath',
    '-ldflags=-s -w',
    '-o',
    'dist/greet-linux-amd64',
    'example.com/greet',
  ];
  return {
    schemaVersion: 1,
    crossgo: '0.1.0',
    complete: false,
    verified: false,
    project: { module: 'example.com/greet', package: '.', importPath: 'example.com/greet', name: 'greet' },
    toolchain: {
      goVersion: 'go1.26.8',
      hostOs: 'linux',
      hostArch: 'amd64',
      goflags: '',
      goexperiment: '',
      gotoolchain: '',
    },
    source: {
      version: 'v1.2.3',
      commit: '707af4201daaf6015d47c8fd127bc246a2234cc8',
      date: '2024-05-06T07:08:09Z',
      dateSource: 'commit',
      dirty: false,
    },
    settings: { trimpath: true, strip: true, outputTemplate: '{name}-{goos}-{goarch}{-variant}{ext}' },
    artifacts: [
      {
        kind: 'binary',
        target: 'linux/amd64/v3',
        goos: 'linux',
        goarch: 'amd64',
        variant: 'v3',
        path: 'sub/greet-linux-amd64',
        size: 1593506,
        sha256: hex('a'),
        durationMs: 803,
        goVersion: 'go1.26.8',
        argv,
        env: { GOOS: 'linux', GOARCH: 'amd64', CGO_ENABLED: '0', GOAMD64: 'v3' },
        cgo: { enabled: false, mode: 'off', packages: [], static: false, compiler: null },
        verification: {
          ok: true,
          checks: [
            { name: 'format', status: 'pass', detail: 'elf' },
            { name: 'go-version', status: 'skip', detail: 'no minimum asked (--min-go)' },
          ],
        },
      },
    ],
    failures: [
      {
        target: 'linux/arm64',
        excerpt: 'cc: not found',
        exitCode: 1,
        argv,
        env: { GOOS: 'linux', GOARCH: 'arm64', CGO_ENABLED: '1', CC: 'zig cc -target aarch64-linux-musl' },
        cgo: {
          enabled: true,
          mode: 'auto',
          packages: ['example.com/greet/c'],
          static: true,
          compiler: {
            kind: 'zig',
            cc: 'zig cc -target aarch64-linux-musl',
            cxx: null,
            version: '0.13.0',
            triple: 'aarch64-linux-musl',
            flags: [],
          },
        },
      },
    ],
    release: {
      mtime: '2024-05-06T07:08:09.000Z',
      mtimeSource: 'commit',
      checksum: 'sha256',
      signature: null,
      files: [
        {
          kind: 'archive',
          path: 'greet_1.2.3_linux_amd64_v3.tar.gz',
          size: 721039,
          sha256: hex('b'),
          target: 'linux/amd64/v3',
          of: ['sub/greet-linux-amd64'],
        },
        {
          kind: 'checksums',
          path: 'greet_1.2.3_checksums.txt',
          size: 174,
          sha256: hex('c'),
          of: ['greet_1.2.3_linux_amd64_v3.tar.gz', 'sub/greet-linux-amd64'],
        },
      ],
    },
  };
}

/** The message parseManifest gives for a mutated valid manifest (fails the test when it accepts it). */
function problem(mutate: (m: Manifest & Record<string, unknown>) => unknown): string {
  return problemOf(validManifest(), mutate);
}

function problemOf<M>(valid: M, mutate: (m: M & Record<string, unknown>) => unknown): string {
  const m = valid as M & Record<string, unknown>;
  const replaced = mutate(m);
  const text = JSON.stringify(replaced === undefined ? m : replaced);
  try {
    parseManifest(text, SHOWN);
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message.endsWith(HINT)).toBe(true);
    return message.slice(0, -HINT.length);
  }
  throw new Error('the mutated manifest was accepted');
}

type Loose = Record<string, unknown>;
const artifact0 = (m: Manifest) => m.artifacts[0] as unknown as Loose;
const artifactAt = (m: Manifest, i: number) => m.artifacts[i] as unknown as Loose;

describe('the manifest schema', () => {
  it('accepts a manifest of schemaVersion 2, and one without a release or artifacts', () => {
    const m = validManifest();
    expect(parseManifest(JSON.stringify(m), SHOWN)).toEqual(m);
    const { release: _, ...built } = m;
    expect(parseManifest(JSON.stringify({ ...built, artifacts: [] }), SHOWN).artifacts).toEqual([]);
  });

  it('accepts the kinds reserved for later (debug, provenance) and changelog with the common fields', () => {
    const m = validManifest();
    for (const kind of ['debug', 'provenance', 'changelog'] as const) {
      m.artifacts.push({
        kind,
        path: `x.${kind}`,
        size: 1,
        sha256: hex('e'),
        from: ['sub/greet-linux-amd64'],
      });
    }
    expect(parseManifest(JSON.stringify(m), SHOWN)).toEqual(m);
  });

  it('accepts a Linux package and the images of an OCI layout with their own fields', () => {
    const m = validManifest();
    m.artifacts.push(
      {
        kind: 'package',
        path: 'greet_1.2.3-1_amd64.deb',
        size: 10,
        sha256: hex('d'),
        target: 'linux/amd64',
        from: ['sub/greet-linux-amd64'],
        format: 'deb',
        name: 'greet',
        version: '1.2.3-1',
        arch: 'amd64',
        signed: false,
      },
      {
        kind: 'image',
        path: `image/blobs/sha256/${hex('c')}`,
        size: 500,
        sha256: hex('c'),
        target: 'linux/amd64',
        from: ['sub/greet-linux-amd64'],
        role: 'manifest',
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: `sha256:${hex('c')}`,
        platform: { os: 'linux', architecture: 'amd64' },
        pushed: [{ repository: 'localhost:5000/greet', tags: [] }],
      },
    );
    expect(parseManifest(JSON.stringify(m), SHOWN)).toEqual(m);
    // The common fields alone are no longer enough for them.
    const bare = validManifest();
    bare.artifacts.push({ kind: 'image', path: 'x', size: 1, sha256: hex('e'), from: [] } as never);
    expect(() => parseManifest(JSON.stringify(bare), SHOWN)).toThrow(/image|role|mediaType|digest|pushed/);
  });

  it.each<[string, (m: Manifest & Loose) => unknown, string]>([
    [
      'a number for a path',
      (m) => {
        artifact0(m).path = 42;
      },
      '/artifacts/0/path: expected a string, got 42',
    ],
    [
      'null for an artifact',
      (m) => {
        m.artifacts = [null as never];
      },
      '/artifacts/0: expected an object, got null',
    ],
    [
      'no sha256',
      (m) => {
        delete artifact0(m).sha256;
      },
      '/artifacts/0/sha256: missing (a required key)',
    ],
    [
      'a sha256 that is not hex',
      (m) => {
        artifact0(m).sha256 = 'xyz';
      },
      '/artifacts/0/sha256: expected a sha256: 64 lowercase hex digits, got "xyz"',
    ],
    [
      'an uppercase sha256',
      (m) => {
        artifact0(m).sha256 = hex('A');
      },
      `/artifacts/0/sha256: expected a sha256: 64 lowercase hex digits, got "${'A'.repeat(40)}"…`,
    ],
    [
      'a path out with ..',
      (m) => {
        artifact0(m).path = '../x';
      },
      '/artifacts/0/path: "../x" climbs out with "..": expected a plain relative path inside the output folder',
    ],
    [
      'an absolute path',
      (m) => {
        artifact0(m).path = '/etc/passwd';
      },
      '/artifacts/0/path: "/etc/passwd" is an absolute path: expected a plain relative path inside the output folder',
    ],
    [
      'a path with a newline',
      (m) => {
        artifact0(m).path = 'greet\nforged  line';
      },
      '/artifacts/0/path: "greet\\nforged  line" holds a control character: expected a plain relative path inside the output folder',
    ],
    [
      'a from made of a "." segment',
      (m) => {
        (artifactAt(m, 2).from as string[])[1] = 'sub/./greet';
      },
      '/artifacts/2/from/1: "sub/./greet" has an empty or "." segment: expected a plain relative path inside the output folder',
    ],
    [
      'a from naming no artifact of the list',
      (m) => {
        artifactAt(m, 1).from = ['greet-linux-arm64'];
      },
      '/artifacts/1/from/0: "greet-linux-arm64" is not the path of an artifact in this manifest',
    ],
    [
      'a binary without from',
      (m) => {
        delete artifact0(m).from;
      },
      '/artifacts/0/from: missing (a required key)',
    ],
    [
      'inputs that are not a sha256',
      (m) => {
        artifact0(m).inputs = 'abc';
      },
      '/artifacts/0/inputs: expected a sha256: 64 lowercase hex digits, got "abc"',
    ],
    [
      'an unknown kind',
      (m) => {
        artifactAt(m, 1).kind = 'tarball';
      },
      '/artifacts/1/kind: expected an artifact kind: binary, archive, checksums, signature, sbom, universal, source, changelog, package, image (and, reserved for later, debug, provenance), got "tarball"',
    ],
    [
      'no kind',
      (m) => {
        delete artifactAt(m, 1).kind;
      },
      '/artifacts/1/kind: missing (a required key)',
    ],
    [
      'a binary’s field on an archive',
      (m) => {
        artifactAt(m, 1).goos = 'linux';
      },
      '/artifacts/1/goos: unknown key (expected one of kind, path, size, sha256, target, from)',
    ],
    [
      'an archive without a sha256',
      (m) => {
        delete artifactAt(m, 1).sha256;
      },
      '/artifacts/1/sha256: missing (a required key)',
    ],
    [
      'a binary without its goos',
      (m) => {
        delete artifact0(m).goos;
      },
      '/artifacts/0/goos: missing (a required key)',
    ],
    [
      'a reserved kind with a field of its own (later versions add them)',
      (m) => {
        m.artifacts.push({
          kind: 'debug',
          path: 'x.debug',
          size: 1,
          sha256: hex('e'),
          from: [],
          dwarf: 5,
        } as never);
      },
      '/artifacts/3/dwarf: unknown key (expected one of kind, path, size, sha256, target, from)',
    ],
    [
      'a file list in the release',
      (m) => {
        (m.release as unknown as Loose).files = [];
      },
      '/release/files: unknown key (expected one of mtime, mtimeSource, checksum, signature)',
    ],
    [
      'a string over its limit',
      (m) => {
        m.project.importPath = 'x'.repeat(4097);
      },
      '/project/importPath: expected at most 4096 characters, got 4097',
    ],
    [
      'a check detail over 64 KiB',
      (m) => {
        binaries(m)[0]?.verification?.checks.push({ name: 'x', status: 'fail', detail: 'y'.repeat(65537) });
      },
      '/artifacts/0/verification/checks/2/detail: expected at most 65536 characters, got 65537',
    ],
    [
      'an argv over 4096 items',
      (m) => {
        artifact0(m).argv = Array.from({ length: 4097 }, () => 'x');
      },
      '/artifacts/0/argv: expected at most 4096 items, got 4097',
    ],
    [
      'more than 100000 artifacts',
      (m) => {
        m.artifacts = Array.from({ length: 100001 }, () => null as never);
      },
      '/artifacts: expected at most 100000 items, got 100001',
    ],
    [
      'more than 1024 environment variables',
      (m) => {
        artifact0(m).env = Object.fromEntries(Array.from({ length: 1025 }, (_, i) => [`V${i}`, '']));
      },
      '/artifacts/0/env: expected at most 1024 keys, got 1025',
    ],
    [
      'an unknown key',
      (m) => {
        artifact0(m).sha265 = hex('a');
      },
      '/artifacts/0/sha265: unknown key, did you mean sha256?',
    ],
    [
      'an unknown top-level key',
      (m) => {
        m.extra = true;
      },
      '/extra: unknown key (expected one of schemaVersion, crossgo, complete, verified, project, toolchain, source, settings, artifacts, failures, shard, release)',
    ],
    [
      'an environment name with a newline',
      (m) => {
        (artifact0(m).env as Loose)['A\nB'] = 'x';
      },
      '/artifacts/0/env/"A\\nB": bad key: expected an environment variable name (letters, digits and _, at most 256 characters)',
    ],
    [
      'a negative size',
      (m) => {
        artifact0(m).size = -1;
      },
      '/artifacts/0/size: expected a size in bytes: at least 0, got -1',
    ],
    [
      'a fractional size',
      (m) => {
        artifact0(m).size = 1.5;
      },
      '/artifacts/0/size: expected an integer, got 1.5',
    ],
    [
      'a target that is not goos/goarch',
      (m) => {
        artifact0(m).target = 'linux';
      },
      '/artifacts/0/target: expected a target goos/goarch[/variant], e.g. linux/amd64 or linux/amd64/v3, got "linux"',
    ],
    [
      'a target that is not its goos/goarch',
      (m) => {
        artifact0(m).target = 'linux/arm64';
      },
      '/artifacts/0/target: "linux/arm64" does not match goos, goarch and variant (linux/amd64/v3)',
    ],
    [
      'an artifact listed twice',
      (m) => {
        m.artifacts.push(structuredClone(m.artifacts[0] as never));
      },
      '/artifacts/3/path: path "sub/greet-linux-amd64" is listed twice (also at /artifacts/0/path)',
    ],
    [
      'an archive at a binary’s path',
      (m) => {
        artifactAt(m, 1).path = 'sub/greet-linux-amd64';
      },
      '/artifacts/1/path: path "sub/greet-linux-amd64" is listed twice (also at /artifacts/0/path)',
    ],
    [
      'another schema version',
      (m) => {
        m.schemaVersion = 3 as 2;
      },
      '/schemaVersion: expected schemaVersion 2 (crossgo also reads 1, and converts it), got 3',
    ],
    [
      'a version that would make a folder of a release name',
      (m) => {
        m.source.version = 'a/../../x';
      },
      '/source/version: expected at most 64 printable ASCII characters without space, "/" or "\\" (it becomes part of release file names), got "a/../../x"',
    ],
    [
      'an unknown signature',
      (m) => {
        (m.release as unknown as Loose).signature = 'pgp';
      },
      '/release/signature: expected one of "gpg", "ssh", null, got "pgp"',
    ],
    ['an array for the manifest', () => [], '(top level): expected an object, got an array'],
  ])('refuses %s, naming the JSON path', (_, mutate, message) => {
    expect(problem(mutate)).toBe(`${SHOWN}: ${message}`);
  });

  it('reports a JSON syntax error with its line and column, on one line', () => {
    const text = JSON.stringify(validManifest(), null, 2).replace('"complete": false,', '"complete": false');
    const line = text.split('\n').findIndex((l) => l.includes('"verified"')) + 1;
    expect(() => parseManifest(text, SHOWN)).toThrow(
      `${SHOWN}: line ${line}, column 3: not valid JSON: expected "," or "}", found "\\""${HINT}`,
    );
    expect(() => parseManifest('{"a": "x\ny"}', SHOWN)).toThrow(
      `${SHOWN}: line 1, column 9: not valid JSON: a control character inside a string (escape it, e.g. \\n)${HINT}`,
    );
    expect(() => parseManifest(Buffer.from([0x7b, 0xff, 0x7d]), SHOWN)).toThrow(
      `${SHOWN}: (top level): not UTF-8 text${HINT}`,
    );
    // Nesting deeper than any recursion could follow is an error, not a crash.
    const deep = `${'['.repeat(200000)}${']'.repeat(199999)}`;
    expect(() => parseManifest(deep, SHOWN)).toThrow(`line 1, column 400000: not valid JSON: unexpected end`);
  });

  it('is a usage error (exit 2)', () => {
    const error = new ManifestError(SHOWN, '/x', 'y');
    expect(error).toBeInstanceOf(UsageError);
    expect(exitCodeFor(error)).toBe(2);
  });

  it('says what crossgo’s relative-path format says, in its pattern, for other validators', () => {
    const schema = JSON.parse(
      readFileSync(new URL('../../schema/manifest.schema.json', import.meta.url), 'utf8'),
    );
    const pattern = new RegExp(schema.definitions.relativePath.pattern, 'u');
    const rand = mulberry32(0x5eed);
    const alphabet = ['a', 'b', '.', '/', '\\', '\n', '\u0000', '\u007f', ' ', 'é', '~', '-'];
    const samples = [
      'a',
      'a/b',
      '.a',
      'a.',
      '..a',
      'a..',
      '...',
      '.',
      '..',
      '/',
      'a/',
      '/a',
      'a//b',
      'a/./b',
      'a/../b',
    ];
    for (let i = 0; i < 20000; i++) {
      const length = 1 + Math.floor(rand() * 8);
      samples.push(Array.from({ length }, () => alphabet[Math.floor(rand() * alphabet.length)]).join(''));
    }
    for (const sample of samples) {
      expect(pattern.test(sample), JSON.stringify(sample)).toBe(relativePathProblem(sample) === null);
    }
  });
});

describe('a manifest of schemaVersion 1', () => {
  const FIXTURE = new URL('../fixtures/manifest-v1/dist/manifest.json', import.meta.url);

  it('as crossgo 8ead8a6 wrote it (build, then package --universal --sign gpg): read and converted to the one list', () => {
    const text = readFileSync(FIXTURE, 'utf8');
    // The oracle is the file itself, read as plain JSON: every fact of it is in the conversion.
    const raw = JSON.parse(text) as ManifestV1;
    expect(raw.schemaVersion).toBe(1);
    expect(raw.release?.files.length).toBe(13);
    const m = parseManifest(text, SHOWN);
    expect(m.schemaVersion).toBe(2);
    const { schemaVersion: _a, artifacts: _b, release: rawRelease, ...rawFacts } = raw;
    const { schemaVersion: _c, artifacts, release, ...facts } = m;
    expect(facts).toEqual(rawFacts);
    const { files, ...releaseFacts } = rawRelease as NonNullable<ManifestV1['release']>;
    expect(release).toEqual(releaseFacts);
    expect(artifacts).toEqual([
      ...raw.artifacts.map((a) => ({ ...a, from: [] })),
      ...files.map(({ of, ...f }) => ({ ...f, from: of })),
    ]);
    expect(artifacts.map((a) => a.kind)).toEqual([
      ...Array(4).fill('binary'),
      'universal',
      ...Array(5).fill('archive'),
      ...Array(5).fill('sbom'),
      'checksums',
      'signature',
    ]);
    // The conversion is a valid schemaVersion 2 manifest, for a validator that is not crossgo's.
    const validate = manifestValidator();
    expect(validate(m), JSON.stringify(validate.errors)).toBe(true);
    expect(manifestValidator('manifest.v1.schema.json')(raw)).toBe(true);
  });

  it.each<[string, (m: ManifestV1 & Loose) => unknown, string]>([
    [
      'a release file made of a "." segment',
      (m) => {
        ((m.release?.files ?? [])[1] as { of: string[] }).of[1] = 'sub/./greet';
      },
      '/release/files/1/of/1: "sub/./greet" has an empty or "." segment: expected a plain relative path inside the output folder',
    ],
    [
      'a release file that is an artifact',
      (m) => {
        ((m.release?.files ?? [])[0] as { path: string }).path = 'sub/greet-linux-amd64';
      },
      '/release/files/0/path: path "sub/greet-linux-amd64" is listed twice (also at /artifacts/0/path)',
    ],
    [
      'a v2 field in a v1 artifact',
      (m) => {
        (m.artifacts[0] as unknown as Loose).from = [];
      },
      '/artifacts/0/from: unknown key (expected one of kind, target, goos, goarch, variant, path, size, sha256, durationMs, goVersion, argv, env, cgo, verification)',
    ],
    [
      'a target that is not its goos/goarch',
      (m) => {
        (m.artifacts[0] as unknown as Loose).target = 'linux/arm64';
      },
      '/artifacts/0/target: "linux/arm64" does not match goos, goarch and variant (linux/amd64/v3)',
    ],
  ])('refuses %s, pointing into the file as written', (_, mutate, message) => {
    expect(problemOf(validV1Manifest(), mutate)).toBe(`${SHOWN}: ${message}`);
  });
});

describe('readManifest', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'crossgo-manifest-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a valid file, and returns null only when the file does not exist', async () => {
    const file = path.join(dir, 'manifest.json');
    await writeFile(file, `${JSON.stringify(validManifest(), null, 2)}\n`);
    expect(await readManifest(file)).toEqual(validManifest());
    expect(await readManifest(path.join(dir, 'missing.json'))).toBeNull();
    expect(await readManifest(path.join(dir, 'no-folder', 'manifest.json'))).toBeNull();
  });

  it('names the file as shown in a schema error', async () => {
    const file = path.join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ ...validManifest(), artifacts: [null] }));
    await expect(readManifest(file, 'out/manifest.json')).rejects.toThrow(
      `out/manifest.json: /artifacts/0: expected an object, got null${HINT}`,
    );
  });

  it('refuses a FIFO at once (no writer needed), a folder and a file over the size limit', async () => {
    const fifo = path.join(dir, 'fifo.json');
    execFileSync('mkfifo', [fifo]);
    await expect(readManifest(fifo, 'fifo.json')).rejects.toThrow(
      'fifo.json is a FIFO, not a regular file: crossgo reads only regular files',
    );
    const folder = path.join(dir, 'folder.json');
    await mkdir(folder);
    await expect(readManifest(folder, 'folder.json')).rejects.toThrow(
      'folder.json is a folder, not a regular file',
    );
    const huge = path.join(dir, 'huge.json');
    await writeFile(huge, '');
    await truncate(huge, MAX_MANIFEST_BYTES + 1);
    await expect(readManifest(huge, 'huge.json')).rejects.toThrow(
      `huge.json is ${MAX_MANIFEST_BYTES + 1} bytes, over the limit of ${MAX_MANIFEST_BYTES}`,
    );
  });

  it('refuses a path through a file as an I/O error, not as a missing file', async () => {
    const file = path.join(dir, 'plain');
    await writeFile(file, '');
    await expect(readManifest(path.join(file, 'manifest.json'), 'plain/manifest.json')).rejects.toThrow(
      'cannot read plain/manifest.json: a part of the path is not a folder (ENOTDIR)',
    );
  });
});
