import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';

/** Longest relative path crossgo accepts from a manifest, config or template (PATH_MAX is 4096). */
export const MAX_RELATIVE_PATH = 1024;

/**
 * Why a relative path from a file (manifest, config, template) cannot name a file inside a folder,
 * or null when it can: forward slashes only, not empty, not absolute, no `.` or `..` segment, no
 * empty segment, no backslash, no control character (a newline would forge a SHA256SUMS line).
 */
export function relativePathProblem(rel: unknown): string | null {
  if (typeof rel !== 'string') return 'is not a string';
  if (rel === '') return 'is empty';
  if (rel.length > MAX_RELATIVE_PATH) return `is longer than ${MAX_RELATIVE_PATH} characters`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(rel)) return 'holds a control character';
  if (rel.includes('\\')) return 'holds a backslash (use forward slashes)';
  if (rel.startsWith('/') || path.isAbsolute(rel)) return 'is an absolute path';
  const segments = rel.split('/');
  if (segments.includes('..')) return 'climbs out with ".."';
  if (segments.includes('.') || segments.includes('')) return 'has an empty or "." segment';
  // NAME_MAX: a longer name is ENAMETOOLONG at the first lstat.
  if (segments.some((s) => Buffer.byteLength(s) > 255)) return 'has a name longer than 255 bytes';
  return null;
}

/** Throws a UsageError naming `what` when `rel` is not a plain relative path (see relativePathProblem). */
export function checkRelativePath(rel: unknown, what: string): string {
  const problem = relativePathProblem(rel);
  if (problem)
    throw new UsageError(
      `${what} ${JSON.stringify(rel)} ${problem}: it must be a relative path inside the output folder`,
    );
  return rel as string;
}

export interface ConfineOptions {
  /** What the path is, for messages ("release file", "artifact path in dist/manifest.json"). */
  what: string;
  /** The root as the user knows it (for messages); default the root itself. */
  shownRoot?: string;
  /**
   * What the last component may be when it exists: 'file' (a regular file, not a link), 'folder',
   * or 'any' (anything but a symbolic link). Default 'file'.
   */
  leaf?: 'file' | 'folder' | 'any';
}

/**
 * The absolute path of `rel` inside `root`, checked at the moment of use: a plain relative path
 * (relativePathProblem), every existing parent a real folder (no symbolic link, no file), and the
 * last component, when it exists, not a symbolic link and of the expected kind. A folder that
 * does not exist yet is fine: whoever creates it creates a real one. Call it right before the
 * read, write or delete it guards, not once at planning time.
 */
export async function confine(root: string, rel: unknown, options: ConfineOptions): Promise<string> {
  const name = checkRelativePath(rel, options.what);
  const shown = options.shownRoot ?? root;
  const segments = name.split('/');
  let current = root;
  for (const [i, segment] of segments.entries()) {
    current = path.join(current, segment);
    const info = await lstat(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return null;
      throw error;
    });
    if (!info) return path.join(root, ...segments);
    const soFar = segments.slice(0, i + 1).join('/');
    if (info.isSymbolicLink()) {
      throw new UsageError(
        `${options.what} "${name}": ${path.join(shown, soFar)} is a symbolic link; crossgo only reads and writes real files and folders inside ${shown}: replace the link with a folder`,
      );
    }
    const last = i === segments.length - 1;
    if (!last && !info.isDirectory()) {
      throw new UsageError(`${options.what} "${name}": ${path.join(shown, soFar)} is not a folder`);
    }
    if (last) {
      const leaf = options.leaf ?? 'file';
      if (leaf === 'file' && !info.isFile()) {
        throw new UsageError(
          `${options.what} "${name}": ${path.join(shown, soFar)} is ${kindOf(info)}, not a regular file`,
        );
      }
      if (leaf === 'folder' && !info.isDirectory()) {
        throw new UsageError(
          `${options.what} "${name}": ${path.join(shown, soFar)} is ${kindOf(info)}, not a folder`,
        );
      }
    }
  }
  return current;
}

/** Creates the parent folders of a confined path, each checked as it is made (no link can slip in). */
export async function makeParents(root: string, rel: string, options: ConfineOptions): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  const segments = checkRelativePath(rel, options.what).split('/').slice(0, -1);
  for (let i = 1; i <= segments.length; i++) {
    const sub = segments.slice(0, i).join('/');
    await confine(root, sub, { ...options, leaf: 'folder' });
    await mkdir(path.join(root, sub)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    await confine(root, sub, { ...options, leaf: 'folder' });
  }
}

/** A human name for what a stat describes. */
export function kindOf(info: import('node:fs').Stats): string {
  if (info.isFile()) return 'a file';
  if (info.isDirectory()) return 'a folder';
  if (info.isSymbolicLink()) return 'a symbolic link';
  if (info.isFIFO()) return 'a FIFO';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'not a regular file';
}
