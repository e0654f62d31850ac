import path from 'node:path';
import type { CgoMode } from '../../cgo/plan.js';
import type { HookCommand } from '../../config/types.js';
import { type Logger, silentLogger } from '../../log.js';
import { type Discovery, discover } from '../../pipeline/discovery.js';
import type { BuildEvent } from '../../pipeline/events.js';
import type { BuildPlan, BuildUnit, HookList, TargetBuild } from '../../pipeline/plan.js';
import { levelFor } from '../../targets/variants.js';
import { projectValues, targetValues } from '../../template/values.js';
import { workspaceFile } from '../../toolchain/module.js';
import { buildArgs, expandEnvReferences, inheritedEnv, linkerFlags, targetEnv } from './flags.js';
import { defaultJobs } from './jobs.js';
import { defaultLinkCacheDir } from './linkCache.js';
import { cgoContextFor, decideTargetCgo, planMacosSdk } from './plan/cgo.js';
import { type ConfigPlan, planConfig, readConfig } from './plan/config.js';
import { type ModulePlan, planCwd, planModule, startingRoot } from './plan/module.js';
import { outputOptions, planOutDir, planOutputPaths, planTemplate } from './plan/outputs.js';
import { flagsFor, planTargets } from './plan/targets.js';
import { goRequests, refuseSeveral, resolveReleases } from './plan/toolchain.js';
import { planVersion } from './plan/version.js';

export type { BuildPlan, TargetBuild };

/** Options of `crossgo build`, as the library takes them. */
export interface BuildOptions {
  /** Where crossgo runs (like `go -C`); default process.cwd(). */
  cwd?: string;
  /**
   * What the calling command already learnt of this machine (go env, ports, git facts) for the
   * same cwd and environment; default: discovered here. One discovery per run.
   */
  discovery?: Discovery;
  /** The main package; default ".". */
  package?: string;
  targets?: string | string[];
  /** Output folder, relative to cwd; default the config's `out`, else <module root>/dist. */
  out?: string;
  /** @deprecated the old name of `out` (still read, with a warning). */
  outDir?: string;
  jobs?: number;
  /** An explicit config file; default crossgo.yaml/.yml/.json in the module root. */
  configFile?: string;
  /** Version to inject instead of `git describe`. */
  version?: string;
  /** A snapshot: the version is the config's snapshot.version ({version}-SNAPSHOT-{short_commit}), and a dirty tree may be packaged. */
  snapshot?: boolean;
  /** Before building, remove what the previous manifest lists and crossgo made (its journal); implies force. */
  clean?: boolean;
  /** The binaries are for a release (build --package): a dirty tree is refused before building, unless snapshot. */
  release?: boolean;
  ldflags?: string[];
  tags?: string[];
  gcflags?: string[];
  env?: Record<string, string>;
  trimpath?: boolean;
  strip?: boolean;
  allowBroken?: boolean;
  /** Binary path template inside the output folder; default the config's `template`, else {name}-{goos}-{goarch}{-variant}{ext}. */
  template?: string;
  /** @deprecated the old name of `template` (still read, with a warning). */
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
  /** An exact release to run (GOTOOLCHAIN, e.g. go1.25.4), instead of resolving `go`. */
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

/*
 * Planning decides everything a build will do, checking every input before any target starts,
 * and writes or deletes nothing: it reads go env, the ports, git and go list, through one
 * Discovery per run. Its steps live in plan/ (config, toolchain, module, version, targets, cgo,
 * outputs), each with its own tests; this file composes them. Taking the output folder is the
 * run's first step (pipeline/holdFolder.ts), not planning's.
 */

/**
 * Plans one build per requested Go release (--go 1.24.9,1.26, or the config's `go`): each
 * release's artifacts go to <out>/go1.X.Y/ when there are several, to <out>/ when there is one.
 * Without a request, one plan with the go on PATH.
 */
export async function planBuilds(options: BuildOptions, discovery?: Discovery): Promise<BuildPlan[]> {
  return planRun(options, discovery, false);
}

/** Plans a build with one Go release; several requested are refused before anything else runs. */
export async function planBuild(options: BuildOptions, discovery?: Discovery): Promise<BuildPlan> {
  return (await planRun(options, discovery, true))[0] as BuildPlan;
}

/** What every release's plan of a run shares: read once. */
interface SharedPlan {
  options: BuildOptions;
  log: Logger;
  cwd: string;
  module: ModulePlan;
  config: ConfigPlan;
  version: BuildPlan['version'];
  template: { template: string; from: string };
}

async function planRun(options: BuildOptions, given: Discovery | undefined, single: boolean) {
  const log = options.log ?? silentLogger;
  const names = outputOptions(options, log);
  const cwd = planCwd(options.cwd);
  const discovery =
    given ??
    options.discovery ??
    (await discover({
      cwd,
      env: options.environment ?? process.env,
      release: options.goToolchain ?? null,
      signal: options.signal,
    }));
  // After go env, the remaining look-ups are independent: run them at once (warm builds are
  // dominated by start-up), then report failures in a fixed order.
  const root = startingRoot(discovery);
  // The ports of the go on PATH are needed unless --go names other releases (which have theirs).
  const early = [discovery.version(root, options.version), ...(options.go ? [] : [discovery.ports()])];
  for (const e of early) e.catch(() => {}); // awaited below, or not needed (another release)
  const [moduleResult, configResult] = await Promise.allSettled([
    planModule(discovery, options.package),
    readConfig(root, cwd, options.configFile),
  ]);
  const module = settled(moduleResult);
  // In a workspace the package may live in another module than cwd's: read that one's files.
  const sameRoot = path.resolve(module.moduleRoot) === path.resolve(root);
  const loaded = sameRoot
    ? settled(configResult)
    : await readConfig(module.moduleRoot, cwd, options.configFile);
  const config = planConfig(loaded, options, log);
  const requests = goRequests(options, config);
  if (single) refuseSeveral(requests);
  const template = planTemplate(names.template, config);
  const version = await planVersion(discovery, module, config, options, log);
  const outDir = planOutDir(names.out, cwd, module.moduleRoot, config);
  const shared: SharedPlan = { options, log, cwd, module, config, version, template };
  if (!requests) return [await planRelease(shared, discovery, outDir)];
  const releases = await resolveReleases(discovery, requests);
  const plans: BuildPlan[] = [];
  for (const release of releases) {
    const out = releases.length > 1 ? path.join(outDir, release) : outDir;
    plans.push(await planRelease(shared, await discovery.forRelease(release), out));
  }
  return plans;
}

/** One release's plan: its ports, targets, cgo decisions and artifact paths. */
async function planRelease(shared: SharedPlan, discovery: Discovery, outDir: string): Promise<BuildPlan> {
  const { options, log, cwd, module, config, version } = shared;
  const { go, env: environment } = discovery;
  const cfg = config.cfg;
  const ports = await discovery.ports();
  const targets = planTargets(options.targets, options, ports, config, go.version.raw, log);
  const trimpath = options.trimpath ?? cfg.trimpath ?? true;
  const strip = options.strip ?? cfg.strip ?? true;
  const paths = planOutputPaths(targets, shared.template, outDir, module.pkg, version);
  const macosSdk = await planMacosSdk(options.macosSdk, cfg.macosSdk, cwd, module.moduleRoot);
  const cgoContext = cgoContextFor(discovery, module.pkg.importPath, module.moduleRoot);
  const release = discovery.release;
  const project = cfg.project ?? module.pkg.name;
  const values = projectValues(version, project);
  const hookList = (commands: HookCommand[] | undefined, key: string): HookList => ({
    commands: commands ?? [],
    source: { file: config.name, key },
  });
  const unit: BuildUnit = {
    id: module.pkg.name,
    name: cfg.binary ?? module.pkg.name,
    pkg: module.pkg,
    hooks: { pre: hookList(cfg.hooks?.pre, 'hooks.pre'), post: hookList(cfg.hooks?.post, 'hooks.post') },
  };
  // cgo decisions may run go list per target (auto): all targets at once.
  const pending = targets.map(async (target, i): Promise<TargetBuild> => {
    const flags = flagsFor(target, config);
    const cgo = await decideTargetCgo(cgoContext, target, flags, { strip, macosSdk });
    return {
      target,
      unit,
      values: targetValues(values, {
        goos: target.goos,
        goarch: target.goarch,
        variant: target.variant,
        level: target.level?.value ?? levelFor(target.goarch)?.default ?? null,
        binary: unit.name,
        id: unit.id,
      }),
      ...(paths[i] as (typeof paths)[number]),
      args: buildArgs({
        trimpath,
        ldflags: linkerFlags(strip, version, expandEnvReferences(flags.ldflags, environment), cgo.ldflags),
        flags,
      }),
      env: { ...targetEnv(target, flags, cgo.env), ...(release ? { GOTOOLCHAIN: release } : {}) },
      cgo: cgo.record,
    };
  });
  const builds = (await Promise.allSettled(pending)).map(settled);
  const work = workspaceFile(go);
  return {
    go,
    pkg: module.pkg,
    project,
    units: [unit],
    values,
    hooks: { before: hookList(cfg.before, 'before'), after: hookList(cfg.after, 'after') },
    config: config.loaded,
    version,
    moduleRoot: module.moduleRoot,
    outDir,
    shownOut: path.relative(cwd, outDir) || '.',
    template: shared.template.template,
    jobs: options.jobs ?? cfg.jobs ?? defaultJobs(builds.length),
    trimpath,
    strip,
    // In workspace mode, pinned: go build runs in the package's module, which need not lie below go.work.
    baseEnv: { ...inheritedEnv(environment), ...(work ? { GOWORK: work } : {}) },
    verify: options.verify ?? true,
    force: options.force ?? false,
    goToolchain: release,
    linkCache: options.linkCache === false ? null : (options.linkCache ?? defaultLinkCacheDir(environment)),
    builds,
    discovery,
  };
}

/** The value of a settled promise, or its error thrown. */
function settled<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}
