import path from 'node:path';
import { lintDockerfile } from '../dockerfile/lint.js';
import type { Finding } from '../dockerfile/traps.js';
import { UsageError } from '../errors.js';
import { readRegular } from '../fs/open.js';

export interface LintDockerfileOptions {
  /** The Dockerfile, relative to cwd; default Dockerfile. */
  file?: string;
  cwd?: string;
}

export interface LintDockerfileResult {
  /** The file as named (relative to cwd, as the findings name it). */
  file: string;
  findings: Finding[];
}

/** A Dockerfile larger than this is refused: real ones are a few KiB. */
export const MAX_DOCKERFILE_BYTES = 1024 * 1024;

/** `crossgo lint dockerfile [FILE]`: reads the file (bounded, a regular file) and reports its Go build traps. */
export async function lintDockerfileFile(options: LintDockerfileOptions = {}): Promise<LintDockerfileResult> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const shown = options.file ?? 'Dockerfile';
  let bytes: Buffer;
  try {
    bytes = await readRegular(path.resolve(cwd, shown), { shown, maxBytes: MAX_DOCKERFILE_BYTES });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new UsageError(
        `${shown}: no such file (name the Dockerfile: crossgo lint dockerfile path/to/Dockerfile)`,
      );
    if (code === 'EISDIR')
      throw new UsageError(`${shown}: a folder, not a Dockerfile (name the file inside it)`);
    if (code === 'EACCES') throw new UsageError(`${shown}: not readable (permission denied)`);
    throw error;
  }
  const text = bytes.toString('utf8');
  if (text.includes('\u0000')) throw new UsageError(`${shown}: holds NUL bytes: not a Dockerfile`);
  return { file: shown, findings: lintDockerfile(text, shown) };
}
