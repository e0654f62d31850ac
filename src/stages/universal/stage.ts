import path from 'node:path';
import { UsageError } from '../../errors.js';
import { binaries } from '../../pipeline/manifest.js';
import type { PackageContext } from '../../pipeline/release.js';
import { recordFile, stagePath } from '../../pipeline/releaseOutput.js';
import type { Stage } from '../../pipeline/stage.js';
import { makeUniversal } from '../../release/universal.js';

export const UNIVERSAL_TARGET = 'darwin/universal';

/** `--universal`: the darwin/amd64 and darwin/arm64 binaries merged into <name>-darwin-universal. */
export const universalStage: Stage<PackageContext> = {
  name: 'universal',
  skip: (ctx) => (ctx.settings.universal ? false : 'not asked (--universal)'),
  async run(ctx) {
    const darwin = binaries(ctx.manifest).filter((a) => a.goos === 'darwin');
    const pick = (goarch: string) => {
      const found = darwin.filter((a) => a.goarch === goarch);
      if (found.length !== 1) {
        throw new UsageError(
          `--universal needs exactly one darwin/${goarch} binary in the manifest, found ${found.length}: build darwin/amd64 and darwin/arm64`,
        );
      }
      return found[0] as (typeof found)[number];
    };
    const slices = [pick('amd64'), pick('arm64')];
    const name = `${ctx.manifest.project.name}-darwin-universal`;
    const output = await stagePath(ctx, name);
    await makeUniversal(
      slices.map((a) => path.join(ctx.outDir, a.path)),
      output,
    );
    await recordFile(ctx, name, {
      kind: 'universal',
      target: UNIVERSAL_TARGET,
      from: slices.map((a) => a.path),
    });
  },
};
