import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { InterruptedError } from '../../errors.js';
import { runPool } from '../../exec/pool.js';
import { run } from '../../exec/run.js';
import { tempPathFor } from '../../fs/atomic.js';
import { sha256File } from '../../fs/hash.js';
import type { BuildContext } from '../../pipeline/context.js';
import type { ArtifactRecord, FailureRecord } from '../../pipeline/manifest.js';
import type { Stage } from '../../pipeline/stage.js';
import { failureExcerpt } from './excerpt.js';
import { linkCachePath, seedFrom, storeInLinkCache } from './linkCache.js';
import type { TargetBuild } from './plan.js';

/** Builds every target through one bounded pool; one target failing does not stop the others. */
export const compileTargets: Stage = {
  name: 'build',
  async run(ctx) {
    const { plan } = ctx;
    const outcomes = await runPool(plan.builds, plan.jobs, (build) => compileOne(ctx, build), ctx.signal);
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

async function compileOne(ctx: BuildContext, build: TargetBuild): Promise<ArtifactRecord | FailureRecord> {
  const { plan } = ctx;
  const temp = tempPathFor(build.output);
  const outputFromRoot = path.relative(plan.moduleRoot, build.output).split(path.sep).join('/');
  const argv = [plan.go.binary, ...build.args, '-o', outputFromRoot, plan.pkg.importPath];
  ctx.emit({ type: 'target-start', target: build.target.id });
  await mkdir(path.dirname(build.output), { recursive: true });
  try {
    // Seed the temporary file with a previous build of this target (see linkCache.ts):
    // go leaves it untouched when its build ID is already right, and relinks otherwise.
    const cached = plan.linkCache
      ? linkCachePath(plan.linkCache, plan.pkg.importPath, build.target.id)
      : null;
    if (!(plan.owned.has(build.outputRel) && (await seedFrom(build.output, temp))) && cached) {
      await seedFrom(cached, temp);
    }
    const result = await run(plan.go.binary, [...build.args, '-o', temp, plan.pkg.importPath], {
      cwd: plan.moduleRoot,
      env: { ...plan.baseEnv, ...build.env },
      signal: ctx.signal,
    });
    if (result.exitCode !== 0) {
      await rm(temp, { force: true });
      const failure: FailureRecord = {
        target: build.target.id,
        excerpt:
          failureExcerpt(result.stderr || result.stdout) || `go build exited with code ${result.exitCode}`,
        exitCode: result.exitCode,
        argv,
        env: build.env,
        cgo: build.cgo,
      };
      ctx.emit({ type: 'target-failed', target: build.target.id, failure });
      return failure;
    }
    const [sha256, info] = await Promise.all([sha256File(temp), stat(temp)]);
    await rename(temp, build.output);
    if (cached) await storeInLinkCache(build.output, cached);
    const artifact: ArtifactRecord = {
      kind: 'binary',
      target: build.target.id,
      goos: build.target.goos,
      goarch: build.target.goarch,
      variant: build.target.variant,
      path: build.outputRel,
      size: info.size,
      sha256,
      durationMs: Math.round(result.durationMs),
      goVersion: plan.go.version.raw,
      argv,
      env: build.env,
      cgo: build.cgo,
    };
    ctx.emit({ type: 'target-done', target: build.target.id, artifact });
    return artifact;
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}
