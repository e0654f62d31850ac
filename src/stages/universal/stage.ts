import path from 'node:path';
import type { PackageContext } from '../../pipeline/release.js';
import { recordFile, stagePath } from '../../pipeline/releaseOutput.js';
import type { Stage } from '../../pipeline/stage.js';
import { makeUniversal } from '../../release/universal.js';

export const UNIVERSAL_TARGET = 'darwin/universal';

/**
 * `--universal`: each binary's darwin/amd64 and darwin/arm64 builds merged into
 * <name>-darwin-universal (the slices were chosen, and checked, with the release's names).
 */
export const universalStage: Stage<PackageContext> = {
  name: 'universal',
  skip: (ctx) => (ctx.settings.universal ? false : 'not asked (--universal)'),
  async run(ctx) {
    for (const universal of ctx.layout.universal) {
      const output = await stagePath(ctx, universal.file);
      await makeUniversal(
        universal.slices.map((rel) => path.join(ctx.outDir, rel)),
        output,
      );
      await recordFile(ctx, universal.file, {
        kind: 'universal',
        target: UNIVERSAL_TARGET,
        from: [...universal.slices],
      });
    }
  },
};
