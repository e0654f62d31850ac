import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { findHostTools, type HostTools } from '../../cgo/compilers.js';
import { checkMacosSdk } from '../../cgo/darwin.js';
import { type CgoMode, type CgoRecord, decideCgo, parseCgoMode } from '../../cgo/plan.js';
import { loadConfig } from '../../config/load.js';
import type { BuildFlags, LoadedConfig } from '../../config/types.js';
import { ConfigError, CrossgoError, UsageError } from '../../errors.js';
import type { Ownership } from '../../fs/ownership.js';
import { isInside, resolveInside, toPortable } from '../../fs/paths.js';
import { type Logger, silentLogger } from '../../log.js';
import type { BuildEvent } from '../../pipeline/events.js';
import { CHECKSUMS_FILE, MANIFEST_FILE } from '../../pipeline/manifest.js';
import {
  type OutputFolder,
  openOutputFolder,
  refuseForeign,
  STATE_FILES,
} from '../../pipeline/outputFolder.js';
import { DEFAULT_TARGETS, selectTargets, type Target } from '../../targets/parse.js';
import { listPorts } from '../../targets/ports.js';
import { findGo, type GoToolchain } from '../../toolchain/go.js';
import {
  type MainPackage,
  resolveMainPackage,
  startingRootOf,
  workspaceFile,
} from '../../toolchain/module.js';
import { parseGoRequests } from '../../toolchain/select.js';
import { readVersionInfo, UNKNOWN_COMMIT, type VersionInfo, visibleToGit } from '../../toolchain/vcs.js';
import {
  buildArgs,
  checkOverrideSelectors,
  checkUserEnv,
  expandEnvReferences,
  explicitCompiler,
  flagSetsFor,
  inheritedEnv,
  linkerFlags,
  mergeFlags,
  targetEnv,
} from './flags.js';
import { defaultJobs } from './jobs.js';
import { defaultLinkCacheDir } from './linkCache.js';
import { checkTemplate, DEFAULT_OUTPUT_TEMPLATE, renderOutputName } from './template.js';

/** Options of `crossgo build`, as the library takes them. */
export interface BuildOptions {
  /** Where crossgo runs (like `go -C`); default process.cwd(). */
  cwd?: string;
  /** The main package; default ".". */
  package?: string;
  targets?: string | string[];
  /** Output folder, relative to cwd; default the config's `dist`, else <module root>/dist. */
  outDir?: string;
  jobs?: number;
  /** An explicit config file; default crossgo.yaml/.yml/.json in the module root. */
  configFile?: string;
  /** Version to inject instead of `git describe`. */
  version?: string;
  ldflags?: string[];
  tags?: string[];
  gcflags?: string[];
  env?: Record<string, string>;
  trimpath?: boolean;
  strip?: boolean;
  allowBroken?: boolean;
  outputTemplate?: string;
  /** cgo: off (default), on, or auto (on for targets where a package imports "C"). */
  cgo?: CgoMode;
  /** C compiler: auto (default: zig, then Debian cross compilers, then the host's), zig, cross, host, or a command. */
  cc?: string;
  cxx?: string;
  /** Link cgo Linux targets statically against musl (through zig). */
  static?: boolean;
  /** A MacOSX.sdk for darwin cgo targets that link Apple frameworks. */
  macosSdk?: string;
  /** Go releases to build with (default: the config's `go`, else the go on PATH): "1.25.4", "1.26", a list. */
  go?: string | string[];
  /** The exact release to run (GOTOOLCHAIN), once `go` is resolved; see buildAll. */
  goToolchain?: string;
  /** Verify every artifact after the build (default true); a failed check fails the build. */
  verify?: boolean;
  /** Folder of crossgo's link cache, or false to do without; default ~/.cache/crossgo/links (CROSSGO_CACHE). */
  linkCache?: string | false;
  /** Run go build for every target, even those whose inputs are unchanged since the last build. */
  force?: boolean;
  /** How long to wait for another crossgo run writing the same output folder (ms); default 0: refuse. */
  waitMs?: number;
  /** The environment crossgo starts from; default process.env. */
  environment?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  log?: Logger;
  onEvent?: (event: BuildEvent) => void;
}

import type { BuildPlan, TargetBuild } from '../../pipeline/plan.js';

export type { BuildPlan, TargetBuild };

/**
 * Thrown by planBuild, before it touches anything, when the build asks for Go releases (--go or
 * the config's `go`) that are not resolved yet: buildAll resolves them and plans once per release.
 */
export class ToolchainsRequested extends CrossgoError {
  override name = 'ToolchainsRequested';
  constructor(
    readonly requests: string[],
    readonly outDir: string,
  ) {
    super(`Go releases requested: ${requests.join(', ')}`);
  }
}

/** Decides everything a build will do, checking every input before any target starts. */
export async function planBuild(options: BuildOptions): Promise<BuildPlan> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  if (!statSync(cwd, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError(`cwd ${options.cwd ?? cwd}: no such folder`);
  }
  const environment: NodeJS.ProcessEnv = options.goToolchain
    ? { ...(options.environment ?? process.env), GOTOOLCHAIN: options.goToolchain }
    : (options.environment ?? process.env);
  const signal = options.signal;
  const go = await findGo({ cwd, env: environment, signal });
  // After go env, the remaining look-ups are independent: run them at once (warm builds are
  // dominated by start-up), then report failures in a fixed order.
  const root = startingRootOf(go, cwd);
  const configFile = options.configFile ? path.resolve(cwd, options.configFile) : undefined;
  const [pkgResult, configResult, portsResult, versionResult] = await Promise.allSettled([
    resolveMainPackage(go, options.package ?? '.', { cwd, env: environment, signal }),
    loadConfig(root, configFile),
    listPorts(go, { cwd, env: environment, signal }),
    readVersionInfo({ dir: root, env: environment, signal, version: options.version }),
  ]);
  const pkg = settled(pkgResult);
  const moduleRoot = pkg.module.dir;
  // In a workspace the package may live in another module than cwd's: read that one's files.
  const sameRoot = path.resolve(moduleRoot) === path.resolve(root);
  const config = sameRoot ? settled(configResult) : await loadConfig(moduleRoot, configFile);
  const ports = settled(portsResult);
  const version = sameRoot
    ? settled(versionResult)
    : await readVersionInfo({ dir: moduleRoot, env: environment, signal, version: options.version });
  const cfg = config.config;
  const configName = config.file ? path.basename(config.file) : 'config';

  const cliFlags: BuildFlags = {
    ldflags: options.ldflags ?? [],
    tags: options.tags ?? [],
    gcflags: options.gcflags ?? [],
    env: options.env ?? {},
  };
  checkUserEnv(cfg.env, `${configName}: env`);
  for (const [selector, flags] of Object.entries(cfg.overrides ?? {})) {
    checkUserEnv(flags.env, `${configName}: overrides["${selector}"].env`);
  }
  checkUserEnv(cliFlags.env, '--env');

  const template = options.outputTemplate ?? cfg.output ?? DEFAULT_OUTPUT_TEMPLATE;
  const templateFrom =
    options.outputTemplate !== undefined
      ? '--template'
      : cfg.output !== undefined
        ? `${configName}: output`
        : 'output template';
  checkTemplate(template, templateFrom);
  if (version.warning) options.log?.warn(version.warning);
  if (options.jobs !== undefined && (!Number.isInteger(options.jobs) || options.jobs < 1)) {
    throw new UsageError(`-j ${options.jobs}: expected a whole number of jobs, 1 or more`);
  }

  const cliCgo: BuildFlags = {};
  if (options.cgo !== undefined) cliCgo.cgo = parseCgoMode(options.cgo, '--cgo');
  if (options.cc !== undefined) cliCgo.cc = options.cc;
  if (options.cxx !== undefined) cliCgo.cxx = options.cxx;
  if (options.static !== undefined) cliCgo.static = options.static;
  // Ports go links only externally (android/386, ios/arm64…) need cgo: without it a set leaves
  // them out (a warning each), and naming one is a usage error, before anything is built.
  const { targets, leftOut } = selectTargets(options.targets ?? cfg.targets ?? DEFAULT_TARGETS, ports, {
    allowBroken: options.allowBroken ?? cfg.allowBroken ?? false,
    externalLinking: {
      cgoOn: (target) =>
        mergeFlags(flagSetsFor(target, cfg, { ...cliFlags, ...cliCgo }, cfg.overrides)).cgo === 'on',
    },
  });
  for (const left of leftOut) {
    options.log?.warn(
      `left out ${left.id}: ${left.reason} (build it with --cgo on and a C compiler that targets it)`,
    );
  }
  checkOverrideSelectors(cfg.overrides, ports, configName, go.version.raw);

  const outDir = options.outDir
    ? path.resolve(cwd, options.outDir)
    : path.resolve(moduleRoot, cfg.dist ?? 'dist');
  if (!options.outDir && cfg.dist !== undefined) checkConfigDist(cfg.dist, moduleRoot, outDir, configName);
  if (!options.goToolchain && (options.go ?? cfg.go) !== undefined) {
    const requests = options.go
      ? parseGoRequests(options.go, '--go')
      : parseGoRequests(cfg.go as string | string[], `${configName}: go`);
    throw new ToolchainsRequested(requests, outDir);
  }
  const shownOut = path.relative(cwd, outDir) || '.';

  const trimpath = options.trimpath ?? cfg.trimpath ?? true;
  const strip = options.strip ?? cfg.strip ?? true;

  const macosSdk = options.macosSdk
    ? path.resolve(cwd, options.macosSdk)
    : cfg.macosSdk
      ? path.resolve(moduleRoot, cfg.macosSdk)
      : null;
  if (macosSdk) await checkMacosSdk(macosSdk);
  let tools: Promise<HostTools> | undefined;
  const cgoContext = {
    go,
    importPath: pkg.importPath,
    cwd: moduleRoot,
    env: inheritedEnv(environment),
    signal,
    tools: () => {
      tools ??= findHostTools(environment, { goos: go.env.GOHOSTOS, goarch: go.env.GOHOSTARCH }, signal);
      return tools;
    },
  };

  const seen = new Map<string, string>();
  const pending: Promise<TargetBuild>[] = [];
  for (const target of targets) {
    const name = renderOutputName(
      template,
      { name: pkg.name, version: version.version, target },
      templateFrom,
    );
    const output = resolveInside(outDir, name, `output template "${template}" gives`);
    const outputRel = toPortable(outDir, output);
    const clash = seen.get(outputRel);
    if (clash || STATE_FILES.includes(outputRel)) {
      throw new UsageError(
        `output template "${template}" gives ${outputRel} for both ${clash ?? "crossgo's own files"} and ${target.id}: add {goos}, {goarch} or {-variant} to it`,
      );
    }
    seen.set(outputRel, target.id);
    const flags = mergeFlags(flagSetsFor(target, cfg, { ...cliFlags, ...cliCgo }, cfg.overrides));
    // cgo decisions may run go list per target (auto): all targets at once.
    pending.push(
      decideCgo(cgoContext, {
        target,
        mode: flags.cgo ?? 'off',
        ...explicitCompiler(flags),
        static: flags.static ?? false,
        strip,
        macosSdk,
        tags: flags.tags,
      }).then((cgo) => ({
        target,
        output,
        outputRel,
        args: buildArgs({
          trimpath,
          ldflags: linkerFlags(strip, version, expandEnvReferences(flags.ldflags, environment), cgo.ldflags),
          flags,
        }),
        env: {
          ...targetEnv(target, flags, cgo.env),
          ...(options.goToolchain ? { GOTOOLCHAIN: options.goToolchain } : {}),
        },
        cgo: cgo.record,
      })),
    );
  }
  const builds = await settleInOrder(pending);

  // Only now, with every input checked, take the output folder: its lock, what crossgo owns there.
  const folder = await openOutputFolder(outDir, shownOut, {
    command: 'crossgo build',
    waitMs: options.waitMs,
    signal,
    log: options.log ?? silentLogger,
  });
  try {
    for (const own of [MANIFEST_FILE, CHECKSUMS_FILE]) await refuseForeign(folder, own, 'crossgo file');
    for (const b of builds) await refuseForeign(folder, b.outputRel, 'output');
    if (version.commit !== UNKNOWN_COMMIT && (await visibleToGit(moduleRoot, outDir, environment))) {
      options.log?.warn(
        `${shownOut}/ is inside the git work tree and not ignored: once it holds files, go stamps vcs.modified=true and the next build differs; add /${path.relative(moduleRoot, outDir)}/ to .gitignore`,
      );
    }
  } catch (error) {
    await folder.release();
    throw error;
  }
  const recorded = new Map((folder.previous?.artifacts ?? []).map((a) => [a.path, a.sha256]));

  return {
    go,
    pkg,
    config,
    version,
    moduleRoot,
    outDir,
    template,
    jobs: options.jobs ?? cfg.jobs ?? defaultJobs(builds.length),
    trimpath,
    strip,
    // In workspace mode, pinned: go build runs in the package's module, which need not lie below go.work.
    baseEnv: {
      ...inheritedEnv(environment),
      ...(workspaceFile(go) ? { GOWORK: workspaceFile(go) as string } : {}),
    },
    folder,
    owned: folder.owned,
    recorded,
    verify: options.verify ?? true,
    force: options.force ?? false,
    goToolchain: options.goToolchain ?? null,
    linkCache: options.linkCache === false ? null : (options.linkCache ?? defaultLinkCacheDir(environment)),
    builds,
  };
}

/**
 * A config is input like any other: its `dist` may not send writes outside the module (a link
 * included); only -o on the command line can choose a folder elsewhere.
 */
function checkConfigDist(dist: string, moduleRoot: string, outDir: string, configName: string): void {
  let real = outDir;
  // The nearest part of the path that exists, resolved: a link in it cannot lead out.
  for (let probe = outDir; ; probe = path.dirname(probe)) {
    try {
      real = path.join(realpathSync(probe), path.relative(probe, outDir));
      break;
    } catch {
      if (path.dirname(probe) === probe) break;
    }
  }
  let root = moduleRoot;
  try {
    root = realpathSync(moduleRoot);
  } catch {}
  if (!isInside(root, real) || real === root) {
    throw new ConfigError(
      configName,
      'dist',
      `"${dist}" is outside the module (${real}): a config may only choose a folder inside the module; pass -o to write elsewhere`,
    );
  }
}

/** Every promise's value in order, or the first (in order) rejection once all have settled. */
async function settleInOrder<T>(promises: Promise<T>[]): Promise<T[]> {
  return (await Promise.allSettled(promises)).map(settled);
}

/** The value of a settled promise, or its error thrown. */
function settled<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}
