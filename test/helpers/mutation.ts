import vm from 'node:vm';
import { FormatError } from '../../src/binary/errors.js';
import { BufferSource, type ByteSource } from '../../src/binary/source.js';
import { mulberry32 } from './prng.js';

/**
 * Mutation campaigns for the binary readers: every malformed input must end in a result or a
 * typed FormatError — never another exception, never a hang.
 *
 * "Never a hang" is checked by counting, not by a clock (the machine is shared and noisy; speed
 * is measured by bench/): each parse reads through a CountingSource, and a reader that loops
 * over a forged count, or reads the same bytes again and again, runs out of a read budget
 * proportional to the input's size. The same seed gives the same counts on any machine. One
 * generous watchdog for the whole campaign catches what counting cannot: a loop that never reads.
 */

/** How many reads, and how many bytes in all, a reader may ask of one input. */
export interface ReadBudget {
  reads: number;
  bytes: number;
}

/**
 * The budget for an input of `size` bytes. A reader visits each structure a bounded number of
 * times: it reads headers and tables in a few large reads, then the build-ID and build-info
 * windows. Over every campaign input (ELF, PE, Mach-O, wasm, XCOFF, Plan 9: about 80,000) the
 * readers made at most 77 reads and read at most 1.2 times the input's bytes; a loop per
 * forged entry (2^32 load commands, a cycle of offsets) or a re-read of the file per entry
 * goes past this at once.
 */
export function readBudget(size: number): ReadBudget {
  return { reads: 1024 + Math.ceil(size / 256), bytes: 4 * size + (1 << 20) };
}

/** Thrown by a CountingSource past its budget. Not a FormatError, so no reader takes it for one. */
export class ReadBudgetExceeded extends Error {
  override name = 'ReadBudgetExceeded';
}

/** A ByteSource that counts the reads made of it and refuses any past its budget. */
export class CountingSource implements ByteSource {
  reads = 0;
  bytes = 0;
  /** Set at the first read past the budget: a reader that swallowed the error is still caught. */
  exceeded: string | null = null;

  constructor(
    private readonly inner: ByteSource,
    readonly budget: ReadBudget = readBudget(inner.size),
  ) {}

  get size(): number {
    return this.inner.size;
  }

  read(offset: number, length: number): Uint8Array {
    this.reads++;
    this.bytes += length;
    if (this.reads > this.budget.reads || this.bytes > this.budget.bytes) {
      this.exceeded ??=
        `read budget exceeded: ${this.reads} reads, ${this.bytes} bytes, for a ${this.size}-byte input ` +
        `(budget ${this.budget.reads} reads, ${this.budget.bytes} bytes): a loop or unbounded reading`;
      throw new ReadBudgetExceeded(this.exceeded);
    }
    return this.inner.read(offset, length);
  }
}

/** What one input did that it must not. */
export interface Failure {
  label: string;
  /** crash: an exception that is not an accepted FormatError; budget: past the read budget; hang: the watchdog fired. */
  kind: 'crash' | 'budget' | 'hang';
  message: string;
}

/** One parsed input, as a campaign sees it. */
export interface Outcome {
  /** Refused with an accepted FormatError. */
  refused: boolean;
  reads: number;
  bytes: number;
  failure: Failure | null;
}

export type Parse = (src: ByteSource) => unknown;

/** A FormatError of a format the campaign expects (by default any format). */
export type Accept = (error: FormatError) => boolean;

/** Parses one input through a CountingSource and says how it ended. */
export function parseCounted(
  parse: Parse,
  input: Uint8Array,
  label: string,
  accept: Accept = () => true,
  budget: ReadBudget = readBudget(input.length),
): Outcome {
  const src = new CountingSource(new BufferSource(input), budget);
  let refused = false;
  let failure: Failure | null = null;
  try {
    parse(src);
  } catch (error) {
    if (error instanceof FormatError && accept(error)) refused = true;
    else if (!(error instanceof ReadBudgetExceeded)) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      failure = { label, kind: 'crash', message };
    }
  }
  // Whatever the parse ended in, a read past the budget is the failure to report.
  if (src.exceeded) failure = { label, kind: 'budget', message: src.exceeded };
  return { refused, reads: src.reads, bytes: src.bytes, failure };
}

/** The watchdog for a whole campaign: generous, it fires only on a loop that never reads. */
export const CAMPAIGN_TOTAL_MS = 300_000;
/** The vitest timeout for a test that runs campaigns: above the watchdog, so the watchdog speaks first. */
export const CAMPAIGN_TEST_TIMEOUT_MS = CAMPAIGN_TOTAL_MS + 60_000;

/** One input of a campaign. */
export interface Input {
  label: string;
  input: Uint8Array;
  /** The target it was made from, for per-target counts. */
  target?: string;
}

export interface TargetCounts {
  count: number;
  refused: number;
}

export interface CampaignResult {
  count: number;
  refused: number;
  /** Labels of the inputs that parsed (neither refused nor failed). */
  parsed: string[];
  /** Every failure, up to `maxFailures` (the campaign stops there). */
  failures: Failure[];
  /** The most reads, and the most bytes read, of any one input (deterministic for a seed). */
  maxReads: number;
  maxReadsWhat: string;
  maxBytes: number;
  maxBytesWhat: string;
  byTarget: Record<string, TargetCounts>;
  /** Targets whose working copy was not restored by the undos (should be none). */
  notRestored: string[];
}

/**
 * Parses every input, under one watchdog of `totalMs` for all of them. Node's vm timeout
 * interrupts synchronous code, so a parse that spins without reading still ends the campaign,
 * reported as a hang of the input it was on, instead of blocking the test worker for good.
 */
export function runParseCampaign(opts: {
  inputs: Iterable<Input>;
  parse: Parse;
  accept?: Accept;
  budget?: (size: number) => ReadBudget;
  totalMs?: number;
  maxFailures?: number;
}): CampaignResult {
  const result: CampaignResult = {
    count: 0,
    refused: 0,
    parsed: [],
    failures: [],
    maxReads: 0,
    maxReadsWhat: '',
    maxBytes: 0,
    maxBytesWhat: '',
    byTarget: {},
    notRestored: [],
  };
  const budget = opts.budget ?? readBudget;
  const maxFailures = opts.maxFailures ?? 10;
  let current = 'before the first input';
  const run = () => {
    for (const { label, input, target } of opts.inputs) {
      current = label;
      const o = parseCounted(opts.parse, input, label, opts.accept, budget(input.length));
      result.count++;
      let counts: TargetCounts | undefined;
      if (target !== undefined) {
        counts = result.byTarget[target] ?? { count: 0, refused: 0 };
        result.byTarget[target] = counts;
        counts.count++;
      }
      if (o.reads > result.maxReads) [result.maxReads, result.maxReadsWhat] = [o.reads, label];
      if (o.bytes > result.maxBytes) [result.maxBytes, result.maxBytesWhat] = [o.bytes, label];
      if (o.failure) {
        result.failures.push(o.failure);
        if (result.failures.length >= maxFailures) return;
      } else if (o.refused) {
        result.refused++;
        if (counts) counts.refused++;
      } else result.parsed.push(label);
    }
  };
  const totalMs = opts.totalMs ?? CAMPAIGN_TOTAL_MS;
  try {
    vm.runInNewContext('run()', { run }, { timeout: totalMs });
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw error;
    result.failures.push({
      label: current,
      kind: 'hang',
      message: `the campaign's ${totalMs} ms watchdog fired during this input: a loop that never reads, or a reader far too slow`,
    });
  }
  return result;
}

/** A mutation applied in place, and how to take it back. */
export interface Mutation<P> {
  input: Uint8Array;
  patches: P;
  what: string;
}

export interface CampaignTarget<T, P> {
  name: string;
  /** The working copy the mutations patch in place. */
  target: T;
  /** The working copy's bytes, checked to be intact again after every undo. */
  bytes: Uint8Array;
  /** The original bytes. */
  original: Uint8Array;
  mutate(target: T, rand: () => number): Mutation<P>;
  undo(target: T, patches: P): void;
}

/**
 * The mutation campaign every reader's test runs: per target `perTarget` inputs from a seed the
 * label names, so any failure can be replayed; each mutation is undone before the next.
 */
export function runMutationCampaign<T, P>(opts: {
  seed: number;
  perTarget: number;
  targets: readonly CampaignTarget<T, P>[];
  parse: Parse;
  accept?: Accept;
  budget?: (size: number) => ReadBudget;
  totalMs?: number;
}): CampaignResult {
  function* inputs(): Generator<Input> {
    for (const [k, t] of opts.targets.entries()) {
      const seed = (opts.seed + k) >>> 0;
      const rand = mulberry32(seed);
      for (let i = 0; i < opts.perTarget; i++) {
        const m = t.mutate(t.target, rand);
        try {
          yield {
            label: `seed 0x${seed.toString(16)} input ${i} (${t.name}): ${m.what}`,
            input: m.input,
            target: t.name,
          };
        } finally {
          t.undo(t.target, m.patches);
        }
      }
    }
  }
  const result = runParseCampaign({ ...opts, inputs: inputs() });
  for (const t of opts.targets) {
    // Buffer.compare: toEqual on megabytes is slow.
    if (Buffer.compare(t.bytes, t.original) !== 0) result.notRestored.push(t.name);
  }
  return result;
}

/** One line for the test's log: counts that are the same on every machine for the same seed. */
export function describeCampaign(name: string, r: CampaignResult): string {
  return (
    `${name} mutation: ${r.count} inputs, ${r.refused} FormatErrors, ${r.parsed.length} parsed; ` +
    `most reads ${r.maxReads} (${r.maxReadsWhat}); most bytes read ${r.maxBytes} (${r.maxBytesWhat})`
  );
}
