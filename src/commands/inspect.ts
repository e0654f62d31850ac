import path from 'node:path';
import { FormatError } from '../binary/errors.js';
import { readFacts } from '../binary/read.js';
import type { BinaryFacts } from '../binary/types.js';
import { FileSource } from '../fs/fileSource.js';
import { type InspectJob, inspectInParallel, threadCount } from './inspectParallel.js';

export interface InspectOptions {
  files: readonly string[];
  /** Keep the section lists (name, address, size, offset). */
  sections?: boolean;
  cwd?: string;
}

/** A file's facts as inspect reports them; `sections` only when asked for. */
export type Inspection = { file: string; size: number } & Reported;
type Reported = Omit<BinaryFacts, 'sections' | 'slices'> & {
  sections?: BinaryFacts['sections'];
  slices?: Reported[];
};

/** One file's outcome: its facts, or why it could not be read. A bad file never stops the others. */
export type InspectOutcome =
  | { ok: true; file: string; inspection: Inspection }
  | { ok: false; file: string; error: { format: string; offset: number | null; message: string } };

/**
 * Reads each file's facts with crossgo's own readers (no file, readelf, otool or go needed).
 * Many files are shared among worker threads, one per core; outcomes keep the files' order.
 */
export async function inspect(options: InspectOptions): Promise<InspectOutcome[]> {
  const cwd = options.cwd ?? process.cwd();
  const job: InspectJob = {
    files: options.files.map((file) => path.resolve(cwd, file)),
    shown: [...options.files],
    sections: options.sections === true,
  };
  return inspectInParallel(job, threadCount(job.files.length), inspectJob);
}

/** One thread's share of an inspection, in order. */
export function inspectJob(job: InspectJob): InspectOutcome[] {
  return job.files.map((file, i) => inspectOne(file, job.shown[i] as string, job.sections));
}

export function inspectOne(absolute: string, shown: string, sections: boolean): InspectOutcome {
  let source: FileSource | undefined;
  try {
    // Synchronous on purpose: one open and one fstat per file, no trips through the event loop.
    source = FileSource.open(absolute, shown);
    const facts = readFacts(source);
    return {
      ok: true,
      file: shown,
      inspection: { file: shown, size: source.size, ...withSections(facts, sections) },
    };
  } catch (error) {
    if (error instanceof FormatError) {
      return {
        ok: false,
        file: shown,
        error: { format: error.format, offset: error.offset, message: error.message },
      };
    }
    const e = error as NodeJS.ErrnoException;
    const message = e.code === 'ENOENT' ? 'no such file' : e.message;
    return { ok: false, file: shown, error: { format: 'file', offset: null, message } };
  } finally {
    source?.close();
  }
}

function withSections(facts: BinaryFacts, keep: boolean): Reported {
  const { sections, slices, ...rest } = facts;
  const out: Reported = keep ? { ...rest, sections } : rest;
  if (slices) out.slices = slices.map((s) => withSections(s, keep));
  return out;
}
