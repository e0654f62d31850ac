import path from 'node:path';
import { UsageError } from '../errors.js';
import { run } from '../exec/run.js';
import type { GoToolchain } from './go.js';

/** The main package to build, as `go list` resolves it. */
export interface MainPackage {
  /** The argument as given (".", "./cmd/tool", "example.com/m/cmd/tool"). */
  pattern: string;
  importPath: string;
  dir: string;
  /** Default binary name: the import path's last element, skipping a /vN major-version suffix. */
  name: string;
  module: { path: string; dir: string; goMod: string };
}

interface ListedPackage {
  ImportPath?: string;
  Name?: string;
  Dir?: string;
  Module?: { Path?: string; Dir?: string; GoMod?: string };
  Error?: { Err?: string };
}

/** The root of the module `go env GOMOD` names for cwd; refuses a directory outside any module. */
export function moduleRootOf(go: GoToolchain, cwd: string): string {
  if (!inModule(go)) {
    throw new UsageError(
      `not in a Go module: ${cwd} has no go.mod in it or any parent (run crossgo inside a module, use -C <module dir>, or "go mod init")`,
    );
  }
  return path.dirname(go.env.GOMOD);
}

/**
 * The go.work file go uses for cwd, or null outside workspace mode: `go env GOWORK` names it
 * (found upwards from cwd, or set by the user), and prints "" or "off" when there is none.
 */
export function workspaceFile(go: GoToolchain): string | null {
  const file = go.env.GOWORK ?? '';
  return file === '' || file === 'off' ? null : file;
}

/**
 * Where to look for the build's module before its package is resolved: cwd's module, or in
 * workspace mode, when cwd is in no module (the workspace root), the workspace's folder. The
 * package's own module comes from `go list` (resolveMainPackage), as go build would pick it.
 */
export function startingRootOf(go: GoToolchain, cwd: string): string {
  const work = workspaceFile(go);
  if (!inModule(go) && work) return path.dirname(work);
  return moduleRootOf(go, cwd);
}

function inModule(go: GoToolchain): boolean {
  return !(go.env.GOMOD === '' || go.env.GOMOD === '/dev/null' || go.env.GOMOD === 'NUL');
}

/**
 * Checks that the working directory is in a module or a workspace and resolves the package to a
 * main package; its module is the one `go list` names (Module.Dir), which in a workspace may be
 * another than cwd's.
 */
export async function resolveMainPackage(
  go: GoToolchain,
  pattern: string,
  opts: { cwd: string; env: NodeJS.ProcessEnv; signal?: AbortSignal },
): Promise<MainPackage> {
  startingRootOf(go, opts.cwd);
  // With cgo files counted: go turns cgo off when it finds no C compiler, and a package whose
  // files all import "C" would then seem to have no Go files at all.
  const result = await run(
    go.binary,
    ['list', '-e', '-json=ImportPath,Name,Dir,Module,Error', '--', pattern],
    { ...opts, env: { ...opts.env, CGO_ENABLED: '1' } },
  );
  const packages = parseJsonStream<ListedPackage>(result.stdout);
  if (result.exitCode !== 0 || packages.length === 0) {
    const why = result.stderr.trim().split('\n')[0] ?? `go list exited with code ${result.exitCode}`;
    throw new UsageError(`cannot load package "${pattern}": ${why}`);
  }
  if (packages.length > 1) {
    const names = packages.map((p) => p.ImportPath).join(', ');
    throw new UsageError(
      `package pattern "${pattern}" matches ${packages.length} packages (${names}): name one main package`,
    );
  }
  const pkg = packages[0] as ListedPackage;
  if (pkg.Error?.Err) {
    throw new UsageError(`cannot load package "${pattern}": ${pkg.Error.Err.split('\n')[0]}`);
  }
  if (pkg.Name !== 'main') {
    throw new UsageError(
      `package ${pkg.ImportPath} (${pattern}) is "package ${pkg.Name}", not a main package: name the package of a command, e.g. crossgo build ./cmd/<name>`,
    );
  }
  const importPath = pkg.ImportPath ?? pattern;
  // A package of no module (the standard library's commands) builds in cwd's module, as before.
  const dir = pkg.Module?.Dir ?? (inModule(go) ? path.dirname(go.env.GOMOD) : null);
  const goMod = pkg.Module?.GoMod ?? (inModule(go) ? go.env.GOMOD : null);
  if (dir === null || goMod === null) {
    throw new UsageError(
      `package ${importPath} (${pattern}) is in no module of the workspace: add its module to go.work ("go work use <dir>") or build from inside the module`,
    );
  }
  return {
    pattern,
    importPath,
    dir: pkg.Dir ?? opts.cwd,
    name: executableName(importPath),
    module: { path: pkg.Module?.Path ?? '', dir, goMod },
  };
}

/** The name go build gives a command: the last path element, or the one before a /vN suffix (cmd/go's DefaultExecName). */
export function executableName(importPath: string): string {
  const parts = importPath.split('/');
  const last = parts.at(-1) ?? importPath;
  // cmd/go's isVersionElement: v2, v3, … v10 … but not v0, v1 or v01.
  if (parts.length > 1 && /^v[1-9]\d*$/.test(last) && last !== 'v1') return parts.at(-2) ?? last;
  return last;
}

/** `go list -json` prints concatenated JSON objects, not an array. */
export function parseJsonStream<T>(text: string): T[] {
  const out: T[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && --depth === 0) {
      out.push(JSON.parse(text.slice(start, i + 1)) as T);
    }
  }
  return out;
}
