import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { withChildUmask } from '../exec/umask.js';
import { type Logger, silentLogger } from '../log.js';
import {
  type AgainstOptions,
  type AgainstReport,
  checkoutCommit,
  gitTopLevel,
  planCommands,
  readAgainstManifest,
  rebuildArtifacts,
  showCommands,
} from '../repro/against.js';
import { compareManifests, type ReproReport } from '../repro/compare.js';
import { createSandbox, outputFolder, type Side } from '../repro/sandbox.js';
import { inheritedEnv } from '../stages/build/flags.js';
import type { BuildOptions } from '../stages/build/plan.js';
import { findGo } from '../toolchain/go.js';
import { moduleRootOf } from '../toolchain/module.js';
import { build } from './build.js';

export type { AgainstOptions, AgainstReport } from '../repro/against.js';
export type { ReproReport, TargetRepro } from '../repro/compare.js';
export type { Conditions } from '../repro/sandbox.js';

export interface ReproOptions
  extends Pick<
    BuildOptions,
    | 'package'
    | 'targets'
    | 'configFile'
    | 'ldflags'
    | 'tags'
    | 'gcflags'
    | 'env'
    | 'trimpath'
    | 'strip'
    | 'cgo'
    | 'cc'
    | 'static'
  > {
  cwd?: string;
  /** The output folder of this module's builds, left out of the copies; default the config's, else dist. */
  out?: string;
  environment?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  log?: Logger;
}

/**
 * Builds every target twice under deliberately different conditions (src/repro/sandbox.ts)
 * with crossgo build's settings, and compares the bytes.
 */
export async function repro(options: ReproOptions = {}): Promise<ReproReport> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const environment = options.environment ?? process.env;
  const go = await findGo({ cwd, env: environment, signal: options.signal });
  const moduleRoot = moduleRootOf(go, cwd);
  const { config } = await loadConfig(moduleRoot, options.configFile);
  const out = outputFolder({ moduleRoot, cwd, out: options.out, config });
  const sandbox = await createSandbox({
    treeRoot: (await gitTopLevel(moduleRoot, environment)) ?? moduleRoot,
    moduleRoot,
    cwd,
    leaveOut: [out],
    go,
    environment,
    signal: options.signal,
  });
  try {
    const { out: _, ...settings } = options;
    // Each build's go commands get the side's umask; crossgo's own stays. One after the other:
    // each build already uses every core.
    const buildIn = (side: Side) =>
      withChildUmask(side.umask, () =>
        build({
          ...settings,
          cwd: side.cwd,
          out: side.out,
          environment: side.env,
          linkCache: false,
          verify: false,
          log: options.log ?? silentLogger,
        }),
      );
    const [sideA, sideB] = sandbox.sides;
    const a = await buildIn(sideA);
    const b = await buildIn(sideB);
    const [ca, cb] = [sideA.conditions, sideB.conditions];
    const targets = await compareManifests(a.manifest, b.manifest, [a.outDir, b.outDir], [ca, cb]);
    return { ok: targets.every((t) => t.reproducible), conditions: { a: ca, b: cb }, targets };
  } finally {
    await sandbox.remove();
  }
}

/**
 * Rebuilds what a manifest describes — its commit (checked out fresh from this repository),
 * its Go release, argv and environment — and compares with the recorded hashes: what a second
 * machine or a CI runner checks for a release built elsewhere. The manifest is untrusted: only
 * what crossgo build itself writes runs (src/repro/allowlist.ts), unless `trustManifest`.
 */
export async function reproAgainst(options: AgainstOptions): Promise<AgainstReport> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const env = options.environment ?? process.env;
  const log = options.log ?? silentLogger;
  const manifestFile = path.resolve(cwd, options.manifest);
  const { manifest, commit, warnings } = await readAgainstManifest(manifestFile, options.manifest);
  const go = await findGo({ cwd, env, signal: options.signal });
  const moduleRoot = moduleRootOf(go, cwd);
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'crossgo-against-'));
  try {
    const outDir = path.join(scratch, 'out');
    const trust = options.trustManifest === true;
    // Every command is decided (and refused) before anything runs, then shown.
    const commands = await planCommands(manifest, { outDir, env, go, cwd, trust, signal: options.signal });
    if (trust) log.warn("--trust-manifest: running the manifest's argv and env as recorded, unchecked");
    const shown = showCommands(go.binary, commands, log);
    const { checkout, moduleDir } = await checkoutCommit(
      moduleRoot,
      commit,
      path.join(scratch, 'src'),
      env,
      options.signal,
    );
    await mkdir(outDir);
    const ctx = {
      go: go.binary,
      moduleDir,
      env: inheritedEnv(env),
      signal: options.signal,
      manifestDir: path.dirname(manifestFile),
      checkout,
    };
    const targets = await rebuildArtifacts(manifest, commands, shown, ctx);
    const ok = targets.every((t) => t.reproducible);
    return { ok, manifest: options.manifest, commit, trusted: trust, targets, warnings };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
