/**
 * The benchmark report: plain data (numbers, strings, null), so it can be filled from real
 * measurements, written as JSON and rendered later (renderBenchHtml) without the machine it came from.
 */

/** How a target's binaries ran here; null when they cannot run here at all. */
export type BenchRunner = 'native' | 'qemu-user' | 'wine';

export interface BenchReport {
  /** e.g. "crossgo bench: hello". */
  title: string;
  generatedFrom: {
    goVersion: string;
    host: string;
    commit: string;
    /** The source date (e.g. the commit date), never the clock: the same report renders the same bytes. */
    date: string;
  };
  /** The target every ratio and delta is relative to, e.g. "linux/amd64". */
  baseline: string;
  targets: TargetBench[];
  /** Go benchmarks, each compared with the baseline. */
  benchmarks: BenchmarkComparison[];
}

export interface TargetBench {
  /** e.g. "linux/arm64". */
  target: string;
  /** null: cannot run here (see reason). */
  runner: BenchRunner | null;
  /** The run went through an emulator, so its timings measure the emulator too. */
  emulated: boolean;
  /** Why it cannot run here, or notes. */
  reason?: string;
  /** Binary size in bytes. */
  size: number;
  /** size / the baseline's size; null when there is no baseline figure. */
  sizeVsBaseline: number | null;
  /** Build wall time in milliseconds. */
  buildMs: number;
  buildVsBaseline: number | null;
  /** Process start to exit of a trivial run, over `runs` runs; null when not measured. */
  startup: { medianMs: number; p95Ms: number; runs: number } | null;
  /** Peak resident set size in KiB; null when not measured. */
  peakRssKiB: number | null;
}

/** One sample set: the median and its confidence interval (null bounds: too few samples). */
export interface BenchSample {
  median: number;
  lo: number | null;
  hi: number | null;
  n: number;
}

export interface BenchmarkComparison {
  /** Go benchmark name, e.g. "BenchmarkGreet-2". */
  name: string;
  /** benchstat's unit, e.g. "sec/op", "B/op", "allocs/op". */
  unit: string;
  target: string;
  /** The target's runner ("native", "qemu-user", "wine"). */
  runner: string;
  emulated: boolean;
  /** The baseline target's figures. */
  base: BenchSample;
  /** This target's figures; null when it has none (e.g. the benchmark failed there). */
  other: BenchSample | null;
  deltaPercent: number | null;
  p: number | null;
  significant: boolean;
  /** As benchstat prints it: "-12.3% (p=0.008 n=10+10)" or "~ (p=0.48 n=10+10)". */
  text: string;
}
