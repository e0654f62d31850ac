import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findHostTools, joinCommand, resolveCompiler } from '../cgo/compilers.js';
import { darwinLinkFlags } from '../cgo/darwin.js';
import { EnvironmentError, UsageError } from '../errors.js';
import { redactText } from '../exec/redact.js';
import { run, runChecked } from '../exec/run.js';
import { confine } from '../fs/confine.js';
import { readRegular } from '../fs/open.js';
import { isInside } from '../fs/paths.js';
import { type Logger, silentLogger } from '../log.js';
import { type ArtifactRecord, binaries, type Manifest } from '../pipeline/manifest.js';
import { readManifest } from '../pipeline/readManifest.js';
import {
  checkedCommand,
  commandLine,
  type ReproCommand,
  shownCommand,
  trustedCommand,
} from '../repro/allowlist.js';
import { type Difference, explainDifference, type PathCandidate } from '../repro/explain.js';
import { inheritedEnv } from '../stages/build/flags.js';
import type { BuildOptions } from '../stages/build/plan.js';
import { expandTargets, type Target } from '../targets/parse.js';
import { listPorts } from '../targets/ports.js';
import { findGo, type GoToolchain } from '../toolchain/go.js';
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
    for (const artifact of binaries(a.manifest)) {
      const other = binaries(b.manifest).find((x) => x.target === artifact.target);
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

export interface AgainstOptions {
  manifest: string;
  cwd?: string;
  environment?: NodeJS.ProcessEnv;
  /**
   * Run the manifest's argv and env as recorded, even what crossgo build does not write
   * (-toolexec, GOFLAGS, a recorded CC…): only for a manifest you trust. Default false.
   */
  trustManifest?: boolean;
  signal?: AbortSignal;
  log?: Logger;
}

export interface AgainstReport {
  ok: boolean;
  manifest: string;
  commit: string;
  /** False when the manifest's commands were checked against what crossgo writes (the default). */
  trusted: boolean;
  targets: (TargetRepro & {
    recorded: string;
    /** What ran: this machine's go and its arguments, and the variables crossgo set (secrets as their sha256). */
    command: { argv: string[]; env: Record<string, string> };
  })[];
  /** Why a rebuild may not match, known before building (a dirty tree, no commit). */
  warnings: string[];
}

/**
 * Rebuilds what a manifest describes — its commit (checked out fresh from this repository),
 * its Go release, argv and environment — and compares with the recorded hashes: what a second
 * machine or a CI runner checks for a release built elsewhere. The manifest is untrusted: only
 * what crossgo build itself writes runs (src/repro/allowlist.ts), unless `trustManifest`.
 */
export async function reproAgainst(options: AgainstOptions): Promise<AgainstReport> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const env = options.environment ?? process.env;
  const log = options.log ?? silentLogger;
  const manifestFile = path.resolve(cwd, options.manifest);
  const manifest = await readManifest(manifestFile, options.manifest);
  if (!manifest) throw new UsageError(`--against ${options.manifest}: no such file`);
  const { commit } = manifest.source;
  if (!/^[0-9a-f]{40,64}$/.test(commit)) {
    throw new UsageError(
      `--against ${options.manifest}: the build was not made from a git commit (commit ${JSON.stringify(commit)}): nothing to check out`,
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
    const outDir = path.join(scratch, 'out');
    // Every command is decided (and refused) before anything runs, then shown.
    const commands = await planCommands(manifest, {
      outDir,
      env,
      go,
      cwd,
      trust: options.trustManifest === true,
      signal: options.signal,
    });
    if (options.trustManifest) {
      log.warn("--trust-manifest: running the manifest's argv and env as recorded, unchecked");
    }
    const shown = commands.map((c) => shownCommand(go.binary, c));
    for (const [i, c] of commands.entries()) {
      log.info(`${c.target}: ${commandLine(shown[i] as ReturnType<typeof shownCommand>)}`);
    }
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
    await mkdir(outDir);
    const base = inheritedEnv(env);
    const targets: AgainstReport['targets'] = [];
    for (const [i, command] of commands.entries()) {
      const artifact = binaries(manifest)[i] as ArtifactRecord;
      const result = await rebuildArtifact(artifact, command, {
        go: go.binary,
        moduleDir,
        env: base,
        signal: options.signal,
        manifestDir: path.dirname(manifestFile),
        checkout,
      });
      // The rebuild's error text and the difference's strings may quote a secret: hidden too.
      const hidden = hideSecrets(result, command.secrets);
      targets.push({ ...hidden, command: shown[i] as ReturnType<typeof shownCommand> });
    }
    return {
      ok: targets.every((t) => t.reproducible),
      manifest: options.manifest,
      commit,
      trusted: options.trustManifest === true,
      targets,
      warnings,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Every string inside `value` with the secrets' values replaced by their markers. */
function hideSecrets<T>(value: T, secrets: ReadonlyMap<string, string>): T {
  if (secrets.size === 0) return value;
  if (typeof value === 'string') return redactText(value, secrets) as T;
  if (Array.isArray(value)) return value.map((v) => hideSecrets(v, secrets)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hideSecrets(v, secrets)])) as T;
  }
  return value;
}

/** Each artifact's rebuild: checked (or as recorded, when trusted), with its C compiler found on this machine. */
async function planCommands(
  manifest: Manifest,
  ctx: {
    outDir: string;
    env: NodeJS.ProcessEnv;
    go: GoToolchain;
    cwd: string;
    trust: boolean;
    signal?: AbortSignal;
  },
): Promise<ReproCommand[]> {
  const commands = binaries(manifest).map((_, index) => {
    const input = {
      manifest,
      index,
      output: path.join(ctx.outDir, `${index}`),
      userEnv: ctx.env,
    };
    return ctx.trust ? trustedCommand(input) : checkedCommand(input);
  });
  if (!commands.some((c) => c.compiler)) return commands;
  const { go } = ctx;
  const host = { goos: go.env.GOHOSTOS, goarch: go.env.GOHOSTARCH };
  const [tools, ports] = await Promise.all([
    findHostTools(ctx.env, host, ctx.signal),
    listPorts(go, { cwd: ctx.cwd, env: ctx.env, signal: ctx.signal }),
  ]);
  for (const command of commands) {
    if (!command.compiler) continue;
    const [target] = expandTargets(command.target, ports);
    // The same finder, in the same order, as crossgo build's for this kind (src/cgo/plan.ts).
    const found = await resolveCompiler(
      tools,
      {
        target: target as Target,
        choice: command.compiler.kind,
        static: command.compiler.static,
        why: `the manifest records a cgo build with ${command.compiler.kind}`,
      },
      ctx.signal,
    );
    const flags =
      found.kind === 'zig' && target?.goos === 'darwin' ? await darwinLinkFlags(ctx.env, null) : [];
    command.env.CC = joinCommand([...found.cc, ...flags]);
    if (found.cxx) command.env.CXX = joinCommand([...found.cxx, ...flags]);
  }
  return commands;
}

async function rebuildArtifact(
  artifact: ArtifactRecord,
  command: ReproCommand,
  ctx: {
    go: string;
    moduleDir: string;
    env: NodeJS.ProcessEnv;
    signal?: AbortSignal;
    manifestDir: string;
    checkout: string;
  },
): Promise<TargetRepro & { recorded: string }> {
  const out = command.args[command.args.indexOf('-o') + 1] as string;
  const result = await run(ctx.go, command.args, {
    cwd: ctx.moduleDir,
    env: { ...ctx.env, ...command.env },
    signal: ctx.signal,
  });
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
  const sha = createHash('sha256').update(rebuilt).digest('hex');
  if (sha === artifact.sha256)
    return {
      target: artifact.target,
      recorded: artifact.sha256,
      reproducible: true,
      sha256: [artifact.sha256, sha],
      difference: null,
    };
  // The recorded artifact, when it is still beside the manifest (a real file inside its folder), says where and why.
  const original = await confine(ctx.manifestDir, artifact.path, { what: 'artifact path' })
    .then((file) => readRegular(file, { follow: false }))
    .catch(() => null);
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
