import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { EnvironmentError, UsageError } from '../errors.js';
import { run, runChecked } from '../exec/run.js';
import { isInside } from '../fs/paths.js';
import { type Logger, silentLogger } from '../log.js';
import { type ArtifactRecord, type Manifest, readManifest } from '../pipeline/manifest.js';
import { type Difference, explainDifference, type PathCandidate } from '../repro/explain.js';
import type { BuildOptions } from '../stages/build/plan.js';
import { findGo } from '../toolchain/go.js';
import { moduleRootOf } from '../toolchain/module.js';
import { type BuildResult, build } from './build.js';

export interface ReproOptions
  extends Pick<
    BuildOptions,
    | 'package'
    | 'targets'
    | 'configFile'
    | 'ldflags'
    | 'tags'
    | 'gcflags'
    | 'env'
    | 'trimpath'
    | 'strip'
    | 'cgo'
    | 'cc'
    | 'static'
  > {
  cwd?: string;
  environment?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  log?: Logger;
}

export interface TargetRepro {
  target: string;
  reproducible: boolean;
  sha256: [string, string | null];
  /** When the builds differ: where and the likely cause. */
  difference: Difference | null;
  /** A build that failed on one side. */
  error?: string;
}

export interface ReproReport {
  ok: boolean;
  /** What differed between the two builds, for the record. */
  conditions: { a: Conditions; b: Conditions };
  targets: TargetRepro[];
}

interface Conditions {
  moduleDir: string;
  home: string;
  tmpdir: string;
  tz: string;
  lang: string;
  umask: string;
  gocache: string;
}

/**
 * Builds every target twice under deliberately different conditions — the module copied to
 * two absolute paths of different lengths, another HOME, TMPDIR, TZ, LANG and umask, and an
 * empty GOCACHE the second time — with crossgo build's settings, and compares the bytes.
 */
export async function repro(options: ReproOptions = {}): Promise<ReproReport> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const environment = options.environment ?? process.env;
  const go = await findGo({ cwd, env: environment, signal: options.signal });
  const moduleRoot = moduleRootOf(go, cwd);
  const top = await gitTopLevel(moduleRoot, environment);
  // The copy holds the whole work tree (with .git, so go stamps the same VCS facts), minus dist.
  const treeRoot = top ?? moduleRoot;
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'crossgo-repro-'));
  try {
    const sides = [
      {
        name: 'a',
        dir: path.join(scratch, 'a', 'src'),
        tz: 'UTC',
        lang: 'C.UTF-8',
        umask: 0o022,
        freshCache: false,
      },
      {
        name: 'b',
        dir: path.join(scratch, 'b', 'a-much-longer-folder-name', 'src'),
        tz: 'Pacific/Chatham',
        lang: 'de_DE.UTF-8',
        umask: 0o077,
        freshCache: true,
      },
    ];
    const results: BuildResult[] = [];
    const conditions: Conditions[] = [];
    for (const side of sides) {
      await mkdir(path.dirname(side.dir), { recursive: true });
      await cp(treeRoot, side.dir, {
        recursive: true,
        filter: (source) => !isInside(path.join(moduleRoot, 'dist'), source) || source === treeRoot,
      });
      const home = path.join(scratch, side.name, 'home');
      const tmpdir = path.join(scratch, side.name, 'tmp');
      const gocache = side.freshCache ? path.join(scratch, side.name, 'gocache') : go.env.GOCACHE;
      await mkdir(home, { recursive: true });
      await mkdir(tmpdir, { recursive: true });
      const env: NodeJS.ProcessEnv = {
        ...environment,
        HOME: home,
        TMPDIR: tmpdir,
        TZ: side.tz,
        LANG: side.lang,
        LC_ALL: side.lang,
        GOCACHE: gocache,
        // Where go keeps modules and its env file are pinned: a new HOME must not change settings or force downloads.
        GOMODCACHE: go.env.GOMODCACHE,
        GOPATH: go.env.GOPATH,
        ...(environment.GOENV === undefined ? { GOENV: await goEnvFile(go.binary, cwd, environment) } : {}),
      };
      const moduleCopy = path.join(side.dir, path.relative(treeRoot, moduleRoot));
      const relCwd = path.relative(moduleRoot, cwd);
      const previousUmask = process.umask(side.umask);
      try {
        results.push(
          await build({
            ...options,
            cwd: path.join(moduleCopy, relCwd),
            outDir: path.join(scratch, side.name, 'out'),
            environment: env,
            linkCache: false,
            verify: false,
            log: options.log ?? silentLogger,
          }),
        );
      } finally {
        process.umask(previousUmask);
      }
      conditions.push({
        moduleDir: moduleCopy,
        home,
        tmpdir,
        tz: side.tz,
        lang: side.lang,
        umask: `0${side.umask.toString(8)}`,
        gocache: side.freshCache ? `${gocache} (empty)` : `${gocache} (yours)`,
      });
    }
    const [a, b] = results as [BuildResult, BuildResult];
    const [ca, cb] = conditions as [Conditions, Conditions];
    const candidates: PathCandidate[] = [
      { label: 'module folder', a: ca.moduleDir, b: cb.moduleDir },
      { label: 'HOME', a: ca.home, b: cb.home },
      { label: 'temporary folder', a: ca.tmpdir, b: cb.tmpdir },
    ];
    const targets: TargetRepro[] = [];
    for (const artifact of a.manifest.artifacts) {
      const other = b.manifest.artifacts.find((x) => x.target === artifact.target);
      targets.push(await compareArtifacts(artifact, other ?? null, a.outDir, b.outDir, candidates));
    }
    for (const failure of [...a.manifest.failures, ...b.manifest.failures]) {
      if (!targets.some((t) => t.target === failure.target)) {
        targets.push({
          target: failure.target,
          reproducible: false,
          sha256: ['', null],
          difference: null,
          error: failure.excerpt,
        });
      }
    }
    return { ok: targets.every((t) => t.reproducible), conditions: { a: ca, b: cb }, targets };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function compareArtifacts(
  a: ArtifactRecord,
  b: ArtifactRecord | null,
  outA: string,
  outB: string,
  candidates: readonly PathCandidate[],
): Promise<TargetRepro> {
  if (!b)
    return {
      target: a.target,
      reproducible: false,
      sha256: [a.sha256, null],
      difference: null,
      error: 'the second build failed',
    };
  if (a.sha256 === b.sha256)
    return { target: a.target, reproducible: true, sha256: [a.sha256, b.sha256], difference: null };
  const [x, y] = await Promise.all([readFile(path.join(outA, a.path)), readFile(path.join(outB, b.path))]);
  return {
    target: a.target,
    reproducible: false,
    sha256: [a.sha256, b.sha256],
    difference: explainDifference(x, y, candidates),
  };
}

async function gitTopLevel(dir: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  const result = await run('git', ['rev-parse', '--show-toplevel'], { cwd: dir, env }).catch(() => null);
  return result?.exitCode === 0 ? result.stdout.trim() : null;
}

async function goEnvFile(goBinary: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  return (await runChecked(goBinary, ['env', 'GOENV'], { cwd, env })).stdout.trim();
}

export interface AgainstReport {
  ok: boolean;
  manifest: string;
  commit: string;
  targets: (TargetRepro & { recorded: string })[];
  /** Why a rebuild may not match, known before building (a dirty tree, no commit). */
  warnings: string[];
}

/**
 * Rebuilds what a manifest describes — its commit (checked out fresh from this repository),
 * its Go release, argv and environment — and compares with the recorded hashes: what a second
 * machine or a CI runner checks for a release built elsewhere.
 */
export async function reproAgainst(options: {
  manifest: string;
  cwd?: string;
  environment?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}): Promise<AgainstReport> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const env = options.environment ?? process.env;
  const manifestFile = path.resolve(cwd, options.manifest);
  const manifest = await readManifest(manifestFile, options.manifest);
  if (!manifest) throw new UsageError(`--against ${options.manifest}: no such file`);
  const { commit } = manifest.source;
  if (!/^[0-9a-f]{40,64}$/.test(commit)) {
    throw new UsageError(
      `--against ${options.manifest}: the build was not made from a git commit (commit "${commit}"): nothing to check out`,
    );
  }
  const go = await findGo({ cwd, env, signal: options.signal });
  const moduleRoot = moduleRootOf(go, cwd);
  const top = await gitTopLevel(moduleRoot, env);
  if (!top)
    throw new EnvironmentError(
      `--against: ${moduleRoot} is not in a git repository: crossgo checks out the manifest's commit from it`,
    );
  const warnings: string[] = [];
  if (manifest.source.dirty) {
    warnings.push(
      'the manifest was built from a tree with uncommitted changes (vcs.modified=true): a clean checkout cannot match it',
    );
  }
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'crossgo-against-'));
  try {
    const checkout = path.join(scratch, 'src');
    await runChecked('git', ['clone', '--quiet', '--no-checkout', top, checkout], {
      env,
      signal: options.signal,
    });
    const co = await run('git', ['-c', 'advice.detachedHead=false', 'checkout', '--quiet', commit], {
      cwd: checkout,
      env,
      signal: options.signal,
    });
    if (co.exitCode !== 0) {
      throw new EnvironmentError(
        `--against: commit ${commit.slice(0, 12)} is not in this repository (${co.stderr.trim().split('\n')[0]})`,
      );
    }
    const moduleDir = path.join(checkout, path.relative(top, moduleRoot));
    const outDir = path.join(scratch, 'out');
    await mkdir(outDir);
    const targets: AgainstReport['targets'] = [];
    for (const artifact of manifest.artifacts) {
      targets.push(
        await rebuildArtifact(manifest, artifact, {
          moduleDir,
          outDir,
          env,
          signal: options.signal,
          original: path.join(path.dirname(manifestFile), artifact.path),
          checkout,
        }),
      );
    }
    return {
      ok: targets.every((t) => t.reproducible),
      manifest: options.manifest,
      commit,
      targets,
      warnings,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function rebuildArtifact(
  manifest: Manifest,
  artifact: ArtifactRecord,
  ctx: {
    moduleDir: string;
    outDir: string;
    env: NodeJS.ProcessEnv;
    signal?: AbortSignal;
    original: string;
    checkout: string;
  },
): Promise<AgainstReport['targets'][number]> {
  const out = path.join(ctx.outDir, artifact.target.replaceAll('/', '_'));
  // The recorded argv with the output moved: [go, build, …flags, -o, <file>, <package>].
  const args = artifact.argv.slice(1);
  const o = args.indexOf('-o');
  if (o === -1 || o + 1 >= args.length)
    throw new UsageError(
      `the manifest's argv for ${artifact.target} has no -o: it was not written by crossgo build`,
    );
  args[o + 1] = out;
  const env: NodeJS.ProcessEnv = {
    ...ctx.env,
    ...artifact.env,
    // The recorded release, fetched through go's toolchain switching when it is not the local one.
    GOTOOLCHAIN: artifact.env.GOTOOLCHAIN ?? manifest.toolchain.goVersion,
    GOFLAGS: manifest.toolchain.goflags,
    GOEXPERIMENT: manifest.toolchain.goexperiment,
  };
  const result = await run(ctx.env.CROSSGO_GO || 'go', args, { cwd: ctx.moduleDir, env, signal: ctx.signal });
  if (result.exitCode !== 0) {
    return {
      target: artifact.target,
      recorded: artifact.sha256,
      reproducible: false,
      sha256: [artifact.sha256, null],
      difference: null,
      error: result.stderr.trim().split('\n').slice(-4).join('\n'),
    };
  }
  const rebuilt = await readFile(out);
  const { createHash } = await import('node:crypto');
  const sha = createHash('sha256').update(rebuilt).digest('hex');
  if (sha === artifact.sha256)
    return {
      target: artifact.target,
      recorded: artifact.sha256,
      reproducible: true,
      sha256: [artifact.sha256, sha],
      difference: null,
    };
  // The recorded artifact, when it is still here, says where and why.
  const original = await readFile(ctx.original).catch(() => null);
  const difference =
    original && createHash('sha256').update(original).digest('hex') === artifact.sha256
      ? explainDifference(original, rebuilt, [
          { label: 'checkout folder', a: ctx.moduleDir, b: ctx.checkout },
        ])
      : null;
  return {
    target: artifact.target,
    recorded: artifact.sha256,
    reproducible: false,
    sha256: [artifact.sha256, sha],
    difference,
  };
}
