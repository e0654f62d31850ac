import path from 'node:path';
import { UsageError } from '../errors.js';
import { splitQuoted } from '../exec/quote.js';
import {
  ARGV_MARKER,
  isSecretName,
  redactedHash,
  redactedValue,
  redactText,
  sha256Matches,
} from '../exec/redact.js';
import { type ArtifactRecord, binaries, type Manifest } from '../pipeline/manifest.js';
import { LEVEL_VARIABLES, levelFor } from '../targets/variants.js';

/*
 * What `crossgo repro --against MANIFEST` may run. A manifest can come from anywhere (a
 * release page, a pull request), and its argv and env are a command line: `-toolexec`, a
 * GOFLAGS, a CC or a GOPROXY in them would run someone else's code here. So each artifact's
 * record is read against what crossgo build itself writes (src/stages/build/flags.ts buildArgs,
 * linkerFlags, targetEnv; src/cgo/plan.ts) and rebuilt only from that: the go binary is this
 * machine's, the C compiler is the one crossgo finds here for the recorded kind, and a value
 * crossgo would not write is refused with the field that holds it, unless --trust-manifest.
 *
 * The child's environment is the user's (trusted, unlike the manifest) minus what crossgo build
 * also controls (GOOS, GOARCH, the level variables, CGO_ENABLED, CC, CXX: inheritedEnv), plus the
 * variables returned here. So the variables go reads that can run code or change the sources
 * (GOFLAGS, GOPROXY, GOSUMDB, GONOSUMDB, GONOPROXY, GOPRIVATE, GOINSECURE, GOAUTH, GOTOOLCHAIN,
 * CC, CXX, CGO_*, GOENV, GOEXPERIMENT, GOWORK, …) reach go only from the user's environment,
 * except GOFLAGS, GOEXPERIMENT and GOTOOLCHAIN, which the rebuild must take from the manifest to
 * match it and which are therefore held to the same allowlist.
 */

const TRUST = 'rerun with --trust-manifest to run it anyway';

/** A C compiler for crossgo's own finder (src/cgo/compilers.ts) to find on this machine. */
export interface CompilerToFind {
  kind: 'zig' | 'cross' | 'host';
  /** Linux, musl through zig. */
  static: boolean;
}

/** One rebuild, decided before anything runs. */
export interface ReproCommand {
  target: string;
  /** go's arguments after the go binary (always this machine's), -o the rebuild's file. */
  args: string[];
  /** The variables crossgo sets over the user's environment (minus inheritedEnv's). */
  env: Record<string, string>;
  /** For a cgo build: the C compiler to find here; CC and CXX are then added to env. */
  compiler: CompilerToFind | null;
  /** Values taken from the user's environment for redacted ones: shown as their markers only. */
  secrets: Map<string, string>;
  /** False when run as recorded (--trust-manifest). */
  checked: boolean;
}

export interface CommandInput {
  manifest: Manifest;
  /** Which of manifest.artifacts. */
  index: number;
  /** The rebuild's output file, for -o. */
  output: string;
  /** The user's environment. */
  userEnv: NodeJS.ProcessEnv;
}

/** The rebuild of one artifact from what crossgo writes, or a UsageError naming the field that holds anything else. */
export function checkedCommand(input: CommandInput): ReproCommand {
  const { manifest, index, output, userEnv } = input;
  const field = `artifacts[${index}]`;
  const record = recordOf(manifest, index);
  const { argv, env, secrets } = restoreSecrets(record, field, userEnv);
  const shown = (text: string) => quote(redactText(text, secrets));
  const args = checkArgv(argv, field, manifest, record, output, shown);
  return {
    target: record.target,
    args,
    ...checkEnv(manifest, record, env, field, userEnv, shown),
    secrets,
    checked: true,
  };
}

/** The rebuild of one artifact as recorded, unchecked (--trust-manifest); only -o and the go binary are replaced. */
export function trustedCommand(input: CommandInput): ReproCommand {
  const { manifest, index, output, userEnv } = input;
  const field = `artifacts[${index}]`;
  const record = recordOf(manifest, index);
  const { argv, env, secrets } = restoreSecrets(record, field, userEnv);
  const args = argv.slice(1);
  const o = args.indexOf('-o');
  if (o === -1 || o + 1 >= args.length) {
    throw new UsageError(`${field}.argv: no -o <file>: it was not written by crossgo build`);
  }
  args[o + 1] = output;
  const toolchain = toolchainOf(manifest);
  return {
    target: record.target,
    args,
    env: {
      ...env,
      // The recorded release, fetched through go's toolchain switching when it is not the local one.
      GOTOOLCHAIN: env.GOTOOLCHAIN ?? toolchain.goVersion,
      GOFLAGS: env.GOFLAGS ?? toolchain.goflags,
      GOEXPERIMENT: env.GOEXPERIMENT ?? toolchain.goexperiment,
    },
    compiler: null,
    secrets,
    checked: false,
  };
}

/** The command as it may be shown (stderr, the report): secret values replaced by their markers. */
export function shownCommand(
  goBinary: string,
  command: ReproCommand,
): { argv: string[]; env: Record<string, string> } {
  const hide = (text: string) => redactText(text, command.secrets);
  return {
    argv: [goBinary, ...command.args].map(hide),
    env: Object.fromEntries(
      Object.entries(command.env).map(([k, v]) => [
        k,
        command.secrets.get(k) === v ? redactedValue(v) : hide(v),
      ]),
    ),
  };
}

/** `K=V … go build …`, quoted for a POSIX shell, from a shown command. */
export function commandLine(shown: { argv: readonly string[]; env: Record<string, string> }): string {
  return [
    ...Object.entries(shown.env).map(([k, v]) => `${k}=${shellQuote(v)}`),
    ...shown.argv.map(shellQuote),
  ].join(' ');
}

function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A value for a one-line message: JSON-quoted (so no control character), cut when long. */
function quote(text: string): string {
  const q = JSON.stringify(text);
  return q.length > 120 ? `${q.slice(0, 117)}…"` : q;
}

// ——— shapes: a hostile manifest is JSON of any shape ———

function recordOf(manifest: Manifest, index: number): ArtifactRecord {
  const field = `artifacts[${index}]`;
  const record = binaries(manifest)[index] as unknown;
  if (typeof record !== 'object' || record === null) throw new UsageError(`${field}: expected an object`);
  const r = record as Record<string, unknown>;
  if (typeof r.target !== 'string') throw new UsageError(`${field}.target: expected a string`);
  if (!Array.isArray(r.argv) || !r.argv.every((w) => typeof w === 'string')) {
    throw new UsageError(`${field}.argv: expected a list of strings`);
  }
  if (
    typeof r.env !== 'object' ||
    r.env === null ||
    Array.isArray(r.env) ||
    !Object.values(r.env).every((v) => typeof v === 'string')
  ) {
    throw new UsageError(`${field}.env: expected an object of strings`);
  }
  return record as ArtifactRecord;
}

function toolchainOf(manifest: Manifest): Manifest['toolchain'] {
  const t = manifest.toolchain as unknown as Record<string, unknown> | undefined;
  for (const key of ['goVersion', 'goflags', 'goexperiment'] as const) {
    if (typeof t?.[key] !== 'string') throw new UsageError(`toolchain.${key}: expected a string`);
  }
  return manifest.toolchain;
}

// ——— secrets: redacted values come back from the user's environment, checked by their sha256 ———

function restoreSecrets(
  record: ArtifactRecord,
  field: string,
  userEnv: NodeJS.ProcessEnv,
): { argv: string[]; env: Record<string, string>; secrets: Map<string, string> } {
  const secrets = new Map<string, string>();
  const take = (name: string, hash: string, where: string): string => {
    const value = userEnv[name];
    if (value === undefined) {
      throw new UsageError(
        `${where}: the build's ${name} is recorded redacted (a secret): set ${name} in your environment to the value the build used`,
      );
    }
    if (!sha256Matches(value, hash)) {
      throw new UsageError(
        `${where}: ${name} in your environment is not the value the build used (its sha256 differs from the manifest's)`,
      );
    }
    secrets.set(name, value);
    return value;
  };
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.env)) {
    const hash = isSecretName(name) ? redactedHash(value) : null;
    env[name] = hash ? take(name, hash, `${field}.env.${name}`) : value;
  }
  const argv = record.argv.map((word, i) =>
    word.replace(ARGV_MARKER, (_, name: string, hash: string) => take(name, hash, `${field}.argv[${i}]`)),
  );
  return { argv, env, secrets };
}

// ——— argv: [go, build, -trimpath, -ldflags=…, -tags=…, -gcflags=…, -o, <file>, <package>] ———

type Show = (text: string) => string;

function checkArgv(
  argv: string[],
  field: string,
  manifest: Manifest,
  record: ArtifactRecord,
  output: string,
  shown: Show,
): string[] {
  // argv[0] is the go binary of the machine that built it: never run, this machine's go is.
  if (argv[1] !== 'build') {
    throw new UsageError(
      `${field}.argv[1]: ${argv[1] === undefined ? 'missing' : shown(argv[1])} is not "build", the only go command crossgo writes; ${TRUST}`,
    );
  }
  const args = ['build'];
  const seen = new Set<string>();
  let sawOutput = false;
  let sawPackage = false;
  for (let i = 2; i < argv.length; i++) {
    const word = argv[i] as string;
    const where = `${field}.argv[${i}]`;
    if (i === argv.length - 1) {
      checkPackage(word, where, manifest, record, field, shown);
      args.push(word);
      sawPackage = true;
      break;
    }
    const name = word.startsWith('-') ? (word.split('=')[0] as string) : word;
    if (seen.has(name)) throw new UsageError(`${where}: ${shown(word)}: ${name} is given twice; ${TRUST}`);
    seen.add(name);
    if (word === '-o') {
      i++;
      if (i === argv.length - 1) throw new UsageError(`${field}.argv: no package after -o <file>; ${TRUST}`);
      args.push('-o', output); // the rebuild's own file, whatever the record says
      sawOutput = true;
      continue;
    }
    if (word === '-trimpath') {
      // a flag without a value
    } else if (word.startsWith('-ldflags=')) {
      checkLdflags(word.slice('-ldflags='.length), where, shown);
    } else if (word.startsWith('-tags=')) {
      checkTags(word.slice('-tags='.length), where, shown);
    } else if (word.startsWith('-gcflags=')) {
      checkGcflags(word.slice('-gcflags='.length), where, shown);
    } else if (goBuildFlagAllowed(word)) {
      // one of the config's `flags` crossgo passes on (stages/build/goFlags.ts), with a plain value
    } else {
      throw new UsageError(`${where}: ${shown(word)} is not a flag crossgo writes; ${TRUST}`);
    }
    args.push(word);
  }
  if (!sawPackage) throw new UsageError(`${field}.argv: no package to build; ${TRUST}`);
  if (!sawOutput) throw new UsageError(`${field}.argv: no -o <file>: it was not written by crossgo build`);
  return args;
}

/** An import path as go spells one (golang.org/x/mod/module.CheckImportPath, simplified): nothing a flag could hide in. */
const IMPORT_PATH = /^[A-Za-z0-9_~+-][A-Za-z0-9_.~+-]*(\/[A-Za-z0-9_~+-][A-Za-z0-9_.~+-]*)*$/;

/**
 * The package built: the binary's own record's importPath (a config with several builds), else
 * project.importPath; either must be a package of project.module, and the argv must name it.
 */
function checkPackage(
  word: string,
  where: string,
  manifest: Manifest,
  record: ArtifactRecord,
  field: string,
  shown: Show,
): void {
  const project = manifest.project as unknown as Record<string, unknown> | undefined;
  const own = (record as unknown as Record<string, unknown>).importPath;
  const importPath = own !== undefined ? own : project?.importPath;
  const key = own !== undefined ? `${field}.importPath` : 'project.importPath';
  const module = project?.module;
  if (typeof importPath !== 'string' || !IMPORT_PATH.test(importPath)) {
    throw new UsageError(`${key}: ${shown(String(importPath))} is not an import path`);
  }
  if (typeof module !== 'string' || !(importPath === module || importPath.startsWith(`${module}/`))) {
    throw new UsageError(
      `${key}: ${shown(importPath)} is not a package of the module (project.module ${shown(String(module))})`,
    );
  }
  if (word !== importPath) {
    throw new UsageError(
      `${where}: ${shown(word)} is not the manifest's package (${key} ${shown(importPath)}); ${TRUST}`,
    );
  }
}

/** go build flags a config's `flags` may add, each with the values a rebuild may take from a manifest. */
const GO_BUILD_FLAGS: Record<string, RegExp | null> = {
  '-a': null,
  '-asan': null,
  '-cover': null,
  '-linkshared': null,
  '-modcacherw': null,
  '-msan': null,
  '-race': null,
  '-v': null,
  '-work': null,
  '-x': null,
  // Only what makes an executable: a rebuild compares one file against its record.
  '-buildmode': /^(default|exe|pie)$/,
  '-buildvcs': /^(true|false|auto)$/,
  '-covermode': /^(set|count|atomic)$/,
  '-coverpkg': /^[A-Za-z0-9_.~+/-]+(,[A-Za-z0-9_.~+/-]+)*$/,
  '-mod': /^(readonly|vendor|mod)$/,
  // No path (-trimpath=/x) and no second flag hidden in a value.
  '-asmflags': /^[A-Za-z0-9_.=+,-]+$/,
  // Files go reads: a plain path inside the module (no climbing out, no absolute path).
  '-modfile': /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9_.+/-]+$/,
  '-overlay': /^(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9_.+/-]+$/,
  '-pgo': /^(auto|off|(?!\/)(?!.*(^|\/)\.\.(\/|$))[A-Za-z0-9_.+/-]+)$/,
};

/** Whether a word is one of the go build flags crossgo passes on from a config, with a plain value. */
function goBuildFlagAllowed(word: string): boolean {
  const eq = word.indexOf('=');
  const name = eq < 0 ? word : word.slice(0, eq);
  if (!(name in GO_BUILD_FLAGS)) return false;
  const values = GO_BUILD_FLAGS[name];
  if (values === null) return eq < 0 || /^(true|false)$/.test(word.slice(eq + 1));
  return eq >= 0 && (values as RegExp).test(word.slice(eq + 1));
}

function split(text: string, where: string, what: string, shown: Show): string[] {
  const words = splitQuoted(text);
  if (!words) throw new UsageError(`${where}: ${what} ${shown(text)} has an unterminated quote`);
  return words;
}

/** `-X importpath.name=value`: the linker sets a string, nothing more. */
const X_ASSIGNMENT = /^[A-Za-z0-9_.~+/-]+\.[A-Za-z_][A-Za-z0-9_]*=/;

/** The linker flags crossgo writes: -s -w, -X, and for a static cgo link -linkmode=external and -extldflags. */
function checkLdflags(value: string, where: string, shown: Show): void {
  const words = split(value, where, '-ldflags', shown);
  const refuse = (word: string): never => {
    throw new UsageError(
      `${where}: -ldflags word ${shown(word)} is not a linker flag crossgo writes; ${TRUST}`,
    );
  };
  for (let j = 0; j < words.length; j++) {
    const word = words[j] as string;
    const next = () => {
      j++;
      return words[j] ?? refuse(`${word} (without its value)`);
    };
    if (word === '-s' || word === '-w' || word === '-linkmode=external') continue;
    if (word === '-X') {
      const assignment = next();
      if (!X_ASSIGNMENT.test(assignment)) refuse(`-X ${assignment}`);
    } else if (word.startsWith('-X=')) {
      if (!X_ASSIGNMENT.test(word.slice(3))) refuse(word);
    } else if (word === '-linkmode') {
      if (next() !== 'external') refuse(`-linkmode ${words[j]}`);
    } else if (word === '-extldflags') {
      checkExtldflags(next(), where, shown);
    } else if (word.startsWith('-extldflags=')) {
      checkExtldflags(word.slice('-extldflags='.length), where, shown);
    } else {
      refuse(word);
    }
  }
}

/** crossgo's -extldflags (src/cgo/plan.ts cgoLinkerFlags): -static for musl, -s for zig's linker. */
function checkExtldflags(value: string, where: string, shown: Show): void {
  for (const word of split(value, where, '-extldflags', shown)) {
    if (word !== '-static' && word !== '-s') {
      throw new UsageError(
        `${where}: -extldflags word ${shown(word)} is not one crossgo writes (-static, -s); ${TRUST}`,
      );
    }
  }
}

function checkTags(value: string, where: string, shown: Show): void {
  for (const tag of value.split(',')) {
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(tag)) {
      throw new UsageError(`${where}: build tag ${shown(tag)} is not an identifier; ${TRUST}`);
    }
  }
}

/**
 * The compiler flags -gcflags may carry: those that change what is compiled and write nothing
 * (no -o, -asmhdr, -cpuprofile, -importcfg, -embedcfg, -pgoprofile, @file, …): -N -l -m and kin.
 */
const COMPILE_FLAG =
  /^-(N|l|B|C|e|m|S|smallframes|live|wb=false|[lm]=[0-9]|d=checkptr(=[0-2])?|spectre=(all|index|ret)(,(index|ret))*)$/;

/** `[pattern=]flags`, as go reads each -gcflags (cmd/go/internal/load/flag.go). */
function checkGcflags(value: string, where: string, shown: Show): void {
  let flags = value;
  if (!value.startsWith('-')) {
    const eq = value.indexOf('=');
    const pattern = value.slice(0, eq);
    if (eq < 0 || !/^[A-Za-z0-9_.~+/-]+$/.test(pattern)) {
      throw new UsageError(`${where}: -gcflags ${shown(value)} is not [pattern=]flags; ${TRUST}`);
    }
    flags = value.slice(eq + 1);
  }
  for (const word of split(flags, where, '-gcflags', shown)) {
    if (!COMPILE_FLAG.test(word)) {
      throw new UsageError(
        `${where}: -gcflags word ${shown(word)} is not a compiler flag crossgo passes on; ${TRUST}`,
      );
    }
  }
}

/** GOFLAGS may carry only flags that change nothing but the build's own settings. */
function checkGoflags(value: string, where: string, shown: Show): void {
  for (const word of split(value, where, 'GOFLAGS', shown)) {
    if (
      word === '-trimpath' ||
      word === '-modcacherw' ||
      /^-buildvcs(=(true|false|auto))?$/.test(word) ||
      /^-mod=(readonly|vendor|mod)$/.test(word) ||
      /^-p=[1-9][0-9]*$/.test(word)
    ) {
      continue;
    }
    if (word.startsWith('-tags=')) checkTags(word.slice('-tags='.length), where, shown);
    else if (word.startsWith('-ldflags=')) checkLdflags(word.slice('-ldflags='.length), where, shown);
    else if (word.startsWith('-gcflags=')) checkGcflags(word.slice('-gcflags='.length), where, shown);
    else throw new UsageError(`${where}: ${shown(word)} is not a flag crossgo writes; ${TRUST}`);
  }
}

/** An exact Go release, as GOTOOLCHAIN names one: go1.26.8 (or a go1.27rc1): never local, path, +auto. */
const EXACT_RELEASE = /^go1\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*)|(rc|beta)[1-9][0-9]*)$/;

function checkRelease(value: string, where: string, shown: Show): void {
  if (!EXACT_RELEASE.test(value)) {
    throw new UsageError(
      `${where}: ${shown(value)} is not an exact Go release (goX.Y.Z) for GOTOOLCHAIN; ${TRUST}`,
    );
  }
}

function checkExperiment(value: string, where: string, shown: Show): void {
  if (!/^[a-z0-9,]*$/.test(value)) {
    throw new UsageError(`${where}: ${shown(value)} is not a list of GOEXPERIMENT names; ${TRUST}`);
  }
}

// ——— env: the target's variables, cgo's, the toolchain's; anything else only as the user has it ———

function checkEnv(
  manifest: Manifest,
  record: ArtifactRecord,
  env: Record<string, string>,
  field: string,
  userEnv: NodeJS.ProcessEnv,
  shown: Show,
): Pick<ReproCommand, 'env' | 'compiler'> {
  const target = /^([a-z0-9]+)\/([a-z0-9]+)(?:\/([a-z0-9.]+))?$/.exec(record.target);
  if (!target) throw new UsageError(`${field}.target: ${shown(record.target)} is not goos/goarch[/variant]`);
  const [, goos = '', goarch = '', variant] = target;
  const level = variant === undefined ? undefined : levelFor(goarch);
  if (variant !== undefined && !level?.values.includes(variant)) {
    throw new UsageError(
      `${field}.target: ${shown(record.target)}: ${goarch} has no variant ${shown(variant)}`,
    );
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    const where = `${field}.env.${name}`;
    const wrong = (why: string): never => {
      throw new UsageError(`${where}: ${shown(value)} ${why}; ${TRUST}`);
    };
    if (name === 'GOOS' || name === 'GOARCH') {
      if (value !== (name === 'GOOS' ? goos : goarch)) wrong(`is not the target's (${record.target})`);
    } else if (LEVEL_VARIABLES.includes(name)) {
      if (name !== level?.name || value !== variant) wrong(`is not the target's level (${record.target})`);
    } else if (name === 'CGO_ENABLED') {
      if (value !== '0' && value !== '1') wrong('is not 0 or 1');
    } else if (name === 'CC' || name === 'CXX') {
      continue; // decided with the cgo record below, never run as recorded
    } else if (name === 'GOTOOLCHAIN') {
      checkRelease(value, where, shown);
    } else if (name === 'GOFLAGS') {
      checkGoflags(value, where, shown);
    } else if (name === 'GOEXPERIMENT') {
      checkExperiment(value, where, shown);
    } else if (userEnv[name] !== value) {
      // A variable from the build's --env or config env (redacted secrets are restored by now):
      // the user's environment may hold it, the manifest may not bring it.
      throw new UsageError(
        `${where}: ${shown(value)}: crossgo does not set ${name} itself (it came from the build's --env or config); set it in your environment to that value, or ${TRUST}`,
      );
    }
    out[name] = value;
  }
  for (const name of ['GOOS', 'GOARCH', 'CGO_ENABLED', ...(level ? [level.name] : [])]) {
    if (out[name] === undefined)
      throw new UsageError(`${field}.env: no ${name}: crossgo build always records it`);
  }
  const toolchain = toolchainOf(manifest);
  if (out.GOTOOLCHAIN === undefined) {
    checkRelease(toolchain.goVersion, 'toolchain.goVersion', shown);
    out.GOTOOLCHAIN = toolchain.goVersion;
  }
  if (out.GOFLAGS === undefined) {
    checkGoflags(toolchain.goflags, 'toolchain.goflags', shown);
    out.GOFLAGS = toolchain.goflags;
  }
  if (out.GOEXPERIMENT === undefined) {
    checkExperiment(toolchain.goexperiment, 'toolchain.goexperiment', shown);
    out.GOEXPERIMENT = toolchain.goexperiment;
  }
  const compiler = checkCgo(record, env, field, goos, userEnv, out, shown);
  return { env: out, compiler };
}

const FOUND_KINDS = ['zig', 'cross', 'host'] as const;

/** The cgo part: which C compiler to find here, from the recorded kind; never the recorded command. */
function checkCgo(
  record: ArtifactRecord,
  env: Record<string, string>,
  field: string,
  goos: string,
  userEnv: NodeJS.ProcessEnv,
  out: Record<string, string>,
  shown: Show,
): CompilerToFind | null {
  const cgo = record.cgo as unknown as Record<string, unknown> | undefined;
  const compiler = (cgo?.compiler ?? null) as Record<string, unknown> | null;
  const on = env.CGO_ENABLED === '1';
  for (const name of ['CC', 'CXX'] as const) {
    if (env[name] !== undefined && !(on && cgo?.enabled === true && compiler)) {
      throw new UsageError(
        `${field}.env.${name}: ${shown(env[name] as string)}: crossgo sets ${name} only for a cgo build, to the compiler it found (${field}.cgo.compiler); ${TRUST}`,
      );
    }
  }
  if (!on) return null;
  if (cgo?.enabled !== true || !compiler || typeof compiler !== 'object') {
    throw new UsageError(
      `${field}.env.CGO_ENABLED: "1", but ${field}.cgo records no cgo build with a C compiler; ${TRUST}`,
    );
  }
  if (env.CC === undefined)
    throw new UsageError(`${field}.env: no CC: crossgo records it for every cgo build`);
  const kind = compiler.kind;
  if (kind === 'explicit') {
    // The build named its own compiler: a command crossgo will not take from a manifest.
    const cc = userEnv.CC;
    if (!cc) {
      throw new UsageError(
        `${field}.cgo.compiler.kind: "explicit": the build ran its own C compiler (${shown(env.CC)}), which crossgo does not run from a manifest: set CC (and CXX) in your environment to yours, or ${TRUST}`,
      );
    }
    out.CC = cc;
    if (userEnv.CXX) out.CXX = userEnv.CXX;
    return null;
  }
  if (!(FOUND_KINDS as readonly unknown[]).includes(kind)) {
    throw new UsageError(
      `${field}.cgo.compiler.kind: ${shown(String(kind))} is not a kind crossgo records (zig, cross, host, explicit); ${TRUST}`,
    );
  }
  checkRecordedCompiler(kind as CompilerToFind['kind'], compiler, env.CC, `${field}.env.CC`, shown);
  if (kind === 'zig' && goos === 'darwin') {
    const flags = Array.isArray(compiler.flags) ? compiler.flags : [];
    // crossgo's own link stubs (src/cgo/darwin.ts) are made here again; an SDK is not.
    if (!flags.every((f) => typeof f === 'string' && /[\\/]crossgo[\\/]macos-stubs[\\/]/.test(f))) {
      throw new UsageError(
        `${field}.cgo.compiler.flags: the build linked a macOS SDK (--macos-sdk), which repro --against does not take; ${TRUST}`,
      );
    }
  }
  return { kind: kind as CompilerToFind['kind'], static: cgo.static === true };
}

/**
 * The recorded CC must be one crossgo's finder picks for the recorded kind (and agree with the
 * cgo record): a manifest that says zig but names another program was not written by crossgo.
 * It is still never run: the compiler is found again on this machine.
 */
function checkRecordedCompiler(
  kind: CompilerToFind['kind'],
  compiler: Record<string, unknown>,
  cc: string,
  where: string,
  shown: Show,
): void {
  const words = splitQuoted(cc) ?? [];
  const program = path.basename(words[0] ?? '');
  const fits =
    compiler.cc === cc &&
    (kind === 'zig'
      ? program === 'zig' && words[1] === 'cc' && words[2] === '-target' && words[3] === compiler.triple
      : kind === 'cross'
        ? words.length === 1 && /^[a-z0-9_]+(-[a-z0-9_]+)+-gcc$/.test(program)
        : words.length === 1 && ['gcc', 'cc', 'clang'].includes(program));
  if (!fits) {
    throw new UsageError(
      `${where}: ${shown(cc)} is not a C compiler crossgo's finder picks for kind "${kind}" (cgo.compiler); ${TRUST}`,
    );
  }
}
