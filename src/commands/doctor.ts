import path from 'node:path';
import {
  type CompilerKind,
  findHostTools,
  type HostTools,
  installHint,
  resolveCompiler,
} from '../cgo/compilers.js';
import { detectCgo } from '../cgo/detect.js';
import { type CgoContext, type CgoMode, parseCgoMode } from '../cgo/plan.js';
import { CrossgoError } from '../errors.js';
import { silentLogger } from '../log.js';
import { type Discovery, discover } from '../pipeline/discovery.js';
import { findRunner, type RunnerKind } from '../runners/detect.js';
import { explicitCompiler } from '../stages/build/flags.js';
import { type CgoSettings, cgoContextFor, decideTargetCgo, planMacosSdk } from '../stages/build/plan/cgo.js';
import { type ConfigPlan, planConfig, readConfig } from '../stages/build/plan/config.js';
import { configTargets, flagsFor } from '../stages/build/plan/targets.js';
import { expandTargets, type Target } from '../targets/parse.js';
import { resolveMainPackage } from '../toolchain/module.js';
import { findTools, type ToolReport } from '../toolchain/tools.js';

export type { ToolReport };

export interface DoctorOptions {
  cwd?: string;
  /** Targets to check (default: the config's, else linux/amd64,darwin/arm64,windows/386). */
  targets?: string | string[];
  /** The cgo mode builds will use (default: the config's, else off). */
  cgo?: CgoMode;
  /** The C compiler choice builds will use (default: the config's, else auto). */
  cc?: string;
  /** The config file, relative to cwd (default: crossgo.yaml, .yml or .json in the module root). */
  configFile?: string;
  /** The main package whose `import "C"` decides cgo auto (default "."). */
  package?: string;
  environment?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface TargetReport {
  target: string;
  /** False only when the toolchain has no such port or marks it broken. */
  pureGo: { ok: boolean; detail: string };
  cgo: {
    supported: boolean;
    /** Whether a build with this mode uses cgo here (auto: from the packages' `import "C"`). */
    needed: boolean;
    why: string;
    compiler: { kind: CompilerKind; cc: string; version: string } | null;
    fix: string | null;
  };
  run: { ok: boolean; runner: RunnerKind | null; detail: string; fix: string | null };
  /** Can `crossgo build` make it here, with the cgo mode asked for? The same decision build makes. */
  buildable: boolean;
  /** Why build refuses it (build's own message), or null. */
  refused: string | null;
}

export interface DoctorReport {
  ok: boolean;
  go: { binary: string; version: string; env: Record<string, string> };
  cgoMode: CgoMode;
  targets: TargetReport[];
  tools: ToolReport[];
}

/** What this machine can build and run, and for each gap the command that fills it. */
export async function doctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const env = options.environment ?? process.env;
  const signal = options.signal;
  const discovery = await discover({ cwd, env, signal });
  const { go } = discovery;
  const moduleRoot = ['', '/dev/null', 'NUL'].includes(go.env.GOMOD) ? null : path.dirname(go.env.GOMOD);
  const [ports, loaded, tools] = await Promise.all([
    discovery.ports(),
    moduleRoot || options.configFile !== undefined
      ? readConfig(moduleRoot ?? cwd, cwd, options.configFile)
      : Promise.resolve({ file: null, config: {} }),
    findHostTools(env, { goos: go.env.GOHOSTOS, goarch: go.env.GOHOSTARCH }, signal),
  ]);
  const config = planConfig(loaded, { cgo: options.cgo, cc: options.cc }, silentLogger);
  // Checked here, once, as build's plan checks it: the CLI passes the flag's text as it came.
  const cgoMode =
    options.cgo !== undefined
      ? parseCgoMode(options.cgo, '--cgo')
      : config.cfg.cgo
        ? parseCgoMode(config.cfg.cgo, 'config cgo')
        : 'off';
  const targets = expandTargets(options.targets ?? configTargets(config.cfg, ports), ports, {
    allowBroken: true,
  });
  const pkg = moduleRoot
    ? await resolveMainPackage(go, options.package ?? '.', { cwd, env, signal }).catch(() => null)
    : null;
  const decision = pkg
    ? {
        ctx: cgoContextFor(discovery, pkg.importPath, pkg.module.dir),
        settings: {
          strip: config.cfg.strip ?? true,
          macosSdk: await planMacosSdk(undefined, config.cfg.macosSdk, cwd, pkg.module.dir),
        },
      }
    : null;
  const ctx: TargetContext = { discovery, tools, config, decision };
  const reports = await Promise.all(targets.map((target) => checkTarget(target, ctx)));
  return {
    ok: reports.every((r) => r.buildable),
    go: {
      binary: go.binary,
      version: go.version.raw,
      env: Object.fromEntries(
        [
          'GOROOT',
          'GOPATH',
          'GOCACHE',
          'GOMODCACHE',
          'GOPROXY',
          'GOFLAGS',
          'GOTOOLCHAIN',
          'GOHOSTOS',
          'GOHOSTARCH',
        ].map((k) => [k, go.env[k as keyof typeof go.env]]),
      ),
    },
    cgoMode,
    targets: reports,
    tools: await findTools(env, { zig: tools.zig }, signal),
  };
}

interface TargetContext {
  discovery: Discovery;
  tools: HostTools;
  /** The config, with doctor's --cgo and --cc as the command line's flags. */
  config: ConfigPlan;
  /** build's cgo decision for the main package, or null outside a module (no package to decide for). */
  decision: { ctx: CgoContext; settings: CgoSettings } | null;
}

async function checkTarget(target: Target, ctx: TargetContext): Promise<TargetReport> {
  const { go, env } = ctx.discovery;
  const pureGo = target.port.broken
    ? { ok: false, detail: `${go.version.raw} marks ${target.id} broken` }
    : { ok: true, detail: 'go build, CGO_ENABLED=0' };
  const cgo = await checkCgo(target, ctx);
  const runner = findRunner(target, { goos: go.env.GOHOSTOS, goarch: go.env.GOHOSTARCH, env });
  const refused = pureGo.ok ? await buildRefusal(target, ctx, cgo) : `${pureGo.detail}`;
  return {
    target: target.id,
    pureGo,
    cgo,
    run: runner.ok
      ? { ok: true, runner: runner.runner.kind, detail: runner.detail, fix: null }
      : { ok: false, runner: null, detail: `cannot run here: ${runner.reason}`, fix: runner.fix },
    buildable: refused === null,
    refused,
  };
}

/**
 * Why `crossgo build` would refuse the target, from build's own decision (stages/build/plan/cgo.ts)
 * with the config's flags for it (overrides included) and doctor's --cgo and --cc on top; null
 * when it builds. Outside a module there is no package to decide for: only the compiler counts.
 */
async function buildRefusal(
  target: Target,
  ctx: TargetContext,
  cgo: TargetReport['cgo'],
): Promise<string | null> {
  if (!ctx.decision) {
    return !cgo.needed || (cgo.supported && cgo.compiler !== null) ? null : cgo.why;
  }
  try {
    await decideTargetCgo(ctx.decision.ctx, target, flagsFor(target, ctx.config), ctx.decision.settings);
    return null;
  } catch (error) {
    if (!(error instanceof CrossgoError)) throw error;
    return error.message;
  }
}

async function checkCgo(target: Target, ctx: TargetContext): Promise<TargetReport['cgo']> {
  const supported = target.port.cgoSupported;
  const flags = flagsFor(target, ctx.config);
  const mode = flags.cgo ?? 'off';
  let needed = mode === 'on';
  let why = mode === 'on' ? 'cgo on' : mode === 'off' ? 'cgo off' : 'cgo auto: no package imports "C"';
  if (mode === 'auto' && ctx.decision) {
    const { go, importPath, cwd, env } = ctx.decision.ctx;
    const use = await detectCgo(go, importPath, target, {
      cwd,
      env,
      tags: flags.tags,
      signal: ctx.discovery.signal,
    }).catch(() => null);
    if (use && use.packages.length > 0) {
      needed = true;
      why = `cgo auto: ${use.packages.join(', ')} import "C"`;
    }
  }
  if (!supported) {
    return { supported, needed, why: `${why}, but ${target.id} has no cgo`, compiler: null, fix: null };
  }
  try {
    const compiler = await resolveCompiler(
      ctx.tools,
      { target, choice: explicitCompiler(flags).cc, static: false, why },
      ctx.discovery.signal,
    );
    return {
      supported,
      needed,
      why,
      compiler: { kind: compiler.kind, cc: compiler.cc.join(' '), version: compiler.version },
      fix: null,
    };
  } catch (error) {
    if (!(error instanceof CrossgoError)) throw error;
    const host = target.goos === ctx.tools.hostGoos && target.goarch === ctx.tools.hostGoarch;
    return { supported, needed, why, compiler: null, fix: installHint(target, { static: false, host }) };
  }
}
