import { existsSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgainstReport } from '../../src/commands/repro.js';
import type { Manifest } from '../../src/pipeline/manifest.js';
import { type BinaryArtifact, binaries } from '../../src/pipeline/manifest.js';
import { cleanupTemps, crossgo, fixtureRepo, runTool, tempDir, testEnv } from '../helpers/cli.js';

afterAll(cleanupTemps);

const TRUST = 'rerun with --trust-manifest to run it anyway';

/*
 * A manifest "built elsewhere" is a command line someone else wrote. Each test tampers a real
 * crossgo manifest the way an attacker would, with a payload that leaves a marker file when it
 * runs, and checks that repro --against refuses it in one line naming the field, and that the
 * marker never appears; --trust-manifest runs it (the marker proves it).
 */

let greet: string;
let cgoTime: string;
let scratch: string;

/** A program that notes it ran in `marker`, then runs what it wraps (toolexec, CC). */
async function payload(name: string, marker: string, wraps = '"$@"'): Promise<string> {
  const file = path.join(scratch, name);
  await writeFile(file, `#!/bin/sh\necho ran >> '${marker}'\nexec ${wraps}\n`);
  await chmod(file, 0o755);
  return file;
}

async function tampered(dir: string, name: string, edit: (m: Manifest) => void): Promise<string> {
  const manifest = JSON.parse(await readFile(path.join(dir, 'dist', 'manifest.json'), 'utf8')) as Manifest;
  edit(manifest);
  const rel = `dist/${name}.json`;
  await writeFile(path.join(dir, rel), JSON.stringify(manifest, null, 2));
  return rel;
}

const against = (dir: string, manifest: string, extra: string[] = [], env = testEnv()) =>
  crossgo(['-C', dir, 'repro', '--against', manifest, ...extra], { env });

/** Refused: exit 2, nothing on stdout, one line on stderr. */
async function expectRefused(dir: string, manifest: string, line: RegExp | string, marker?: string) {
  const result = await against(dir, manifest);
  expect(result.code).toBe(2);
  expect(result.stdout).toBe('');
  const lines = result.stderr.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  if (typeof line === 'string') expect(lines[0]).toBe(line);
  else expect(lines[0]).toMatch(line);
  if (marker) expect(existsSync(marker)).toBe(false);
}

beforeAll(async () => {
  scratch = await tempDir();
  greet = (await fixtureRepo('greet')).dir;
  cgoTime = (await fixtureRepo('cgo-time')).dir;
  const [a, b] = await Promise.all([
    crossgo(['-C', greet, 'build', '-t', 'linux/amd64'], { env: testEnv() }),
    crossgo(['-C', cgoTime, 'build', '-t', 'linux/amd64', '--cgo', 'on', '--cc', 'host'], { env: testEnv() }),
  ]);
  expect([a.code, b.code]).toEqual([0, 0]);
});

describe('repro --against a tampered manifest', () => {
  it('a -toolexec in the argv', async () => {
    const marker = path.join(scratch, 'pwned-argv');
    const manifest = await tampered(greet, 'toolexec', (m) =>
      binaries(m)[0]?.argv.splice(2, 0, `-toolexec=sh -c "id > ${marker}"`),
    );
    await expectRefused(
      greet,
      manifest,
      `crossgo: artifacts[0].argv[2]: ${JSON.stringify(`-toolexec=sh -c "id > ${marker}"`)} is not a flag crossgo writes; ${TRUST}`,
      marker,
    );
  });

  it('GOFLAGS=-toolexec in the env, and in toolchain.goflags', async () => {
    const marker = path.join(scratch, 'pwned-goflags');
    const evil = await payload('evil-toolexec.sh', marker);
    const inEnv = await tampered(greet, 'goflags-env', (m) => {
      (binaries(m)[0] as BinaryArtifact).env.GOFLAGS = `-toolexec=${evil}`;
    });
    await expectRefused(
      greet,
      inEnv,
      `crossgo: artifacts[0].env.GOFLAGS: "-toolexec=${evil}" is not a flag crossgo writes; ${TRUST}`,
      marker,
    );
    const inToolchain = await tampered(greet, 'goflags-toolchain', (m) => {
      m.toolchain.goflags = `-toolexec=${evil}`;
    });
    await expectRefused(
      greet,
      inToolchain,
      `crossgo: toolchain.goflags: "-toolexec=${evil}" is not a flag crossgo writes; ${TRUST}`,
      marker,
    );
  });

  it('CC=/tmp/evil with CGO_ENABLED=1, in a cgo build and in a pure-Go one', async () => {
    const marker = path.join(scratch, 'pwned-cc');
    const evil = await payload('evil-cc', marker, 'gcc "$@"');
    const cgo = await tampered(cgoTime, 'cc', (m) => {
      (binaries(m)[0] as BinaryArtifact).env.CC = evil;
    });
    await expectRefused(
      cgoTime,
      cgo,
      `crossgo: artifacts[0].env.CC: "${evil}" is not a C compiler crossgo's finder picks for kind "host" (cgo.compiler); ${TRUST}`,
      marker,
    );
    const pure = await tampered(greet, 'cc', (m) => {
      Object.assign((binaries(m)[0] as BinaryArtifact).env, { CC: evil, CGO_ENABLED: '1' });
    });
    await expectRefused(
      greet,
      pure,
      `crossgo: artifacts[0].env.CC: "${evil}": crossgo sets CC only for a cgo build, to the compiler it found (artifacts[0].cgo.compiler); ${TRUST}`,
      marker,
    );
  });

  it('GOPROXY, GOSUMDB=off and GOTOOLCHAIN=local', async () => {
    const all = await tampered(greet, 'proxy', (m) => {
      Object.assign((binaries(m)[0] as BinaryArtifact).env, {
        GOPROXY: 'https://proxy.evil.example',
        GOSUMDB: 'off',
        GOTOOLCHAIN: 'local',
      });
    });
    await expectRefused(
      greet,
      all,
      `crossgo: artifacts[0].env.GOPROXY: "https://proxy.evil.example": crossgo does not set GOPROXY itself (it came from the build's --env or config); set it in your environment to that value, or ${TRUST}`,
    );
    const local = await tampered(greet, 'local', (m) => {
      (binaries(m)[0] as BinaryArtifact).env.GOTOOLCHAIN = 'local';
    });
    await expectRefused(
      greet,
      local,
      `crossgo: artifacts[0].env.GOTOOLCHAIN: "local" is not an exact Go release (goX.Y.Z) for GOTOOLCHAIN; ${TRUST}`,
    );
  });
});

describe('repro --against --trust-manifest', () => {
  it('runs a recorded -toolexec (a harmless one that leaves a marker)', async () => {
    const marker = path.join(scratch, 'ran-toolexec');
    const wrapper = await payload('marking-toolexec.sh', marker);
    const manifest = await tampered(greet, 'trusted-toolexec', (m) =>
      binaries(m)[0]?.argv.splice(2, 0, `-toolexec=${wrapper}`),
    );
    const result = await against(greet, manifest, ['--trust-manifest']);
    expect(result.stderr).toContain(
      "--trust-manifest: running the manifest's argv and env as recorded, unchecked",
    );
    expect(result.stderr).toContain(`-toolexec=${wrapper}`);
    expect([0, 1]).toContain(result.code);
    expect(existsSync(marker)).toBe(true);
  });

  it('runs a recorded CC', async () => {
    const marker = path.join(scratch, 'ran-cc');
    const cc = await payload('marking-cc', marker, 'gcc "$@"');
    const manifest = await tampered(cgoTime, 'trusted-cc', (m) => {
      (binaries(m)[0] as BinaryArtifact).env.CC = cc;
    });
    const result = await against(cgoTime, manifest, ['--trust-manifest']);
    expect([0, 1]).toContain(result.code);
    expect(existsSync(marker)).toBe(true);
  });

  it('is refused without --against', async () => {
    const result = await crossgo(['-C', greet, 'repro', '--trust-manifest'], { env: testEnv() });
    expect([result.code, result.stderr]).toEqual([
      2,
      'crossgo: --trust-manifest: only with --against MANIFEST\n',
    ]);
  });
});

describe('repro --against a clean manifest', () => {
  it('shows what it runs on stderr, returns it in the report, and rebuilds to the recorded hash', async () => {
    const result = await against(greet, 'dist/manifest.json', ['--json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as AgainstReport;
    expect(report.trusted).toBe(false);
    const [target] = report.targets;
    expect(target?.reproducible).toBe(true);
    const { argv, env } = target?.command ?? { argv: [], env: {} };
    expect(argv.slice(1, 3)).toEqual(['build', '-trimpath']);
    expect(argv.at(-1)).toBe('example.com/greet');
    expect(env).toMatchObject({ GOOS: 'linux', GOARCH: 'amd64', CGO_ENABLED: '0' });
    expect(env.GOTOOLCHAIN).toMatch(/^go1\.\d+\.\d+$/);
    const lines = result.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^linux\/amd64: GOOS=linux GOARCH=amd64 CGO_ENABLED=0 GOTOOLCHAIN=go1\.\d+\.\d+ GOFLAGS='' GOEXPERIMENT='' \S*go build -trimpath '-ldflags=-s -w -X main\.version=1\.2\.3 .*' -o \S+ example\.com\/greet$/,
    );
  });

  it('finds the C compiler of a cgo build on this machine', async () => {
    const result = await against(cgoTime, 'dist/manifest.json', ['--json']);
    const report = JSON.parse(result.stdout) as AgainstReport;
    expect(report.targets[0]?.command.env).toMatchObject({ CGO_ENABLED: '1', CC: 'gcc' });
    expect(report.targets[0]?.error).toBeUndefined();
  });
});

describe('secrets', () => {
  const TOKEN = 'tok-9c1e7f-secret';
  const KEY = 'key-4b2d88-secret';
  let dir: string;

  beforeAll(async () => {
    dir = (await fixtureRepo('greet')).dir;
    const build = await crossgo(
      [
        '-C',
        dir,
        'build',
        '--json',
        '-t',
        'linux/amd64',
        '--env',
        `API_TOKEN=${TOKEN}`,
        '--ldflags',
        '-X main.edition={env:RELEASE_KEY}',
      ],
      { env: testEnv({ RELEASE_KEY: KEY }) },
    );
    expect(build.code).toBe(0);
    expect(`${build.stdout}${build.stderr}`).not.toMatch(new RegExp(`${TOKEN}|${KEY}`));
  });

  it('are recorded as their sha256; the build still used them', async () => {
    const text = await readFile(path.join(dir, 'dist', 'manifest.json'), 'utf8');
    expect(text).not.toMatch(new RegExp(`${TOKEN}|${KEY}`));
    const sha = (value: string) => runTool('sh', ['-c', 'printf %s "$1" | sha256sum', 'sh', value]);
    const [tokenSha, keySha] = (await Promise.all([sha(TOKEN), sha(KEY)])).map((r) => r.stdout.split(' ')[0]);
    const manifest = JSON.parse(text) as Manifest;
    expect(binaries(manifest)[0]?.env.API_TOKEN).toBe(`<redacted sha256:${tokenSha}>`);
    expect(binaries(manifest)[0]?.argv.join(' ')).toContain(
      `-X main.edition=<redacted RELEASE_KEY sha256:${keySha}>`,
    );
    const run = await runTool(path.join(dir, 'dist', binaries(manifest)[0]?.path ?? ''), []);
    expect(run.stdout).toContain(KEY);
  });

  it('are taken from the environment and checked: the rebuild matches and shows none', async () => {
    const result = await against(
      dir,
      'dist/manifest.json',
      ['--json'],
      testEnv({ API_TOKEN: TOKEN, RELEASE_KEY: KEY }),
    );
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as AgainstReport).targets[0]?.reproducible).toBe(true);
    expect(`${result.stdout}${result.stderr}`).not.toMatch(new RegExp(`${TOKEN}|${KEY}`));
    expect(result.stderr).toMatch(/API_TOKEN='<redacted sha256:[0-9a-f]{64}>'/);
  });

  it('a missing or different secret is refused in one line naming the variable', async () => {
    const missing = await against(dir, 'dist/manifest.json', [], testEnv({ API_TOKEN: TOKEN }));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /^crossgo: artifacts\[0\]\.argv\[\d+\]: the build's RELEASE_KEY is recorded redacted \(a secret\): set RELEASE_KEY in your environment to the value the build used\n$/,
    );
    const wrong = await against(
      dir,
      'dist/manifest.json',
      [],
      testEnv({ API_TOKEN: 'not-it', RELEASE_KEY: KEY }),
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toBe(
      "crossgo: artifacts[0].env.API_TOKEN: API_TOKEN in your environment is not the value the build used (its sha256 differs from the manifest's)\n",
    );
    expect(`${wrong.stdout}${wrong.stderr}${missing.stdout}${missing.stderr}`).not.toMatch(
      new RegExp(`${TOKEN}|${KEY}`),
    );
  });
});
