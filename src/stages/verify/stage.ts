import path from 'node:path';
import { InterruptedError } from '../../errors.js';
import { buildOfEvent } from '../../pipeline/events.js';
import { binaries } from '../../pipeline/manifest.js';
import type { Stage } from '../../pipeline/stage.js';
import { expectationFromManifest, leakNeedles } from './expect.js';
import { type VerifyReport, verifyFile } from './verifyFile.js';

/**
 * Verifies every artifact of the run with crossgo's own readers and records the checks in the
 * manifest. A failed check fails the build (unless --no-verify skips this stage).
 */
export const verifyArtifacts: Stage = {
  name: 'verify',
  skip(ctx) {
    if (!ctx.plan.verify) return 'asked not to (--no-verify)';
    return binaries(ctx.manifest).length === 0 ? 'nothing was built' : false;
  },
  async run(ctx) {
    const { plan, manifest } = ctx;
    const needles = leakNeedles({
      moduleDir: plan.moduleRoot,
      gopath: plan.go.env.GOPATH,
      goroot: plan.go.env.GOROOT,
      gomodcache: plan.go.env.GOMODCACHE,
    });
    // One artifact at a time: the build's own pool has just finished, and each check is fast.
    for (const artifact of binaries(manifest)) {
      let report: VerifyReport;
      try {
        report = await verifyFile(
          path.join(plan.outDir, artifact.path),
          artifact.path,
          expectationFromManifest(manifest, artifact),
          needles,
          { follow: false, signal: ctx.signal },
        );
      } catch (error) {
        // Stopped by a signal: the artifacts stay recorded (unverified) by the stages after this one.
        if (!(error instanceof InterruptedError)) throw error;
        ctx.interrupted = error;
        return;
      }
      artifact.verification = { ok: report.ok, checks: report.checks };
      ctx.emit({
        type: 'target-verified',
        target: artifact.target,
        ...buildOfEvent(binaries(manifest), artifact.build),
        ok: report.ok,
        checks: report.checks,
      });
    }
  },
};
