import path from 'node:path';
import { cacheUrlOf, goCacheProgValue } from '../../cache/goCacheProg.js';
import { parseStoreUrl, type StoreUrl } from '../../cache/storeUrl.js';
import type { CgoMode } from '../../cgo/plan.js';
import { ConfigError, UsageError } from '../../errors.js';
import { type Logger, silentLogger } from '../../log.js';
import { type Discovery, discover } from '../../pipeline/discovery.js';
import type { BuildEvent } from '../../pipeline/events.js';
import type { BuildPlan, BuildUnit, TargetBuild } from '../../pipeline/plan.js';
import { levelFor } from '../../targets/variants.js';
import { compileTemplate, renderTemplate, type Template } from '../../template/engine.js';
import { projectValues, targetValues } from '../../template/values.js';
import { type MainPackage, resolveMainPackage, workspaceFile } from '../../toolchain/module.js';
import { buildArgs, defaultStamps, inheritedEnv, linkerFlags, type RenderValue, targetEnv } from './flags.js';
import { defaultJobs } from './jobs.js';
import { defaultLinkCacheDir } from './linkCache.js';
import { cgoContextFor, decideTargetCgo, planMacosSdk } from './plan/cgo.js';
import { type ConfigPlan, planConfig, readConfig } from './plan/config.js';
import { type ModulePlan, planCwd, planModule, startingRoot } from './plan/module.js';
import { outputOptions, planOutDir, planOutputPaths, planTemplate } from './plan/outputs.js';
import { flagsFor, planTargets } from './plan/targets.js';
import { goRequests, refuseSeveral, resolveReleases } from './plan/toolchain.js';
import { planUnitSpecs, selectUnits, type UnitSpec, unitName } from './plan/units.js';
import { planVersion } from './plan/version.js';
import { readCosts, resolveShard, type ShardRequest, selectShard } from './shard.js';

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
  /** The main package; default the config's (`main`, or each of `builds`), else ".". Replaces the config's builds with one. */
  package?: string;
  /** The config's builds to make, by id (--build); default all but those with `skip: true`. */
  builds?: string[];
  targets?: string | string[];
  /** Output folder, relative to cwd; default the config's `out`, else <module root>/dist. */
  out?: string;
  /** @deprecated the old name of `out` (still read, with a warning). */
  outDir?: string;
  jobs?: number;
  /** A remote build cache for go (crossgo cache-prog as GOCACHEPROG); default the config's, else CROSSGO_CACHE_URL. */
  cache?: string;
  /** With a cache: read it, upload nothing (untrusted builds). */
  cacheReadonly?: boolean;
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
  /** Build one deterministic, balanced part of the targets (1-based), or 'auto' (CI_NODE_INDEX/CI_NODE_TOTAL, CROSSGO_SHARD). */
  shard?: ShardRequest;
  /** A previous manifest whose binaries' durationMs weigh the targets for --shard (default: static weights). */
  costs?: string;
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
  template: ReturnType<typeof planTemplate>;
  /** The builds this run makes (--build chose them), and the project's name. */
  units: { specs: { spec: UnitSpec; unit: BuildUnit }[]; project: string };
}

async function planRun(options: BuildOptions, given: Discovery | undefined, single: boolean) {
  const log = options.log ?? silentLogger;
  // A bad or unset --shard is refused before go runs (planRelease applies it).
  if (options.shard !== undefined) resolveShard(options.shard, options.environment ?? process.env);
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
  // The command line's package (or "."), looked up while the config is read: most runs build it.
  const [moduleResult, configResult] = await Promise.allSettled([
    planModule(discovery, options.package),
    readConfig(root, cwd, options.configFile),
  ]);
  let loaded = settled(configResult);
  if (options.package !== undefined) {
    // In a workspace the package may live in another module than cwd's: read that one's files.
    const module = settled(moduleResult);
    const sameRoot = path.resolve(module.moduleRoot) === path.resolve(root);
    if (!sameRoot) loaded = await readConfig(module.moduleRoot, cwd, options.configFile);
  }
  const config = planConfig(loaded, options, log);
  const specs = planUnitSpecs(config.cfg, config.name, options.package, options.builds);
  const packages = await Promise.allSettled(
    specs.map((spec) => unitPackage(spec, options, discovery, moduleResult, root, config.name)),
  );
  const resolved = packages.map(settled);
  const first = resolved[0] as MainPackage;
  for (const [i, pkg] of resolved.entries()) {
    if (path.resolve(pkg.module.dir) !== path.resolve(first.module.dir)) {
      throw new ConfigError(
        config.name,
        (specs[i] as UnitSpec).key ? `${(specs[i] as UnitSpec).key}.main` : 'main',
        `${pkg.importPath} is in module ${pkg.module.path}, the first build's in ${first.module.path}: one config builds the packages of one module`,
      );
    }
  }
  const module: ModulePlan = { startingRoot: root, pkg: first, moduleRoot: first.module.dir };
  const requests = goRequests(options, config);
  if (single) refuseSeveral(requests);
  const template = planTemplate(names.template, config);
  const version = await planVersion(discovery, module, config, options, log);
  const outDir = planOutDir(names.out, cwd, module.moduleRoot, config);
  const environment = options.environment ?? process.env;
  const units = planUnits(specs, resolved, config, version, environment, options.builds);
  const shared: SharedPlan = { options, log, cwd, module, config, version, template, units };
  if (!requests) return [await planRelease(shared, discovery, outDir)];
  const releases = await resolveReleases(discovery, requests);
  const plans: BuildPlan[] = [];
  for (const release of releases) {
    const out = releases.length > 1 ? path.join(outDir, release) : outDir;
    plans.push(await planRelease(shared, await discovery.forRelease(release), out));
  }
  return plans;
}

/**
 * A build's main package: the command line's (or ".") as looked up beside the config, else the
 * build's `main`, resolved from the module root (where the config is) and named by its key.
 */
async function unitPackage(
  spec: UnitSpec,
  options: BuildOptions,
  discovery: Discovery,
  looked: PromiseSettledResult<ModulePlan>,
  root: string,
  file: string,
): Promise<MainPackage> {
  // The command line's package, or a config's one build of "." (today's default): from cwd, as go.
  if (options.package !== undefined || (spec.key === '' && spec.main === '.')) return settled(looked).pkg;
  try {
    return await resolveMainPackage(discovery.go, spec.main, {
      cwd: root,
      env: discovery.env,
      signal: discovery.signal,
    });
  } catch (error) {
    if (error instanceof UsageError && !(error instanceof ConfigError)) {
      throw new ConfigError(file, spec.key ? `${spec.key}.main` : 'main', error.message);
    }
    throw error;
  }
}

/** Each build's id and binary name (ids unique, --build applied), and the project's name. */
function planUnits(
  specs: readonly UnitSpec[],
  packages: readonly MainPackage[],
  config: ConfigPlan,
  version: BuildPlan['version'],
  env: NodeJS.ProcessEnv,
  selected: readonly string[] | undefined,
): SharedPlan['units'] {
  const cfg = config.cfg;
  const named = specs.map((spec, i) => {
    const pkg = packages[i] as MainPackage;
    const name = unitName(spec, pkg.name, config.name, projectValues(version, cfg.project ?? pkg.name), env);
    const unit: BuildUnit = { id: spec.id ?? name, name, pkg, hooks: spec.hooks };
    return { spec, unit, id: unit.id };
  });
  const project = cfg.project ?? (named[0] as (typeof named)[number]).unit.name;
  return { specs: selectUnits(named, config.name, selected), project };
}

/** One release's plan: every build's targets, cgo decisions and artifact paths. */
async function planRelease(shared: SharedPlan, discovery: Discovery, outDir: string): Promise<BuildPlan> {
  const { options, log, cwd, module, config, version } = shared;
  const { go, env: environment } = discovery;
  const cfg = config.cfg;
  const ports = await discovery.ports();
  const trimpath = options.trimpath ?? cfg.trimpath ?? true;
  const strip = options.strip ?? cfg.strip ?? true;
  const macosSdk = await planMacosSdk(options.macosSdk, cfg.macosSdk, cwd, module.moduleRoot);
  const release = discovery.release;
  const project = shared.units.project;
  const values = projectValues(version, project);
  // Every ldflags word and env value is a template, compiled once per place it is read.
  const compiled = new Map<string, Template>();
  const templateOf = (text: string, source: { file: string; key: string }): Template => {
    const key = `${source.file}\0${source.key}\0${text}`;
    let template = compiled.get(key);
    if (!template) {
      template = compileTemplate(text, source, { scope: 'target' });
      compiled.set(key, template);
    }
    return template;
  };
  const planned = shared.units.specs.flatMap(({ spec, unit }) => {
    const targets = planTargets(options.targets, options, ports, config, go.version.raw, log, spec);
    return targets.map((target) => ({
      spec,
      unit,
      target,
      values: targetValues(values, {
        goos: target.goos,
        goarch: target.goarch,
        variant: target.variant,
        level: target.level?.value ?? levelFor(target.goarch)?.default ?? null,
        binary: unit.name,
        id: unit.id,
      }),
    }));
  });
  const paths = planOutputPaths(planned, shared.template, outDir, environment);
  const contexts = new Map(
    shared.units.specs.map(({ unit }) => [
      unit.id,
      cgoContextFor(discovery, unit.pkg.importPath, module.moduleRoot),
    ]),
  );
  // cgo decisions may run go list per target (auto): all targets at once.
  const pending = planned.map(async ({ spec, unit, target, values: own }, i): Promise<TargetBuild> => {
    const render: RenderValue = (text, source) => renderTemplate(templateOf(text, source), own, environment);
    const flags = flagsFor(target, config, spec, render);
    const cgoContext = contexts.get(unit.id) as ReturnType<typeof cgoContextFor>;
    const cgo = await decideTargetCgo(cgoContext, target, flags, { strip, macosSdk });
    const stamps = spec.ownStamps ? [] : defaultStamps(own);
    return {
      target,
      unit,
      values: own,
      ...(paths[i] as (typeof paths)[number]),
      args: buildArgs({
        trimpath,
        ldflags: linkerFlags(strip, stamps, flags.ldflags, cgo.ldflags),
        flags,
        goFlags: spec.goFlags,
      }),
      env: { ...targetEnv(target, flags, cgo.env), ...(release ? { GOTOOLCHAIN: release } : {}) },
      cgo: cgo.record,
    };
  });
  const builds = (await Promise.allSettled(pending)).map(settled);
  const work = workspaceFile(go);
  const cacheUrl = cacheUrlOf(options.cache, cfg.cache, environment);
  const plan = {
    go,
    pkg: module.pkg,
    project,
    units: shared.units.specs.map((s) => s.unit),
    values,
    hooks: {
      before: { commands: cfg.before ?? [], source: { file: config.name, key: 'before' } },
      after: { commands: cfg.after ?? [], source: { file: config.name, key: 'after' } },
    },
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
    baseEnv: {
      ...inheritedEnv(environment),
      ...(work ? { GOWORK: work } : {}),
      ...(cacheUrl ? { GOCACHEPROG: goCacheProgValue(cacheUrl, options.cacheReadonly ?? false) } : {}),
    },
    ...(cacheUrl ? { cache: { store: storeOf(cacheUrl), readonly: options.cacheReadonly ?? false } } : {}),
    verify: options.verify ?? true,
    force: options.force ?? false,
    goToolchain: release,
    linkCache: options.linkCache === false ? null : (options.linkCache ?? defaultLinkCacheDir(environment)),
    builds,
    discovery,
  };
  if (options.shard === undefined) return plan;
  // After every target is planned: a shard keeps its part and records the whole.
  const shard = resolveShard(options.shard, options.environment ?? process.env);
  const costs = options.costs ? await readCosts(path.resolve(cwd, options.costs)) : null;
  const part = await selectShard(plan, builds, shard, costs);
  return { ...plan, builds: part.builds, shard: part.record };
}

/** The value of a settled promise, or its error thrown. */
function settled<T>(result: PromiseSettledResult<T>): T {
  if (result.status === 'rejected') throw result.reason;
  return result.value;
}

/** The store of a URL cacheUrlOf accepted. */
function storeOf(url: string): StoreUrl {
  const store = parseStoreUrl(url);
  if (typeof store === 'string') throw new Error(`cache: ${store}`);
  return store;
}
