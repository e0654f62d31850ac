import type { BigIntStats, Dirent } from 'node:fs';
import { lstat, readdir, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import { OWNERSHIP_FILE } from '../../fs/ownership.js';

/**
 * A bounded walk of a source tree for the inputs digest (inputs.ts): what each file is, without
 * reading it. One readdir per folder and one lstat per file; anything the walk cannot describe
 * with certainty is a doubt, and a doubt means "run go".
 */

/** One entry: path from the walk's root (forward slashes), and what lstat says of it. */
export type WalkEntry =
  | { path: string; kind: 'dir' }
  | { path: string; kind: 'file'; size: string; mtimeNs: string; ctimeNs: string }
  /** A link is not followed as a folder; a link to a file is described by the file go reads through it. */
  | {
      path: string;
      kind: 'link';
      to: string;
      target: { size: string; mtimeNs: string; ctimeNs: string } | null;
    };

export interface WalkLimits {
  /** Entries (files, folders, links) over every walk of one digest. */
  maxEntries: number;
  /**
   * A file changed this close (ns) to the start of the walk may change again within the same
   * timestamp tick (the kernel stamps with a coarse clock, a few ms): "racily clean" in git's
   * words (Documentation/technical/racy-git.txt). Such a tree is a doubt.
   */
  racyNs: bigint;
}

export const DEFAULT_WALK_LIMITS: WalkLimits = { maxEntries: 20_000, racyNs: 100_000_000n };

export type Doubt = { doubt: string };

/** A shared budget, so that several walks (the module, its local replacements) share one cap. */
export class WalkBudget {
  private left: number;
  constructor(
    readonly limits: WalkLimits,
    /** The wall clock at the start, ns: files stamped after `startNs - racyNs` are racy. */
    readonly startNs: bigint,
  ) {
    this.left = limits.maxEntries;
  }
  take(count: number): boolean {
    this.left -= count;
    return this.left >= 0;
  }
}

/**
 * Every entry under `root` except the folders in `skip` (absolute), every `.git` and every other
 * output folder of crossgo (one with its ownership journal: with several Go releases, or -o
 * out/a and out/b, one build's folder changes while another's digest is taken), sorted by
 * path; or why the tree cannot be described (too many entries, a linked folder, a name that is
 * not UTF-8, a file changed just now, an entry that is neither file, folder nor link).
 */
export async function walkTree(
  root: string,
  skip: readonly string[],
  budget: WalkBudget,
): Promise<WalkEntry[] | Doubt> {
  const entries: WalkEntry[] = [];
  const skipped = new Set(skip.map((s) => path.resolve(s)));
  const state: { doubt: string | null } = { doubt: null };
  const fail = (why: string) => {
    state.doubt ??= why;
  };

  async function visit(dir: string, rel: string): Promise<void> {
    let children: Dirent[];
    try {
      children = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      return fail(`cannot list ${dir}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
    if (!budget.take(children.length)) return fail(`more than ${budget.limits.maxEntries} files to check`);
    const folders: Promise<void>[] = [];
    await Promise.all(
      children.map(async (child) => {
        if (state.doubt) return;
        // A name Node could not decode as UTF-8 has U+FFFD in it: two such names could collide.
        if (child.name.includes('\uFFFD')) return fail(`a file name that is not UTF-8 in ${dir}`);
        const abs = path.join(dir, child.name);
        const childRel = rel === '' ? child.name : `${rel}/${child.name}`;
        if (child.isDirectory()) {
          if (child.name === '.git' || skipped.has(abs)) return;
          // Another output folder of crossgo is no input, and not even its name counts: the
          // first build makes dist/, and the next must see the same tree.
          if ((await lstat(path.join(abs, OWNERSHIP_FILE)).catch(() => null))?.isFile()) return;
          entries.push({ path: childRel, kind: 'dir' });
          folders.push(visit(abs, childRel));
          return;
        }
        const entry = await describe(abs, childRel, child);
        if ('doubt' in entry) return fail(entry.doubt);
        entries.push(entry);
      }),
    );
    await Promise.all(folders);
  }

  async function describe(abs: string, rel: string, child: Dirent): Promise<WalkEntry | Doubt> {
    try {
      if (child.isFile()) {
        const info = await lstat(abs, { bigint: true });
        if (!info.isFile()) return { doubt: `${abs} changed while it was read` };
        return racy(abs, info) ?? { path: rel, kind: 'file', ...stamp(info) };
      }
      if (child.isSymbolicLink()) {
        if (child.name === '.git') return { doubt: `${abs} is a link` };
        const to = await readlink(abs);
        // go reads a linked file's contents, so what counts is the file at the end of the link.
        const target = await stat(abs, { bigint: true }).catch(() => null);
        if (target?.isDirectory()) return { doubt: `${abs} links to a folder` };
        if (target && !target.isFile()) return { doubt: `${abs} links to something that is not a file` };
        if (target) {
          const tooNew = racy(abs, target);
          if (tooNew) return tooNew;
        }
        return { path: rel, kind: 'link', to, target: target ? stamp(target) : null };
      }
    } catch (error) {
      return { doubt: `cannot look at ${abs}: ${(error as NodeJS.ErrnoException).code ?? 'error'}` };
    }
    return { doubt: `${abs} is neither a file, a folder nor a link` };
  }

  function racy(abs: string, info: BigIntStats): Doubt | null {
    const newest = info.mtimeNs > info.ctimeNs ? info.mtimeNs : info.ctimeNs;
    return newest > budget.startNs - budget.limits.racyNs ? { doubt: `${abs} changed just now` } : null;
  }

  await visit(path.resolve(root), '');
  if (state.doubt) return { doubt: state.doubt };
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function stamp(info: BigIntStats): { size: string; mtimeNs: string; ctimeNs: string } {
  return { size: String(info.size), mtimeNs: String(info.mtimeNs), ctimeNs: String(info.ctimeNs) };
}
