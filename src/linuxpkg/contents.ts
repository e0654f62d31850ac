import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';
import type { LinuxPackageContent, LinuxPackageFormatName } from '../config/types.js';
import { UsageError } from '../errors.js';
import { confine, relativePathProblem } from '../fs/confine.js';

/**
 * What a config's contents, man pages, systemd units, completions and scripts name, resolved
 * before anything is made: every source a regular file inside the module root (a plain relative
 * path or glob: no "..", not absolute, no symbolic link on the way, src/fs/confine.ts), every
 * destination an absolute, normalised path. The files are read again, confined again, when the
 * packages are made.
 */

export type ContentType = 'file' | 'config' | 'config|noreplace' | 'doc' | 'dir' | 'symlink';

export interface PlannedContent {
  type: ContentType;
  /** The module file (absolute) and its relative name, for file types. */
  source?: { file: string; rel: string };
  /** The link's target, for symlink. */
  link?: string;
  dst: string;
  /** null: the file's own (0755 when it is executable, else 0644). */
  mode: number | null;
  owner: string;
  group: string;
  /** Only in these formats; null: every format. */
  formats: readonly LinuxPackageFormatName[] | null;
  /** How the content is gzipped: man pages are, by crossgo, without name or time. */
  gzip: boolean;
  /** The config key it came from, for messages. */
  key: string;
}

/** Why a package path is not one crossgo writes, or null: absolute, normalised, no "..", no control character. */
export function destinationProblem(dst: string): string | null {
  if (!dst.startsWith('/')) return 'is not an absolute path';
  if (dst === '/') return 'is the root folder';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f\\]/.test(dst)) return 'holds a control character or a backslash';
  if (dst.split('/').includes('..')) return 'climbs out with ".."';
  if (path.posix.normalize(dst) !== dst || dst.endsWith('/'))
    return 'is not normalised (no "//", "/./" or trailing "/")';
  if (dst.length > 1024) return 'is longer than 1024 characters';
  return null;
}

export function checkDestination(dst: string, where: string): string {
  const problem = destinationProblem(dst);
  if (problem)
    throw new UsageError(
      `${where}: ${JSON.stringify(dst)} ${problem}: a package path is absolute, e.g. /etc/NAME/config.yaml`,
    );
  return dst;
}

/** A module file a key names: a plain relative path, a real file (no link on the way). */
export async function moduleFile(
  root: string,
  rel: string,
  where: string,
): Promise<{ file: string; rel: string }> {
  const problem = relativePathProblem(rel);
  if (problem) {
    throw new UsageError(
      `${where}: ${JSON.stringify(rel)} ${problem}: name a file of the module, relative to the module root`,
    );
  }
  const file = await confine(root, rel, { what: where, shownRoot: '.', leaf: 'file' });
  if (!(await lstat(file).catch(() => null))) {
    throw new UsageError(
      `${where}: ${rel}: no such file in the module: name a file relative to the module root`,
    );
  }
  return { file, rel };
}

const MAGIC = /[*?[\]{}()!]/;

/** The config's contents entries, resolved: a glob gives one entry per file, under dst as a folder. */
export async function resolveContents(
  entries: readonly LinuxPackageContent[],
  root: string,
  file: string,
): Promise<PlannedContent[]> {
  const planned: PlannedContent[] = [];
  for (const [i, entry] of entries.entries()) {
    const key = `${file}: linux_packages.contents[${i}]`;
    const type: ContentType = entry.type ?? 'file';
    const dst = checkDestination(entry.dst, `${key}.dst`);
    const base = {
      type,
      dst,
      mode: entry.mode === undefined ? null : Number.parseInt(entry.mode, 8),
      owner: entry.owner ?? 'root',
      group: entry.group ?? 'root',
      formats: entry.formats ?? null,
      gzip: false,
      key: `linux_packages.contents[${i}]`,
    };
    if (type === 'dir') {
      planned.push(base);
      continue;
    }
    if (type === 'symlink') {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
      if (/[\u0000-\u001f\u007f]/.test(entry.src) || entry.src.length > 1024) {
        throw new UsageError(
          `${key}.src: ${JSON.stringify(entry.src)} holds a control character: a link target is a path`,
        );
      }
      planned.push({ ...base, link: entry.src });
      continue;
    }
    if (!MAGIC.test(entry.src)) {
      planned.push({ ...base, source: await moduleFile(root, entry.src, `${key}.src`) });
      continue;
    }
    const problem = relativePathProblem(entry.src);
    if (problem) {
      throw new UsageError(
        `${key}.src: ${JSON.stringify(entry.src)} ${problem}: a glob of module files, relative to the module root`,
      );
    }
    const matched = (
      await glob([entry.src], {
        cwd: root,
        onlyFiles: true,
        dot: false,
        followSymbolicLinks: false,
        expandDirectories: false,
      })
    ).sort();
    if (matched.length === 0) {
      throw new UsageError(
        `${key}.src: no file of the module matches ${JSON.stringify(entry.src)}: fix the glob or remove the entry`,
      );
    }
    for (const rel of matched) {
      const source = await moduleFile(root, rel, `${key}.src`);
      planned.push({ ...base, source, dst: `${dst}/${path.posix.basename(rel)}` });
    }
  }
  return planned;
}
