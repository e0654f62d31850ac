import path from 'node:path';
import type { Stage } from '../../pipeline/stage.js';
import { expectationFromManifest, leakNeedles } from './expect.js';
import { verifyFile } from './verifyFile.js';

/**
 * Verifies every artifact of the run with crossgo's own readers and records the checks in the
 * manifest. A failed check fails the build (unless --no-verify skips this stage).
 */
export const verifyArtifacts: Stage = {
  name: 'verify',
  skip(ctx) {
    if (!ctx.plan.verify) return 'asked not to (--no-verify)';
    return ctx.manifest.artifacts.length === 0 ? 'nothing was built' : false;
  },
  async run(ctx) {
    const { plan, manifest } = ctx;
    const needles = leakNeedles({
      moduleDir: plan.moduleRoot,
      gopath: plan.go.env.GOPATH,
      goroot: plan.go.env.GOROOT,
      gomodcache: plan.go.env.GOMODCACHE,
    });
    for (const artifact of manifest.artifacts) {
      const report = await verifyFile(
        path.join(plan.outDir, artifact.path),
        artifact.path,
        expectationFromManifest(manifest, artifact),
        needles,
      );
      artifact.verification = { ok: report.ok, checks: report.checks };
      ctx.emit({ type: 'target-verified', target: artifact.target, ok: report.ok, checks: report.checks });
    }
  },
};
