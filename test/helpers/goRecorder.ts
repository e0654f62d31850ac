import { chmod, copyFile, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runTool, tempDir } from './cli.js';

/**
 * A `go` first on PATH that appends each command line it is given to a log and execs the real
 * go: what crossgo asks go, witnessed outside crossgo. Laid out as a Go installation (bin/go,
 * VERSION, pkg/tool) when `asInstallation`, as a real one must be for crossgo's last-run record
 * to be used; otherwise a lone wrapper script, which crossgo takes as a doubt (stages/build/lastRun.ts).
 */
export interface GoRecorder {
  /** PATH with the recorder first. */
  path: string;
  /** The folder holding bin/ (or the wrapper itself). */
  root: string;
  /** An empty folder for the test's caches. */
  cache: string;
  /** The go command lines run since the last take(), and the log emptied. */
  take(): Promise<string[]>;
}

export async function goRecorder(opts: { asInstallation?: boolean } = {}): Promise<GoRecorder> {
  const root = await tempDir('crossgo-recorder-');
  const bin = opts.asInstallation ? path.join(root, 'bin') : root;
  const log = path.join(root, 'go.log');
  const goroot = (await runTool('go', ['env', 'GOROOT'])).stdout.trim();
  if (opts.asInstallation) {
    await mkdir(bin);
    await copyFile(path.join(goroot, 'VERSION'), path.join(root, 'VERSION'));
    await mkdir(path.join(root, 'pkg'));
    await symlink(path.join(goroot, 'pkg', 'tool'), path.join(root, 'pkg', 'tool'));
  }
  await writeFile(
    path.join(bin, 'go'),
    `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec '${path.join(goroot, 'bin', 'go')}' "$@"\n`,
  );
  await chmod(path.join(bin, 'go'), 0o755);
  return {
    path: `${bin}${path.delimiter}${process.env.PATH}`,
    root,
    cache: await tempDir('crossgo-recorder-cache-'),
    async take() {
      const text = await readFile(log, 'utf8').catch(() => '');
      await rm(log, { force: true });
      return text.split('\n').filter((line) => line !== '');
    },
  };
}
