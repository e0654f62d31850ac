import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { findHostTools, joinCommand, resolveCompiler } from '../cgo/compilers.js';
import { darwinLinkFlags } from '../cgo/darwin.js';
import { EnvironmentError, UsageError } from '../errors.js';
import { redactText } from '../exec/redact.js';
import { run, runChecked } from '../exec/run.js';
import { confine } from '../fs/confine.js';
import { readRegular } from '../fs/open.js';
import type { Logger } from '../log.js';
import { type ArtifactRecord, binaries, type Manifest } from '../pipeline/manifest.js';
import { readManifest } from '../pipeline/readManifest.js';
import { expandTargets, type Target } from '../targets/parse.js';
import { listPorts } from '../targets/ports.js';
import type { GoToolchain } from '../toolchain/go.js';
import { checkedCommand, commandLine, type ReproCommand, shownCommand, trustedCommand } from './allowlist.js';
import type { TargetRepro } from './compare.js';
import { explainDifference } from './explain.js';

/**
 * The mechanism of `crossgo repro --against MANIFEST`: the manifest's commit checked out fresh,
 * each artifact's go build decided from the record (allowlist.ts) with this machine's C
 * compiler, run, and compared with the recorded sha256.
 */

export interface AgainstOptions {
  manifest: string;
  cwd?: string;
  environment?: NodeJS.ProcessEnv;
  /**
   * Run the manifest's argv and env as recorded, even what crossgo build does not write
   * (-toolexec, GOFLAGS, a recorded CC…): only for a manifest you trust. Default false.
   */
  trustManifest?: boolean;
  signal?: AbortSignal;
  log?: Logger;
}

export interface AgainstReport {
  ok: boolean;
  manifest: string;
  commit: string;
  /** False when the manifest's commands were checked against what crossgo writes (the default). */
  trusted: boolean;
  targets: (TargetRepro & {
    recorded: string;
    /** What ran: this machine's go and its arguments, and the variables crossgo set (secrets as their sha256). */
    command: { argv: string[]; env: Record<string, string> };
  })[];
  /** Why a rebuild may not match, known before building (a dirty tree, no commit). */
  warnings: string[];
}

/** The manifest to rebuild, its commit, and why a rebuild may not match it, known before building. */
export async function readAgainstManifest(
  file: string,
  shown: string,
): Promise<{ manifest: Manifest; commit: string; warnings: string[] }> {
  const manifest = await readManifest(file, shown);
  if (!manifest) throw new UsageError(`--against ${shown}: no such file`);
  const { commit } = manifest.source;
  if (!/^[0-9a-f]{40,64}$/.test(commit)) {
    throw new UsageError(
      `--against ${shown}: the build was not made from a git commit (commit ${JSON.stringify(commit)}): nothing to check out`,
    );
  }
  const warnings = manifest.source.dirty
    ? [
        'the manifest was built from a tree with uncommitted changes (vcs.modified=true): a clean checkout cannot match it',
      ]
    : [];
  return { manifest, commit, warnings };
}

/** The git work tree holding `dir`, or null outside git. */
export async function gitTopLevel(dir: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  const result = await run('git', ['rev-parse', '--show-toplevel'], { cwd: dir, env }).catch(() => null);
  return result?.exitCode === 0 ? result.stdout.trim() : null;
}

/** A clone of the repository holding `moduleRoot` in `into`, with `commit` checked out (detached). */
export async function checkoutCommit(
  moduleRoot: string,
  commit: string,
  into: string,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<{ checkout: string; moduleDir: string }> {
  const top = await gitTopLevel(moduleRoot, env);
  if (!top) {
    throw new EnvironmentError(
      `--against: ${moduleRoot} is not in a git repository: crossgo checks out the manifest's commit from it`,
    );
  }
  await cloneAt(top, commit, into, env, signal);
  return { checkout: into, moduleDir: path.join(into, path.relative(top, moduleRoot)) };
}

async function cloneAt(
  top: string,
  commit: string,
  into: string,
  env: NodeJS.ProcessEnv,
  signal?: AbortSignal,
): Promise<void> {
  // --no-checkout: nothing of the current branch is written before the commit is.
  await runChecked('git', ['clone', '--quiet', '--no-checkout', top, into], { env, signal });
  const co = await run('git', ['-c', 'advice.detachedHead=false', 'checkout', '--quiet', commit], {
    cwd: into,
    env,
    signal,
  });
  if (co.exitCode !== 0) {
    throw new EnvironmentError(
      `--against: commit ${commit.slice(0, 12)} is not in this repository (${co.stderr.trim().split('\n')[0]})`,
    );
  }
}

/** Each artifact's rebuild: checked (or as recorded, when trusted), with its C compiler found on this machine. */
export async function planCommands(
  manifest: Manifest,
  ctx: {
    outDir: string;
    env: NodeJS.ProcessEnv;
    go: GoToolchain;
    cwd: string;
    trust: boolean;
    signal?: AbortSignal;
  },
): Promise<ReproCommand[]> {
  const commands = binaries(manifest).map((_, index) => {
    const input = { manifest, index, output: path.join(ctx.outDir, `${index}`), userEnv: ctx.env };
    return ctx.trust ? trustedCommand(input) : checkedCommand(input);
  });
  if (!commands.some((c) => c.compiler)) return commands;
  const { go } = ctx;
  const host = { goos: go.env.GOHOSTOS, goarch: go.env.GOHOSTARCH };
  const [tools, ports] = await Promise.all([
    findHostTools(ctx.env, host, ctx.signal),
    listPorts(go, { cwd: ctx.cwd, env: ctx.env, signal: ctx.signal }),
  ]);
  for (const command of commands) {
    if (!command.compiler) continue;
    const [target] = expandTargets(command.target, ports);
    // The same finder, in the same order, as crossgo build's for this kind (src/cgo/plan.ts).
    const found = await resolveCompiler(
      tools,
      {
        target: target as Target,
        choice: command.compiler.kind,
        static: command.compiler.static,
        why: `the manifest records a cgo build with ${command.compiler.kind}`,
      },
      ctx.signal,
    );
    const flags =
      found.kind === 'zig' && target?.goos === 'darwin' ? await darwinLinkFlags(ctx.env, null) : [];
    command.env.CC = joinCommand([...found.cc, ...flags]);
    if (found.cxx) command.env.CXX = joinCommand([...found.cxx, ...flags]);
  }
  return commands;
}

/** The commands as shown (secrets as their markers), each logged as a line a shell could run. */
export function showCommands(goBinary: string, commands: readonly ReproCommand[], log: Logger): Shown[] {
  const shown = commands.map((c) => shownCommand(goBinary, c));
  for (const [i, c] of commands.entries()) log.info(`${c.target}: ${commandLine(shown[i] as Shown)}`);
  return shown;
}

type Shown = ReturnType<typeof shownCommand>;
type RebuildContext = Parameters<typeof rebuildArtifact>[2];

/** Every artifact's rebuild, one after the other, with what ran; nothing of a secret is left in the result. */
export async function rebuildArtifacts(
  manifest: Manifest,
  commands: readonly ReproCommand[],
  shown: readonly Shown[],
  ctx: RebuildContext,
): Promise<AgainstReport['targets']> {
  const targets: AgainstReport['targets'] = [];
  for (const [i, command] of commands.entries()) {
    const result = await rebuildArtifact(binaries(manifest)[i] as ArtifactRecord, command, ctx);
    // The rebuild's error text and the difference's strings may quote a secret: hidden too.
    targets.push({ ...hideSecrets(result, command.secrets), command: shown[i] as Shown });
  }
  return targets;
}

/** Runs one rebuild and compares it with the record; the recorded file, when still there, explains a difference. */
async function rebuildArtifact(
  artifact: ArtifactRecord,
  command: ReproCommand,
  ctx: {
    go: string;
    moduleDir: string;
    /** The user's environment minus what crossgo build controls; the command's own variables go over it. */
    env: NodeJS.ProcessEnv;
    signal?: AbortSignal;
    manifestDir: string;
    checkout: string;
  },
): Promise<TargetRepro & { recorded: string }> {
  const out = command.args[command.args.indexOf('-o') + 1] as string;
  const result = await run(ctx.go, command.args, {
    cwd: ctx.moduleDir,
    env: { ...ctx.env, ...command.env },
    signal: ctx.signal,
  });
  const recorded = artifact.sha256;
  if (result.exitCode !== 0) {
    return {
      target: artifact.target,
      recorded,
      reproducible: false,
      sha256: [recorded, null],
      difference: null,
      error: result.stderr.trim().split('\n').slice(-4).join('\n'),
    };
  }
  const rebuilt = await readFile(out);
  const sha = createHash('sha256').update(rebuilt).digest('hex');
  if (sha === recorded) {
    return {
      target: artifact.target,
      recorded,
      reproducible: true,
      sha256: [recorded, sha],
      difference: null,
    };
  }
  // The recorded artifact, when it is still beside the manifest (a real file inside its folder), says where and why.
  const original = await confine(ctx.manifestDir, artifact.path, { what: 'artifact path' })
    .then((file) => readRegular(file, { follow: false }))
    .catch(() => null);
  const difference =
    original && createHash('sha256').update(original).digest('hex') === recorded
      ? explainDifference(original, rebuilt, [
          { label: 'checkout folder', a: ctx.moduleDir, b: ctx.checkout },
        ])
      : null;
  return { target: artifact.target, recorded, reproducible: false, sha256: [recorded, sha], difference };
}

/** Every string inside `value` with the secrets' values replaced by their markers. */
function hideSecrets<T>(value: T, secrets: ReadonlyMap<string, string>): T {
  if (secrets.size === 0) return value;
  if (typeof value === 'string') return redactText(value, secrets) as T;
  if (Array.isArray(value)) return value.map((v) => hideSecrets(v, secrets)) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hideSecrets(v, secrets)])) as T;
  }
  return value;
}
