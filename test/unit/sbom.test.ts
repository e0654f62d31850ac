import { createHash } from 'node:crypto';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import ajvFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFacts } from '../../src/binary/read.js';
import { BufferSource } from '../../src/binary/source.js';
import type { BinaryFacts } from '../../src/binary/types.js';
import { UsageError } from '../../src/errors.js';
import {
  type CycloneDxBom,
  type CycloneDxComponent,
  cycloneDx,
  golangPurl,
  SBOM_UUID_NAMESPACE,
} from '../../src/release/sbom.js';
import { cleanupTemps, FIXTURES, fixtureRepo, REPO, runTool, tempDir, testEnv } from '../helpers/cli.js';
import { corpusBinary } from '../helpers/corpus.js';

/**
 * The CycloneDX SBOM of real Go binaries, checked against the official 1.6 JSON schema and,
 * module by module, against `go version -m`. The binaries with a dependency are built here
 * through a GOPROXY on disk (as test/e2e/modules.test.ts does): example.com/dep, and a fork of
 * it under a path with an uppercase letter, example.com/Fork, at a pseudo-version.
 */

const DEP = { path: 'example.com/dep', version: 'v1.0.0' };
const FORK = { path: 'example.com/Fork', version: 'v1.0.1-0.20240101000000-abcdef123456' };
const TIMESTAMP = '2024-05-06T07:08:09.000Z';

let modcache: string | undefined;
afterAll(async () => {
  // The module cache is read-only by design; go removes it properly.
  if (modcache)
    await runTool('go', ['clean', '-modcache'], { env: { ...process.env, GOMODCACHE: modcache } });
  await cleanupTemps();
});

/** Module path → the proxy's folder name: each uppercase letter is "!" + its lowercase (golang.org/x/mod/module EscapePath). */
const escapePath = (p: string) => p.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);

/** A GOPROXY on disk serving depsrc as `mod` at `version`, its go.mod saying `module example.com/dep`. */
async function serve(proxy: string, mod: { path: string; version: string }): Promise<void> {
  const at = path.join(proxy, escapePath(mod.path), '@v');
  await mkdir(at, { recursive: true });
  const stage = await tempDir('crossgo-zip-');
  const root = `${mod.path}@${mod.version}`;
  await cp(path.join(FIXTURES, 'depsrc'), path.join(stage, root), { recursive: true });
  const zip = await runTool('zip', ['-qrX', path.join(at, `${mod.version}.zip`), root], { cwd: stage });
  if (zip.code !== 0) throw new Error(zip.stderr);
  await writeFile(path.join(at, 'list'), `${mod.version}\n`);
  await writeFile(
    path.join(at, `${mod.version}.info`),
    JSON.stringify({ Version: mod.version, Time: '2024-01-01T00:00:00Z' }),
  );
  await cp(path.join(FIXTURES, 'depsrc', 'go.mod'), path.join(at, `${mod.version}.mod`));
}

interface Built {
  file: string;
  bytes: Uint8Array;
  facts: BinaryFacts;
  sha256: string;
}

async function load(file: string): Promise<Built> {
  const bytes = new Uint8Array(await readFile(file));
  return {
    file,
    bytes,
    facts: readFacts(new BufferSource(bytes)),
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

/** withdep with `replace` appended to go.mod (if any), go.sum made by `go mod tidy`, built for linux/amd64/v3. */
async function buildWithdep(dir: string, env: NodeJS.ProcessEnv, replace = ''): Promise<Built> {
  if (replace)
    await writeFile(
      path.join(dir, 'go.mod'),
      `${await readFile(path.join(dir, 'go.mod'), 'utf8')}\n${replace}\n`,
    );
  const tidy = await runTool('go', ['mod', 'tidy'], { cwd: dir, env });
  expect(tidy.code, tidy.stderr).toBe(0);
  const out = path.join(dir, 'out', 'withdep');
  const build = await runTool('go', ['build', '-trimpath', '-tags', 'netgo,osusergo', '-o', out, '.'], {
    cwd: dir,
    env: { ...env, GOOS: 'linux', GOARCH: 'amd64', GOAMD64: 'v3', CGO_ENABLED: '0' },
  });
  expect(build.code, build.stderr).toBe(0);
  return load(out);
}

/** `go version -m`, parsed: the oracle for what the build info holds. */
interface Oracle {
  goVersion: string;
  path: string;
  deps: {
    path: string;
    version: string;
    sum: string;
    replace?: { path: string; version: string; sum: string };
  }[];
  settings: [string, string][];
}

async function goVersionM(file: string): Promise<Oracle> {
  const result = await runTool('go', ['version', '-m', file]);
  expect(result.code, result.stderr).toBe(0);
  const [head = '', ...lines] = result.stdout.split('\n');
  const oracle: Oracle = {
    goVersion: head.slice(head.lastIndexOf(': ') + 2).trim(),
    path: '',
    deps: [],
    settings: [],
  };
  for (const line of lines) {
    const [, kind, a = '', b = '', c = ''] = line.split('\t');
    if (kind === 'path') oracle.path = a;
    if (kind === 'dep') oracle.deps.push({ path: a, version: b, sum: c });
    const last = oracle.deps.at(-1);
    if (kind === '=>' && last) last.replace = { path: a, version: b, sum: c };
    if (kind === 'build') {
      const field = line.slice('\tbuild\t'.length);
      const eq = field.indexOf('=');
      const value = field.slice(eq + 1);
      // Values with spaces or quotes are printed Go-quoted (runtime/debug quoteValue).
      oracle.settings.push([
        field.slice(0, eq),
        value.startsWith('"') ? (JSON.parse(value) as string) : value,
      ]);
    }
  }
  return oracle;
}

/** The official CycloneDX 1.6 schema, with the schemas it refers to, as cyclonedx-library's own validator loads them. */
async function bomSchema(): Promise<ValidateFunction> {
  const dir = path.join(REPO, 'node_modules', '@cyclonedx', 'cyclonedx-library', 'res', 'schema');
  const json = async (name: string) => JSON.parse(await readFile(path.join(dir, name), 'utf8')) as object;
  const ajv = new Ajv({
    // The official schema uses keywords and formats ajv's strict mode rejects ("meta:enum").
    strict: false,
    allErrors: true,
    addUsedSchema: false,
    loadSchema: (uri) => Promise.reject(new Error(`no remote schemas: ${uri}`)),
  });
  // ajv-formats is CommonJS: under NodeNext its default export is the module's `default`.
  ajvFormats.default(ajv);
  // Formats ajv-formats does not have: accepted, as cyclonedx-library does.
  ajv.addFormat('iri-reference', true);
  ajv.addFormat('idn-email', true);
  // The $ids the bom schema's relative $refs resolve to (spdx.SNAPSHOT.schema.json, …).
  for (const name of ['spdx', 'jsf-0.82', 'cryptography-defs']) {
    ajv.addSchema(
      await json(`${name}.SNAPSHOT.schema.json`),
      `http://cyclonedx.org/schema/${name}.SNAPSHOT.schema.json`,
    );
  }
  return ajv.compile(await json('bom-1.6.SNAPSHOT.schema.json'));
}

let validate: ValidateFunction;
beforeAll(async () => {
  validate = await bomSchema();
});

function expectValid(bom: CycloneDxBom): void {
  // Through JSON, as a consumer reads the file.
  const ok = validate(JSON.parse(JSON.stringify(bom)));
  expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
  expect(ok).toBe(true);
}

function sbom(
  built: Built,
  target: string,
  extra: { fileName?: string; timestamp?: string } = {},
): CycloneDxBom {
  return cycloneDx({
    facts: built.facts,
    fileName: extra.fileName ?? path.basename(built.file),
    sha256: built.sha256,
    target,
    timestamp: extra.timestamp ?? TIMESTAMP,
    toolVersion: '0.1.0',
  });
}

const h1Hex = (sum: string) => Buffer.from(sum.replace(/^h1:/, ''), 'base64').toString('hex');
/** The purl spelled out by hand: only `+` needs encoding in these paths and versions. */
const purlOf = (p: string, v?: string) =>
  `pkg:golang/${p}${v ? `@${v.replaceAll('+', '%2B')}` : ''}?type=module`;

/** The bom-refs are unique, every reference points at one, and the main component depends on every module. */
function expectGraph(bom: CycloneDxBom): void {
  const refs = [bom.metadata.component, ...bom.components].map((c) => c['bom-ref']);
  expect(new Set(refs).size).toBe(refs.length);
  const mainRef = bom.metadata.component['bom-ref'];
  expect(bom.dependencies).toEqual([{ ref: mainRef, dependsOn: bom.components.map((c) => c['bom-ref']) }]);
  for (const composition of bom.compositions)
    for (const ref of composition.dependencies) expect(refs).toContain(ref);
}

function property(component: CycloneDxComponent, name: string): string[] {
  return (component.properties ?? []).filter((p) => p.name === name).map((p) => p.value);
}

/** The property name each `go version -m` build key must have (cyclonedx-gomod's names, the taxonomy's cdx:gomod). */
function expectedPropertyName(key: string): string {
  const known: Record<string, string> = {
    '-buildmode': 'cdx:gomod:build:buildmode',
    '-compiler': 'cdx:gomod:build:compiler',
    '-trimpath': 'cdx:gomod:build:trimpath',
    '-ldflags': 'cdx:gomod:build:ldflags',
    DefaultGODEBUG: 'cdx:gomod:build:DefaultGODEBUG',
    vcs: 'cdx:gomod:build:vcs',
    'vcs.revision': 'cdx:gomod:build:vcs:revision',
    'vcs.time': 'cdx:gomod:build:vcs:time',
    'vcs.modified': 'cdx:gomod:build:vcs:modified',
  };
  return known[key] ?? `cdx:gomod:build:env:${key}`;
}

/** Every dep, build setting and the Go version of `go version -m` is in the SBOM, as it should be spelled. */
function expectMatchesOracle(bom: CycloneDxBom, oracle: Oracle): void {
  const std = bom.components.find((c) => c.name === 'std');
  expect(std?.version).toBe(oracle.goVersion);
  expect(std?.purl).toBe(`pkg:golang/std@${oracle.goVersion}?type=module`);
  // Each module once, and std.
  expect(bom.components).toHaveLength(oracle.deps.length + 1);
  for (const dep of oracle.deps) {
    const replace = dep.replace;
    if (!replace) {
      const component = bom.components.find((c) => c.name === dep.path);
      expect(component).toMatchObject({
        type: 'library',
        version: dep.version,
        purl: purlOf(dep.path, dep.version),
        'bom-ref': purlOf(dep.path, dep.version),
        hashes: [{ alg: 'SHA-256', content: h1Hex(dep.sum) }],
      });
      expect(component?.pedigree).toBeUndefined();
    } else if (replace.version === '(devel)') {
      // A directory: the module path, no version, no hash; the directory and the original in the pedigree.
      const component = bom.components.find((c) => c.name === dep.path);
      expect(component).toMatchObject({ type: 'library', purl: purlOf(dep.path) });
      expect(component?.version).toBeUndefined();
      expect(component?.hashes).toBeUndefined();
      expect(component?.pedigree?.ancestors).toEqual([
        { type: 'library', name: dep.path, version: dep.version, purl: purlOf(dep.path, dep.version) },
      ]);
      expect(component?.pedigree?.notes).toContain(replace.path);
    } else {
      // The replacement is what was linked; the original is its ancestor.
      expect(bom.components.find((c) => c.name === dep.path)).toBeUndefined();
      const component = bom.components.find((c) => c.name === replace.path);
      expect(component).toMatchObject({
        type: 'library',
        version: replace.version,
        purl: purlOf(replace.path, replace.version),
        hashes: [{ alg: 'SHA-256', content: h1Hex(replace.sum) }],
      });
      expect(component?.pedigree?.ancestors).toEqual([
        { type: 'library', name: dep.path, version: dep.version, purl: purlOf(dep.path, dep.version) },
      ]);
    }
  }
  const main = bom.metadata.component;
  expect(property(main, 'cdx:gomod:build:env:GOVERSION')).toEqual([oracle.goVersion]);
  expect(oracle.settings.length).toBeGreaterThan(3);
  for (const [key, value] of oracle.settings) {
    if (key === '-tags') expect(property(main, 'cdx:gomod:build:tag')).toEqual(value.split(','));
    else expect(property(main, expectedPropertyName(key)), key).toEqual([value]);
  }
}

describe('cycloneDx on binaries with dependencies', () => {
  let proxyEnv: NodeJS.ProcessEnv;
  beforeAll(async () => {
    const proxy = await tempDir('crossgo-proxy-');
    await serve(proxy, DEP);
    await serve(proxy, FORK);
    modcache = await tempDir('crossgo-modcache-');
    proxyEnv = testEnv({
      GOPROXY: `file://${proxy}`,
      GOSUMDB: 'off',
      GONOSUMDB: '',
      GOFLAGS: '',
      GOMODCACHE: modcache,
    });
  });

  it('lists the module from the proxy with its go.sum hash, std, and the build and VCS settings', async () => {
    // A git repository tagged v1.2.3: go stamps the version and vcs.* (go.sum, new, makes it dirty).
    const { dir, commit } = await fixtureRepo('withdep');
    const built = await buildWithdep(dir, proxyEnv);
    const oracle = await goVersionM(built.file);
    const bom = sbom(built, 'linux/amd64/v3');
    expectValid(bom);
    expectGraph(bom);
    expectMatchesOracle(bom, oracle);

    const main = bom.metadata.component;
    const version = built.facts.go?.main?.version ?? '';
    expect(version).toMatch(/^v1\.2\.3\+dirty$/);
    expect(main).toMatchObject({
      type: 'application',
      name: 'example.com/withdep',
      version,
      purl: 'pkg:golang/example.com/withdep@v1.2.3%2Bdirty?goarch=amd64&goos=linux&type=module',
      hashes: [{ alg: 'SHA-256', content: built.sha256 }],
    });
    expect(main['bom-ref']).toBe(main.purl);
    expect(property(main, 'cdx:gomod:build:vcs:revision')).toEqual([commit]);
    expect(property(main, 'cdx:gomod:build:vcs:modified')).toEqual(['true']);
    expect(property(main, 'cdx:gomod:build:env:GOAMD64')).toEqual(['v3']);
    expect(property(main, 'cdx:gomod:build:tag')).toEqual(['netgo', 'osusergo']);
    expect(property(main, 'crossgo:target')).toEqual(['linux/amd64/v3']);
    expect(property(main, 'cdx:gomod:binary:name')).toEqual(['withdep']);
    // No repository URL is recorded in a binary, so none is made up.
    expect(main.externalReferences).toBeUndefined();

    expect(bom).toMatchObject({
      $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      version: 1,
      metadata: {
        timestamp: TIMESTAMP,
        lifecycles: [{ phase: 'post-build' }],
        tools: { components: [{ type: 'application', name: 'crossgo', version: '0.1.0' }] },
      },
    });
    expect(bom.compositions).toEqual([
      { aggregate: 'complete', dependencies: [main['bom-ref']] },
      { aggregate: 'unknown', dependencies: bom.components.map((c) => c['bom-ref']) },
    ]);
  });

  it('lists a replaced module as its replacement (uppercase path kept), the original as its pedigree', async () => {
    const dir = path.join(await tempDir(), 'withdep');
    await cp(path.join(FIXTURES, 'withdep'), dir, { recursive: true });
    const built = await buildWithdep(dir, proxyEnv, `replace ${DEP.path} => ${FORK.path} ${FORK.version}`);
    const oracle = await goVersionM(built.file);
    expect(oracle.deps[0]?.replace?.path).toBe(FORK.path);
    const bom = sbom(built, 'linux/amd64/v3');
    expectValid(bom);
    expectGraph(bom);
    expectMatchesOracle(bom, oracle);
    expect(bom.components[0]?.purl).toBe(
      'pkg:golang/example.com/Fork@v1.0.1-0.20240101000000-abcdef123456?type=module',
    );
    expect(bom.components[0]?.pedigree?.notes).toBe(
      `${DEP.path} ${DEP.version} replaced by ${FORK.path} ${FORK.version} (go.mod replace directive)`,
    );
    // Built outside any repository, without a version: the main component has none, nor does its purl.
    expect(bom.metadata.component.version).toBeUndefined();
    expect(bom.metadata.component.purl).toBe(
      'pkg:golang/example.com/withdep?goarch=amd64&goos=linux&type=module',
    );
  });

  it('lists a module replaced by a directory under its own path, without a version', async () => {
    const root = await tempDir();
    const dir = path.join(root, 'withdep');
    await cp(path.join(FIXTURES, 'withdep'), dir, { recursive: true });
    await cp(path.join(FIXTURES, 'depsrc'), path.join(root, 'depsrc'), { recursive: true });
    const built = await buildWithdep(dir, proxyEnv, `replace ${DEP.path} => ../depsrc`);
    const oracle = await goVersionM(built.file);
    expect(oracle.deps[0]?.replace).toEqual({ path: '../depsrc', version: '(devel)', sum: '' });
    const bom = sbom(built, 'linux/amd64/v3');
    expectValid(bom);
    expectGraph(bom);
    expectMatchesOracle(bom, oracle);
    expect(bom.components[0]?.pedigree?.notes).toBe(
      `${DEP.path} ${DEP.version} replaced by the directory ../depsrc (go.mod replace directive)`,
    );
  });
});

describe('cycloneDx on binaries without dependencies', () => {
  const targets = [
    { goos: 'linux', goarch: 'arm64' },
    { goos: 'windows', goarch: 'amd64' },
    { goos: 'darwin', goarch: 'arm64' },
  ];
  for (const { goos, goarch } of targets) {
    it(`describes greet for ${goos}/${goarch}: the application and std`, async () => {
      const built = await load(await corpusBinary({ goos, goarch }));
      const bom = sbom(built, `${goos}/${goarch}`, { fileName: `greet-${goos}-${goarch}` });
      expectValid(bom);
      expectGraph(bom);
      expectMatchesOracle(bom, await goVersionM(built.file));
      expect(bom.metadata.component.purl).toBe(
        `pkg:golang/example.com/greet?goarch=${goarch}&goos=${goos}&type=module`,
      );
      expect(bom.components.map((c) => c.name)).toEqual(['std']);
    });
  }

  it('describes a universal binary once, with each slice GOARCH and no goarch in the purl', async () => {
    const amd64 = await load(await corpusBinary({ goos: 'darwin', goarch: 'amd64' }));
    const arm64 = await load(await corpusBinary({ goos: 'darwin', goarch: 'arm64' }));
    // The facts readFacts gives for a fat file: the first slice's, with every slice.
    const facts: BinaryFacts = { ...amd64.facts, format: 'macho-fat', slices: [amd64.facts, arm64.facts] };
    const bom = cycloneDx({
      facts,
      fileName: 'greet-darwin-universal',
      sha256: 'a'.repeat(64),
      target: 'darwin/universal',
      timestamp: TIMESTAMP,
      toolVersion: '0.1.0',
    });
    expectValid(bom);
    expect(bom.metadata.component.purl).toBe('pkg:golang/example.com/greet?goos=darwin&type=module');
    expect(property(bom.metadata.component, 'cdx:gomod:build:env:GOARCH')).toEqual(['amd64', 'arm64']);
    expect(property(bom.metadata.component, 'cdx:gomod:build:env:GOOS')).toEqual(['darwin']);
    expect(bom.components.map((c) => c.name)).toEqual(['std']);
  });
});

describe('cycloneDx output', () => {
  let built: Built;
  beforeAll(async () => {
    built = await load(await corpusBinary({ goos: 'linux', goarch: 'amd64' }));
  });

  it('is the same for the same input, and a timestamp changes only the timestamp', () => {
    const once = JSON.stringify(sbom(built, 'linux/amd64'), null, 2);
    expect(JSON.stringify(sbom(built, 'linux/amd64'), null, 2)).toBe(once);
    const later = sbom(built, 'linux/amd64', { timestamp: '2025-01-02T03:04:05.000Z' });
    expect(later.metadata.timestamp).toBe('2025-01-02T03:04:05.000Z');
    const before = JSON.parse(once) as CycloneDxBom;
    expect({ ...later, metadata: { ...later.metadata, timestamp: TIMESTAMP } }).toEqual(before);
  });

  it('has the serial number UUIDv5(crossgo namespace, sha256), as Python computes it', async () => {
    const bom = sbom(built, 'linux/amd64');
    const python = await runTool('python3', [
      '-c',
      'import sys, uuid; print(uuid.uuid5(uuid.UUID(sys.argv[1]), sys.argv[2]))',
      SBOM_UUID_NAMESPACE,
      built.sha256,
    ]);
    expect(python.code, python.stderr).toBe(0);
    expect(bom.serialNumber).toBe(`urn:uuid:${python.stdout.trim()}`);
    // Another binary, another serial number.
    const other = cycloneDx({ ...baseInput(built), sha256: 'b'.repeat(64) });
    expect(other.serialNumber).not.toBe(bom.serialNumber);
  });

  it('is checked by a schema that does reject a wrong SBOM', () => {
    const bom = sbom(built, 'linux/amd64');
    expectValid(bom);
    const wrong = structuredClone(bom) as unknown as Record<string, unknown> & CycloneDxBom;
    wrong.serialNumber = wrong.serialNumber.toUpperCase();
    wrong.metadata.component.hashes = [{ alg: 'SHA-256', content: 'not hex' }];
    wrong.components.push({ type: 'module', name: 'x' } as unknown as CycloneDxComponent);
    wrong.extra = true;
    expect(validate(JSON.parse(JSON.stringify(wrong)))).toBe(false);
    const paths = (validate.errors ?? []).map((e) => e.instancePath);
    expect(paths).toContain('/serialNumber');
    expect(paths).toContain('/metadata/component/hashes/0/content');
    expect(paths).toContain('/components/1/type');
  });

  it('refuses a binary without Go build info', async () => {
    const node = await load(process.execPath);
    expect(node.facts.go).toBeNull();
    const make = () => cycloneDx({ ...baseInput(node), fileName: 'node' });
    expect(make).toThrow(UsageError);
    expect(make).toThrow('node: no Go build info: cannot make an SBOM');
  });
});

function baseInput(built: Built) {
  return {
    facts: built.facts,
    fileName: path.basename(built.file),
    sha256: built.sha256,
    target: 'linux/amd64',
    timestamp: TIMESTAMP,
    toolVersion: '0.1.0',
  };
}

describe('golangPurl', () => {
  it.each([
    ['github.com/Foo/bar/v2', 'v2.1.0', 'pkg:golang/github.com/Foo/bar/v2@v2.1.0?type=module'],
    [
      'github.com/foo/bar',
      'v0.0.0-20240101000000-abcdef123456+incompatible',
      'pkg:golang/github.com/foo/bar@v0.0.0-20240101000000-abcdef123456%2Bincompatible?type=module',
    ],
    ['example.com/~user/mod', 'v1.0.0', 'pkg:golang/example.com/~user/mod@v1.0.0?type=module'],
    [
      'example.com/a+b/c_d.e-f',
      'v1.0.0+dirty',
      'pkg:golang/example.com/a%2Bb/c_d.e-f@v1.0.0%2Bdirty?type=module',
    ],
    ['example.com/héllo', 'v1.0.0', 'pkg:golang/example.com/h%C3%A9llo@v1.0.0?type=module'],
    ['std', 'go1.22.1', 'pkg:golang/std@go1.22.1?type=module'],
    ['example.com/x', null, 'pkg:golang/example.com/x?type=module'],
  ])('%s @ %s', (modulePath, version, purl) => {
    expect(golangPurl(modulePath, version)).toBe(purl);
  });

  it('encodes "@", "?", "#" and spaces, and keeps ":"', () => {
    expect(golangPurl('example.com/a@b?c#d e:f', 'v1 x')).toBe(
      'pkg:golang/example.com/a%40b%3Fc%23d%20e:f@v1%20x?type=module',
    );
  });

  it('sorts qualifiers, leaves out empty ones, and adds a subpath', () => {
    expect(
      golangPurl('example.com/m', 'v1.0.0', { goos: 'linux', goarch: 'amd64', extra: '' }, 'cmd/tool'),
    ).toBe('pkg:golang/example.com/m@v1.0.0?goarch=amd64&goos=linux&type=module#cmd/tool');
  });
});
