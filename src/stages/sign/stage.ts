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
    const checksums = ctx.files.filter((f) => f.kind === 'checksums').map((f) => f.path);
    const targets = sign.all
      ? [...ctx.manifest.artifacts.map((a) => a.path), ...ctx.files.map((f) => f.path)]
      : checksums;
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
      await recordFile(ctx, name, { kind: 'signature', of: [rel] });
    }
  },
};
