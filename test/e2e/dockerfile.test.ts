import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/pipeline/manifest.js';
import {
  COMMIT_DATE,
  cleanupTemps,
  crossgo,
  FIXTURES,
  fixtureRepo,
  gitIdentity,
  runTool,
  tempDir,
  testEnv,
} from '../helpers/cli.js';
import { goVersionM } from '../helpers/oracles.js';

afterAll(cleanupTemps);

/*
 * The oracles: BuildKit's own Dockerfile frontend (test/fixtures/buildkit-parse: moby/buildkit's
 * parser, instructions and dockerfile2llb, the code `docker buildx build` runs), which turns the
 * generated file into LLB for linux/amd64 and linux/arm64 on an amd64 build machine; the LLB
 * exec op of the go build, run here as BuildKit would run it (its argv and environment, in the
 * module folder that BuildKit bind-mounts), whose binary must be byte for byte crossgo build's;
 * and `go version -m` on that binary. There is no docker daemon here: the one change made to
 * BuildKit's op is the output folder (/out → a temporary folder).
 */

const env = testEnv();
const BUILDKIT_PARSE = path.join(FIXTURES, 'buildkit-parse');

interface Mount {
  type: string;
  target: string;
}
interface ExecOp {
  platform: string;
  args: string[];
  env: string[];
  cwd: string;
  mounts: Mount[];
}
interface Parsed {
  directives: string[];
  stages: { name: string; base: string; platform: string; commands: { name: string; line: number }[] }[];
  targets: {
    platform: string;
    execs: ExecOp[];
    sources: { platform: string; identifier: string }[];
    image: {
      architecture: string;
      config: {
        User?: string;
        Entrypoint?: string[];
        Env?: string[];
        Labels?: Record<string, string>;
        WorkingDir?: string;
        ExposedPorts?: Record<string, unknown>;
      };
    };
  }[];
}

/** BuildKit's reading of a Dockerfile for two target platforms, with build arguments. */
async function buildkit(
  file: string,
  args: Record<string, string>,
  platforms = ['linux/amd64', 'linux/arm64'],
): Promise<Parsed> {
  const words = Object.entries(args).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
  const r = await runTool('go', ['run', '.', file, ...words, ...platforms], {
    cwd: BUILDKIT_PARSE,
    env,
  });
  if (r.code !== 0) throw new Error(`buildkit-parse ${file}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Parsed;
}

/** crossgo's targets and the BuildKit platforms that are the same build: the variants go through TARGETVARIANT. */
const PLATFORMS: Record<string, string> = {
  'linux/amd64': 'linux/amd64',
  'linux/arm64': 'linux/arm64',
  'linux/arm/v7': 'linux/arm/7',
  'linux/amd64/v3': 'linux/amd64/v3',
};

const sha256 = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

describe('crossgo dockerfile', () => {
  let repo = '';
  let commit = '';
  let text = '';
  let parsed: Parsed;
  let manifest: Manifest;
  let out = '';
  const stampArgs = () => ({ VERSION: '1.2.3', COMMIT: commit, COMMIT_DATE });

  beforeAll(async () => {
    ({ dir: repo, commit } = await fixtureRepo('greet'));
    const r = await crossgo(['dockerfile'], { cwd: repo, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /^crossgo: wrote Dockerfile: greet from golang:1\.21 on \$BUILDPLATFORM, final stage scratch\n$/,
    );
    text = await readFile(path.join(repo, 'Dockerfile'), 'utf8');
    // Committed and re-tagged, so crossgo build and the Dockerfile's build see the same clean commit.
    const git = (...args: string[]) => runTool('git', args, { cwd: repo, env: { ...env, ...gitIdentity() } });
    await git('add', 'Dockerfile');
    await git('commit', '-q', '-m', 'Dockerfile');
    await git('tag', '-f', 'v1.2.3');
    commit = (await git('rev-parse', 'HEAD')).stdout.trim();
    out = path.join(await tempDir(), 'dist');
    const targets = Object.values(PLATFORMS).join(',');
    const built = await crossgo(['build', '-t', targets, '-o', out], { cwd: repo, env });
    expect(built.code, built.stderr).toBe(0);
    manifest = JSON.parse(await readFile(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
    parsed = await buildkit(path.join(repo, 'Dockerfile'), stampArgs(), Object.keys(PLATFORMS));
  }, 300_000);

  it("starts with the syntax directive and crossgo's marker, and builds on $BUILDPLATFORM into scratch", () => {
    const lines = text.split('\n');
    expect(lines[0]).toBe('# syntax=docker/dockerfile:1');
    expect(lines[1]).toMatch(/^# Written by crossgo \S+; regenerate it with `crossgo dockerfile`/);
    expect(lines[2]).toMatch(/^# crossgo-digest: sha256:[0-9a-f]{64}$/);
    expect(parsed.directives).toEqual(['syntax=docker/dockerfile:1']);
    const [build, final] = parsed.stages;
    expect(parsed.stages).toHaveLength(2);
    expect(build).toMatchObject({ name: 'build', base: 'golang:1.21', platform: '$BUILDPLATFORM' });
    expect(final).toMatchObject({ base: 'scratch', platform: '' });
  });

  it('BuildKit compiles every platform on the build machine (no emulation), with both caches mounted', () => {
    expect(parsed.targets.map((t) => t.platform)).toEqual(Object.keys(PLATFORMS));
    for (const target of parsed.targets) {
      const golang = target.sources.find((s) =>
        s.identifier.startsWith('docker-image://docker.io/library/golang:1.21'),
      );
      expect(golang?.platform, target.platform).toBe('linux/amd64');
      const builds = target.execs.filter((e) => e.args.join(' ').includes('go build'));
      expect(builds).toHaveLength(1);
      const exec = builds[0] as ExecOp;
      expect(exec.platform).toBe('linux/amd64');
      expect(exec.env).toContain(`TARGETARCH=${target.platform.split('/')[1]}`);
      expect(exec.env).toContain('VERSION=1.2.3');
      const caches = exec.mounts.filter((m) => m.type === 'cache').map((m) => m.target);
      expect(caches.sort()).toEqual(['/go/pkg/mod', '/root/.cache/go-build']);
      const download = target.execs.find((e) => e.args.join(' ').includes('go mod download'));
      expect(download?.mounts.filter((m) => m.type === 'cache').map((m) => m.target)).toEqual([
        '/go/pkg/mod',
      ]);
      expect(target.image.architecture).toBe(target.platform.split('/')[1]);
      expect(target.image.config).toMatchObject({
        User: '65532:65532',
        Entrypoint: ['/usr/local/bin/greet'],
        Labels: {
          'org.opencontainers.image.version': '1.2.3',
          'org.opencontainers.image.revision': commit,
          'org.opencontainers.image.created': COMMIT_DATE,
          'org.opencontainers.image.source': 'https://example.com/greet',
        },
      });
      expect(target.image.config.Env).toContain('SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt');
    }
  });

  it("BuildKit's go build step, run as BuildKit runs it, makes crossgo build's binary byte for byte", async () => {
    const folder = await tempDir();
    const [GOCACHE = '', GOMODCACHE = '', GOPATH = ''] = (
      await runTool('go', ['env', 'GOCACHE', 'GOMODCACHE', 'GOPATH'], { env })
    ).stdout.split('\n');
    const goCaches = { GOCACHE, GOMODCACHE, GOPATH };
    for (const target of parsed.targets) {
      const exec = target.execs.find((e) => e.args.join(' ').includes('go build')) as ExecOp;
      const [shell, flag, script] = exec.args as [string, string, string];
      expect([shell, flag]).toEqual(['/bin/sh', '-c']);
      const dest = path.join(folder, target.platform.replaceAll('/', '_'));
      await mkdir(dest);
      // BuildKit's environment for the step, with this machine's go, caches and home.
      const stepEnv: NodeJS.ProcessEnv = Object.fromEntries(
        exec.env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
      );
      // HOME is the step's own (its git config --global lands there); go's caches stay this machine's.
      for (const key of ['PATH', 'GOENV', 'GOTOOLCHAIN']) if (env[key] !== undefined) stepEnv[key] = env[key];
      Object.assign(stepEnv, goCaches, { HOME: path.join(dest, 'home') });
      await mkdir(path.join(dest, 'home'));
      const r = await runTool(shell, [flag, script.replaceAll('/out/', `${dest}/`)], {
        cwd: repo,
        env: stepEnv,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(await readFile(path.join(dest, 'home', '.gitconfig'), 'utf8')).toContain(`directory = ${repo}`);
      const record = manifest.artifacts.find(
        (a) => a.kind === 'binary' && a.target === PLATFORMS[target.platform],
      );
      expect(record, target.platform).toBeDefined();
      const binary = path.join(dest, 'greet');
      expect(await sha256(binary)).toBe(record?.sha256);
      // The same flags as crossgo's argv: the step's -ldflags with BuildKit's build arguments in
      // place is the manifest's word for word (go records no -ldflags under -trimpath).
      const argv = (record as { argv: string[] }).argv;
      const ldflags = /"-ldflags=([^"]*)"/
        .exec(script)?.[1]
        ?.replace(/\$\{(\w+)\}/g, (_, k: string) => stepEnv[k] ?? '');
      expect(`-ldflags=${ldflags}`).toBe(argv.find((a) => a.startsWith('-ldflags=')));
      expect(script).toContain('go build -trimpath ');
      expect(argv.slice(0, 3)).toEqual(['go', 'build', '-trimpath']);
      const settings = await goVersionM(binary);
      expect(settings.get('-trimpath')).toBe('true');
      expect(settings.get('CGO_ENABLED')).toBe('0');
      expect(settings.get('GOARCH')).toBe(target.platform.split('/')[1]);
      const level = { 'linux/arm/v7': ['GOARM', '7'], 'linux/amd64/v3': ['GOAMD64', 'v3'] }[target.platform];
      if (level) expect(settings.get(level[0] as string)).toBe(level[1]);
      if (target.platform === 'linux/amd64' && process.arch === 'x64') {
        const run = await runTool(binary, []);
        expect(run.stdout).toMatch(
          new RegExp(`^greet version=1\\.2\\.3 commit=${commit} date=${COMMIT_DATE} `),
        );
      }
    }
  }, 300_000);

  it('passes crossgo lint dockerfile', async () => {
    const r = await crossgo(['lint', 'dockerfile'], { cwd: repo, env });
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(r.stderr).toBe('crossgo: Dockerfile: no Go build traps\n');
  });

  it('writes the same bytes again, keeps an edited or foreign file unless --force, and prints with --stdout', async () => {
    const again = await crossgo(['dockerfile'], { cwd: repo, env });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/^crossgo: unchanged: Dockerfile/);
    expect(await readFile(path.join(repo, 'Dockerfile'), 'utf8')).toBe(text);
    const printed = await crossgo(['dockerfile', '--stdout'], { cwd: repo, env });
    expect(printed.stdout).toBe(text);
    const file = path.join(repo, 'Dockerfile');
    await writeFile(file, text.replace('WORKDIR /src', 'WORKDIR /app'));
    const edited = await crossgo(['dockerfile'], { cwd: repo, env });
    expect(edited.code).toBe(2);
    expect(edited.stderr).toBe(
      'crossgo: Dockerfile was edited since crossgo wrote it: crossgo dockerfile does not replace it (add --force to overwrite)\n',
    );
    await writeFile(file, 'FROM scratch\n');
    const foreign = await crossgo(['dockerfile'], { cwd: repo, env });
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toMatch(/^crossgo: Dockerfile was not written by crossgo: .*--force/);
    expect(await readFile(file, 'utf8')).toBe('FROM scratch\n');
    const forced = await crossgo(['dockerfile', '--force'], { cwd: repo, env });
    expect(forced.code, forced.stderr).toBe(0);
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('--file names a file inside the module, relative to where crossgo runs', async () => {
    const outside = await crossgo(['dockerfile', '--file', '../Dockerfile'], { cwd: repo, env });
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(
      /^crossgo: --file \.\.\/Dockerfile: the Dockerfile goes inside the module \(.*\)\n$/,
    );
    const inside = await crossgo(['dockerfile', '--file', 'docker/Dockerfile'], { cwd: repo, env });
    expect(inside.code, inside.stderr).toBe(0);
    const written = await readFile(path.join(repo, 'docker', 'Dockerfile'), 'utf8');
    expect(written).toContain('regenerate it with `crossgo dockerfile --file docker/Dockerfile`');
  });
});

describe('crossgo dockerfile with a config', () => {
  it('maps the ldflags templates and the image settings, and names what it cannot carry', async () => {
    const { dir } = await fixtureRepo('greet');
    await writeFile(
      path.join(dir, 'crossgo.yaml'),
      [
        'ldflags: ["-X main.version={version}", "-X main.commit={short_commit}", "-X main.edition={os|title}"]',
        'tags: [fancy]',
        'image:',
        '  base: gcr.io/distroless/static-debian12:nonroot',
        '  workdir: /data',
        '  user: "1000:1000"',
        '  ports: [8080, "53/udp"]',
        '  env: {MODE: prod, REV: "{short_commit}"}',
        '  labels: {org.example.built-from: "{project}@{short_commit}"}',
        '  entrypoint: [/usr/local/bin/greet, serve]',
        '',
      ].join('\n'),
    );
    const r = await crossgo(['dockerfile', '--config', 'crossgo.yaml'], { cwd: dir, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.split('\n')[0]).toBe(
      'crossgo: note: crossgo.yaml: ldflags[2]: "-X main.edition={os|title}": the filter |title has no shell equivalent; left out of the Dockerfile',
    );
    const file = path.join(dir, 'Dockerfile');
    const text = await readFile(file, 'utf8');
    expect(text).toContain('regenerate it with `crossgo dockerfile --config crossgo.yaml`');
    expect(text).toContain(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a JS template
      '"-ldflags=-s -w -X main.version=${VERSION} -X main.commit=${SHORT_COMMIT}" "-tags=fancy"',
    );
    const parsed = await buildkit(file, { VERSION: '1.2.3', SHORT_COMMIT: 'abc1234' });
    expect(parsed.stages.at(-1)?.base).toBe('gcr.io/distroless/static-debian12:nonroot');
    for (const target of parsed.targets) {
      expect(target.sources.map((s) => s.identifier)).toContainEqual(
        expect.stringMatching(/^docker-image:\/\/gcr\.io\/distroless\/static-debian12:nonroot/),
      );
      expect(target.image.config).toMatchObject({
        User: '1000:1000',
        WorkingDir: '/data',
        Entrypoint: ['/usr/local/bin/greet', 'serve'],
        ExposedPorts: { '8080/tcp': {}, '53/udp': {} },
      });
      expect(target.image.config.Env).toEqual(expect.arrayContaining(['MODE=prod', 'REV=abc1234']));
      expect(target.image.config.Labels?.['org.example.built-from']).toBe('greet@abc1234');
      const exec = target.execs.find((e) => e.args.join(' ').includes('go build')) as ExecOp;
      expect(exec.env).toContain('SHORT_COMMIT=abc1234');
    }
    const lint = await crossgo(['lint', 'dockerfile', 'Dockerfile'], { cwd: dir, env });
    expect(lint.code, lint.stdout).toBe(0);
  }, 300_000);
});

describe('crossgo lint dockerfile', () => {
  const DIR = path.join(FIXTURES, 'dockerfiles');
  it("reports each fixture's one trap as FILE:LINE: trap: message; fix: …, exit 1; the clean one exit 0", async () => {
    const expected = JSON.parse(await readFile(path.join(DIR, 'expected.json'), 'utf8')) as Record<
      string,
      { trap: string; line: number } | null
    >;
    for (const [file, want] of Object.entries(expected)) {
      const r = await crossgo(['lint', 'dockerfile', file], { cwd: DIR, env });
      if (want === null) {
        expect(r, file).toMatchObject({ code: 0, stdout: '' });
        continue;
      }
      expect(r.code, file).toBe(1);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines, file).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(`^${file.replace('.', '\\.')}:${want.line}: ${want.trap}: .+; fix: .+$`),
      );
      expect(r.stderr).toBe(`crossgo: ${file}: 1 Go build trap\n`);
      const json = await crossgo(['lint', 'dockerfile', file, '--json'], { cwd: DIR, env });
      expect(json.code).toBe(1);
      const findings = JSON.parse(json.stdout) as { file: string; line: number; trap: string; fix: string }[];
      expect(findings).toEqual([expect.objectContaining({ file, line: want.line, trap: want.trap })]);
    }
  }, 120_000);

  it('usage errors are one line, exit 2: no file, a folder, a file over 1 MiB', async () => {
    const dir = await tempDir();
    const none = await crossgo(['lint', 'dockerfile'], { cwd: dir, env });
    expect(none).toMatchObject({ code: 2, stdout: '' });
    expect(none.stderr).toBe(
      'crossgo: Dockerfile: no such file (name the Dockerfile: crossgo lint dockerfile path/to/Dockerfile)\n',
    );
    await mkdir(path.join(dir, 'sub'));
    const folder = await crossgo(['lint', 'dockerfile', 'sub'], { cwd: dir, env });
    expect(folder.code).toBe(2);
    expect(folder.stderr.trimEnd().split('\n')).toHaveLength(1);
    await writeFile(path.join(dir, 'Big'), `FROM scratch\n${'# x\n'.repeat(300_000)}`);
    const big = await crossgo(['lint', 'dockerfile', 'Big'], { cwd: dir, env });
    expect(big.code).toBe(2);
    expect(big.stderr).toMatch(/^crossgo: Big is 1200013 bytes, over the limit of 1048576: .*\n$/);
  });
});
