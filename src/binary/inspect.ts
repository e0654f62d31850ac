import { asIoError, UsageError } from '../errors.js';
import { FormatError, NotExecutableError } from './errors.js';
import { FileSource } from './fileSource.js';
import { readFacts } from './read.js';
import type { BinaryFacts } from './types.js';

/** What a worker thread gets: absolute files, the names to show for them, whether to keep sections. */
export interface InspectJob {
  files: string[];
  shown: string[];
  sections: boolean;
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

/** One thread's share of an inspection, in order. */
export function inspectJob(job: InspectJob): InspectOutcome[] {
  return job.files.map((file, i) => inspectOne(file, job.shown[i] as string, job.sections));
}

/**
 * One file's facts. Synchronous on purpose: one open and one fstat per file, no trips through
 * the event loop, and so one open file per thread however many files are named. The open
 * never blocks: a FIFO, socket or device is refused (see fs/open.ts).
 */
export function inspectOne(absolute: string, shown: string, sections: boolean): InspectOutcome {
  let source: FileSource;
  try {
    source = FileSource.open(absolute, shown);
  } catch (error) {
    return unreadable(shown, error);
  }
  try {
    return inspectSource(source, shown, sections);
  } finally {
    source.close();
  }
}

/** The facts of an open file (the caller closes it). */
export function inspectSource(source: FileSource, shown: string, sections: boolean): InspectOutcome {
  try {
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
        // A file no reader claims has no offset that went wrong.
        error: {
          format: error.format,
          offset: error instanceof NotExecutableError ? null : error.offset,
          message: error.message,
        },
      };
    }
    return unreadable(shown, error);
  }
}

/**
 * Why a file could not be opened or read, without repeating its name (the report names it).
 * Too many open files is no fault of one file: it stops the run with one line instead.
 */
export function unreadable(shown: string, error: unknown): InspectOutcome {
  const e = error as NodeJS.ErrnoException;
  if (e.code === 'EMFILE' || e.code === 'ENFILE') throw asIoError(error, 'open', shown);
  let message: string;
  if (error instanceof UsageError) message = error.message.replace(`${shown} `, '');
  else if (e.code === 'ENOENT') message = 'no such file';
  else if (typeof e.code === 'string') message = `cannot read it: ${e.message.replace(/, \w+ '.*'$/, '')}`;
  else message = e.message;
  return { ok: false, file: shown, error: { format: 'file', offset: null, message } };
}

function withSections(facts: BinaryFacts, keep: boolean): Reported {
  const { sections, slices, ...rest } = facts;
  const out: Reported = keep ? { ...rest, sections } : rest;
  if (slices) out.slices = slices.map((s) => withSections(s, keep));
  return out;
}
