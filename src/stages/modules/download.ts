import { existsSync, readFileSync } from 'node:fs';
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
    const root = ctx.plan.moduleRoot;
    if (existsSync(path.join(root, 'vendor', 'modules.txt'))) return 'the module vendors its dependencies';
    if (!requiresModules(readFileSync(ctx.plan.pkg.module.goMod, 'utf8')))
      return 'go.mod requires no modules';
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

/** True when go.mod has a require directive (a line or a block); comments do not count. */
export function requiresModules(goMod: string): boolean {
  return /^\s*require\b/m.test(goMod.replace(/\/\/.*$/gm, ''));
}
