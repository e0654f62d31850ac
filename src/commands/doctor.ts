import { readdirSync } from 'node:fs';
import path from 'node:path';
import {
  type CompilerKind,
  findHostTools,
  type HostTools,
  installHint,
  resolveCompiler,
} from '../cgo/compilers.js';
import { detectCgo } from '../cgo/detect.js';
import { type CgoMode, parseCgoMode } from '../cgo/plan.js';
import { loadConfig } from '../config/load.js';
import type { CrossgoConfig } from '../config/types.js';
import { CrossgoError } from '../errors.js';
import { run } from '../exec/run.js';
import { which } from '../exec/which.js';
import { findRunner, type RunnerKind } from '../runners/detect.js';
import { DEFAULT_TARGETS, expandTargets, type Target } from '../targets/parse.js';
import { listPorts } from '../targets/ports.js';
import { findGo, type GoToolchain } from '../toolchain/go.js';
import { resolveMainPackage } from '../toolchain/module.js';

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

export interface ToolReport {
  name: string;
  found: boolean;
  path: string | null;
  version: string | null;
  /** What it is for. */
  use: string;
  /** The command that installs it, when it is missing. */
  fix: string | null;
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
  /** Can `crossgo build` make it here, with the cgo mode asked for? */
  buildable: boolean;
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
  const go = await findGo({ cwd, env, signal });
  const inModule = !['', '/dev/null', 'NUL'].includes(go.env.GOMOD);
  const [ports, config, tools] = await Promise.all([
    listPorts(go, { cwd, env, signal }),
    inModule || options.configFile !== undefined
      ? loadConfig(
          inModule ? path.dirname(go.env.GOMOD) : cwd,
          options.configFile && path.resolve(cwd, options.configFile),
        ).then((c) => c.config)
      : Promise.resolve({} as CrossgoConfig),
    findHostTools(env, { goos: go.env.GOHOSTOS, goarch: go.env.GOHOSTARCH }, signal),
  ]);
  const cgoMode = options.cgo ?? (config.cgo ? parseCgoMode(config.cgo, 'config cgo') : 'off');
  const choice = options.cc ?? config.cc ?? 'auto';
  const targets = expandTargets(options.targets ?? config.targets ?? DEFAULT_TARGETS, ports, {
    allowBroken: true,
  });
  const importPath =
    cgoMode === 'auto' && inModule
      ? await resolveMainPackage(go, options.package ?? '.', { cwd, env, signal })
          .then((p) => p.importPath)
          .catch(() => null)
      : null;
  const reports = await Promise.all(
    targets.map((target) =>
      checkTarget(target, { go, tools, cgoMode, choice, importPath, cwd, env, signal }),
    ),
  );
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
    tools: await findTools(tools, env, signal),
  };
}

interface TargetContext {
  go: GoToolchain;
  tools: HostTools;
  cgoMode: CgoMode;
  choice: string;
  importPath: string | null;
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

async function checkTarget(target: Target, ctx: TargetContext): Promise<TargetReport> {
  const pureGo = target.port.broken
    ? { ok: false, detail: `${ctx.go.version.raw} marks ${target.id} broken` }
    : { ok: true, detail: 'go build, CGO_ENABLED=0' };
  const cgo = await checkCgo(target, ctx);
  const runner = findRunner(target, {
    goos: ctx.go.env.GOHOSTOS,
    goarch: ctx.go.env.GOHOSTARCH,
    env: ctx.env,
  });
  return {
    target: target.id,
    pureGo,
    cgo,
    run: runner.ok
      ? { ok: true, runner: runner.runner.kind, detail: runner.detail, fix: null }
      : { ok: false, runner: null, detail: `cannot run here: ${runner.reason}`, fix: runner.fix },
    buildable: pureGo.ok && (!cgo.needed || (cgo.supported && cgo.compiler !== null)),
  };
}

async function checkCgo(target: Target, ctx: TargetContext): Promise<TargetReport['cgo']> {
  const supported = target.port.cgoSupported;
  let needed = ctx.cgoMode === 'on';
  let why =
    ctx.cgoMode === 'on' ? 'cgo on' : ctx.cgoMode === 'off' ? 'cgo off' : 'cgo auto: no package imports "C"';
  if (ctx.cgoMode === 'auto' && ctx.importPath) {
    const use = await detectCgo(ctx.go, ctx.importPath, target, {
      cwd: ctx.cwd,
      env: ctx.env,
      tags: [],
      signal: ctx.signal,
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
      { target, choice: ctx.choice, static: false, why },
      ctx.signal,
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

/** The tools crossgo uses beyond go, found or not, with the command that installs each. */
async function findTools(
  tools: HostTools,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<ToolReport[]> {
  const probe = async (
    name: string,
    file: string | null,
    args: string[] | null,
    use: string,
    fix: string,
  ): Promise<ToolReport> => {
    if (!file) return { name, found: false, path: null, version: null, use, fix };
    if (!args) return { name, found: true, path: file, version: null, use, fix: null };
    const result = await run(file, args, { env, signal }).catch(() => null);
    const version = result ? ((result.stdout || result.stderr).trim().split('\n')[0] ?? '').trim() : '';
    return { name, found: true, path: file, version: version || null, use, fix: null };
  };
  const llvm = (tool: string) => which(tool, env) ?? llvmVersioned(tool);
  return Promise.all([
    probe('zig', tools.zig, ['version'], 'C compiler for cgo targets, musl, macOS', 'pip install ziglang'),
    probe('gcc', which('gcc', env), ['--version'], 'C compiler for the host target', 'apt-get install gcc'),
    probe('gpg', which('gpg', env), ['--version'], 'signatures', 'apt-get install gnupg'),
    probe('ssh-keygen', which('ssh-keygen', env), null, 'SSH signatures', 'apt-get install openssh-client'),
    probe(
      'llvm-lipo',
      llvm('llvm-lipo'),
      ['--version'],
      'macOS universal binaries (checks)',
      'apt-get install llvm',
    ),
    probe(
      'llvm-readobj',
      llvm('llvm-readobj'),
      ['--version'],
      'an independent reader for checks',
      'apt-get install llvm',
    ),
    probe(
      'qemu-user',
      which('qemu-aarch64', env) ?? which('qemu-x86_64', env),
      ['--version'],
      'runs other Linux architectures',
      'apt-get install qemu-user',
    ),
    probe(
      'wine',
      which('wine', env) ?? which('wine64', env),
      ['--version'],
      'runs x86 Windows programs',
      'apt-get install wine',
    ),
  ]);
}

/** Debian installs some llvm tools only under /usr/lib/llvm-N/bin. */
function llvmVersioned(tool: string): string | null {
  try {
    const versions = readdirSync('/usr/lib')
      .filter((d) => /^llvm-\d+$/.test(d))
      .sort((a, b) => Number(b.slice(5)) - Number(a.slice(5)));
    for (const v of versions) {
      const found = which(path.join('/usr/lib', v, 'bin', tool), {});
      if (found) return found;
    }
  } catch {
    // no /usr/lib: not Debian-like
  }
  return null;
}
