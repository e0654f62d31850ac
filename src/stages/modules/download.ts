import { existsSync } from 'node:fs';
import path from 'node:path';
import { runChecked } from '../../exec/run.js';
import type { Stage } from '../../pipeline/stage.js';

/**
 * Downloads the module graph once, before the fan-out, so that parallel builds only
 * read the module cache and never race to fill it.
 */
export const downloadModules: Stage = {
  name: 'modules',
  skip(ctx) {
    if (existsSync(path.join(ctx.plan.moduleRoot, 'vendor', 'modules.txt')))
      return 'the module vendors its dependencies';
    return false;
  },
  async run(ctx) {
    const { plan } = ctx;
    await runChecked(plan.go.binary, ['mod', 'download'], {
      cwd: plan.moduleRoot,
      env: plan.baseEnv,
      signal: ctx.signal,
    });
  },
};
