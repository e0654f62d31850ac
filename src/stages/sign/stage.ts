import { artifactsOfKind } from '../../pipeline/manifest.js';
import type { PackageContext } from '../../pipeline/release.js';
import { recordFile, sourcePath, stagePath } from '../../pipeline/releaseOutput.js';
import type { Stage } from '../../pipeline/stage.js';
import { signatureName, signFile } from './sign.js';

/** Detached signatures: of the checksums file (which covers the rest), or of every file with --sign-all. */
export const signStage: Stage<PackageContext> = {
  name: 'sign',
  skip: (ctx) => (ctx.settings.sign ? false : 'not asked (--sign gpg|ssh)'),
  async run(ctx) {
    const sign = ctx.settings.sign;
    if (!sign) return;
    // Chosen before the loop: a signature made here is not signed again.
    const targets = (sign.all ? ctx.manifest.artifacts : artifactsOfKind(ctx.manifest, 'checksums')).map(
      (a) => a.path,
    );
    for (const rel of targets) {
      const name = signatureName(rel, sign.method);
      const output = await stagePath(ctx, name);
      await signFile(sourcePath(ctx, rel), output, {
        shown: rel,
        method: sign.method,
        key: sign.key,
        env: ctx.env,
        signal: ctx.signal,
      });
      await recordFile(ctx, name, { kind: 'signature', from: [rel] });
    }
  },
};
