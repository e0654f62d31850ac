import { createHash } from 'node:crypto';
import { chmod, copyFile, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Manifest } from '../../src/pipeline/manifest.js';
import { CROSSGO_VERSION } from '../../src/version.js';
import {
  CLI,
  cleanupTemps,
  crossgo,
  fixtureRepo,
  gitIdentity,
  runTool,
  tempDir,
  testEnv,
} from '../helpers/cli.js';
import { goTool } from '../helpers/goTools.js';

afterAll(cleanupTemps);

/*
 * The oracles: actionlint (rhysd/actionlint, the workflow linter GitHub users run) on the
 * GitHub file; a YAML parser for the structure; and the workflow's own shell steps, run here
 * with bash as the runners run them (two shard jobs, then the release job), with `npx` a shim
 * that insists on `npx --yes crossgo@<this version>` and runs this checkout's CLI instead.
 * Only what the CI system itself does between steps (the checkout, the artifact upload and
 * download) is done by the test: a git clone and a file copy.
 */

const WORKFLOW = '.github/workflows/crossgo-release.yml';
const env = testEnv();
for (const k of ['CI_NODE_INDEX', 'CI_NODE_TOTAL', 'CROSSGO_SHARD', 'CROSSGO_CACHE_URL']) delete env[k];
const git = async (cwd: string, ...args: string[]) => {
  const r = await runTool('git', ['-c', 'init.defaultBranch=main', ...args], {
    cwd,
    env: { ...env, ...gitIdentity() },
  });
  if (r.code !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
};
const FOUR = 'targets: [linux/amd64, linux/arm64, darwin/arm64, windows/amd64]\n';

interface Step {
  uses?: string;
  name?: string;
  run?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Job {
  name?: string;
  needs?: string | string[];
  strategy?: { matrix: { shard: number[] } };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  defaults: { run: { shell: string; 'working-directory': string } };
  jobs: Record<string, Job>;
}

async function actionlint(file: string, cwd: string) {
  return runTool(goTool('actionlint'), ['-no-color', file], { cwd });
}

/** Every string in the document with where it is (a dotted path), to find every `secrets.` use. */
function strings(value: unknown, at = ''): [string, string][] {
  if (typeof value === 'string') return [[at, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => strings(v, `${at}[${i}]`));
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([k, v]) => strings(v, at ? `${at}.${k}` : k));
  return [];
}

describe('crossgo ci github', () => {
  let dir: string;
  beforeAll(async () => {
    ({ dir } = await fixtureRepo('greet'));
    await writeFile(path.join(dir, 'crossgo.yaml'), FOUR);
    await git(dir, 'add', 'crossgo.yaml');
    await git(dir, 'commit', '-qm', 'four targets');
  });

  for (const n of [1, 3, 4]) {
    it(`--shards ${n}: actionlint finds nothing, the matrix has ${n} shards, each builds I/${n}`, async () => {
      const r = await crossgo(['ci', 'github', '--shards', String(n), '--json'], { cwd: dir, env });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ path: WORKFLOW, shards: n, targets: 4 });
      const lint = await actionlint(WORKFLOW, dir);
      expect(lint.stdout + lint.stderr).toBe('');
      expect(lint.code).toBe(0);

      const text = await readFile(path.join(dir, WORKFLOW), 'utf8');
      expect(text.startsWith(`# Written by crossgo ${CROSSGO_VERSION}`)).toBe(true);
      const wf = parse(text) as Workflow;
      expect(Object.keys(wf.on).sort()).toEqual(['push', 'workflow_dispatch']);
      expect(wf.permissions).toEqual({ contents: 'read' });
      const { shard, release } = wf.jobs as { shard: Job; release: Job };
      expect(shard.strategy?.matrix.shard).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      expect(release.needs).toBe('shard');
      // Job names and artifact names, as GitHub expands the matrix: all different.
      const expand = (s: string, i: number) => s.replaceAll(`\${{ matrix.shard }}`, String(i));
      const shards = shard.strategy?.matrix.shard ?? [];
      const upload = shard.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@')) as Step;
      const names = shards.map((i) => expand(String(shard.name), i));
      const artifacts = shards.map((i) => expand(String(upload.with?.name), i));
      expect(new Set(names).size).toBe(n);
      expect(artifacts).toEqual(shards.map((i) => `crossgo-shard-${i}-of-${n}`));
      const build = shard.steps.find((s) => s.run?.includes(' build ')) as Step;
      expect(build.run).toContain(`npx --yes crossgo@${CROSSGO_VERSION} build --shard "$SHARD_INDEX/${n}"`);
      expect(build.env?.SHARD_INDEX).toBe(`\${{ matrix.shard }}`);
      const download = release.steps.find((s) => s.uses?.startsWith('actions/download-artifact@')) as Step;
      expect(download.with).toMatchObject({ pattern: `crossgo-shard-*-of-${n}`, 'merge-multiple': true });
      // Every action pinned to a full commit SHA with its version as a comment.
      for (const line of text.split('\n').filter((l) => l.includes('uses: ')))
        expect(line).toMatch(/uses: actions\/[a-z-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
      // Secrets only as a step's env values (never in run:, with: or anywhere else), and no
      // expression at all inside a shell script.
      for (const [at, value] of strings(wf)) {
        if (value.includes('secrets.')) expect(at).toMatch(/^jobs\.\w+\.steps\[\d+\]\.env\.[A-Z_]+$/);
        if (at.endsWith('.run')) expect(value).not.toContain('${{');
      }
    });
  }

  it('regenerating gives the same bytes; another --shards replaces its own file silently', async () => {
    await crossgo(['ci', 'github', '--shards', '2'], { cwd: dir, env });
    const first = await readFile(path.join(dir, WORKFLOW));
    const again = await crossgo(['ci', 'github', '--shards', '2'], { cwd: dir, env });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/unchanged/);
    expect(await readFile(path.join(dir, WORKFLOW))).toEqual(first);
    // The default: one shard per 4 targets, rounded up.
    const dflt = await crossgo(['ci', 'github', '--json'], { cwd: dir, env });
    expect(JSON.parse(dflt.stdout)).toMatchObject({ shards: 1, outcome: 'replaced' });
  });

  it('a hand-written workflow is refused in one line naming it and --force; --force replaces it', async () => {
    const file = path.join(dir, WORKFLOW);
    await writeFile(file, 'name: mine\non: push\njobs: {}\n');
    const r = await crossgo(['ci', 'github'], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(WORKFLOW);
    expect(r.stderr).toContain('--force');
    expect(await readFile(file, 'utf8')).toBe('name: mine\non: push\njobs: {}\n');
    const forced = await crossgo(['ci', 'github', '--force'], { cwd: dir, env });
    expect(forced.code).toBe(0);
    expect(await readFile(file, 'utf8')).toMatch(/^# Written by crossgo/);
  });

  it("crossgo's file edited by hand is refused too", async () => {
    const file = path.join(dir, WORKFLOW);
    await crossgo(['ci', 'github', '--force'], { cwd: dir, env });
    const edited = (await readFile(file, 'utf8')).replace('retention-days: 1', 'retention-days: 3');
    await writeFile(file, edited);
    const r = await crossgo(['ci', 'github'], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/edited.*--force/);
    expect(await readFile(file, 'utf8')).toBe(edited);
  });

  it('a bad --shards is exit 2 with one line', async () => {
    for (const bad of ['0', '5', 'x', '1.5', '-1']) {
      const r = await crossgo(['ci', 'github', '--shards', bad], { cwd: dir, env });
      expect(r.code, bad).toBe(2);
      expect(r.stderr.trim().split('\n'), bad).toHaveLength(1);
      expect(r.stderr).toMatch(/--shards.*from 1 to 4/);
    }
    const platform = await crossgo(['ci', 'jenkins'], { cwd: dir, env });
    expect(platform.code).toBe(2);
    expect(platform.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('writes nothing through a symbolic link on the way', async () => {
    const { dir: other } = await fixtureRepo('greet');
    const elsewhere = await tempDir();
    await symlink(elsewhere, path.join(other, '.github'));
    const r = await crossgo(['ci', 'github'], { cwd: other, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/symbolic link/);
    expect(await stat(path.join(elsewhere, 'workflows')).catch(() => null)).toBeNull();
  });

  it('--config: the jobs build and package with that config, into its out folder', async () => {
    await writeFile(path.join(dir, 'release.yaml'), `${FOUR}out: out\n`);
    const r = await crossgo(['ci', 'github', '--config', 'release.yaml', '--shards', '4', '--force'], {
      cwd: dir,
      env,
    });
    expect(r.code, r.stderr).toBe(0);
    const lint = await actionlint(WORKFLOW, dir);
    expect(lint.stdout + lint.stderr).toBe('');
    const wf = parse(await readFile(path.join(dir, WORKFLOW), 'utf8')) as Workflow;
    const build = wf.jobs.shard?.steps.find((s) => s.run?.includes(' build ')) as Step;
    expect(build.run).toContain('build --shard "$SHARD_INDEX/4" --config release.yaml');
    expect(build.run).toContain('-C out .');
    const release = wf.jobs.release as Job;
    expect(release.steps.find((s) => s.run)?.run).toContain(
      'package -o out --config release.yaml --sign gpg',
    );
    expect(release.steps.at(-1)?.with?.path).toBe('out');
  });

  it('a module in a subfolder: working-directory, go.mod path, its sub/v* tags, the release path', async () => {
    const top = path.join(await tempDir(), 'repo');
    const { dir: fixture } = await fixtureRepo('greet');
    await mkdir(top);
    await git(top, 'init', '-q');
    await runTool('cp', ['-r', fixture, path.join(top, 'app')]);
    await runTool('rm', ['-rf', path.join(top, 'app', '.git')]);
    await git(top, 'add', '-A');
    await git(top, 'commit', '-qm', 'app');
    const r = await crossgo(['-C', 'app', 'ci', 'github', '--shards', '2'], { cwd: top, env });
    expect(r.stderr).toMatch(/wrote \.github\/workflows\/crossgo-release\.yml/);
    const lint = await actionlint(WORKFLOW, top);
    expect(lint.stdout + lint.stderr).toBe('');
    const text = await readFile(path.join(top, WORKFLOW), 'utf8');
    expect(text).toContain('regenerate it with `crossgo -C app ci github --shards 2`');
    const wf = parse(text) as Workflow;
    expect(wf.defaults.run['working-directory']).toBe('app');
    expect(wf.on.push).toEqual({ tags: ['app/v*'] });
    const setupGo = wf.jobs.shard?.steps.find((s) => s.uses?.startsWith('actions/setup-go@'));
    expect(setupGo?.with?.['go-version-file']).toBe('app/go.mod');
    const last = wf.jobs.release?.steps.at(-1);
    expect(last?.with?.path).toBe('app/dist');
  });
});

/** A folder with an `npx` that accepts only `npx --yes crossgo@<version> …` and runs this checkout's CLI. */
async function npxShim(): Promise<string> {
  const bin = await tempDir('crossgo-npx-');
  const shim = path.join(bin, 'npx');
  await writeFile(
    shim,
    `#!/bin/sh\nif [ "$1" != --yes ] || [ "$2" != crossgo@${CROSSGO_VERSION} ]; then echo "npx shim: unexpected $*" >&2; exit 97; fi\nshift 2\nexec "${process.execPath}" "${CLI}" "$@"\n`,
  );
  await chmod(shim, 0o755);
  return bin;
}

/** A signing key with a passphrase, exported as a team would paste it into a secret. */
async function signingKey(): Promise<{ armored: string; passphrase: string; gnupg: string }> {
  const gnupg = path.join(await tempDir('gpg-'), 'g');
  await mkdir(gnupg, { mode: 0o700 });
  const genv = { ...process.env, GNUPGHOME: gnupg };
  const passphrase = 'correct horse battery';
  const uid = 'crossgo ci test <ci@example.com>';
  const gen = await runTool(
    'gpg',
    [
      '--batch',
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      passphrase,
      '--quick-gen-key',
      uid,
      'ed25519',
      'sign',
      'never',
    ],
    { env: genv },
  );
  if (gen.code !== 0) throw new Error(gen.stderr);
  const exp = await runTool(
    'gpg',
    [
      '--batch',
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      passphrase,
      '--armor',
      '--export-secret-keys',
      uid,
    ],
    { env: genv },
  );
  if (exp.code !== 0) throw new Error(exp.stderr);
  return { armored: exp.stdout, passphrase, gnupg };
}

/** Runs a script as a CI shell step: a file, bash -eo pipefail (GitHub's `shell: bash`; GitLab's runner the same). */
async function runStep(script: string, cwd: string, stepEnv: NodeJS.ProcessEnv) {
  const file = path.join(await tempDir('step-'), 'step.sh');
  await writeFile(file, script);
  return runTool('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], { cwd, env: stepEnv });
}

/** GitHub's expression syntax, only as far as the workflow uses it in env values. */
function evaluate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{\{\s*([\w.]+)\s*\}\}/g, (_, name: string) => {
    if (!(name in vars)) throw new Error(`unexpected expression ${name}`);
    return vars[name] as string;
  });
}

async function releaseChecks(dist: string, key: { gnupg: string }) {
  const sums = await runTool('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dist });
  expect(sums.stderr).toBe('');
  expect(sums.code).toBe(0);
  const manifest = JSON.parse(await readFile(path.join(dist, 'manifest.json'), 'utf8')) as Manifest;
  const bins = manifest.artifacts.filter((a) => a.kind === 'binary');
  expect(bins.map((b) => b.target).sort()).toEqual(['darwin/arm64', 'linux/amd64', 'windows/386']);
  // tar kept the modes: the merged binaries are executable.
  for (const b of bins) expect((await stat(path.join(dist, b.path))).mode & 0o111).toBe(0o111);
  const sig = manifest.artifacts.find((a) => a.kind === 'signature');
  expect(sig?.path).toMatch(/checksums\.txt\.asc$/);
  const signed = sig?.from?.[0] as string;
  const verify = await runTool('gpg', ['--batch', '--verify', sig?.path as string, signed], {
    cwd: dist,
    env: { ...process.env, GNUPGHOME: key.gnupg },
  });
  expect(verify.code, verify.stderr).toBe(0);
  const checksums = await readFile(path.join(dist, signed), 'utf8');
  for (const line of checksums.trim().split('\n')) {
    const [hash, name] = line.split(/\s+\*?/);
    const bytes = await readFile(path.join(dist, name as string));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(hash);
  }
}

describe('the generated steps run: two shards, then merge, package and sign', () => {
  let repo: string;
  let shim: string;
  let key: Awaited<ReturnType<typeof signingKey>>;
  beforeAll(async () => {
    ({ dir: repo } = await fixtureRepo('greet'));
    shim = await npxShim();
    key = await signingKey();
  });
  afterAll(async () => {
    await runTool('gpgconf', ['--kill', 'all'], { env: { ...process.env, GNUPGHOME: key.gnupg } });
  });

  /** A runner's checkout: a clone of the commit the tag names. */
  const checkout = async () => {
    const into = path.join(await tempDir('runner-'), 'work');
    await git(path.dirname(into), 'clone', '-q', repo, into);
    return into;
  };
  const ciEnv = (extra: NodeJS.ProcessEnv) => ({ ...env, PATH: `${shim}:${env.PATH}`, ...extra });

  it('GitHub: shard 1/2 and 2/2, then the release job; SHA256SUMS checks, the signature verifies', async () => {
    const gen = await crossgo(['ci', 'github', '--shards', '2'], { cwd: repo, env });
    expect(gen.code).toBe(0);
    await git(repo, 'add', WORKFLOW);
    await git(repo, 'commit', '-qm', 'release workflow');
    await git(repo, 'tag', '-f', 'v1.2.3');
    const wf = parse(await readFile(path.join(repo, WORKFLOW), 'utf8')) as Workflow;
    const shardJob = wf.jobs.shard as Job;
    const releaseJob = wf.jobs.release as Job;
    // Secrets that are not set: GitHub passes them as empty values.
    const secrets = Object.fromEntries(
      [
        ...new Set(
          strings(wf).flatMap(([, v]) => [...v.matchAll(/secrets\.(\w+)/g)].map((m) => m[1] as string)),
        ),
      ].map((name) => [`secrets.${name}`, '']),
    );
    const downloads = path.join(await tempDir('merge-temp-'), 'crossgo-shards');
    await mkdir(downloads, { recursive: true });
    for (const i of shardJob.strategy?.matrix.shard ?? []) {
      const work = await checkout();
      const temp = await tempDir('runner-temp-');
      const vars = { ...secrets, 'matrix.shard': String(i), 'runner.temp': temp };
      for (const step of shardJob.steps.filter((s) => s.run)) {
        const stepEnv = Object.fromEntries(
          Object.entries(step.env ?? {}).map(([k, v]) => [k, evaluate(v, vars)]),
        );
        const r = await runStep(
          step.run as string,
          path.join(work, wf.defaults.run['working-directory']),
          ciEnv({ RUNNER_TEMP: temp, ...stepEnv }),
        );
        expect(r.code, r.stderr).toBe(0);
      }
      const upload = shardJob.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@')) as Step;
      const tar = evaluate(String(upload.with?.path), vars);
      const manifest = JSON.parse(
        (await runTool('tar', ['-xOf', tar, './manifest.json'])).stdout,
      ) as Manifest & { shard: { index: number; total: number } };
      expect(manifest.shard).toMatchObject({ index: i, total: 2 });
      await copyFile(tar, path.join(downloads, path.basename(tar)));
    }
    const work = await checkout();
    const temp = path.dirname(downloads);
    const vars = {
      ...secrets,
      'runner.temp': temp,
      'secrets.CROSSGO_GPG_PRIVATE_KEY': key.armored,
      'secrets.CROSSGO_GPG_PASSPHRASE': key.passphrase,
    };
    for (const step of releaseJob.steps.filter((s) => s.run)) {
      const stepEnv = Object.fromEntries(
        Object.entries(step.env ?? {}).map(([k, v]) => [k, evaluate(v, vars)]),
      );
      const r = await runStep(step.run as string, work, ciEnv({ RUNNER_TEMP: temp, ...stepEnv }));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout + r.stderr).not.toContain(key.passphrase);
    }
    const merged = path.join(work, String(releaseJob.steps.at(-1)?.with?.path));
    await releaseChecks(merged, key);
    // The same binaries as one machine's build of the commit: SHA256SUMS byte for byte.
    const alone = await checkout();
    const one = await crossgo(['build'], { cwd: alone, env });
    expect(one.code, one.stderr).toBe(0);
    expect(await readFile(path.join(merged, 'SHA256SUMS'), 'utf8')).toBe(
      await readFile(path.join(alone, 'dist', 'SHA256SUMS'), 'utf8'),
    );
  });

  it('GitLab: parallel: 2 with CI_NODE_INDEX/CI_NODE_TOTAL, then the release job', async () => {
    const gen = await crossgo(['ci', 'gitlab', '--shards', '2'], { cwd: repo, env });
    expect(gen.code).toBe(0);
    const text = await readFile(path.join(repo, '.gitlab-ci.yml'), 'utf8');
    const again = await crossgo(['ci', 'gitlab', '--shards', '2'], { cwd: repo, env });
    expect(again.code).toBe(0);
    expect(await readFile(path.join(repo, '.gitlab-ci.yml'), 'utf8')).toBe(text);
    interface GlJob {
      stage: string;
      parallel?: number;
      needs?: string[];
      script: string[];
      artifacts: { paths: string[] };
      extends?: string;
    }
    const gl = parse(text) as Record<string, GlJob> & { '.crossgo': { image: string } };
    expect(gl['.crossgo'].image).toBe('golang:1.24-trixie');
    const shard = gl['crossgo-shard'] as GlJob;
    const release = gl['crossgo-release'] as GlJob;
    expect(shard.parallel).toBe(2);
    expect(shard.script.join('\n')).toContain(`npx --yes crossgo@${CROSSGO_VERSION} build --shard auto`);
    expect(release.needs).toEqual(['crossgo-shard']);
    expect(release.artifacts.paths).toEqual(['dist/']);
    await git(repo, 'add', '.gitlab-ci.yml');
    await git(repo, 'commit', '-qm', 'gitlab pipeline');
    await git(repo, 'tag', '-f', 'v1.2.3');
    // The before_script (apt-get install nodejs npm in the image) is the image's business: here
    // node and go are already on PATH. The scripts are what the runner runs.
    const tars: string[] = [];
    for (const i of [1, 2]) {
      const work = await checkout();
      const r = await runStep(
        shard.script.join('\n'),
        work,
        ciEnv({ CI_PROJECT_DIR: work, CI_NODE_INDEX: String(i), CI_NODE_TOTAL: '2' }),
      );
      expect(r.code, r.stderr).toBe(0);
      tars.push(path.join(work, `crossgo-shard-${i}-of-2.tar`));
    }
    const work = await checkout();
    // GitLab puts the needed jobs' artifacts into the checkout.
    for (const tar of tars) await copyFile(tar, path.join(work, path.basename(tar)));
    const r = await runStep(
      release.script.join('\n'),
      work,
      ciEnv({
        CI_PROJECT_DIR: work,
        CROSSGO_GPG_PRIVATE_KEY: key.armored,
        CROSSGO_GPG_PASSPHRASE: key.passphrase,
      }),
    );
    expect(r.code, r.stderr).toBe(0);
    await releaseChecks(path.join(work, 'dist'), key);
  });
});
