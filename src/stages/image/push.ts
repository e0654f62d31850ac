import { UsageError } from '../../errors.js';
import type { Stage } from '../../pipeline/stage.js';
import type { ImageContext, PushTarget } from './context.js';

/** Parses the --push references (checked before anything is read or written). */
export function pushTargets(refs: readonly string[]): PushTarget[] {
  if (refs.length > 0) throw new UsageError('--push: not wired yet');
  return [];
}

export const pushStage: Stage<ImageContext> = {
  name: 'push',
  skip: (ctx) => (ctx.pushes.length > 0 ? false : 'no --push'),
  async run() {},
};
