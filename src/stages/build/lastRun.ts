import { createHash } from 'node:crypto';
import { lstat, mkdir, realpath, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../../fs/atomic.js';
import { confine } from '../../fs/confine.js';
import { sha256File } from '../../fs/hash.js';
import { LOCK_FILE } from '../../fs/lock.js';
import { readRegular } from '../../fs/open.js';
import { binaries, CHECKSUMS_FILE, MANIFEST_FILE, type Manifest } from '../../pipeline/manifest.js';
import { parseManifest } from '../../pipeline/readManifest.js';
import { digestOf, findOnPath, goEnvFile, localModuleDirs, readText, stamp } from './inputs.js';
import { DEFAULT_WALK_LIMITS, type Doubt, WalkBudget, type WalkLimits, walkTree } from './walk.js';

/*
 * The last run's record: an unchanged rebuild answered without starting go.
 *
 * A build's plan is a function of what crossgo is given (cwd, options, environment) and of what
 * go, git and the files say. Each of those answers is itself a function of files: go env of the
 * toolchain, GOROOT/go.env and the go env file; go list of the module's files; the port list of
 * the toolchain; git describe and vcs.modified of the repository's refs, index and work tree. So
 * when the stamps (path, size, mtime, ctime) of all of those are the ones a complete, verified
 * run saw, that run's plan — and its manifest — is what planning would give again. If, on top,
 * the manifest and SHA256SUMS still hold the bytes that run wrote and every artifact still hashes
 * to its recorded sha256, the run is unchanged as a whole and nothing needs to run: not even
 * `go env`, which alone costs more than Node's start-up.
 *
 * Anything this cannot describe with certainty is a doubt, and a doubt takes the ordinary path
 * (which has its own per-target digest, compile.ts): cgo targets (the C compiler is a program of
 * its own), a git worktree or submodule (.git is a file), GO111MODULE=off or -modfile, a package
 * outside the module, a development toolchain, trees of more than 20,000 entries, a file changed
 * in the last 100 ms, another crossgo holding the output folder.
 *
 * The record lives in crossgo's cache (one small file per cwd and options), never in the output
 * folder: it is read as hostile input (checked field by field) and trusts nothing it names until
 * the bytes there hash to what it records.
 */

/** What crossgo was given: the options that decide a build, without callbacks and signals. */
export interface RunRequest {
  cwd: string;
  environment: NodeJS.ProcessEnv;
  /** The build's options (functions, signals and loggers are left out of the key). */
  options: Record<string, unknown>;
  crossgoVersion: string;
}

interface RunRecord {
  format: 1;
  fingerprint: string;
  manifest: string;
  manifestSha256: string;
  sumsSha256: string;
}

/** Variables that differ between two shells without changing anything a build reads. */
const VOLATILE = new Set(['_', 'OLDPWD', 'PWD', 'SHLVL', 'TERM_SESSION_ID', 'WINDOWID', 'COLUMNS', 'LINES']);
const MAX_RECORD_BYTES = 16 * 1024;
const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
const HEX64 = /^[0-9a-f]{64}$/;

/** The folder of run records: $XDG_CACHE_HOME/crossgo/runs, else ~/.cache/crossgo/runs. */
function recordsDir(env: NodeJS.ProcessEnv): string {
  return path.join(env.XDG_CACHE_HOME || path.join(env.HOME || os.homedir(), '.cache'), 'crossgo', 'runs');
}

function keyOf(request: RunRequest): Record<string, unknown> {
  const env = Object.fromEntries(
    Object.entries(request.environment).filter(([k, v]) => v !== undefined && !VOLATILE.has(k)),
  );
  const options = Object.fromEntries(
    Object.entries(request.options).filter(([, v]) => v !== undefined && typeof v !== 'function'),
  );
  return { crossgo: request.crossgoVersion, cwd: path.resolve(request.cwd), env, options };
}

function recordFile(request: RunRequest): string {
  const { env, options, cwd } = keyOf(request);
  return path.join(recordsDir(request.environment), `${digestOf({ cwd, options, env }).slice(0, 40)}.json`);
}

/** A run's fingerprint: its digest now, the module it builds, and the digest to record after it. */
export interface Fingerprint {
  digest: string;
  moduleRoot: string;
  modulePath: string;
  after(): Promise<string>;
}

async function withIndex(parts: object, index: string | null): Promise<string> {
  return digestOf({ ...parts, index: index ? await stamp(index) : null });
}

/** The first folder at or above `dir` holding `name`, or null. */
async function findUp(dir: string, name: string): Promise<string | null> {
  for (let d = dir; ; d = path.dirname(d)) {
    if (await lstat(path.join(d, name)).catch(() => null)) return path.join(d, name);
    if (path.dirname(d) === d) return null;
  }
}

/**
 * The stamps of everything a plan depends on, digested; or why they cannot be known. Taken
 * before planning, so that a file edited while the build runs makes the record stale.
 */
export async function runFingerprint(
  request: RunRequest,
  limits: WalkLimits = DEFAULT_WALK_LIMITS,
): Promise<Fingerprint | Doubt> {
  const env = request.environment;
  const cwd = await realpath(request.cwd).catch(() => null);
  if (!cwd) return { doubt: 'no such folder' };
  if (env.GO111MODULE === 'off') return { doubt: 'GO111MODULE=off' };
  if (/-modfile/.test(env.GOFLAGS ?? '')) return { doubt: 'GOFLAGS names another go.mod' };
  const pkg = request.options.package;
  if (typeof pkg === 'string' && (path.isAbsolute(pkg) || pkg.split(/[\\/]/).includes('..'))) {
    return { doubt: 'the package lies outside the module' };
  }
  const goMod = await findUp(cwd, 'go.mod');
  if (!goMod) return { doubt: 'no go.mod' };
  const goBinary = await findOnPath('go', env, cwd);
  if (!goBinary) return { doubt: 'no go on PATH' };
  const goReal = await realpath(goBinary);
  const goroot = path.dirname(path.dirname(goReal));
  const version = await readText(path.join(goroot, 'VERSION'));
  if (typeof version !== 'string' || /devel/.test(version)) return { doubt: 'a development toolchain' };

  const budget = new WalkBudget(limits, BigInt(Date.now()) * 1_000_000n);
  const work =
    env.GOWORK === 'off'
      ? null
      : env.GOWORK
        ? path.resolve(cwd, env.GOWORK)
        : await findUp(path.dirname(goMod), 'go.work');
  const gitEntry = await findUp(path.dirname(goMod), '.git');
  if (gitEntry && !(await lstat(gitEntry)).isDirectory()) return { doubt: '.git is not a folder' };
  const top = gitEntry ? path.dirname(gitEntry) : path.dirname(goMod);

  const texts: Record<string, string | null> = {};
  const explicitConfig = typeof request.options.configFile === 'string' ? request.options.configFile : null;
  const textFiles = [
    goMod,
    path.join(path.dirname(goMod), 'go.sum'),
    ...(work ? [work, `${work}.sum`] : []),
    ...(explicitConfig ? [path.resolve(cwd, explicitConfig)] : []),
    path.join(goroot, 'go.env'),
    ...(goEnvFile(env) ? [goEnvFile(env) as string] : []),
    ...(gitEntry ? ['HEAD', 'packed-refs', 'config'].map((f) => path.join(gitEntry, f)) : []),
  ];
  for (const file of textFiles) {
    const text = await readText(file);
    if (typeof text === 'object' && text !== null) return text;
    texts[file] = text;
  }

  // The repository's work tree (vcs.modified looks at all of it), the workspace's modules and
  // every local replacement; then git's refs and index, which decide the version stamped in.
  const roots = new Set([top]);
  for (const file of [goMod, ...(work ? [work] : [])]) {
    for (const dir of localModuleDirs(texts[file] ?? '', path.dirname(file))) roots.add(dir);
  }
  for (const dir of [...roots]) {
    if (dir === top) continue;
    const text = await readText(path.join(dir, 'go.mod'));
    if (typeof text === 'string') for (const d of localModuleDirs(text, dir)) roots.add(d);
  }
  const trees: { root: string; entries: unknown }[] = [];
  for (const root of [...roots].sort()) {
    const info = await stat(root).catch(() => null);
    if (!info?.isDirectory()) {
      trees.push({ root, entries: null });
      continue;
    }
    const entries = await walkTree(root, [], budget);
    if ('doubt' in entries) return entries;
    trees.push({ root, entries });
  }
  let git: unknown = null;
  if (gitEntry) {
    const refs = await walkTree(path.join(gitEntry, 'refs'), [], budget);
    if ('doubt' in refs) return refs;
    git = { refs };
  }
  const tools = path.join(goroot, 'pkg', 'tool');
  const toolchain = {
    go: goBinary,
    goReal,
    stamp: await stamp(goReal),
    version,
    tools: await stamp(tools),
  };
  const modulePath = /^module\s+("?)([^\s"]+)\1\s*$/m.exec(texts[goMod] ?? '')?.[2];
  if (!modulePath) return { doubt: 'go.mod names no module' };
  const parts = { format: 1, key: keyOf(request), toolchain, texts, trees, git };
  const index = gitEntry ? path.join(gitEntry, 'index') : null;
  return {
    digest: await withIndex(parts, index),
    moduleRoot: path.dirname(goMod),
    modulePath,
    // git status refreshes the index's stat data while the build runs: the record keeps the
    // index as the build left it, the rest as it was before the build began.
    after: () => withIndex(parts, index),
  };
}

/**
 * The last complete run's result, when nothing it depended on has changed; null otherwise (any
 * doubt). `fingerprint` is this run's (runFingerprint), taken before anything else.
 */
export async function unchangedRun(
  request: RunRequest,
  fingerprint: Fingerprint,
): Promise<{ manifest: Manifest; out: string } | null> {
  const record = await readRecord(recordFile(request));
  if (!record || record.fingerprint !== fingerprint.digest) return null;
  const out = path.dirname(record.manifest);
  // The record names a folder; it must be the one this run would write: -o's, else one inside
  // the module (a config may choose no other), holding a manifest of this module.
  const asked = typeof request.options.out === 'string' ? request.options.out : request.options.outDir;
  if (typeof asked === 'string') {
    if (path.resolve(request.cwd, asked) !== out) return null;
  } else if (!out.startsWith(`${fingerprint.moduleRoot}${path.sep}`)) {
    return null;
  }
  if (await lstat(path.join(out, LOCK_FILE)).catch(() => null)) return null;
  let bytes: Buffer;
  try {
    bytes = await readRegular(record.manifest, { maxBytes: MAX_MANIFEST_BYTES, follow: false });
  } catch {
    return null;
  }
  if (createHash('sha256').update(bytes).digest('hex') !== record.manifestSha256) return null;
  // The bytes are the ones crossgo wrote and checked; parsed as any manifest is all the same.
  let manifest: Manifest;
  try {
    manifest = parseManifest(bytes, record.manifest);
  } catch {
    return null;
  }
  if (!manifest.complete || !manifest.verified || manifest.failures.length > 0) return null;
  if (manifest.project.module !== fingerprint.modulePath) return null;
  if (manifest.artifacts.some((a) => a.kind !== 'binary')) return null;
  const files = [
    { path: CHECKSUMS_FILE, sha256: record.sumsSha256 },
    ...binaries(manifest).map((a) => ({ path: a.path, sha256: a.sha256 })),
  ];
  for (const file of files) {
    try {
      const at = await confine(out, file.path, { what: 'artifact', leaf: 'file' });
      if ((await sha256File(at, { follow: false })) !== file.sha256) return null;
    } catch {
      return null;
    }
  }
  return { manifest, out };
}

/** Records a complete, verified run's result for the next unchanged run (best effort). */
export async function recordRun(request: RunRequest, fingerprint: Fingerprint, out: string): Promise<void> {
  try {
    const manifestFile = path.join(out, MANIFEST_FILE);
    const record: RunRecord = {
      format: 1,
      fingerprint: await fingerprint.after(),
      manifest: manifestFile,
      manifestSha256: await sha256File(manifestFile, { follow: false }),
      sumsSha256: await sha256File(path.join(out, CHECKSUMS_FILE), { follow: false }),
    };
    const file = recordFile(request);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, `${JSON.stringify(record)}\n`);
  } catch {
    // A cache that cannot be written costs the next run its shortcut, nothing more.
  }
}

/** A record as crossgo writes it, or null: the file is in a shared cache and may be crafted. */
async function readRecord(file: string): Promise<RunRecord | null> {
  let data: unknown;
  try {
    data = JSON.parse(
      (await readRegular(file, { maxBytes: MAX_RECORD_BYTES, follow: false })).toString('utf8'),
    );
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
  const r = data as Record<string, unknown>;
  const keys = Object.keys(r).sort().join(',');
  if (keys !== 'fingerprint,format,manifest,manifestSha256,sumsSha256' || r.format !== 1) return null;
  for (const k of ['fingerprint', 'manifestSha256', 'sumsSha256']) {
    if (typeof r[k] !== 'string' || !HEX64.test(r[k] as string)) return null;
  }
  const manifest = r.manifest;
  if (
    typeof manifest !== 'string' ||
    !path.isAbsolute(manifest) ||
    path.basename(manifest) !== MANIFEST_FILE ||
    path.normalize(manifest) !== manifest ||
    [...manifest].some((c) => c.charCodeAt(0) < 0x20 || c === '\u007f')
  ) {
    return null;
  }
  return r as unknown as RunRecord;
}
