import { createHash } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/commands/build.js';
import { ConfigError, UsageError } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import { type Discovery, discover } from '../../src/pipeline/discovery.js';
import { cgoContextFor, decideTargetCgo } from '../../src/stages/build/plan/cgo.js';
import { type ConfigPlan, planConfig, readConfig } from '../../src/stages/build/plan/config.js';
import { planCwd, planModule } from '../../src/stages/build/plan/module.js';
import {
  outputOptions,
  planOutDir,
  planOutputPaths,
  planTemplate,
} from '../../src/stages/build/plan/outputs.js';
import { flagsFor, planTargets } from '../../src/stages/build/plan/targets.js';
import { goRequests, refuseSeveral } from '../../src/stages/build/plan/toolchain.js';
import { planVersion } from '../../src/stages/build/plan/version.js';
import { planBuild } from '../../src/stages/build/plan.js';
import { checkTemplate } from '../../src/stages/build/template.js';
import { projectValues, targetValues } from '../../src/template/values.js';
import { cleanupTemps, fixtureRepo, tempDir, testEnv } from '../helpers/cli.js';

/** A logger that keeps what it is told, to count warnings. */
function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info() {}, debug() {}, warn: (m) => warnings.push(m) };
}

/**
 * Every file under `dir` (links and folders included, .git left out: git may refresh its own
 * index on `git status`) with its sha256: two equal snapshots mean nothing was created, removed
 * or changed.
 */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    for (const entry of await readdir(path.join(dir, rel), { withFileTypes: true })) {
      const name = path.posix.join(rel, entry.name);
      if (name === '.git') continue;
      if (entry.isDirectory()) {
        out.set(`${name}/`, 'folder');
        await walk(name);
      } else {
        const bytes = await readFile(path.join(dir, name));
        out.set(name, createHash('sha256').update(bytes).digest('hex'));
      }
    }
  };
  await walk('');
  return out;
}

const env = testEnv();
let greet: string;
let commit: string;
let discovery: Discovery;
let config: ConfigPlan;

beforeAll(async () => {
  ({ dir: greet, commit } = await fixtureRepo('greet'));
  discovery = await discover({ cwd: greet, env });
  config = planConfig(await readConfig(greet, greet, undefined), {}, recordingLogger());
});
afterAll(cleanupTemps);

describe('planning writes and deletes nothing', () => {
  it('leaves the module and a used output folder byte-identical: no lock, a killed run’s temp file still there', async () => {
    const { dir } = await fixtureRepo('greet');
    const first = await build({ cwd: dir, environment: env, targets: 'linux/amd64' });
    expect(first.ok).toBe(true);
    // What a SIGKILLed run leaves: a temporary file under crossgo's marker (fs/atomic.ts).
    const leftover = path.join(dir, 'dist', '.greet-linux-amd64.crossgo-tmp-4242-0badf00d');
    await writeFile(leftover, 'half a binary');
    const before = await snapshot(dir);
    const plan = await planBuild({ cwd: dir, environment: env, targets: 'linux/amd64,windows/386' });
    expect(plan.builds.map((b) => b.outputRel)).toEqual(['greet-linux-amd64', 'greet-windows-386.exe']);
    expect(await snapshot(dir)).toEqual(before);
    expect(before.has('dist/.crossgo.lock')).toBe(false);
    // The run's first step takes the folder: only then is the leftover removed.
    const second = await build({ cwd: dir, environment: env, targets: 'linux/amd64' });
    expect(second.ok).toBe(true);
    expect(await stat(leftover).catch(() => null)).toBeNull();
  });

  it('does not create an output folder that does not exist', async () => {
    const out = path.join(await tempDir(), 'never');
    const before = await snapshot(greet);
    const plan = await planBuild({ cwd: greet, environment: env, out });
    expect(plan.outDir).toBe(out);
    expect(await stat(out).catch(() => null)).toBeNull();
    expect(await snapshot(greet)).toEqual(before);
  });

  it('build() with two Go releases refuses before any work: nothing built, no output folder', async () => {
    const out = path.join(await tempDir(), 'two');
    const error = await build({ cwd: greet, environment: env, out, go: '1.25.4,1.26.8' }).catch((e) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(
      "several Go releases requested (1.25.4, 1.26.8): build() makes one; call buildAll() (the CLI's build with --go does), or ask for one release with --go",
    );
    expect(await stat(out).catch(() => null)).toBeNull();
  });
});

describe('step: module', () => {
  it('resolves the main package and its module with go list', async () => {
    const module = await planModule(discovery, undefined);
    expect(module.pkg).toMatchObject({ importPath: 'example.com/greet', name: 'greet' });
    expect(module.moduleRoot).toBe(greet);
  });

  it('refuses a package that is not a main package, and a cwd that does not exist', async () => {
    await expect(planModule(discovery, 'fmt')).rejects.toThrow(
      /package fmt \(fmt\) is "package fmt", not a main package/,
    );
    expect(() => planCwd(path.join(greet, 'nope'))).toThrow(UsageError);
  });
});

describe('step: version', () => {
  it('reads git once per run: the tag and commit of the module', async () => {
    const log = recordingLogger();
    const module = await planModule(discovery, undefined);
    const version = await planVersion(discovery, module, config, {}, log);
    expect(version).toMatchObject({ version: 'v1.2.3', commit, dateSource: 'commit', snapshot: false });
    expect(await planVersion(discovery, module, config, {}, log)).toBe(version);
    expect((await planVersion(discovery, module, config, { version: 'v9' }, log)).version).toBe('v9');
  });

  it('--snapshot: {version}-SNAPSHOT-{short_commit} of the facts before it, or the config template', async () => {
    const log = recordingLogger();
    const module = await planModule(discovery, undefined);
    const snap = await planVersion(discovery, module, config, { snapshot: true }, log);
    expect(snap).toMatchObject({
      version: `1.2.3-SNAPSHOT-${commit.slice(0, 7)}`,
      tag: 'v1.2.3',
      snapshot: true,
    });
    const own = {
      ...config,
      name: 'crossgo.yaml',
      cfg: { snapshot: { version: '{tag}-next-{branch|upper}' } },
    };
    expect((await planVersion(discovery, module, own, { snapshot: true }, log)).version).toBe(
      'v1.2.3-next-MAIN',
    );
    const given = await planVersion(discovery, module, config, { snapshot: true, version: 'v2.0.0' }, log);
    expect(given.version).toBe(`2.0.0-SNAPSHOT-${commit.slice(0, 7)}`);
    expect(log.warnings).toEqual([]);
  });

  it('--snapshot refuses a template with an unknown placeholder, and a version unfit for file names', async () => {
    const module = await planModule(discovery, undefined);
    const typo = { ...config, name: 'crossgo.yaml', cfg: { snapshot: { version: '{verison}-dev' } } };
    const error = await planVersion(discovery, module, typo, { snapshot: true }, recordingLogger()).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^crossgo\.yaml: snapshot\.version: .*verison.*version/);
    const slash = { ...config, name: 'crossgo.yaml', cfg: { snapshot: { version: '{branch}/{version}' } } };
    await expect(
      planVersion(discovery, module, slash, { snapshot: true }, recordingLogger()),
    ).rejects.toThrow(
      'crossgo.yaml: snapshot.version: "{branch}/{version}" gives version "main/1.2.3", which holds a "/": the version goes into file names, write one without, e.g. "{version}-SNAPSHOT-{short_commit}"',
    );
  });
});

describe('step: config', () => {
  it('says each deprecated key once, through the logger', async () => {
    const { dir } = await fixtureRepo('greet');
    await writeFile(path.join(dir, 'crossgo.yaml'), 'dist: out\noutput: "{name}-{goos}{ext}"\n');
    const log = recordingLogger();
    const plan = planConfig(await readConfig(dir, dir, undefined), {}, log);
    expect(log.warnings).toEqual([
      'crossgo.yaml: "dist" is deprecated; call it "out"',
      'crossgo.yaml: "output" is deprecated; call it "template"',
    ]);
    expect(plan.cfg).toMatchObject({ out: 'out', template: '{name}-{goos}{ext}' });
    expect(planTemplate(undefined, plan).from).toBe('crossgo.yaml: output');
  });

  it('refuses variables crossgo sets from the target, and a jobs count below one', () => {
    const loaded = { file: '/m/crossgo.yaml', config: { env: { GOARCH: 'arm' } } };
    expect(() => planConfig(loaded, {}, recordingLogger())).toThrow(
      /crossgo\.yaml: env: GOARCH is set by crossgo/,
    );
    expect(() => planConfig({ file: null, config: {} }, { jobs: 0 }, recordingLogger())).toThrow(UsageError);
  });
});

describe('step: toolchain', () => {
  it('parses the releases asked for; build() takes one', () => {
    expect(goRequests({ go: '1.25.4,go1.26' }, config)).toEqual(['1.25.4', '1.26']);
    expect(goRequests({}, { ...config, cfg: { go: ['1.24.9'] } })).toEqual(['1.24.9']);
    expect(goRequests({ go: '1.25.4', goToolchain: 'go1.25.4' }, config)).toBeNull();
    expect(goRequests({}, config)).toBeNull();
    expect(() => refuseSeveral(['1.25.4'])).not.toThrow();
    expect(() => refuseSeveral(['1.25.4', '1.26'])).toThrow(UsageError);
  });
});

describe('step: targets', () => {
  it('leaves ports go links only externally out of a set (a warning each) and refuses one named', async () => {
    const ports = await discovery.ports();
    const log = recordingLogger();
    const targets = planTargets('android/*,linux/amd64', {}, ports, config, discovery.go.version.raw, log);
    // android/arm64 links internally (cmd/link's internal PIE); amd64, 386 and arm do not.
    expect(targets.map((t) => t.id)).toEqual(['android/arm64', 'linux/amd64']);
    expect(log.warnings.some((w) => w.startsWith('left out android/amd64: '))).toBe(true);
    expect(() => planTargets('android/amd64', {}, ports, config, 'go', log)).toThrow(
      /target "android\/amd64" cannot be built without cgo/,
    );
    const withCgo = { ...config, cli: { cgo: 'on' as const } };
    expect(planTargets('android/amd64', {}, ports, withCgo, 'go', log).map((t) => t.id)).toEqual([
      'android/amd64',
    ]);
  });
});

describe('step: cgo', () => {
  it('is the decision doctor shares: off is CGO_ENABLED=0; an external-linking port without cgo is refused', async () => {
    const ports = await discovery.ports();
    const withCgo = { ...config, cli: { cgo: 'on' as const } };
    const [linux, android] = planTargets(
      'linux/amd64,android/amd64',
      {},
      ports,
      withCgo,
      'go',
      recordingLogger(),
    );
    const ctx = cgoContextFor(discovery, 'example.com/greet', greet);
    const settings = { strip: true, macosSdk: null };
    const off = await decideTargetCgo(ctx, linux as never, flagsFor(linux as never, config), settings);
    expect(off.env).toEqual({ CGO_ENABLED: '0' });
    await expect(
      decideTargetCgo(ctx, android as never, flagsFor(android as never, config), settings),
    ).rejects.toThrow(/android\/amd64" cannot be built without cgo/);
  });
});

describe('step: outputs', () => {
  it('reads out and template under their old library names too, with one warning each; both is refused', () => {
    const log = recordingLogger();
    expect(outputOptions({ outDir: 'o', outputTemplate: '{name}' }, log)).toEqual({
      out: 'o',
      template: '{name}',
    });
    expect(log.warnings).toEqual([
      'BuildOptions: "outDir" is deprecated; call it "out"',
      'BuildOptions: "outputTemplate" is deprecated; call it "template"',
    ]);
    expect(outputOptions({ out: 'o' }, log)).toEqual({ out: 'o', template: undefined });
    expect(log.warnings).toHaveLength(2);
    expect(() => outputOptions({ out: 'a', outDir: 'b' }, log)).toThrow(UsageError);
  });

  it('keeps a config’s output folder inside the module, naming the key the file used', () => {
    const outside = {
      ...config,
      cfg: { out: '../elsewhere' },
      loaded: { file: null, config: {}, deprecated: [{ old: 'dist', now: 'out' }] },
    };
    const error = (() => {
      try {
        planOutDir(undefined, greet, greet, outside);
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.keyPath).toBe('dist');
    expect(planOutDir('x', greet, greet, outside)).toBe(path.join(greet, 'x'));
    expect(planOutDir(undefined, greet, greet, config)).toBe(path.join(greet, 'dist'));
  });

  it('refuses a template that gives two targets one path, of one build or of two', async () => {
    const ports = await discovery.ports();
    const targets = planTargets('linux/amd64,linux/arm64', {}, ports, config, 'go', recordingLogger());
    const version = await discovery.version(greet);
    const values = projectValues(version, 'greet');
    const of = (id: string, binary: string) =>
      targets.map((target) => ({
        target,
        unit: { id },
        values: targetValues(values, {
          goos: target.goos,
          goarch: target.goarch,
          variant: target.variant,
          level: null,
          binary,
          id,
        }),
      }));
    const bare = { template: '{name}', from: '--template', compiled: checkTemplate('{name}', '--template') };
    expect(() => planOutputPaths(of('greet', 'greet'), bare, '/o', {})).toThrow(
      'output template "{name}" gives greet for both linux/amd64 and linux/arm64: add {goos}, {goarch} or {-variant} to it',
    );
    const plain = { template: '{goos}', from: '--template', compiled: checkTemplate('{goos}', '--template') };
    expect(() => planOutputPaths([...of('a', 'a'), ...of('b', 'b')], plain, '/o', {})).toThrow(
      'output template "{goos}" gives linux for both linux/amd64 of build a and linux/arm64 of build a: add {name}, {goos}, {goarch} or {-variant} to it',
    );
    expect(
      planOutputPaths(
        [...of('greet', 'greet'), ...of('b', 'other')],
        planTemplate(undefined, config),
        '/o',
        {},
      ).map((p) => p.outputRel),
    ).toEqual(['greet-linux-amd64', 'greet-linux-arm64', 'other-linux-amd64', 'other-linux-arm64']);
  });
});
