import { UsageError } from '../errors.js';
import { quoteFlagWord } from '../exec/quote.js';
import type { Target } from '../targets/parse.js';
import type { GoToolchain } from '../toolchain/go.js';
import { type CCompiler, type HostTools, joinCommand, resolveCompiler } from './compilers.js';
import { darwinLinkFlags, requireSdkFor } from './darwin.js';
import { detectCgo } from './detect.js';

export type CgoMode = 'off' | 'on' | 'auto';
export const CGO_MODES: readonly CgoMode[] = ['off', 'on', 'auto'];

/** How one artifact used cgo; recorded in the manifest. */
export interface CgoRecord {
  enabled: boolean;
  mode: CgoMode;
  /** With `auto`: the packages that import "C" (none: cgo stayed off). */
  packages: string[];
  /** Linked statically (Linux, musl through zig, or the explicit compiler's -static). */
  static: boolean;
  compiler: {
    kind: CCompiler['kind'];
    cc: string;
    cxx: string | null;
    version: string;
    triple: string | null;
    flags: string[];
  } | null;
}

/** What cgo adds to one target's build. */
export interface CgoDecision {
  record: CgoRecord;
  /** CGO_ENABLED, and CC and CXX when on. */
  env: Record<string, string>;
  /** Linker flags for a static link. */
  ldflags: string[];
}

export interface CgoRequest {
  target: Target;
  mode: CgoMode;
  /** 'auto', 'zig', 'cross', 'host' or an explicit command. */
  cc: string;
  cxx?: string;
  static: boolean;
  strip: boolean;
  macosSdk: string | null;
  tags: readonly string[];
}

export interface CgoContext {
  go: GoToolchain;
  importPath: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Found lazily: only a build with cgo on looks for zig. */
  tools: () => Promise<HostTools>;
  signal?: AbortSignal;
}

export function parseCgoMode(value: string, where: string): CgoMode {
  if ((CGO_MODES as readonly string[]).includes(value)) return value as CgoMode;
  throw new UsageError(`${where} "${value}": expected off, on or auto`);
}

/** Decides cgo for one target: whether it is on, with which C compiler, and how it links. */
export async function decideCgo(ctx: CgoContext, request: CgoRequest): Promise<CgoDecision> {
  const { target, mode } = request;
  const off: CgoDecision = {
    record: { enabled: false, mode, packages: [], static: false, compiler: null },
    env: { CGO_ENABLED: '0' },
    ldflags: [],
  };
  if (mode === 'off') return off;
  const use = await detectCgo(ctx.go, ctx.importPath, target, {
    cwd: ctx.cwd,
    env: ctx.env,
    tags: request.tags,
    signal: ctx.signal,
  });
  if (mode === 'auto' && use.packages.length === 0) return off;
  if (!target.port.cgoSupported) {
    throw new UsageError(
      `${target.id} does not support cgo (go tool dist list): ${mode === 'auto' ? `${use.packages.join(', ')} import "C"` : 'use --cgo off or auto for it'}`,
    );
  }
  const why =
    mode === 'on' ? 'cgo on' : `${use.packages.join(', ')} import${use.packages.length === 1 ? 's' : ''} "C"`;
  const isStatic = request.static && target.goos === 'linux';
  const found = await resolveCompiler(
    await ctx.tools(),
    { target, choice: request.cc, cxx: request.cxx, static: isStatic, why },
    ctx.signal,
  );
  const compiler =
    found.kind === 'zig' && target.goos === 'darwin' ? await forDarwin(ctx, request, use, found) : found;
  const env: Record<string, string> = { CGO_ENABLED: '1', CC: joinCommand(compiler.cc) };
  if (compiler.cxx) env.CXX = joinCommand(compiler.cxx);
  return {
    record: {
      enabled: true,
      mode,
      packages: use.packages,
      static: isStatic,
      compiler: {
        kind: compiler.kind,
        cc: env.CC as string,
        cxx: env.CXX ?? null,
        version: compiler.version,
        triple: compiler.triple,
        flags: compiler.flags,
      },
    },
    env,
    ldflags: cgoLinkerFlags(compiler, target, isStatic, request.strip),
  };
}

/**
 * Linker flags cgo needs: external linking with -static pulls musl's (or the given libc's)
 * archives in; and zig's linker keeps the C objects' symbols and DWARF (the zig build's own
 * paths, the module folder) despite go's -s -w unless it is told itself.
 */
function cgoLinkerFlags(compiler: CCompiler, target: Target, isStatic: boolean, strip: boolean): string[] {
  const extld: string[] = [];
  if (isStatic) extld.push('-static');
  if (strip && compiler.kind === 'zig' && target.goos !== 'darwin') extld.push('-s');
  const flags = isStatic ? ['-linkmode=external'] : [];
  if (extld.length > 0) flags.push(quoteFlagWord(`-extldflags=${extld.join(' ')}`));
  return flags;
}

/** zig for macOS: the link stubs or the SDK, and no DWARF (go would run dsymutil and strip, which Linux lacks). */
async function forDarwin(
  ctx: CgoContext,
  request: CgoRequest,
  use: Awaited<ReturnType<typeof detectCgo>>,
  compiler: CCompiler,
): Promise<CCompiler> {
  requireSdkFor(request.target, use, request.macosSdk);
  if (!request.strip) {
    throw new UsageError(
      `${request.target.id} with cgo through zig needs -s -w: with DWARF, go's darwin linker runs dsymutil and strip, which only a Mac has; drop --no-strip (or strip: false) for it`,
    );
  }
  const flags = await darwinLinkFlags(ctx.env, request.macosSdk);
  return {
    ...compiler,
    cc: [...compiler.cc, ...flags],
    cxx: compiler.cxx ? [...compiler.cxx, ...flags] : null,
    flags,
  };
}
