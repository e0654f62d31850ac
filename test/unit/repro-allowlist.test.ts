import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { splitQuoted } from '../../src/exec/quote.js';
import {
  argvMarker,
  isSecretName,
  redactArgv,
  redactEnv,
  redactText,
  secretsOf,
} from '../../src/exec/redact.js';
import type { ArtifactRecord, Manifest } from '../../src/pipeline/manifest.js';
import { binaries } from '../../src/pipeline/manifest.js';
import {
  type CommandInput,
  checkedCommand,
  commandLine,
  shownCommand,
  trustedCommand,
} from '../../src/repro/allowlist.js';
import { type BuildOptions, planBuild } from '../../src/stages/build/plan.js';
import { newManifest } from '../../src/stages/manifest/write.js';
import { CROSSGO_VERSION } from '../../src/version.js';
import { cleanupTemps, fixtureRepo, tempDir, testEnv } from '../helpers/cli.js';

afterAll(cleanupTemps);

/*
 * The accepted commands are not written out here: crossgo's own build planning (planBuild)
 * makes them for each kind of build, and they are recorded as compile.ts records them.
 */

const TRUST = 'rerun with --trust-manifest to run it anyway';
const OUTPUT = '/tmp/rebuild/out';

let greet: string;
let cgoTime: string;
let twobin: string;

beforeAll(async () => {
  greet = (await fixtureRepo('greet')).dir;
  twobin = (await fixtureRepo('twobin')).dir;
  cgoTime = (await fixtureRepo('cgo-time')).dir;
});

/** A manifest as crossgo build records it, from the real plan (the argv and env of compile.ts). */
async function plannedManifest(
  dir: string,
  options: BuildOptions,
  environment = testEnv(),
): Promise<Manifest> {
  const plan = await planBuild({
    cwd: dir,
    outDir: await tempDir(),
    linkCache: false,
    environment,
    ...options,
  });
  const manifest = newManifest(plan, CROSSGO_VERSION, dir);
  for (const build of plan.builds) {
    const output = path.relative(plan.moduleRoot, build.output).split(path.sep).join('/');
    const artifact: ArtifactRecord = {
      kind: 'binary',
      target: build.target.id,
      goos: build.target.goos,
      goarch: build.target.goarch,
      variant: build.target.variant,
      path: build.outputRel,
      size: 1,
      sha256: '0'.repeat(64),
      from: [],
      durationMs: 1,
      goVersion: plan.go.version.raw,
      argv: redactArgv(
        [plan.go.binary, ...build.args, '-o', output, build.unit.pkg.importPath],
        secretsOf(build.env, plan.baseEnv),
      ),
      env: redactEnv(build.env),
      cgo: build.cgo,
      build: build.unit.id,
      name: build.unit.name,
      importPath: build.unit.pkg.importPath,
    };
    manifest.artifacts.push(artifact);
  }
  return manifest;
}

const input = (manifest: Manifest, index = 0, userEnv: NodeJS.ProcessEnv = testEnv()): CommandInput => ({
  manifest,
  index,
  output: OUTPUT,
  userEnv,
});

/** What the rebuild of a recorded artifact must run: its argv after go, with -o moved. */
function expectedArgs(artifact: ArtifactRecord): string[] {
  const args = artifact.argv.slice(1);
  args[args.indexOf('-o') + 1] = OUTPUT;
  return args;
}

function expectAccepted(manifest: Manifest, userEnv: NodeJS.ProcessEnv = testEnv()) {
  return binaries(manifest).map((artifact, index) => {
    const command = checkedCommand(input(manifest, index, userEnv));
    expect(command.target).toBe(artifact.target);
    expect(command.args).toEqual(expectedArgs(artifact));
    const { CC: _cc, CXX: _cxx, ...recorded } = artifact.env;
    expect(command.env).toMatchObject(recorded);
    expect(command.env.GOTOOLCHAIN).toBe(artifact.env.GOTOOLCHAIN ?? manifest.toolchain.goVersion);
    return command;
  });
}

/** A copy to tamper with. */
const copy = (manifest: Manifest): Manifest => structuredClone(manifest);

function refusal(manifest: Manifest, userEnv?: NodeJS.ProcessEnv): string {
  try {
    checkedCommand(input(manifest, 0, userEnv));
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    const message = (error as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    return message;
  }
  throw new Error('the tampered manifest was accepted');
}

describe('checkedCommand accepts what crossgo build writes', () => {
  it('pure Go, the default targets and every kind of level variable', async () => {
    const manifest = await plannedManifest(greet, {
      targets:
        'linux/amd64,windows/386,darwin/arm64,linux/amd64/v3,linux/arm/6,linux/arm64/v8.2,linux/386/softfloat,linux/mips/softfloat,linux/ppc64le/power9,linux/riscv64/rva22u64,wasip1/wasm,js/wasm',
    });
    const commands = expectAccepted(manifest);
    expect(commands.map((c) => c.compiler)).toEqual(commands.map(() => null));
    expect(commands[3]?.env).toMatchObject({
      GOOS: 'linux',
      GOARCH: 'amd64',
      GOAMD64: 'v3',
      CGO_ENABLED: '0',
    });
    expect(commands[4]?.env.GOARM).toBe('6');
    expect(commands[9]?.env.GORISCV64).toBe('rva22u64');
  });

  it('-tags, -gcflags, --no-trimpath, --no-strip, extra -X, --env GOEXPERIMENT and --go', async () => {
    const local = (await plannedManifest(greet, { targets: 'linux/amd64' })).toolchain.goVersion;
    const manifest = await plannedManifest(greet, {
      targets: 'linux/amd64,windows/amd64',
      tags: ['fancy', 'netgo,osusergo'],
      gcflags: ['all=-N -l'],
      ldflags: ['-X main.edition=pro', "-X 'main.date=a date with spaces'"],
      env: { GOEXPERIMENT: 'nodwarf5' },
      trimpath: false,
      strip: false,
      goToolchain: local,
    });
    const argv = binaries(manifest)[0]?.argv ?? [];
    expect(argv).toContain('-tags=fancy,netgo,osusergo');
    expect(argv).toContain('-gcflags=all=-N -l');
    expect(argv).not.toContain('-trimpath');
    const commands = expectAccepted(manifest);
    expect(commands[0]?.env).toMatchObject({ GOEXPERIMENT: 'nodwarf5', GOTOOLCHAIN: local });
  });

  it('cgo through zig (Linux, Windows, macOS with the link stubs) and static musl', async () => {
    const zig = await plannedManifest(cgoTime, {
      targets: 'linux/arm64,windows/amd64,darwin/arm64',
      cgo: 'on',
      cc: 'zig',
    });
    const musl = await plannedManifest(cgoTime, {
      targets: 'linux/amd64,linux/arm64',
      cgo: 'on',
      static: true,
    });
    expect(binaries(musl)[0]?.argv.find((w) => w.startsWith('-ldflags='))).toMatch(
      / -linkmode=external '-extldflags=-static -s'$/,
    );
    for (const manifest of [zig, musl]) {
      const commands = expectAccepted(manifest);
      expect(commands.map((c) => c.compiler)).toEqual(
        binaries(manifest).map((a) => ({ kind: 'zig', static: a.cgo.static })),
      );
      // The recorded CC is never what runs: the rebuild finds its own.
      for (const c of commands) expect(c.env.CC).toBeUndefined();
    }
    expect(binaries(musl).map((a) => a.cgo.static)).toEqual([true, true]);
  });

  it('cgo through the Debian cross gcc, the host gcc and cgo auto', async () => {
    const cross = await plannedManifest(cgoTime, { targets: 'linux/arm64', cgo: 'on', cc: 'cross' });
    const host = await plannedManifest(cgoTime, { targets: 'linux/amd64', cgo: 'on', cc: 'host' });
    const auto = await plannedManifest(cgoTime, { targets: 'linux/amd64', cgo: 'auto', cc: 'host' });
    expect(expectAccepted(cross)[0]?.compiler).toEqual({ kind: 'cross', static: false });
    expect(expectAccepted(host)[0]?.compiler).toEqual({ kind: 'host', static: false });
    expect(expectAccepted(auto)[0]?.compiler).toEqual({ kind: 'host', static: false });
  });

  it('an explicit compiler only as the user sets CC; a --env variable only as the user has it', async () => {
    const manifest = await plannedManifest(cgoTime, { targets: 'linux/amd64', cgo: 'on', cc: 'gcc' });
    expect(binaries(manifest)[0]?.cgo.compiler?.kind).toBe('explicit');
    expect(refusal(manifest)).toBe(
      `artifacts[0].cgo.compiler.kind: "explicit": the build ran its own C compiler ("gcc"), which crossgo does not run from a manifest: set CC (and CXX) in your environment to yours, or ${TRUST}`,
    );
    const command = checkedCommand(input(manifest, 0, testEnv({ CC: 'clang' })));
    expect(command.env.CC).toBe('clang');
    expect(command.compiler).toBeNull();

    const withEnv = await plannedManifest(greet, {
      targets: 'linux/amd64',
      env: { BUILD_FLAVOUR: 'nightly' },
    });
    expect(refusal(withEnv)).toBe(
      `artifacts[0].env.BUILD_FLAVOUR: "nightly": crossgo does not set BUILD_FLAVOUR itself (it came from the build's --env or config); set it in your environment to that value, or ${TRUST}`,
    );
    expectAccepted(withEnv, testEnv({ BUILD_FLAVOUR: 'nightly' }));
  });
});

describe('checkedCommand refuses everything else, naming the field', () => {
  let base: Manifest;
  let cgo: Manifest;
  beforeAll(async () => {
    base = await plannedManifest(greet, { targets: 'linux/amd64' });
    cgo = await plannedManifest(cgoTime, { targets: 'linux/amd64', cgo: 'on', cc: 'zig' });
  });
  const ldflagsIndex = (m: Manifest) =>
    binaries(m)[0]?.argv.findIndex((w) => w.startsWith('-ldflags=')) ?? -1;

  const withArgv = (edit: (argv: string[]) => void): Manifest => {
    const m = copy(base);
    edit((binaries(m)[0] as ArtifactRecord).argv);
    return m;
  };
  const inserted = (...words: string[]) => withArgv((argv) => argv.splice(2, 0, ...words));

  it.each([
    ['-toolexec=sh -c "id > pwned"', '"-toolexec=sh -c \\"id > pwned\\""'],
    ['-toolexec', '"-toolexec"'],
    ['--toolexec=/tmp/x', '"--toolexec=/tmp/x"'],
    ['-exec=/tmp/x', '"-exec=/tmp/x"'],
    ['-overlay=/tmp/overlay.json', '"-overlay=/tmp/overlay.json"'],
    ['-modfile=/tmp/go.mod', '"-modfile=/tmp/go.mod"'],
    ['-pgo=/tmp/evil.pgo', '"-pgo=/tmp/evil.pgo"'],
    ['-buildmode=plugin', '"-buildmode=plugin"'],
    ['-asmflags=-trimpath=/x', '"-asmflags=-trimpath=/x"'],
    ['@/tmp/response', '"@/tmp/response"'],
    ['-trimpath=false', '"-trimpath=false"'],
  ])('argv %s', (word, shown) => {
    expect(refusal(inserted(word))).toBe(
      `artifacts[0].argv[2]: ${shown} is not a flag crossgo writes; ${TRUST}`,
    );
  });

  it("several builds: each binary's own package, a package of the module; the config's go flags", async () => {
    // test/fixtures/twobin/crossgo.yaml: builds a (./cmd/a, its own ldflags) and beta (./cmd/b, -buildvcs=false).
    const manifest = await plannedManifest(twobin, { targets: 'linux/amd64' });
    expect(binaries(manifest).map((a) => a.importPath)).toEqual([
      'example.com/twobin/cmd/a',
      'example.com/twobin/cmd/b',
    ]);
    // The config's env value: accepted when the user's environment holds it, as any --env.
    expectAccepted(manifest, testEnv({ ALPHA_FOR: 'linux-1.2.3' }));
    const last = (m: Manifest, i: number) => (binaries(m)[i]?.argv.length ?? 0) - 1;
    // b's argv naming a's package: not its own record's.
    const swapped = copy(manifest);
    const b = binaries(swapped)[1] as ArtifactRecord;
    b.argv[last(swapped, 1)] = 'example.com/twobin/cmd/a';
    expect(() => checkedCommand(input(swapped, 1))).toThrow(
      `artifacts[1].argv[${last(swapped, 1)}]: "example.com/twobin/cmd/a" is not the manifest's package (artifacts[1].importPath "example.com/twobin/cmd/b"); ${TRUST}`,
    );
    const outside = copy(manifest);
    const a = binaries(outside)[0] as ArtifactRecord;
    a.importPath = 'evil.example/pkg';
    a.argv[last(outside, 0)] = 'evil.example/pkg';
    expect(refusal(outside)).toBe(
      'artifacts[0].importPath: "evil.example/pkg" is not a package of the module (project.module "example.com/twobin")',
    );
    // A go flag a config may give, with a value that reads a file outside the module: refused.
    for (const word of ['-overlay=/etc/passwd', '-modfile=../x.mod', '-toolexec=/tmp/x', '-buildmode=evil']) {
      const tampered = copy(manifest);
      const argv = (binaries(tampered)[1] as ArtifactRecord).argv;
      const at = argv.indexOf('-buildvcs=false');
      argv[at] = word;
      expect(() => checkedCommand(input(tampered, 1))).toThrow(
        `artifacts[1].argv[${at}]: "${word}" is not a flag crossgo writes; ${TRUST}`,
      );
    }
  });

  it('a go command other than build, a second -ldflags, no -o, another package', () => {
    expect(refusal(withArgv((argv) => (argv[1] = 'run')))).toBe(
      `artifacts[0].argv[1]: "run" is not "build", the only go command crossgo writes; ${TRUST}`,
    );
    const i = ldflagsIndex(base);
    expect(refusal(withArgv((argv) => argv.splice(i, 0, '-ldflags=-s')))).toBe(
      `artifacts[0].argv[${i + 1}]: ${JSON.stringify(binaries(base)[0]?.argv[i]).slice(0, 117)}…": -ldflags is given twice; ${TRUST}`,
    );
    expect(refusal(withArgv((argv) => argv.splice(argv.indexOf('-o'), 2)))).toBe(
      'artifacts[0].argv: no -o <file>: it was not written by crossgo build',
    );
    const last = (binaries(base)[0]?.argv.length ?? 0) - 1;
    expect(refusal(withArgv((argv) => (argv[last] = 'example.com/greet/../evil')))).toBe(
      `artifacts[0].argv[${last}]: "example.com/greet/../evil" is not the manifest's package (artifacts[0].importPath "example.com/greet"); ${TRUST}`,
    );
    const flagPackage = copy(base);
    (binaries(flagPackage)[0] as ArtifactRecord).importPath = '-toolexec=/tmp/x';
    (binaries(flagPackage)[0] as ArtifactRecord).argv[last] = '-toolexec=/tmp/x';
    expect(refusal(flagPackage)).toBe('artifacts[0].importPath: "-toolexec=/tmp/x" is not an import path');
    // A manifest of an earlier crossgo: no importPath of the binary's own, the project's is read.
    const older = copy(base);
    delete (binaries(older)[0] as ArtifactRecord).importPath;
    older.project.importPath = 'evil.example/pkg';
    (binaries(older)[0] as ArtifactRecord).argv[last] = 'evil.example/pkg';
    expect(refusal(older)).toBe(
      'project.importPath: "evil.example/pkg" is not a package of the module (project.module "example.com/greet")',
    );
    older.project.importPath = '-toolexec=/tmp/x';
    (binaries(older)[0] as ArtifactRecord).argv[last] = '-toolexec=/tmp/x';
    expect(refusal(older)).toBe('project.importPath: "-toolexec=/tmp/x" is not an import path');
  });

  it.each([
    ['-extld=/tmp/evil', '-ldflags word "-extld=/tmp/evil" is not a linker flag crossgo writes'],
    ['-r /tmp/lib', '-ldflags word "-r" is not a linker flag crossgo writes'],
    ['-linkmode=internal', '-ldflags word "-linkmode=internal" is not a linker flag crossgo writes'],
    ['-linkmode internal', '-ldflags word "-linkmode internal" is not a linker flag crossgo writes'],
    ['-X notanassignment', '-ldflags word "-X notanassignment" is not a linker flag crossgo writes'],
    ['-X', '-ldflags word "-X (without its value)" is not a linker flag crossgo writes'],
    ['-buildid=x', '-ldflags word "-buildid=x" is not a linker flag crossgo writes'],
    [
      "'-extldflags=-Wl,-plugin=/tmp/evil.so'",
      '-extldflags word "-Wl,-plugin=/tmp/evil.so" is not one crossgo writes (-static, -s)',
    ],
    [
      '-extldflags -fuse-ld=/tmp/ld',
      '-extldflags word "-fuse-ld=/tmp/ld" is not one crossgo writes (-static, -s)',
    ],
  ])('-ldflags with %s', (extra, why) => {
    const i = ldflagsIndex(base);
    const m = withArgv((argv) => (argv[i] = `${argv[i]} ${extra}`));
    expect(refusal(m)).toBe(`artifacts[0].argv[${i}]: ${why}; ${TRUST}`);
  });

  it('an unterminated quote in -ldflags', () => {
    const i = ldflagsIndex(base);
    expect(refusal(withArgv((argv) => (argv[i] = "-ldflags=-X 'main.x=y")))).toBe(
      `artifacts[0].argv[${i}]: -ldflags "-X 'main.x=y" has an unterminated quote`,
    );
  });

  it.each([
    ['-tags=fancy,$(id)', 'build tag "$(id)" is not an identifier'],
    ['-tags=a b', 'build tag "a b" is not an identifier'],
    [
      '-gcflags=all=-cpuprofile=/tmp/x',
      '-gcflags word "-cpuprofile=/tmp/x" is not a compiler flag crossgo passes on',
    ],
    [
      '-gcflags=-importcfg=/tmp/cfg',
      '-gcflags word "-importcfg=/tmp/cfg" is not a compiler flag crossgo passes on',
    ],
    ['-gcflags=@/tmp/rsp', '-gcflags "@/tmp/rsp" is not [pattern=]flags'],
    ['-gcflags=all=@/tmp/rsp', '-gcflags word "@/tmp/rsp" is not a compiler flag crossgo passes on'],
    ['-gcflags=a b=-N', '-gcflags "a b=-N" is not [pattern=]flags'],
  ])('%s', (word, why) => {
    expect(refusal(inserted(word))).toBe(`artifacts[0].argv[2]: ${why}; ${TRUST}`);
  });

  const withEnv = (env: Record<string, string>, from: Manifest = base): Manifest => {
    const m = copy(from);
    Object.assign((binaries(m)[0] as ArtifactRecord).env, env);
    return m;
  };

  it.each([
    [{ GOFLAGS: '-toolexec=/tmp/evil.sh' }, 'GOFLAGS: "-toolexec=/tmp/evil.sh" is not a flag crossgo writes'],
    [
      { GOFLAGS: '-mod=mod -overlay=/tmp/o.json' },
      'GOFLAGS: "-overlay=/tmp/o.json" is not a flag crossgo writes',
    ],
    [
      { GOFLAGS: '-ldflags=-extld=/tmp/x' },
      'GOFLAGS: -ldflags word "-extld=/tmp/x" is not a linker flag crossgo writes',
    ],
    [
      { GOPROXY: 'https://evil.example', GOSUMDB: 'off', GOTOOLCHAIN: 'local' },
      `GOPROXY: "https://evil.example": crossgo does not set GOPROXY itself (it came from the build's --env or config); set it in your environment to that value, or`,
    ],
    [{ GOTOOLCHAIN: 'local' }, 'GOTOOLCHAIN: "local" is not an exact Go release (goX.Y.Z) for GOTOOLCHAIN'],
    [
      { GOTOOLCHAIN: 'go1.26.0+auto' },
      'GOTOOLCHAIN: "go1.26.0+auto" is not an exact Go release (goX.Y.Z) for GOTOOLCHAIN',
    ],
    [{ GOTOOLCHAIN: 'path' }, 'GOTOOLCHAIN: "path" is not an exact Go release (goX.Y.Z) for GOTOOLCHAIN'],
    [{ GOEXPERIMENT: 'x;id' }, 'GOEXPERIMENT: "x;id" is not a list of GOEXPERIMENT names'],
    [
      { CC: '/tmp/evil', CGO_ENABLED: '1' },
      'CC: "/tmp/evil": crossgo sets CC only for a cgo build, to the compiler it found (artifacts[0].cgo.compiler)',
    ],
    [
      { CXX: '/tmp/evil' },
      'CXX: "/tmp/evil": crossgo sets CXX only for a cgo build, to the compiler it found (artifacts[0].cgo.compiler)',
    ],
    [{ CGO_ENABLED: '1' }, 'CGO_ENABLED: "1", but artifacts[0].cgo records no cgo build with a C compiler'],
    [{ CGO_ENABLED: 'yes' }, 'CGO_ENABLED: "yes" is not 0 or 1'],
    [{ GOOS: 'windows' }, `GOOS: "windows" is not the target's (linux/amd64)`],
    [{ GOAMD64: 'v4' }, `GOAMD64: "v4" is not the target's level (linux/amd64)`],
    [{ GOARM: '5' }, `GOARM: "5" is not the target's level (linux/amd64)`],
    [
      { CGO_LDFLAGS: '-Wl,-plugin=/tmp/x.so' },
      'CGO_LDFLAGS: "-Wl,-plugin=/tmp/x.so": crossgo does not set CGO_LDFLAGS itself',
    ],
    [{ LD_PRELOAD: '/tmp/evil.so' }, 'LD_PRELOAD: "/tmp/evil.so": crossgo does not set LD_PRELOAD itself'],
    [{ GOENV: '/tmp/evil.env' }, 'GOENV: "/tmp/evil.env": crossgo does not set GOENV itself'],
  ])('env %o', (env, why) => {
    const message = refusal(withEnv(env));
    expect(message.startsWith(`artifacts[0].env.${why}`)).toBe(true);
    expect(message.endsWith(TRUST)).toBe(true);
  });

  it('toolchain.goflags, goexperiment and goVersion', () => {
    const goflags = copy(base);
    goflags.toolchain.goflags = '-buildvcs=false -toolexec=/tmp/evil.sh';
    expect(refusal(goflags)).toBe(
      `toolchain.goflags: "-toolexec=/tmp/evil.sh" is not a flag crossgo writes; ${TRUST}`,
    );
    const experiment = copy(base);
    experiment.toolchain.goexperiment = 'a b';
    expect(refusal(experiment)).toBe(
      `toolchain.goexperiment: "a b" is not a list of GOEXPERIMENT names; ${TRUST}`,
    );
    const version = copy(base);
    version.toolchain.goVersion = 'go1.26.0+path';
    expect(refusal(version)).toBe(
      `toolchain.goVersion: "go1.26.0+path" is not an exact Go release (goX.Y.Z) for GOTOOLCHAIN; ${TRUST}`,
    );
    const fine = copy(base);
    fine.toolchain.goflags = '-buildvcs=false -mod=readonly -modcacherw -trimpath -tags=a,b';
    expect(checkedCommand(input(fine)).env.GOFLAGS).toBe(fine.toolchain.goflags);
  });

  it('cgo: a recorded compiler that is not the kind it claims, an unknown kind, a macOS SDK', () => {
    const evil = withEnv({ CC: '/tmp/evil' }, cgo);
    expect(refusal(evil)).toBe(
      `artifacts[0].env.CC: "/tmp/evil" is not a C compiler crossgo's finder picks for kind "zig" (cgo.compiler); ${TRUST}`,
    );
    const kind = copy(cgo);
    (binaries(kind)[0]?.cgo.compiler as { kind: string }).kind = 'shell';
    expect(refusal(kind)).toBe(
      `artifacts[0].cgo.compiler.kind: "shell" is not a kind crossgo records (zig, cross, host, explicit); ${TRUST}`,
    );
  });

  it('a darwin zig build with an SDK', async () => {
    const darwin = await plannedManifest(cgoTime, { targets: 'darwin/arm64', cgo: 'on', cc: 'zig' });
    expect(checkedCommand(input(darwin)).compiler).toEqual({ kind: 'zig', static: false });
    const sdk = copy(darwin);
    const compiler = binaries(sdk)[0]?.cgo.compiler as { flags: string[] };
    compiler.flags = ['-F/opt/MacOSX.sdk/System/Library/Frameworks', '-L/opt/MacOSX.sdk/usr/lib'];
    expect(refusal(sdk)).toBe(
      `artifacts[0].cgo.compiler.flags: the build linked a macOS SDK (--macos-sdk), which repro --against does not take; ${TRUST}`,
    );
  });

  it('a manifest of the wrong shape', () => {
    const argv = copy(base);
    (binaries(argv)[0] as unknown as { argv: unknown }).argv = 'go build';
    expect(refusal(argv)).toBe('artifacts[0].argv: expected a list of strings');
    const env = copy(base);
    (binaries(env)[0] as unknown as { env: unknown }).env = { GOOS: 1 };
    expect(refusal(env)).toBe('artifacts[0].env: expected an object of strings');
  });
});

describe('secrets', () => {
  const SECRET = 'tok-3f9a-very-secret';
  const LICENSE = 'lic-77c1-also-secret';
  let manifest: Manifest;
  beforeAll(async () => {
    manifest = await plannedManifest(
      greet,
      { targets: 'linux/amd64', env: { API_TOKEN: SECRET }, ldflags: ['-X main.edition={env:LICENSE_KEY}'] },
      testEnv({ LICENSE_KEY: LICENSE }),
    );
  });

  it('names that look secret', () => {
    for (const name of [
      'API_TOKEN',
      'AWS_SECRET_ACCESS_KEY',
      'DB_PASSWORD',
      'passwd',
      'GH_CREDENTIALS',
      'signing_key',
    ])
      expect(isSecretName(name)).toBe(true);
    for (const name of ['GOOS', 'PATH', 'HOME', 'GOFLAGS']) expect(isSecretName(name)).toBe(false);
  });

  it('are recorded as their sha256, in env and in the argv', () => {
    const text = JSON.stringify(manifest);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(LICENSE);
    const artifact = binaries(manifest)[0] as ArtifactRecord;
    expect(artifact.env.API_TOKEN).toMatch(/^<redacted sha256:[0-9a-f]{64}>$/);
    expect(artifact.argv.find((w) => w.startsWith('-ldflags='))).toContain(
      ` -X main.edition=${argvMarker('LICENSE_KEY', LICENSE)}`,
    );
  });

  it('come back from the user environment, checked, and are never shown', () => {
    const userEnv = testEnv({ API_TOKEN: SECRET, LICENSE_KEY: LICENSE });
    const command = checkedCommand(input(manifest, 0, userEnv));
    expect(command.env.API_TOKEN).toBe(SECRET);
    expect(command.args.find((w) => w.startsWith('-ldflags='))).toContain(` -X main.edition=${LICENSE}`);
    const shown = shownCommand('go', command);
    const line = commandLine(shown);
    expect(`${JSON.stringify(shown)} ${line}`).not.toMatch(new RegExp(`${SECRET}|${LICENSE}`));
    expect(shown.env.API_TOKEN).toBe(binaries(manifest)[0]?.env.API_TOKEN);
    expect(trustedCommand(input(manifest, 0, userEnv)).env.API_TOKEN).toBe(SECRET);
  });

  it('refuses a secret that is missing or differs, in one line naming the variable', () => {
    expect(refusal(manifest, testEnv({ LICENSE_KEY: LICENSE }))).toBe(
      "artifacts[0].env.API_TOKEN: the build's API_TOKEN is recorded redacted (a secret): set API_TOKEN in your environment to the value the build used",
    );
    const i = binaries(manifest)[0]?.argv.findIndex((w) => w.startsWith('-ldflags='));
    const wrong = refusal(manifest, testEnv({ API_TOKEN: SECRET, LICENSE_KEY: 'something else' }));
    expect(wrong).toBe(
      `artifacts[0].argv[${i}]: LICENSE_KEY in your environment is not the value the build used (its sha256 differs from the manifest's)`,
    );
  });

  it('redacts in one pass, longest first, never inside a marker', () => {
    const secrets = new Map([
      ['A_KEY', 'abc'],
      ['B_KEY', 'abcdef'],
      ['C_KEY', 'a'],
    ]);
    expect(redactText('xabcdefyabcza', secrets)).toBe(
      `x${argvMarker('B_KEY', 'abcdef')}y${argvMarker('A_KEY', 'abc')}z${argvMarker('C_KEY', 'a')}`,
    );
  });
});

describe('trustedCommand and splitQuoted', () => {
  it('runs the recorded argv with only -o replaced', async () => {
    const manifest = copy(await plannedManifest(greet, { targets: 'linux/amd64' }));
    (binaries(manifest)[0] as ArtifactRecord).argv.splice(2, 0, '-toolexec=/bin/true');
    const command = trustedCommand(input(manifest));
    expect(command.args).toEqual(expectedArgs(binaries(manifest)[0] as ArtifactRecord));
    expect(command.checked).toBe(false);
  });

  it('splits as cmd/internal/quoted does', () => {
    expect(splitQuoted(` -X 'a.b=c d' "e f"g  h `)).toEqual(['-X', 'a.b=c d', 'e f', 'g', 'h']);
    expect(splitQuoted(`'open`)).toBeNull();
  });
});
