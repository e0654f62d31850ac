import { existsSync } from 'node:fs';
import path from 'node:path';
import { EnvironmentError, UsageError } from '../errors.js';
import { quoteFlagWord, splitQuotedOrWhy } from '../exec/quote.js';
import { run } from '../exec/run.js';
import { which } from '../exec/which.js';
import type { Target } from '../targets/parse.js';
import { debianCrossCompiler, zigTriple } from './triples.js';

/**
 * Finding a C compiler for each cgo target, in the order the user asked for or, by default:
 * an explicit command, zig (`zig cc -target …`, from PATH or the PyPI package ziglang), the
 * Debian cross compilers, and the host's own compiler for the host target.
 */

/** How a compiler was chosen. */
export type CompilerKind = 'explicit' | 'zig' | 'cross' | 'host';

/** The --cc / `cc:` values that name a way to find a compiler rather than a command. */
export const COMPILER_CHOICES = ['auto', 'zig', 'cross', 'host'] as const;

/** A C toolchain for one target: what goes into CC and CXX, and what the manifest records. */
export interface CCompiler {
  kind: CompilerKind;
  /** The CC command as go splits it (program, then arguments). */
  cc: string[];
  cxx: string[] | null;
  /** The compiler's own version line (zig: its release). */
  version: string;
  /** zig's -target triple, when zig is used. */
  triple: string | null;
  /** Flags crossgo adds for the target (macOS stub libraries or SDK), already part of cc and cxx. */
  flags: string[];
}

/** The host tools compiler discovery uses, found once per run. */
export interface HostTools {
  zig: string | null;
  /** How zig was found, for doctor. */
  zigSource: 'PATH' | 'python3 -m ziglang' | null;
  env: NodeJS.ProcessEnv;
  hostGoos: string;
  hostGoarch: string;
}

/** Finds zig: on PATH, else inside the PyPI package ziglang (`pip install ziglang`). */
export async function findHostTools(
  env: NodeJS.ProcessEnv,
  host: { goos: string; goarch: string },
  signal?: AbortSignal,
): Promise<HostTools> {
  const base = { env, hostGoos: host.goos, hostGoarch: host.goarch };
  const onPath = which('zig', env);
  if (onPath) return { ...base, zig: onPath, zigSource: 'PATH' };
  const python = which('python3', env);
  if (python) {
    // The package ships the zig binary beside its __init__.py; running it directly spares a
    // Python start-up on each of the hundreds of compiles a cgo build makes.
    const result = await run(python, ['-c', 'import os, ziglang; print(os.path.dirname(ziglang.__file__))'], {
      env,
      signal,
    }).catch(() => null);
    const dir = result?.exitCode === 0 ? result.stdout.trim() : '';
    const zig = dir ? path.join(dir, 'zig') : '';
    if (zig && existsSync(zig)) return { ...base, zig, zigSource: 'python3 -m ziglang' };
  }
  return { ...base, zig: null, zigSource: null };
}

export interface CompilerRequest {
  target: Target;
  /** 'auto', 'zig', 'cross', 'host', or an explicit CC command. */
  choice: string;
  /** An explicit CXX command, with an explicit CC. */
  cxx?: string;
  /** Link statically against musl (Linux). */
  static: boolean;
  /** Why cgo is on, for the error when no compiler is found. */
  why: string;
}

/** The C toolchain for a target, or an error naming the target and what to install. */
export async function resolveCompiler(
  tools: HostTools,
  request: CompilerRequest,
  signal?: AbortSignal,
): Promise<CCompiler> {
  const found = findCompiler(tools, request);
  if (!found) throw noCompiler(tools, request);
  const version = await probeVersion(found, tools.env, signal);
  return { ...found, version };
}

type Found = Omit<CCompiler, 'version'>;

function findCompiler(tools: HostTools, request: CompilerRequest): Found | null {
  const { target, choice } = request;
  if (!(COMPILER_CHOICES as readonly string[]).includes(choice)) {
    const cc = splitCommand(choice, '--cc');
    if (!which(cc[0] as string, tools.env)) {
      throw new EnvironmentError(`--cc ${choice}: ${cc[0]} not found on PATH`);
    }
    const cxx = request.cxx ? splitCommand(request.cxx, '--cxx') : null;
    return { kind: 'explicit', cc, cxx, triple: null, flags: [] };
  }
  const order: CompilerKind[] =
    choice === 'auto'
      ? request.static && target.goos === 'linux'
        ? ['zig'] // musl comes only with zig
        : ['zig', 'cross', 'host']
      : [choice as CompilerKind];
  for (const kind of order) {
    const found = tryKind(kind, tools, request);
    if (found) return found;
  }
  return null;
}

function tryKind(kind: CompilerKind, tools: HostTools, request: CompilerRequest): Found | null {
  const { target } = request;
  if (kind === 'zig') {
    const triple = zigTriple(target, { static: request.static });
    if (!tools.zig || !triple) return null;
    return {
      kind,
      cc: [tools.zig, 'cc', '-target', triple],
      cxx: [tools.zig, 'c++', '-target', triple],
      triple,
      flags: [],
    };
  }
  if (kind === 'cross') {
    const cross = debianCrossCompiler(target);
    if (!cross || !which(cross.cc, tools.env)) return null;
    return {
      kind,
      cc: [cross.cc],
      cxx: which(cross.cxx, tools.env) ? [cross.cxx] : null,
      triple: null,
      flags: [],
    };
  }
  if (kind === 'host') {
    if (target.goos !== tools.hostGoos || target.goarch !== tools.hostGoarch) return null;
    const cc = ['gcc', 'cc', 'clang'].find((c) => which(c, tools.env));
    if (!cc) return null;
    const cxx = ['g++', 'c++', 'clang++'].find((c) => which(c, tools.env)) ?? null;
    return { kind, cc: [cc], cxx: cxx ? [cxx] : null, triple: null, flags: [] };
  }
  return null;
}

/** What to install to get a compiler for a target: one line, the commands that fill the gap. */
export function installHint(target: Target, opts: { static: boolean; host?: boolean }): string {
  const ways: string[] = [];
  if (zigTriple(target, opts)) ways.push('pip install ziglang');
  const cross = debianCrossCompiler(target);
  const musl = opts.static && target.goos === 'linux';
  // The host's own gcc is the usual compiler for the host target.
  if (opts.host && !musl) ways.push('apt-get install gcc');
  else if (cross && !musl) ways.push(`apt-get install ${cross.packages[0]}`);
  if (ways.length === 0) return `crossgo knows no C cross compiler for ${target.id}: set one with --cc`;
  return `install one: ${ways.join(', or ')}`;
}

function noCompiler(tools: HostTools, request: CompilerRequest): EnvironmentError {
  const { target, choice } = request;
  const hint = installHint(target, {
    static: request.static,
    host: target.goos === tools.hostGoos && target.goarch === tools.hostGoarch,
  });
  const what =
    request.static && target.goos === 'linux'
      ? 'links statically against musl through zig'
      : 'needs a C compiler';
  const tried = choice === 'auto' ? 'none found' : `--cc ${choice} has none for it`;
  if (choice === 'zig' && tools.zig && !zigTriple(target, request)) {
    return new EnvironmentError(`${target.id}: zig has no C toolchain for this target (${request.why})`);
  }
  return new EnvironmentError(`${target.id} ${what} (${request.why}): ${tried}; ${hint}`);
}

const versions = new Map<string, Promise<string>>();

/** The compiler's version: zig's release, or the first line of `cc --version`. */
function probeVersion(found: Found, env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<string> {
  const program = found.cc[0] as string;
  const zig = found.kind === 'zig';
  const key = zig ? `${program} version` : program;
  let probe = versions.get(key);
  if (!probe) {
    probe = run(program, zig ? ['version'] : ['--version'], { env, signal }).then(
      (r) => (r.exitCode === 0 ? `${zig ? 'zig ' : ''}${(r.stdout.split('\n')[0] ?? '').trim()}` : 'unknown'),
      () => 'unknown',
    );
    versions.set(key, probe);
  }
  return probe;
}

/** Splits a command the way go splits CC (cmd/internal/quoted.Split): spaces, '…' and "…" group. */
export function splitCommand(text: string, where: string): string[] {
  const split = splitQuotedOrWhy(text);
  if (split.words === null)
    throw new UsageError(`${where} "${text}": unterminated ${split.unterminated} string`);
  if (split.words.length === 0)
    throw new UsageError(`${where} "${text}": expected a command, e.g. --cc aarch64-linux-gnu-gcc`);
  return split.words;
}

/** Joins a command for CC or CXX so that go splits it back into the same words. */
export function joinCommand(words: readonly string[]): string {
  return words.map(quoteFlagWord).join(' ');
}
