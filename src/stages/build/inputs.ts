import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CgoRecord } from '../../cgo/plan.js';
import { readRegular } from '../../fs/open.js';
import { DEFAULT_WALK_LIMITS, type Doubt, WalkBudget, type WalkLimits, walkTree } from './walk.js';

/**
 * The inputs digest of a target: a sha256 over everything that decides the bytes `go build`
 * writes — the toolchain, the module's files (path, size, mtime: never read), go.mod/go.sum/
 * go.work, local replacements, the environment and flags crossgo passes, the config, crossgo's
 * version and, with cgo, the C compiler. Equal to the one the last manifest records, and with the
 * artifact still holding its recorded bytes, the build of that target is skipped (compile.ts).
 * Anything that cannot be described with certainty is a doubt: no digest, and go runs.
 */
export type Inputs = { digest: string } | Doubt;

/** JSON with every object's keys sorted: the same facts always give the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** The sha256 (hex) of the canonical encoding of `value`. */
export function digestOf(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

/** A replacement or workspace module path is local when it is a directory path (golang.org/x/mod/modfile, IsDirectoryPath). */
function isLocalPath(p: string): boolean {
  return (
    p.startsWith('./') ||
    p.startsWith('../') ||
    p === '.' ||
    p === '..' ||
    p.startsWith('.\\') ||
    p.startsWith('..\\') ||
    path.isAbsolute(p) ||
    /^[A-Za-z]:[\\/]/.test(p)
  );
}

function unquote(token: string): string {
  return token.length >= 2 && (token[0] === '"' || token[0] === '`') && token.at(-1) === token[0]
    ? token.slice(1, -1)
    : token;
}

/**
 * The local folders a go.mod or go.work names: the right-hand side of `replace … => ./dir` and,
 * in go.work, each `use ./dir` (https://go.dev/ref/mod#go-mod-file-replace, #go-work-file-use),
 * absolute, resolved from the file's folder. Single lines and `( … )` blocks; comments skipped.
 */
export function localModuleDirs(text: string, fileDir: string): string[] {
  const dirs: string[] = [];
  let block: string | null = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (line === '') continue;
    if (block !== null && line === ')') {
      block = null;
      continue;
    }
    let verb = block;
    let rest = line;
    if (verb === null) {
      const opened = /^(replace|use)\s*\($/.exec(line);
      if (opened) {
        block = opened[1] as string;
        continue;
      }
      const single = /^(replace|use)\s+(.*)$/.exec(line);
      if (!single) continue;
      verb = single[1] as string;
      rest = single[2] as string;
    }
    const local =
      verb === 'use'
        ? unquote(rest.split(/\s+/)[0] ?? '')
        : unquote(rest.split('=>')[1]?.trim().split(/\s+/)[0] ?? '');
    if (local !== '' && (verb === 'use' || isLocalPath(local))) dirs.push(path.resolve(fileDir, local));
  }
  return dirs;
}

/** Variables of the inherited environment that go build (or the C compiler it runs) reads. */
const GO_READS = new Set(['CC', 'CXX', 'FC', 'AR', 'PKG_CONFIG', 'GCCGO']);
/** Where go writes no output bytes from: the build cache (its folder or its program) changes nothing in a binary. */
const NOT_AN_INPUT = new Set(['GOCACHE', 'GOCACHEPROG']);

function goVariables(env: NodeJS.ProcessEnv | Readonly<Record<string, string>>): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || NOT_AN_INPUT.has(key)) continue;
    if (key.startsWith('GO') || key.startsWith('CGO_') || GO_READS.has(key)) picked[key] = value;
  }
  return picked;
}

export interface ModuleInputsRequest {
  moduleRoot: string;
  /** The output folder (as planned, and as resolved): never an input. */
  outDirs: string[];
  goMod: string;
  goWork: string | null;
  configFile: string | null;
  /** The go command crossgo runs (a name looked up on PATH, or a path). */
  goBinary: string;
  goEnv: Readonly<Record<string, string>>;
  /** The environment go build inherits. */
  env: NodeJS.ProcessEnv;
  crossgoVersion: string;
  /** Other facts of the plan every target shares (package, version stamped in, settings). */
  shared: unknown;
}

/** The largest text input read (go.sum of a big module is a few MB). */
const MAX_TEXT_BYTES = 16 * 1024 * 1024;

/** What every target of a build shares, digested once per run. */
export async function moduleInputs(
  request: ModuleInputsRequest,
  limits: WalkLimits = DEFAULT_WALK_LIMITS,
): Promise<Inputs> {
  const { goEnv, env } = request;
  if (/devel/.test(goEnv.GOVERSION ?? '')) {
    return { doubt: `a development toolchain (${goEnv.GOVERSION}) can change without a new version` };
  }
  const budget = new WalkBudget(limits, BigInt(Date.now()) * 1_000_000n);
  const goBinary = await findOnPath(request.goBinary, env, request.moduleRoot);
  if (!goBinary) return { doubt: `cannot find ${request.goBinary} on PATH` };
  const goroot = goEnv.GOROOT ?? '';
  const toolDir = path.join(goroot, 'pkg', 'tool', `${goEnv.GOHOSTOS}_${goEnv.GOHOSTARCH}`);
  const toolchain = {
    goBinary: { path: goBinary, ...(await stamp(goBinary)) },
    goroot,
    tools: Object.fromEntries(
      await Promise.all(
        [
          path.join(goroot, 'bin', 'go'),
          ...['compile', 'link', 'asm', 'cgo'].map((t) => path.join(toolDir, t)),
        ].map(async (file) => [file, await stamp(file)] as const),
      ),
    ),
  };

  const goModDir = path.dirname(request.goMod);
  const texts: Record<string, string | null> = {};
  const textFiles = [
    request.goMod,
    path.join(goModDir, 'go.sum'),
    ...(request.goWork ? [request.goWork, `${request.goWork}.sum`] : []),
    ...(request.configFile ? [request.configFile] : []),
    path.join(goroot, 'go.env'),
    ...(goEnvFile(env) ? [goEnvFile(env) as string] : []),
  ];
  for (const file of textFiles) {
    const text = await readText(file);
    if (typeof text === 'object' && text !== null) return text;
    texts[file] = text;
  }

  // The module, the workspace's modules, and every local folder a replace directive names.
  const roots = new Set([path.resolve(request.moduleRoot)]);
  const modFiles = [request.goMod];
  if (request.goWork) {
    const work = texts[request.goWork] ?? '';
    for (const dir of localModuleDirs(work, path.dirname(request.goWork))) {
      roots.add(dir);
      modFiles.push(path.join(dir, 'go.mod'));
    }
  }
  for (const file of modFiles) {
    const text = texts[file] !== undefined ? texts[file] : await readText(file);
    if (typeof text === 'object' && text !== null) return text;
    for (const dir of localModuleDirs(text ?? '', path.dirname(file))) roots.add(dir);
  }
  const trees: { root: string; entries: unknown }[] = [];
  for (const root of [...roots].sort()) {
    const info = await stat(root).catch(() => null);
    if (!info?.isDirectory()) {
      trees.push({ root, entries: null });
      continue;
    }
    const entries = await walkTree(root, request.outDirs, budget);
    if ('doubt' in entries) return entries;
    trees.push({ root, entries });
  }

  return {
    digest: digestOf({
      format: 1,
      crossgo: request.crossgoVersion,
      toolchain,
      goEnv: goVariables(goEnv),
      env: goVariables(env),
      texts,
      trees,
      moduleRoot: request.moduleRoot,
      outDirs: request.outDirs,
      shared: request.shared,
    }),
  };
}

/** What one target adds to the module's inputs: the command crossgo runs and the C compiler. */
export interface TargetFacts {
  target: string;
  outputRel: string;
  /** The build's main package (several builds of one module differ here). */
  importPath: string;
  packageDir: string;
  /** go arguments and the variables crossgo sets for this target (TargetBuild args, env). */
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  cgo: CgoRecord;
}

/** The digest of one target: pure, from the module's inputs and the target's own facts. */
export function targetInputs(module: Inputs, facts: TargetFacts): Inputs {
  if ('doubt' in module) return module;
  if (facts.cgo.enabled && !(facts.cgo.compiler?.cc && facts.cgo.compiler.version)) {
    return { doubt: `the C compiler of ${facts.target} or its version is unknown` };
  }
  return { digest: digestOf({ module: module.digest, ...facts }) };
}

/** A file's text, null when it does not exist, a doubt when it cannot be read. */
export async function readText(file: string): Promise<string | null | Doubt> {
  try {
    return (await readRegular(file, { maxBytes: MAX_TEXT_BYTES })).toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    return { doubt: `cannot read ${file}` };
  }
}

export async function stamp(file: string): Promise<{ size: string; mtimeNs: string } | null> {
  const info = await stat(file, { bigint: true }).catch(() => null);
  return info ? { size: String(info.size), mtimeNs: String(info.mtimeNs) } : null;
}

/** The file a command name runs: as execvp looks it up on PATH (a name with a slash is a path). */
export async function findOnPath(
  command: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<string | null> {
  if (command.includes('/') || command.includes(path.sep)) return path.resolve(cwd, command);
  const names = process.platform === 'win32' ? [`${command}.exe`, command] : [command];
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    for (const name of names) {
      const file = path.resolve(cwd, dir, name);
      const info = await stat(file).catch(() => null);
      if (info?.isFile() && (process.platform === 'win32' || (info.mode & 0o111) !== 0)) return file;
    }
  }
  return null;
}

/** The go env file `go env -w` writes (cmd/go/internal/cfg, EnvFile: os.UserConfigDir()/go/env). */
export function goEnvFile(env: NodeJS.ProcessEnv): string | null {
  if (env.GOENV === 'off') return null;
  if (env.GOENV) return env.GOENV;
  const home = env.HOME ?? os.homedir();
  if (process.platform === 'win32') return env.APPDATA ? path.join(env.APPDATA, 'go', 'env') : null;
  if (process.platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'go', 'env');
  return path.join(env.XDG_CONFIG_HOME || path.join(home, '.config'), 'go', 'env');
}
