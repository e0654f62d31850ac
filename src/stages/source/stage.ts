import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { constants, gzipSync } from 'node:zlib';
import { ProcessError } from '../../errors.js';
import { lastLines, run } from '../../exec/run.js';
import type { PackageContext } from '../../pipeline/release.js';
import { writeRelease } from '../../pipeline/releaseOutput.js';
import type { Stage } from '../../pipeline/stage.js';

/**
 * package.source: the built commit's tracked files as <name>.tar.gz (GoReleaser's source
 * archive: default name {project}-{version}, no top folder unless a prefix is given). git archive
 * writes the tar (entries in tree order, the commit time on each, the commit id in its pax
 * header: the same for the same commit), with its config pinned where it would change the bytes;
 * node's zlib compresses it with no name and no time in the header (git's own tar.gz runs the
 * system's gzip, which differs between machines).
 */
export const sourceStage: Stage<PackageContext> = {
  name: 'source',
  skip: (ctx) => (ctx.layout.source ? false : 'not asked (package.source)'),
  async run(ctx) {
    const source = ctx.layout.source;
    if (!source) return;
    const { commit, dirty } = ctx.manifest.source;
    if (dirty) {
      ctx.log.warn(
        `the source archive holds commit ${commit.slice(0, 12)}, not the uncommitted changes the binaries were built with`,
      );
    }
    const dir = await mkdtemp(path.join(os.tmpdir(), 'crossgo-source-'));
    try {
      const tar = path.join(dir, 'source.tar');
      const args = [
        '-c',
        'tar.umask=022',
        '-c',
        'core.autocrlf=false',
        'archive',
        '--format=tar',
        ...(source.prefix ? [`--prefix=${source.prefix}/`] : []),
        '-o',
        tar,
        commit,
      ];
      const result = await run('git', args, {
        cwd: ctx.moduleRoot,
        env: ctx.env,
        signal: ctx.signal,
        missingHint: 'install git (apt-get install git)',
      });
      // Ctrl-C: the interrupt, not git's exit, is what the user should read.
      if (ctx.signal.aborted) throw ctx.signal.reason;
      if (result.exitCode !== 0) {
        throw new ProcessError(
          `git archive of commit ${commit.slice(0, 12)} failed in the module's repository: ${lastLines(result.stderr, 2).trim() || `exit ${result.exitCode}`}: package from the repository the binaries were built in`,
          'git',
          args,
          result.exitCode,
          result.signal,
          result.stderr,
        );
      }
      const bytes = gzipSync(await readFile(tar), { level: constants.Z_BEST_COMPRESSION });
      await writeRelease(ctx, source.file, bytes, { kind: 'source', from: [] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
