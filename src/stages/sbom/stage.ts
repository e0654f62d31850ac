import path from 'node:path';
import { FileSource } from '../../binary/fileSource.js';
import { readFacts } from '../../binary/read.js';
import type { PackageContext } from '../../pipeline/release.js';
import { releasedBinaries, sourcePath, writeRelease } from '../../pipeline/releaseOutput.js';
import type { Stage } from '../../pipeline/stage.js';
import { cycloneDx } from '../../release/sbom.js';
import { CROSSGO_VERSION } from '../../version.js';

/** A CycloneDX 1.6 SBOM per binary, from its own embedded build info: <archive name>.sbom.cdx.json. */
export const sbomStage: Stage<PackageContext> = {
  name: 'sbom',
  skip: (ctx) => (ctx.settings.sbom ? false : 'turned off (--no-sbom)'),
  async run(ctx) {
    // Every released binary: the manifest's, and the universal one (its slices' modules, merged).
    for (const artifact of releasedBinaries(ctx)) {
      const source = FileSource.open(sourcePath(ctx, artifact.path), artifact.path);
      let facts: ReturnType<typeof readFacts>;
      try {
        facts = readFacts(source);
      } finally {
        source.close();
      }
      const bom = cycloneDx({
        facts,
        fileName: path.posix.basename(artifact.path),
        sha256: artifact.sha256,
        target: artifact.target,
        timestamp: ctx.settings.mtime.toISOString(),
        toolVersion: CROSSGO_VERSION,
      });
      const name = ctx.layout.sboms.get(artifact.path);
      if (!name) throw new Error(`bug: no SBOM name was planned for ${artifact.path}`);
      await writeRelease(ctx, name, `${JSON.stringify(bom, null, 2)}\n`, {
        kind: 'sbom',
        target: artifact.target,
        from: [artifact.path],
      });
    }
  },
};
