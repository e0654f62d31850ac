import type { Stage } from '../../pipeline/stage.js';

/**
 * After the manifest is written: the release files of the previous build (archives, SBOMs,
 * signatures) describe binaries this build replaced, so crossgo deletes them (its own files only:
 * each is confined to the output folder and must still hold the bytes crossgo wrote), then
 * rewrites the ownership journal compactly. Binaries of earlier runs with other target sets stay
 * where they are and stay crossgo's.
 */
export const settleOutputFolder: Stage = {
  name: 'settle',
  runsAfterInterrupt: true,
  async run(ctx) {
    const { owned } = ctx.plan;
    for (const rel of owned.paths('release')) await owned.remove(rel, (m) => ctx.log.warn(m));
    await owned.compact();
  },
};
