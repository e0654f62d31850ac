import { constants } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from './atomic.js';
import { confine, relativePathProblem } from './confine.js';
import { sha256File } from './hash.js';
import { readRegular } from './open.js';

/**
 * What crossgo made in an output folder, kept in a journal beside the manifest
 * (`<dir>/.crossgo-owned`, one JSON record a line). A file is recorded *before* it is renamed into
 * place and forgotten only *after* it is deleted, so a run killed at any point (SIGKILL, ENOSPC, a
 * failed target) leaves every file it made owned: the next run replaces it instead of refusing it
 * as someone else's. Files of earlier runs with other target sets stay owned until deleted.
 * The journal is compacted (rewritten whole, atomically) when a run ends.
 *
 * The journal is appended without fsync: it guards against crashes of crossgo, not against
 * power loss, like the renames it accompanies (which are not fsynced either).
 */
export const OWNERSHIP_FILE = '.crossgo-owned';

/** binary: a build artifact; release: what `package` makes; state: manifest.json, SHA256SUMS. */
export type OwnedKind = 'binary' | 'release' | 'state';

export interface OwnedFile {
  kind: OwnedKind;
  /** What crossgo wrote, when known: a file changed since is not deleted as crossgo's. */
  sha256: string | null;
}

const APPEND_FLAGS =
  constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;
const MAX_JOURNAL_BYTES = 16 * 1024 * 1024;
const KINDS: readonly OwnedKind[] = ['binary', 'release', 'state'];

export class Ownership {
  private constructor(
    private readonly dir: string,
    private readonly shown: string,
    private readonly files: Map<string, OwnedFile>,
  ) {}

  /** Replays the journal of `dir` (none yet: nothing owned). */
  static async load(dir: string, shown: string): Promise<Ownership> {
    const file = path.join(dir, OWNERSHIP_FILE);
    let text: string;
    try {
      text = (
        await readRegular(file, { follow: false, maxBytes: MAX_JOURNAL_BYTES, shown: journalName(shown) })
      ).toString('utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Ownership(dir, shown, new Map());
      throw error;
    }
    const files = new Map<string, OwnedFile>();
    const lines = text.split('\n');
    for (const [i, line] of lines.entries()) {
      if (line === '') continue;
      const record = parseRecord(line);
      if (!record) {
        // A run killed in the middle of an append leaves a last line without its newline.
        if (i === lines.length - 1) break;
        throw new UsageError(
          `${journalName(shown)}:${i + 1}: not a record crossgo writes: move the file away (crossgo then owns only what manifest.json lists)`,
        );
      }
      if ('forget' in record) files.delete(record.forget);
      else files.set(record.own, { kind: record.kind, sha256: record.sha256 });
    }
    return new Ownership(dir, shown, files);
  }

  has(rel: string): boolean {
    return this.files.has(rel);
  }

  get(rel: string): OwnedFile | undefined {
    return this.files.get(rel);
  }

  /** The owned paths of one kind, sorted. */
  paths(kind?: OwnedKind): string[] {
    return [...this.files]
      .filter(([, f]) => kind === undefined || f.kind === kind)
      .map(([p]) => p)
      .sort();
  }

  /** Adopts files an older manifest lists (folders made before the journal existed). */
  adopt(rel: string, file: OwnedFile): void {
    if (relativePathProblem(rel) === null && !this.files.has(rel)) this.files.set(rel, file);
  }

  /** Records a file crossgo is about to rename into place. */
  async record(rel: string, kind: OwnedKind, sha256: string | null): Promise<void> {
    const current = this.files.get(rel);
    if (current && current.kind === kind && current.sha256 === sha256) return;
    this.files.set(rel, { kind, sha256 });
    await this.append({ own: rel, kind, sha256 });
  }

  /**
   * Deletes an owned file and then forgets it. A file that changed since crossgo wrote it (its
   * sha256 differs) is someone's work now: left in place and forgotten, with a warning.
   */
  async remove(rel: string, warn: (message: string) => void): Promise<void> {
    const owned = this.files.get(rel);
    if (!owned) return;
    let file: string;
    try {
      file = await confine(this.dir, rel, { what: 'crossgo file', shownRoot: this.shown, leaf: 'file' });
    } catch (error) {
      // A link where crossgo's file was, or a folder: not crossgo's to delete any more.
      if (!(error instanceof UsageError)) throw error;
      warn(`${error.message.replace(/: replace the link.*$/, '')}: left in place (no longer crossgo's)`);
      this.files.delete(rel);
      await this.append({ forget: rel });
      return;
    }
    const current = await sha256File(file, { follow: false }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (current !== null) {
      // Deleted only with proof: the bytes crossgo recorded. A record without a sha256 (a
      // journal line nobody can vouch for) never deletes anything.
      if (owned.sha256 === null || current !== owned.sha256) {
        warn(
          `${path.join(this.shown, rel)} changed since crossgo made it: left in place (no longer crossgo's)`,
        );
      } else {
        await rm(file);
      }
    }
    this.files.delete(rel);
    await this.append({ forget: rel });
  }

  /** Rewrites the journal with what is owned now (one record a file), atomically. */
  async compact(): Promise<void> {
    const lines = [...this.files]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([own, f]) => `${JSON.stringify({ own, kind: f.kind, sha256: f.sha256 })}\n`);
    await writeFileAtomic(path.join(this.dir, OWNERSHIP_FILE), lines.join(''));
  }

  /** Appends one record; O_NOFOLLOW so a journal replaced by a link cannot send the write elsewhere. */
  private async append(record: object): Promise<void> {
    const handle = await open(path.join(this.dir, OWNERSHIP_FILE), APPEND_FLAGS, 0o644);
    try {
      await handle.write(`${JSON.stringify(record)}\n`);
    } finally {
      await handle.close();
    }
  }
}

function journalName(shown: string): string {
  return path.join(shown, OWNERSHIP_FILE);
}

type JournalRecord = { own: string; kind: OwnedKind; sha256: string | null } | { forget: string };

function parseRecord(line: string): JournalRecord | null {
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
  const r = data as Record<string, unknown>;
  const keys = Object.keys(r).sort().join(',');
  if (keys === 'forget')
    return relativePathProblem(r.forget) === null ? { forget: r.forget as string } : null;
  if (keys !== 'kind,own,sha256') return null;
  if (relativePathProblem(r.own) !== null) return null;
  if (!KINDS.includes(r.kind as OwnedKind)) return null;
  if (r.sha256 !== null && !(typeof r.sha256 === 'string' && /^[0-9a-f]{64}$/.test(r.sha256))) return null;
  return { own: r.own as string, kind: r.kind as OwnedKind, sha256: r.sha256 as string | null };
}
