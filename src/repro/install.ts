import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { FormatError } from '../binary/errors.js';
import { FileSource } from '../binary/fileSource.js';
import { readFacts } from '../binary/read.js';
import type { BinaryFacts } from '../binary/types.js';
import { UsageError } from '../errors.js';
import { type GoToolchain, MIN_GO } from '../toolchain/go.js';
import { compareGoVersions, parseGoVersion } from '../toolchain/version.js';
import type { Cause } from './explain.js';

/**
 * The mechanism of `crossgo rebuild`: from a binary's own build info, the `go install
 * path@version` that made it and the environment that repeats it, or why there is none; and
 * the causes of a difference the build info itself gives away.
 */

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

export type InstallPlan =
  | { ok: true; command: string[]; env: Record<string, string> }
  | { ok: false; reason: string };

/** The go install command and the variables that make it repeat the recorded build, or why not. */
export function planRebuild(facts: Pick<BinaryFacts, 'format' | 'go'>): InstallPlan {
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
export function plumbing(go: GoToolchain, gopath: string): Record<string, string> {
  // GOMODCACHE defaults to $GOPATH/pkg/mod: pin the caller's, so nothing is downloaded twice.
  // GOFLAGS in the environment replaces the go env file's: keep the caller's harmless entries,
  // drop build flags (the recorded ones are on the command line), and make the cache writable
  // so it can be removed like any folder.
  const kept = go.env.GOFLAGS.split(/\s+/).filter(harmless);
  const goflags = [...new Set([...kept, '-modcacherw'])].join(' ');
  return { GOPATH: gopath, GOMODCACHE: go.env.GOMODCACHE, GOFLAGS: goflags, GOWORK: 'off' };
}

/** Variables of the caller that would change the build when the build info did not set them. */
export function unsetKeys(set: Record<string, string>): string[] {
  // GOBIN: go refuses it for cross builds and the binary is looked for in $GOPATH/bin.
  const keys = ['GOBIN', ...LEVEL_KEYS, ...CGO_FLAG_KEYS, 'GOEXPERIMENT', 'GOFIPS140'];
  return keys.filter((k) => !(k in set));
}

/**
 * Why a rebuild from the build info may differ, from what the build info leaves out: added to
 * the difference explain.ts finds in the bytes.
 */
export function unrecordedCauses(original: BinaryFacts, rebuilt: BinaryFacts, go: GoToolchain): Cause[] {
  const s = original.go?.settings ?? {};
  const details: string[] = [];
  if (s['-trimpath'] === 'true' && s['-ldflags'] === undefined) {
    const stripped =
      original.stripped && !rebuilt.stripped ? ' (the original has no symbol table: -s -w?)' : '';
    details.push(
      `with -trimpath go does not record -ldflags, so linker flags such as -s -w or -X values given at install could not be repeated${stripped}`,
    );
  }
  if (s['-trimpath'] !== 'true') {
    details.push(
      `built without -trimpath: the binary holds the original machine's GOROOT and module cache paths (here ${go.env.GOMODCACHE})`,
    );
  }
  if (s.CGO_ENABLED === '1' && !original.static) {
    details.push(
      `cgo: the C code was compiled and linked by a C toolchain the build info does not record${s['-trimpath'] === 'true' ? ' (nor, with -trimpath, CGO_CFLAGS and the like)' : ''}; this rebuild used this machine's`,
    );
  }
  return details.map((detail) => ({ kind: 'not-recorded', detail }));
}

/** The facts of a binary, or a UsageError naming the file: a rebuild needs a readable executable. */
export function readProgram(absolute: string, shown: string): BinaryFacts {
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
export function goReason(result: { stderr: string; stdout: string }): string {
  const lines = result.stderr.trim().split('\n');
  const response = lines.find((l) => l.trim().startsWith('server response:'));
  const why = (response?.trim().slice('server response:'.length) ?? lines.at(-1) ?? '').trim();
  return why.replace(/^go: /, '') || `it runs ${result.stdout.trim()}`;
}

/** The one regular file under a folder (go puts cross builds in bin/<goos>_<goarch>/), or null. */
export async function onlyFile(dir: string): Promise<string | null> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const files = entries.filter((e) => e.isFile());
  return files.length === 1 ? path.join(files[0]?.parentPath ?? dir, files[0]?.name ?? '') : null;
}
