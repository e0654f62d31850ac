import { relativePathProblem } from '../fs/confine.js';

/**
 * Release file names are rendered from templates (package.name, package.checksum.name…) with the
 * manifest's values, and the manifest is a file anyone may edit: every name made is checked to be
 * one plain file name (no "/", no control character, no "." or ".."), so a version like
 * "x\n<hash>  evil" cannot forge a line of the signed checksums file and "sub/v1.2.3" cannot
 * point an archive into a folder that does not exist.
 */

/** Why `name` cannot be one file name inside the output folder, or null when it can. */
export function fileNameProblem(name: string): string | null {
  if (name.includes('/')) return 'holds a "/"';
  if (name === '.' || name === '..') return `is "${name}"`;
  return relativePathProblem(name);
}
