import { rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { InterruptedError } from '../../errors.js';
import { runPool } from '../../exec/pool.js';
import { redactArgv, redactEnv, redactText, secretsOf } from '../../exec/redact.js';
import { run } from '../../exec/run.js';
import { tempPathFor } from '../../fs/atomic.js';
import { confine, makeParents } from '../../fs/confine.js';
import { hashFile } from '../../fs/hash.js';
import type { BuildContext } from '../../pipeline/context.js';
import type { ArtifactRecord, FailureRecord } from '../../pipeline/manifest.js';
import type { HeldPlan } from '../../pipeline/plan.js';
import type { Stage } from '../../pipeline/stage.js';
import type { MainPackage } from '../../toolchain/module.js';
import { workspaceFile } from '../../toolchain/module.js';
import { CROSSGO_VERSION } from '../../version.js';
import { failureExcerpt } from './excerpt.js';
import { runTargetHooks } from './hooks.js';
import { type Inputs, moduleInputs, targetInputs } from './inputs.js';
import { linkCachePath, seedFromLinkCache, seedVerified, storeInLinkCache } from './linkCache.js';
import type { TargetBuild } from './plan.js';

/** Builds every target through one bounded pool; one target failing does not stop the others. */
export const compileTargets: Stage = {
  name: 'build',
  async run(ctx) {
    const { plan } = ctx;
    // Taken before any build starts: a file edited while go runs then differs from the record.
    const module = await moduleInputs(moduleInputsRequest(plan));
    if ('doubt' in module) ctx.log.debug(`inputs digest: ${module.doubt}: every target runs go build`);
    const outcomes = await runPool(
      plan.builds,
      plan.jobs,
      (build) =>
        compileOne(
          ctx,
          build,
          targetInputs(module, {
            target: build.target.id,
            outputRel: build.outputRel,
            importPath: build.unit.pkg.importPath,
            packageDir: build.unit.pkg.dir,
            args: build.args,
            env: build.env,
            cgo: build.cgo,
          }),
        ),
      ctx.signal,
    );
    for (const outcome of outcomes) {
      if (outcome.ok) {
        const value = outcome.value;
        if ('sha256' in value) ctx.manifest.artifacts.push(value);
        else ctx.manifest.failures.push(value);
      } else if (outcome.error instanceof InterruptedError) {
        ctx.interrupted = outcome.error;
      } else {
        throw outcome.error;
      }
    }
  },
};

/**
 * What every target's inputs digest shares: the module, toolchain, environment, config and plan
 * (each target adds its own build's package: targetInputs).
 */
function moduleInputsRequest(plan: HeldPlan) {
  return {
    moduleRoot: plan.moduleRoot,
    outDirs: [plan.outDir, plan.folder.dir],
    goMod: plan.pkg.module.goMod, // every build's package is in this module (plan.ts)
    goWork: workspaceFile(plan.go),
    configFile: plan.config.file,
    goBinary: plan.go.binary,
    goEnv: plan.go.env,
    env: plan.baseEnv,
    crossgoVersion: CROSSGO_VERSION,
    shared: {
      version: plan.version,
      goToolchain: plan.goToolchain,
      template: plan.template,
    },
  };
}

async function compileOne(
  ctx: BuildContext,
  build: TargetBuild,
  inputs: Inputs,
): Promise<ArtifactRecord | FailureRecord> {
  const { plan } = ctx;
  const temp = tempPathFor(build.output);
  const outputFromRoot = path.relative(plan.moduleRoot, build.output).split(path.sep).join('/');
  // What the records show: secret-named values (env, {env:…} in ldflags) as their sha256 only.
  const secrets = secretsOf(build.env, plan.baseEnv);
  const argv = redactArgv(
    [plan.go.binary, ...build.args, '-o', outputFromRoot, build.unit.pkg.importPath],
    secrets,
  );
  ctx.emit({ type: 'target-start', target: build.target.id, ...eventBuild(ctx, build) });
  const where = { what: 'output', shownRoot: plan.folder.shown };
  // Each folder made here is checked as it is made: a link planted in the output folder cannot
  // carry the build (or the seed copy below) anywhere else.
  await makeParents(plan.outDir, build.outputRel, where);
  const digest = 'digest' in inputs ? { inputs: inputs.digest } : {};
  if ('digest' in inputs && !plan.force) {
    const unchanged = await unchangedArtifact(ctx, build, inputs.digest);
    if (unchanged) {
      const artifact = { ...describe(ctx, build, argv, unchanged), ...digest };
      ctx.emit({
        type: 'target-done',
        target: build.target.id,
        ...eventBuild(ctx, build),
        artifact,
        unchanged: true,
      });
      return artifact;
    }
  }
  // Only a target that is built runs its hooks (an unchanged one returned above).
  await runTargetHooks(ctx, build, 'pre');
  try {
    const cached = plan.linkCache
      ? linkCachePath(plan.linkCache, build.unit.pkg.importPath, build.target.id)
      : null;
    const seed = await seedOutput(ctx, build, temp, cached);
    const result = await run(plan.go.binary, [...build.args, '-o', temp, build.unit.pkg.importPath], {
      cwd: plan.moduleRoot,
      env: { ...plan.baseEnv, ...build.env },
      signal: ctx.signal,
    });
    if (result.exitCode !== 0) {
      await rm(temp, { force: true });
      const failure: FailureRecord = {
        target: build.target.id,
        build: build.unit.id,
        excerpt: redactText(
          failureExcerpt(result.stderr || result.stdout) || `go build exited with code ${result.exitCode}`,
          secrets,
        ),
        exitCode: result.exitCode,
        argv,
        env: redactEnv(build.env),
        cgo: build.cgo,
      };
      ctx.emit({ type: 'target-failed', target: build.target.id, ...eventBuild(ctx, build), failure });
      return failure;
    }
    const { sha256, size } = await hashFile(temp, { follow: false });
    // Recorded before it is renamed into place: a run killed after the rename still owns the file.
    await plan.owned.record(build.outputRel, 'binary', sha256);
    await confine(plan.outDir, build.outputRel, { ...where, leaf: 'file' });
    // go keeps a seed whose build ID starts with the action ID it computed, without reading the
    // rest of the file (cmd/go/internal/work/buildid.go, useCache: only the build ID is compared).
    // So an output byte-identical to the seed (go kept it, or relinked the very same bytes) is
    // trusted only because seedOutput checked those bytes against crossgo's own record first.
    const kept = seed !== null && seed.sha256 === sha256;
    if (kept) ctx.log.debug(`${build.target.id}: go kept the verified ${seed.from}, no link`);
    await rename(temp, build.output);
    // A cache entry that was just verified and kept already holds these bytes.
    if (cached && !(kept && seed.from === 'link cache entry')) {
      await storeInLinkCache(build.output, cached, {
        sha256,
        size,
        importPath: build.unit.pkg.importPath,
        target: build.target.id,
      });
    }
    await runTargetHooks(ctx, build, 'post', { sha256 });
    const artifact: ArtifactRecord = {
      ...describe(ctx, build, argv, { size, sha256, durationMs: Math.round(result.durationMs) }),
      ...digest,
    };
    ctx.emit({ type: 'target-done', target: build.target.id, ...eventBuild(ctx, build), artifact });
    return artifact;
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** A binary's record: what the plan says of the target, and what the file is. */
function describe(
  ctx: BuildContext,
  build: TargetBuild,
  argv: string[],
  file: { size: number; sha256: string; durationMs: number },
): ArtifactRecord {
  return {
    kind: 'binary',
    target: build.target.id,
    goos: build.target.goos,
    goarch: build.target.goarch,
    variant: build.target.variant,
    path: build.outputRel,
    size: file.size,
    sha256: file.sha256,
    from: [],
    durationMs: file.durationMs,
    goVersion: ctx.plan.go.version.raw,
    argv,
    env: redactEnv(build.env),
    cgo: build.cgo,
    ...unitRecord(ctx.plan, build),
  };
}

/** Which build of the config made the binary: its id, binary name, main package (manifest binaryOrigin). */
function unitRecord(plan: HeldPlan, build: TargetBuild) {
  const { unit } = build;
  return {
    build: unit.id,
    name: unit.name,
    importPath: unit.pkg.importPath,
    package: packageArgument(plan.moduleRoot, unit.pkg),
  };
}

/** The package as a path from the module root (./cmd/tool, "."), or the import path as given. */
function packageArgument(moduleRoot: string, pkg: MainPackage): string {
  if (!pkg.pattern.startsWith('.')) return pkg.pattern;
  const rel = path.relative(moduleRoot, pkg.dir).split(path.sep).join('/');
  return rel === '' ? '.' : `./${rel}`;
}

/**
 * The previous build of this target when go would make the same bytes again: the last manifest
 * records the same inputs digest for this path and target, and the file there still hashes to the
 * sha256 it records (read in full: size and mtime of an output say nothing of its bytes). Any
 * doubt (no record, no digest, another digest, a file missing, swapped or linked) is null: go runs.
 */
async function unchangedArtifact(
  ctx: BuildContext,
  build: TargetBuild,
  digest: string,
): Promise<{ size: number; sha256: string; durationMs: number } | null> {
  const { plan } = ctx;
  // A guard, not a filter: in a manifest of every kind only a binary record carries `inputs`.
  const previous = plan.folder.previous?.artifacts.find(
    (a): a is ArtifactRecord => a.kind === 'binary' && a.path === build.outputRel,
  );
  if (!previous || previous.inputs !== digest || previous.target !== build.target.id) return null;
  let file: { sha256: string; size: number };
  try {
    await confine(plan.outDir, build.outputRel, {
      what: 'output',
      shownRoot: plan.folder.shown,
      leaf: 'file',
    });
    file = await hashFile(build.output, { follow: false });
  } catch {
    return null;
  }
  if (file.sha256 !== previous.sha256 || file.size !== previous.size) {
    ctx.log.debug(`${build.outputRel} is not what the previous manifest records: building it again`);
    return null;
  }
  await plan.owned.record(build.outputRel, 'binary', file.sha256);
  return { ...file, durationMs: previous.durationMs };
}

/** What go's temporary output was seeded with: bytes whose sha256 crossgo checked against its own record. */
interface Seed {
  from: 'previous binary' | 'link cache entry';
  sha256: string;
}

/**
 * Seeds go's temporary output with a previous build of this target (see linkCache.ts): go leaves
 * it untouched when its build ID is already right and relinks otherwise. Only bytes crossgo can
 * show it made are seeded: the previous binary in the output folder while it has the sha256 the
 * previous manifest records, else the link cache entry while it matches its record.
 */
async function seedOutput(
  ctx: BuildContext,
  build: TargetBuild,
  temp: string,
  cached: string | null,
): Promise<Seed | null> {
  const { plan } = ctx;
  const recorded = plan.recorded.get(build.outputRel);
  if (recorded) {
    const outcome = await seedVerified(build.output, temp, { sha256: recorded });
    if (outcome === 'seeded') return { from: 'previous binary', sha256: recorded };
    if (outcome === 'refused') {
      ctx.log.debug(`${build.outputRel} is not what the previous manifest records: building without it`);
    }
  }
  if (!cached) return null;
  const entry = await seedFromLinkCache(cached, temp, {
    importPath: build.unit.pkg.importPath,
    target: build.target.id,
  });
  if (entry.outcome === 'seeded') return { from: 'link cache entry', sha256: entry.sha256 };
  if (entry.outcome === 'removed') {
    ctx.log.debug(`link cache: the entry for ${build.target.id} did not match its record: removed it`);
  }
  return null;
}

/** The build id a target's events carry when the plan has several builds. */
function eventBuild(ctx: BuildContext, build: TargetBuild): { build?: string } {
  return ctx.plan.units.length > 1 ? { build: build.unit.id } : {};
}
