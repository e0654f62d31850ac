import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FormatError } from '../binary/errors.js';
import { FileSource } from '../binary/fileSource.js';
import { readFacts } from '../binary/read.js';
import type { BinaryFacts, GoBuildInfo } from '../binary/types.js';
import { UsageError } from '../errors.js';
import { lastLines, run } from '../exec/run.js';
import { hashFile, sha256File } from '../fs/hash.js';
import { openRegular } from '../fs/open.js';
import { findGo, type GoToolchain, MIN_GO } from '../toolchain/go.js';
import { compareGoVersions, parseGoVersion } from '../toolchain/version.js';

/**
 * `crossgo rebuild`: rebuilds a Go program from its own build info the way it was made —
 * `go install path@version` with the recorded toolchain, target and flags, from the module
 * proxy — and compares the bytes. Build info that cannot support this gives a report with a
 * reason, not an exception.
 */

export interface RebuildOptions {
  file: string;
  cwd?: string;
  environment?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface RebuildReport {
  file: string;
  /** Whether the build info names everything a rebuild needs. */
  rebuildable: boolean;
  /** Why it cannot be rebuilt, why the rebuild failed, or the likely causes of a difference; null when identical. */
  reason: string | null;
  module: { path: string; version: string } | null;
  /** The main package's import path. */
  package: string | null;
  goVersion: string | null;
  /** The go argv (without "go"); empty when not rebuildable. */
  command: string[];
  /** The variables set for go, over the caller's environment. */
  env: Record<string, string>;
  expectedSha256: string;
  gotSha256: string | null;
  /** null when no rebuild was made. */
  reproducible: boolean | null;
  sizes: { expected: number; got: number | null };
  firstDifference?: { offset: number; hexExpected: string; hexGot: string };
}

/** The one micro-architecture variable Go records per GOARCH (cmd/go/internal/cfg GetArchEnv). */
const LEVEL_KEYS = [
  'GO386',
  'GOAMD64',
  'GOARM',
  'GOARM64',
  'GOMIPS',
  'GOMIPS64',
  'GOPPC64',
  'GORISCV64',
  'GOWASM',
] as const;
const CGO_FLAG_KEYS = ['CGO_CFLAGS', 'CGO_CPPFLAGS', 'CGO_CXXFLAGS', 'CGO_LDFLAGS'] as const;
/** GOFLAGS entries that cannot change what go install produces; every other one is dropped. */
const HARMLESS_GOFLAGS = new Set(['-modcacherw', '-buildvcs', '-p', '-x', '-v']);
const harmless = (flag: string) =>
  HARMLESS_GOFLAGS.has(flag.split('=')[0] as string) || flag === '-mod=mod' || flag === '-mod=readonly';

type Plan = { ok: true; command: string[]; env: Record<string, string> } | { ok: false; reason: string };

export async function rebuild(options: RebuildOptions): Promise<RebuildReport> {
  const cwd = options.cwd ?? process.cwd();
  const absolute = path.resolve(cwd, options.file);
  const facts = readBinary(absolute, options.file);
  const info = facts.go;
  const expected = await hashFile(absolute, { shown: options.file });
  const report: RebuildReport = {
    file: options.file,
    rebuildable: false,
    reason: null,
    module: info?.main ? { path: info.main.path, version: info.main.version } : null,
    package: info?.path ?? null,
    goVersion: info?.version ?? null,
    command: [],
    env: {},
    expectedSha256: expected.sha256,
    gotSha256: null,
    reproducible: null,
    sizes: { expected: expected.size, got: null },
  };
  const plan = planRebuild(facts);
  if (!plan.ok) return { ...report, reason: plan.reason };
  Object.assign(report, { rebuildable: true, command: plan.command });

  const environment = options.environment ?? process.env;
  const go = await findGo({ cwd, env: environment, signal: options.signal });
  // A clean place: an empty working folder (no go.mod or go.work to pick up) and a GOPATH
  // whose bin/ receives the binary (go also keeps the checksum database's tree head in pkg/sumdb).
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'crossgo-rebuild-'));
  try {
    const gopath = path.join(scratch, 'gopath');
    const work = path.join(scratch, 'work');
    await mkdir(work, { recursive: true });
    report.env = { ...plan.env, ...plumbing(go, gopath) };
    const env: NodeJS.ProcessEnv = { ...environment, ...report.env };
    for (const key of unsetKeys(plan.env)) delete env[key];
    const goRun = { cwd: work, env, signal: options.signal };

    const toolchain = plan.env.GOTOOLCHAIN as string;
    const version = await run(go.binary, ['version'], goRun);
    if (version.exitCode !== 0 || !version.stdout.includes(`${toolchain} `)) {
      return { ...report, reason: `go cannot get ${toolchain} from the module proxy (${goReason(version)})` };
    }
    const install = await run(go.binary, plan.command, goRun);
    if (install.exitCode !== 0) {
      return { ...report, reason: `go ${plan.command.join(' ')} failed:\n${lastLines(install.stderr, 8)}` };
    }
    const built = await onlyFile(path.join(gopath, 'bin'));
    if (!built) return { ...report, reason: `go install left no binary in ${path.join(gopath, 'bin')}` };

    const got = await compareFiles(absolute, built);
    Object.assign(report, {
      gotSha256: await sha256File(built, { follow: false }),
      sizes: { expected: report.sizes.expected, got: got.size },
      reproducible: got.difference === null,
    });
    if (got.difference) {
      report.firstDifference = got.difference;
      report.reason = `the bytes differ: ${likelyCauses(facts, readBinary(built, built), go).join('; ')}`;
    }
    return report;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The go install command and the variables that make it repeat the recorded build, or why not. */
export function planRebuild(facts: Pick<BinaryFacts, 'format' | 'go'>): Plan {
  const info = facts.go;
  if (facts.format === 'macho-fat') {
    return {
      ok: false,
      reason: 'a universal Mach-O is joined from several go builds by lipo, not made by go',
    };
  }
  if (!info) return { ok: false, reason: 'no Go build info: not a Go program, or built before Go 1.13' };
  // The release without an experiment suffix: "go1.26.8-X:jsonv2" (go1.21 wrote "go1.21.0 X:…").
  const release = /^go\d+\.\d+(?:\.\d+)?(?:rc\d+|beta\d+)?/.exec(info.version)?.[0] ?? info.version;
  const version = parseGoVersion(info.version);
  if (!version || version.devel) {
    return { ok: false, reason: `built by ${info.version}, a development toolchain no proxy serves` };
  }
  if (compareGoVersions(version, MIN_GO) < 0) {
    return { ok: false, reason: `built by ${release}: GOTOOLCHAIN can only switch to go1.21.0 or newer` };
  }
  // Everything the build info says go install path@version could not repeat, all at once.
  const problems: string[] = [];
  const s = info.settings;
  const main = info.main;
  if (info.path === 'command-line-arguments') {
    problems.push('built from .go files named on the command line, not from a package path');
  }
  if (!main || main.path === '') problems.push('built outside module mode: no main module');
  else if (main.version === '(devel)' || main.version === '') {
    problems.push(
      `the main module ${main.path} is (devel): built with go build in its source tree, not from a released version`,
    );
  } else if (Object.keys(s).some((k) => k.startsWith('vcs'))) {
    problems.push(
      `built in a checkout of ${main.path} (vcs.* settings): go install ${info.path}@${main.version} does not stamp VCS facts`,
    );
  }
  for (const { path: dep, replace: to } of info.deps) {
    if (!to) continue;
    problems.push(
      to.version === '(devel)' || to.version === ''
        ? `${dep} is replaced by the local directory ${to.path}`
        : `${dep} is replaced by ${to.path}@${to.version}: go install path@version refuses replace directives`,
    );
  }
  if ((s['-compiler'] ?? 'gc') !== 'gc') problems.push(`built with -compiler=${s['-compiler']}`);
  const buildmode = s['-buildmode'] ?? 'exe';
  if (buildmode !== 'exe' && buildmode !== 'pie') {
    problems.push(`-buildmode=${buildmode}: go install makes executables only`);
  }
  const pgo = s['-pgo'];
  if (pgo !== undefined && path.posix.basename(pgo.replaceAll('\\', '/')) !== 'default.pgo') {
    problems.push(`built with the profile -pgo=${pgo}, which the build info does not carry`);
  }
  if (!s.GOOS || !s.GOARCH) problems.push('the build info records no GOOS/GOARCH');
  // (The last three tests are each a problem above already: they narrow the types.)
  if (problems.length > 0 || !main || !s.GOOS || !s.GOARCH) return { ok: false, reason: problems.join('; ') };

  const flags: string[] = [];
  if (buildmode !== 'exe') flags.push(`-buildmode=${buildmode}`);
  if (s['-trimpath'] === 'true') flags.push('-trimpath');
  // Each recorded value is go's own quoting of the flag list, which go parses back as given.
  for (const key of ['-tags', '-ldflags', '-gcflags', '-asmflags'] as const) {
    if (s[key] !== undefined) flags.push(`${key}=${s[key]}`);
  }
  for (const key of ['-race', '-msan', '-asan', '-cover'] as const) if (s[key] === 'true') flags.push(key);
  // A default.pgo in the main package is used again by the default -pgo=auto; with no -pgo
  // recorded none was used, and -pgo=off keeps it that way even if the module has one.
  if (pgo === undefined) flags.push('-pgo=off');

  const env: Record<string, string> = {
    GOTOOLCHAIN: release,
    GOOS: s.GOOS,
    GOARCH: s.GOARCH,
    CGO_ENABLED: s.CGO_ENABLED ?? '0',
  };
  for (const key of [...LEVEL_KEYS, ...CGO_FLAG_KEYS, 'GOEXPERIMENT', 'GOFIPS140']) {
    // An empty recorded value means unset (go's own default), like an absent one.
    if (s[key]) env[key] = s[key];
  }
  return { ok: true, command: ['install', ...flags, `${info.path}@${main.version}`], env };
}

/** Where go puts things: a temporary GOPATH, and the caller's module cache and proxy settings. */
function plumbing(go: GoToolchain, gopath: string): Record<string, string> {
  // GOMODCACHE defaults to $GOPATH/pkg/mod: pin the caller's, so nothing is downloaded twice.
  // GOFLAGS in the environment replaces the go env file's: keep the caller's harmless entries,
  // drop build flags (the recorded ones are on the command line), and make the cache writable
  // so it can be removed like any folder.
  const kept = go.env.GOFLAGS.split(/\s+/).filter(harmless);
  const goflags = [...new Set([...kept, '-modcacherw'])].join(' ');
  return { GOPATH: gopath, GOMODCACHE: go.env.GOMODCACHE, GOFLAGS: goflags, GOWORK: 'off' };
}

/** Variables of the caller that would change the build when the build info did not set them. */
function unsetKeys(set: Record<string, string>): string[] {
  // GOBIN: go refuses it for cross builds and the binary is looked for in $GOPATH/bin.
  const keys = ['GOBIN', ...LEVEL_KEYS, ...CGO_FLAG_KEYS, 'GOEXPERIMENT', 'GOFIPS140'];
  return keys.filter((k) => !(k in set));
}

/** Why the rebuild may differ, from what the build info leaves out. */
function likelyCauses(original: BinaryFacts, rebuilt: BinaryFacts, go: GoToolchain): string[] {
  const s = original.go?.settings ?? {};
  const causes: string[] = [];
  const changed = buildInfoChanges(original.go, rebuilt.go);
  if (changed.length > 0) causes.push(`the build info differs (${changed.join(', ')})`);
  if (s['-trimpath'] === 'true' && s['-ldflags'] === undefined) {
    const stripped =
      original.stripped && !rebuilt.stripped ? ' (the original has no symbol table: -s -w?)' : '';
    causes.push(
      `with -trimpath go does not record -ldflags, so linker flags such as -s -w or -X values given at install could not be repeated${stripped}`,
    );
  }
  if (s['-trimpath'] !== 'true') {
    causes.push(
      `built without -trimpath: the binary holds the original machine's GOROOT and module cache paths (here ${go.env.GOMODCACHE})`,
    );
  }
  if (s.CGO_ENABLED === '1' && !original.static) {
    causes.push(
      `cgo: the C code was compiled and linked by a C toolchain the build info does not record${s['-trimpath'] === 'true' ? ' (nor, with -trimpath, CGO_CFLAGS and the like)' : ''}; this rebuild used this machine's`,
    );
  }
  return causes.length > 0 ? causes : ['no cause found in the build info'];
}

/** Which parts of two build infos differ, named briefly. */
function buildInfoChanges(a: GoBuildInfo | null, b: GoBuildInfo | null): string[] {
  if (!a || !b) return a === b ? [] : ['build info missing'];
  const out: string[] = [];
  if (a.version !== b.version) out.push(`go ${a.version} → ${b.version}`);
  if (a.main?.sum !== b.main?.sum) out.push(`module sum ${a.main?.sum} → ${b.main?.sum}`);
  const deps = (i: GoBuildInfo) => i.deps.map((d) => `${d.path}@${d.version} ${d.sum}`).join('\n');
  if (deps(a) !== deps(b)) out.push('dependencies');
  for (const key of new Set([...Object.keys(a.settings), ...Object.keys(b.settings)])) {
    if (a.settings[key] !== b.settings[key])
      out.push(`${key}=${a.settings[key] ?? ''} → ${b.settings[key] ?? ''}`);
  }
  return out;
}

/** The facts of a binary, or a UsageError naming the file: a rebuild needs a readable executable. */
function readBinary(absolute: string, shown: string): BinaryFacts {
  let source: FileSource | undefined;
  try {
    source = FileSource.open(absolute, shown);
    return readFacts(source);
  } catch (error) {
    if (error instanceof FormatError) {
      // 'unknown': no format matched, so an offset would say nothing.
      const at =
        error.format === 'unknown' ? '' : ` (${error.format}, at offset 0x${error.offset.toString(16)})`;
      throw new UsageError(`${shown}: ${error.problem}${at}`, { cause: error });
    }
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError(`${shown}: no such file`);
    throw error;
  } finally {
    source?.close();
  }
}

/** go's own reason from a failed `go version`: the proxy's "server response", else its last line. */
function goReason(result: { stderr: string; stdout: string }): string {
  const lines = result.stderr.trim().split('\n');
  const response = lines.find((l) => l.trim().startsWith('server response:'));
  const why = (response?.trim().slice('server response:'.length) ?? lines.at(-1) ?? '').trim();
  return why.replace(/^go: /, '') || `it runs ${result.stdout.trim()}`;
}

/** The one regular file under a folder (go puts cross builds in bin/<goos>_<goarch>/), or null. */
async function onlyFile(dir: string): Promise<string | null> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const files = entries.filter((e) => e.isFile());
  return files.length === 1 ? path.join(files[0]?.parentPath ?? dir, files[0]?.name ?? '') : null;
}

const CHUNK = 1024 * 1024;
const WINDOW = 16;

/** Compares two files chunk by chunk: the second one's size and the first differing byte. */
async function compareFiles(
  expected: string,
  got: string,
): Promise<{ size: number; difference: RebuildReport['firstDifference'] | null }> {
  // Neither open may block: the first is the user's file, the second what go install left.
  const { handle: a, info: infoA } = await openRegular(expected);
  const second = await openRegular(got, { follow: false }).catch(async (error: unknown) => {
    await a.close();
    throw error;
  });
  const { handle: b, info: infoB } = second;
  try {
    const [sizeA, sizeB] = [infoA.size, infoB.size];
    const bufA = Buffer.alloc(CHUNK);
    const bufB = Buffer.alloc(CHUNK);
    for (let at = 0; at < Math.max(sizeA, sizeB); at += CHUNK) {
      const [{ bytesRead: na }, { bytesRead: nb }] = await Promise.all([
        a.read(bufA, 0, CHUNK, at),
        b.read(bufB, 0, CHUNK, at),
      ]);
      const n = Math.min(na, nb);
      if (na === nb && bufA.subarray(0, n).equals(bufB.subarray(0, n))) continue;
      let i = 0;
      while (i < n && bufA[i] === bufB[i]) i++;
      const offset = at + i;
      const window = async (h: typeof a) => {
        const out = Buffer.alloc(WINDOW);
        const { bytesRead } = await h.read(out, 0, WINDOW, offset);
        return out.subarray(0, bytesRead).toString('hex');
      };
      return { size: sizeB, difference: { offset, hexExpected: await window(a), hexGot: await window(b) } };
    }
    return { size: sizeB, difference: null };
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}
