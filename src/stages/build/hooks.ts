import { IntegrityError, InterruptedError } from '../../errors.js';
import { hashFile } from '../../fs/hash.js';
import { prepareHooks } from '../../hooks/prepare.js';
import { runHooks } from '../../hooks/run.js';
import type { BuildContext } from '../../pipeline/context.js';
import type { TargetBuild } from '../../pipeline/plan.js';

/** The first hook failure of each run: once one failed, no further target starts (they would be thrown away). */
const failedRuns = new WeakMap<BuildContext, unknown>();

/**
 * A target's pre hooks (before its go build) or post hooks (after it succeeded), in the module
 * root with the target's environment (GOOS, GOARCH, CGO_ENABLED, its level, CC…, and
 * CROSSGO_OUTPUT: the binary's path) and the target's template values. A failure stops the run:
 * targets already building finish, none starts after it, and the stage fails with the hook's error.
 * Post hooks get the binary's sha256 as go made it: a hook that changes the file is refused, since
 * the manifest, the checksums and the archives are the bytes go made.
 */
export async function runTargetHooks(
  ctx: BuildContext,
  build: TargetBuild,
  when: 'pre' | 'post',
  built?: { sha256: string },
): Promise<void> {
  if (failedRuns.has(ctx)) throw failedRuns.get(ctx);
  const list = build.unit.hooks[when];
  if (list.commands.length === 0) return;
  const { plan } = ctx;
  try {
    await runHooks(prepareHooks(list, 'target'), {
      root: plan.moduleRoot,
      env: { ...plan.baseEnv, ...build.env, CROSSGO_OUTPUT: build.output },
      values: build.values,
      signal: ctx.signal,
      log: ctx.log,
      target: build.target.id,
      consequence:
        when === 'pre'
          ? `${build.target.id} was not built, and the run stopped`
          : `${build.target.id} is not recorded, and the run stopped`,
    });
    if (built) {
      const now = await hashFile(build.output, { follow: false }).catch(() => null);
      if (now?.sha256 !== built.sha256) {
        throw new IntegrityError(
          `${list.source.file}: ${list.source.key}: a post hook changed or removed ${plan.shownOut}/${build.outputRel} after go built it; crossgo records, verifies and packages the bytes go made: change the binary through the build (flags, ldflags), not in a hook`,
        );
      }
    }
  } catch (error) {
    if (!(error instanceof InterruptedError)) failedRuns.set(ctx, error);
    throw error;
  }
}
