import path from 'node:path';
import { UsageError } from '../errors.js';

/** True when `child` is `parent` or below it (after resolving `..`). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith(`..${path.sep}`) && rel !== '..' && !path.isAbsolute(rel));
}

/** Resolves a relative path inside `root`, refusing anything that would land outside it. */
export function resolveInside(root: string, relative: string, what: string): string {
  if (path.isAbsolute(relative)) {
    throw new UsageError(
      `${what} "${relative}" is an absolute path: it must be relative to the output folder`,
    );
  }
  const resolved = path.resolve(root, relative);
  if (!isInside(root, resolved) || resolved === root) {
    throw new UsageError(
      `${what} "${relative}" would write outside the output folder ${root}: keep it inside`,
    );
  }
  return resolved;
}

/** A path relative to `root`, with forward slashes: how manifests and checksum files name files. */
export function toPortable(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}
