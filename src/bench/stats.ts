/**
 * Benchmark statistics as benchstat computes them: golang.org/x/perf/benchmath's AssumeNothing
 * (benchmath/anone.go), which sits on github.com/aclements/go-moremath/stats (quantileci.go,
 * utest.go, udist.go, sample.go). Summaries are medians with a distribution-free confidence
 * interval from order statistics; comparisons are two-sided Mann–Whitney U-tests.
 *
 * Pure functions over numbers: no I/O, no clock, no randomness.
 */

// ---------------------------------------------------------------------------------------------
// Quantiles

/** A sorted copy; NaN has no place in an order statistic. */
function sortedCopy(xs: readonly number[], what: string): number[] {
  if (xs.some(Number.isNaN)) throw new RangeError(`${what}: the sample contains NaN`);
  return [...xs].sort((a, b) => a - b);
}

/** R8 (Hyndman & Fan 1996) on an ascending array, exactly as go-moremath's Sample.Quantile. */
function quantileSorted(s: readonly number[], q: number): number {
  const n = s.length;
  if (n === 0) return Number.NaN;
  if (q <= 0) return s[0] as number;
  if (q >= 1) return s[n - 1] as number;
  // Same operations in the same order as sample.go, so the result is the same double.
  const h = 1 / 3 + q * (n + 1 / 3);
  const k = Math.trunc(h);
  const frac = h - k;
  if (k <= 0) return s[0] as number;
  if (k >= n) return s[n - 1] as number;
  const below = s[k - 1] as number;
  return below + frac * ((s[k] as number) - below);
}

/**
 * The q-quantile (0 ≤ q ≤ 1) by definition R8 of Hyndman & Fan (1996), "approximately
 * median-unbiased", the one go-moremath's Sample.Quantile uses and so the one behind benchstat's
 * summary (QuantileCIResult.SampleCI calls s.Quantile(0.5)). For q = 0.5 every common definition,
 * R7 included, gives the usual median; they differ elsewhere (the 95th percentile of 1…20 is
 * 19.65 by R8, 19.05 by R7, the default of R and numpy). NaN for an empty sample.
 */
export function quantile(xs: readonly number[], q: number): number {
  if (Number.isNaN(q)) throw new RangeError('quantile: q is NaN');
  return quantileSorted(sortedCopy(xs, 'quantile'), q);
}

/** The median: the middle value, or the mean of the two middle values. NaN for an empty sample. */
export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/** The 95th percentile, R8 like quantile(). */
export function p95(xs: readonly number[]): number {
  return quantile(xs, 0.95);
}

// ---------------------------------------------------------------------------------------------
// The normal distribution (needed by the large-sample approximations)

const SQRT_PI = Math.sqrt(Math.PI);

/**
 * erfc(x) to about 1e-13 relative (checked against Python's math.erfc on [0, 26]): the all-positive series
 * erf(x) = 2/√π·e^(−x²)·Σ 2ⁿx^(2n+1)/(1·3·…·(2n+1)) below 2, the Laplace continued fraction above
 * (evaluated bottom-up, which is stable for x ≥ 2). Abramowitz & Stegun 7.1.6 and 7.1.14.
 */
function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2) {
    let term = x;
    let sum = x;
    for (let n = 1; term > sum * 1e-17; n++) {
      term *= (2 * x * x) / (2 * n + 1);
      sum += term;
    }
    return 1 - (2 / SQRT_PI) * Math.exp(-x * x) * sum;
  }
  // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
  let tail = x;
  for (let k = 120; k >= 1; k--) tail = x + k / 2 / tail;
  return Math.exp(-x * x) / SQRT_PI / tail;
}

/** Φ(z), the standard normal CDF, as go-moremath's NormalDist.CDF: ½·erfc(−z/√2). */
function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/**
 * Φ⁻¹(p): Peter J. Acklam's rational approximation refined by one Halley step, the method
 * go-moremath's NormalDist.InvCDF uses (about 1e-15 after the step).
 */
/** c[0]·xⁿ⁻¹ + … + c[n−1], by Horner's rule. */
function horner(coefficients: readonly number[], x: number): number {
  return coefficients.reduce((acc, c) => acc * x + c, 0);
}

function normalInvCdf(p: number): number {
  if (!(p >= 0 && p <= 1)) return Number.NaN;
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  // Acklam's coefficients: central region a/b, tails c/d.
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
    2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1,
    -1.328068155288572e1, 1,
  ];
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416, 1];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = horner(c, q) / horner(d, q);
  } else if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -horner(c, q) / horner(d, q);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = (horner(a, r) * q) / horner(b, r);
  }
  const e = normalCdf(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

// ---------------------------------------------------------------------------------------------
// Median confidence interval

/** C(n, k) as a double; exact while the result stays below 2^53 (n ≤ 56 at least). */
function choose(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  const m = Math.min(k, n - k);
  let r = 1;
  for (let i = 1; i <= m; i++) r = (r * (n - m + i)) / i;
  return Math.round(r);
}

interface OrderInterval {
  /** 1-based order statistics bounding the interval; 0 and n+1 stand for −∞ and +∞. */
  loOrder: number;
  hiOrder: number;
  /** The interval's actual coverage, ≥ the requested confidence. */
  confidence: number;
}

/**
 * Which order statistics bound a `confidence` interval for the median of n values: go-moremath's
 * QuantileCI(n, 0.5, confidence) (stats/quantileci.go). The number of values below the population
 * median is Binomial(n, ½); up to n = 30 the interval grows from the mode, taking the likelier
 * neighbour (the left one on a tie), until its binomial mass reaches the confidence; above 30 it
 * uses the normal approximation with a continuity correction, then tries one order less on the
 * right.
 *
 * The binomial probabilities here are exact. go-moremath computes C(n, k) through lgamma above
 * n = 20, so where two intervals have the same mass its rounding can pick the right-hand one
 * (n = 24 at 0.95: benchstat [x(8), x(18)], here [x(7), x(17)], both covering 95.67%).
 */
function medianOrders(n: number, confidence: number): OrderInterval {
  if (confidence >= 1) return { loOrder: 0, hiOrder: n + 1, confidence: 1 };
  let l: number;
  let r: number;
  let accum: number;
  if (n <= 30) {
    const pmf = (k: number) => (k < 0 || k > n ? 0 : choose(n, k) / 2 ** n);
    const mode = Math.ceil((n + 1) * 0.5) - 1;
    accum = pmf(mode);
    l = mode;
    r = mode + 1;
    let lp = pmf(l - 1);
    let rp = pmf(r);
    while (accum < confidence && (lp > 0 || rp > 0)) {
      if (lp >= rp) {
        accum += lp;
        l--;
        lp = pmf(l - 1);
      } else {
        accum += rp;
        r++;
        rp = pmf(r);
      }
    }
  } else {
    const mu = n * 0.5;
    const sigma = Math.sqrt(n * 0.25);
    const l1 = normalInvCdf((1 - confidence) / 2) * sigma + mu;
    const r1 = 2 * mu - l1;
    // Binomial point k is the normal band [k − ½, k + ½]: round [l1, r1] out to such bands.
    l = Math.floor(l1 - 0.5) + 1;
    r = Math.ceil(r1 - 0.5) + 1;
    const mass = (lo: number, hi: number) =>
      normalCdf((hi - 0.5 - mu) / sigma) - normalCdf((lo - 0.5 - mu) / sigma);
    accum = mass(l, r);
    const leftBiased = mass(l, r - 1);
    if (leftBiased >= confidence && leftBiased < accum) {
      accum = leftBiased;
      r--;
    }
    if (l <= 0 && r >= n + 1) accum = 1;
  }
  return { loOrder: Math.max(l, 0), hiOrder: Math.min(r, n + 1), confidence: accum };
}

/** Go's %v for a float64 (strconv 'g', shortest): "0.95", "1", "1e-05". */
function goFloat(x: number): string {
  const ax = Math.abs(x);
  if (ax !== 0 && (ax < 1e-4 || ax >= 1e21)) {
    return x.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return String(x);
}

/**
 * The smallest sample whose median CI at this confidence lies inside the sample
 * (benchmath's medianSamples: searched up to 50).
 */
export function minSamplesForMedianCI(confidence: number): { op: '>=' | '>'; n: number } {
  for (let n = 2; n <= 50; n++) {
    const ci = medianOrders(n, confidence);
    if (ci.loOrder > 0 && ci.hiOrder <= n) return { op: '>=', n };
  }
  return { op: '>', n: 50 };
}

export interface MedianCI {
  /** The sample median. */
  center: number;
  /** The interval's bounds: sample values, or −∞/+∞ when it reaches past the sample (ok false). */
  lo: number;
  hi: number;
  /** The interval's actual coverage, ≥ the requested level (1 when the interval is unbounded). */
  confidence: number;
  /** False when the sample is too small for a bounded interval at this level. */
  ok: boolean;
  n: number;
  /** The 1-based order statistics of lo and hi (0 and n+1: unbounded). */
  loOrder: number;
  hiOrder: number;
  /** benchstat's note when not ok, e.g. "need >= 6 samples for confidence interval at level 0.95". */
  warning?: string;
}

/**
 * The median with a distribution-free confidence interval from order statistics: benchmath's
 * AssumeNothing.Summary (benchmath/anone.go). No assumption about the distribution's shape; the
 * interval is exact for any continuous distribution. At 0.95 it needs at least 6 values
 * ([min, max] of 6 covers 1 − 2/64 = 96.9%); with fewer, lo/hi are infinite and ok is false.
 */
export function medianCI(xs: readonly number[], confidence = 0.95): MedianCI {
  if (xs.length === 0) throw new RangeError('medianCI: the sample is empty');
  if (!(confidence >= 0 && confidence <= 1))
    throw new RangeError(`medianCI: confidence ${confidence} is not in [0, 1]`);
  const s = sortedCopy(xs, 'medianCI');
  const n = s.length;
  const ci = medianOrders(n, confidence);
  const lo = ci.loOrder < 1 ? Number.NEGATIVE_INFINITY : (s[ci.loOrder - 1] as number);
  const hi = ci.hiOrder > n ? Number.POSITIVE_INFINITY : (s[ci.hiOrder - 1] as number);
  const ok = Number.isFinite(lo) && Number.isFinite(hi);
  const result: MedianCI = {
    center: quantileSorted(s, 0.5),
    lo,
    hi,
    confidence: ci.confidence,
    ok,
    n,
    loOrder: ci.loOrder,
    hiOrder: ci.hiOrder,
  };
  if (!ok) {
    const need = minSamplesForMedianCI(confidence);
    result.warning = `need ${need.op} ${need.n} samples for confidence interval at level ${goFloat(confidence)}`;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Mann–Whitney U-test

/** Largest sample size for the exact distribution without ties (go-moremath MannWhitneyExactLimit). */
export const MANN_WHITNEY_EXACT_LIMIT = 50;
/**
 * Largest sample size for the exact distribution with ties: go-moremath's MannWhitneyTiesExactLimit
 * at the version x/perf pins (f10218a38794, 2021); older versions used 9.
 */
export const MANN_WHITNEY_TIES_EXACT_LIMIT = 25;

export interface MannWhitneyResult {
  /** Two-sided p-value; 1 when every value is equal (the test says nothing then). */
  p: number;
  /** U of the first sample: pairs (x, y) with x > y, plus ½ per tied pair. The other U is n1·n2 − u. */
  u: number;
  n1: number;
  n2: number;
  /** Any value occurs more than once in the pooled samples. */
  ties: boolean;
  /** 'exact': the exact permutation distribution of U (given the ties); 'normal': the normal approximation. */
  method: 'exact' | 'normal';
  /** All values are equal: benchmath's ErrSamplesEqual ("all samples are equal"), reported as p = 1. */
  allEqual: boolean;
}

/**
 * The exact null distribution of 2U given the tie groups, as counts of the C(N, n1) equally
 * likely ways of choosing which pooled values belong to the first sample (Klotz 1966; with no ties
 * this is Mann & Whitney's distribution). Dynamic programming over the groups in ascending order:
 * putting r of a group of t into the first sample, when c of the `before` smaller values are
 * already in it, adds r·(before − c) pairs won outright and r·(t − r) tied pairs (½ each), in
 * C(t, r) ways.
 */
function exactTwoUCounts(n1: number, n2: number, groups: readonly number[]): Float64Array {
  const width = 2 * n1 * n2 + 1;
  // counts[c * width + twoU]: ways to have c of the first sample so far with that 2U.
  const counts = new Float64Array((n1 + 1) * width);
  counts[0] = 1;
  let before = 0;
  for (const t of groups) {
    // Descending c: each state is read before anything is added to it (knapsack order). Only
    // states that can still end with n1 + n2 values are kept (at most n2 of the second sample
    // so far), which also keeps 2U ≤ 2·n1·n2 inside its row.
    for (let c = Math.min(n1, before); c >= Math.max(0, before - n2); c--) {
      const maxTwoU = 2 * c * (before - c);
      const secondLeft = n2 - (before - c);
      for (let twoU = 0; twoU <= maxTwoU; twoU++) {
        const ways = counts[c * width + twoU] as number;
        if (ways === 0) continue;
        for (let r = Math.max(1, t - secondLeft); r <= Math.min(t, n1 - c); r++) {
          const at = (c + r) * width + twoU + 2 * r * (before - c) + r * (t - r);
          counts[at] = (counts[at] as number) + ways * choose(t, r);
        }
      }
    }
    before += t;
  }
  return counts.subarray(n1 * width, (n1 + 1) * width);
}

/**
 * Two-sided Mann–Whitney U-test of "both samples come from the same distribution", as benchstat
 * runs it (go-moremath stats.MannWhitneyUTest with LocationDiffers, stats/utest.go):
 * - no ties and both samples ≤ 50: the exact distribution of U;
 * - ties and both samples ≤ 25: the exact distribution of U given the ties (Klotz) — so yes,
 *   benchstat stays exact for small samples even with ties;
 * - otherwise the normal approximation with the tie correction and a continuity correction.
 * All values equal: p = 1 (benchstat reports "all samples are equal").
 *
 * One deliberate difference: with ties the exact distribution is not symmetric, and go-moremath
 * doubles the lower tail of the first sample's U at the smaller U, which can be wrong (for
 * [1,2,3,5] vs [1,1,1,1,1] it gives p = 0). Here the exact two-sided p is
 * min(1, 2·min(P(U ≤ u), P(U ≥ u))) — scipy's permutation_test convention — which is the same
 * number whenever the distribution is symmetric (always without ties).
 */
export function mannWhitneyU(xs: readonly number[], ys: readonly number[]): MannWhitneyResult {
  if (xs.length === 0 || ys.length === 0) throw new RangeError('mannWhitneyU: a sample is empty');
  const a = sortedCopy(xs, 'mannWhitneyU');
  const b = sortedCopy(ys, 'mannWhitneyU');
  const n1 = a.length;
  const n2 = b.length;

  // Walk the merged order once: tie groups, and the first sample's rank sum (midranks).
  const groups: number[] = [];
  let rankSum = 0;
  let i = 0;
  let j = 0;
  while (i < n1 || j < n2) {
    const v = Math.min(
      i < n1 ? (a[i] as number) : Number.POSITIVE_INFINITY,
      j < n2 ? (b[j] as number) : Number.POSITIVE_INFINITY,
    );
    let fromA = 0;
    let size = 0;
    while (i < n1 && a[i] === v) {
      i++;
      fromA++;
      size++;
    }
    while (j < n2 && b[j] === v) {
      j++;
      size++;
    }
    const first = i + j - size + 1; // rank of the group's first member
    rankSum += fromA * (first + (size - 1) / 2);
    groups.push(size);
  }
  const u = rankSum - (n1 * (n1 + 1)) / 2;
  const ties = groups.some((t) => t > 1);
  const exact = ties
    ? n1 <= MANN_WHITNEY_TIES_EXACT_LIMIT && n2 <= MANN_WHITNEY_TIES_EXACT_LIMIT
    : n1 <= MANN_WHITNEY_EXACT_LIMIT && n2 <= MANN_WHITNEY_EXACT_LIMIT;
  const base = { u, n1, n2, ties, method: exact ? ('exact' as const) : ('normal' as const) };
  if (groups.length === 1) return { ...base, p: 1, allEqual: true };

  if (exact) {
    if (2 * u === n1 * n2) return { ...base, p: 1, allEqual: false };
    const counts = exactTwoUCounts(n1, n2, groups);
    const observed = Math.round(2 * u);
    let below = 0;
    let above = 0;
    let total = 0;
    counts.forEach((ways, twoU) => {
      total += ways;
      if (twoU <= observed) below += ways;
      if (twoU >= observed) above += ways;
    });
    return { ...base, p: Math.min(1, (2 * Math.min(below, above)) / total), allEqual: false };
  }

  const n = n1 + n2;
  const tieTerm = groups.reduce((sum, t) => sum + t * t * t - t, 0);
  const mu = (n1 * n2) / 2;
  const sigma = Math.sqrt((n1 * n2 * (n + 1 - tieTerm / (n * (n - 1)))) / 12);
  const numer = u - mu - Math.sign(u - mu) * 0.5; // continuity correction
  // 2·min(Φ(z), 1 − Φ(z)) = 2·Φ(−|z|) = erfc(|z|/√2).
  const p = erfc(Math.abs(numer / sigma) / Math.SQRT2);
  return { ...base, p, allEqual: false };
}

/**
 * The smallest n such that two samples of n values can reach p ≤ alpha at all: the most extreme
 * arrangement has p = 2/C(2n, n) (benchmath's uTestSamples, whose table stops at 9).
 */
export function minSamplesForSignificance(alpha: number): { op: '>=' | '>'; n: number } {
  for (let n = 1; n <= MANN_WHITNEY_EXACT_LIMIT; n++) {
    if (Math.min(1, 2 / choose(2 * n, n)) <= alpha) return { op: '>=', n };
  }
  return { op: '>', n: MANN_WHITNEY_EXACT_LIMIT };
}

// ---------------------------------------------------------------------------------------------
// Comparison, printed like benchstat's "vs base" column

/**
 * Go's %.Nf: like toFixed, except that a value exactly halfway between two outputs rounds to the
 * even digit (strconv) where toFixed rounds up. Such a value is a multiple of 2^−(N+1) with an odd
 * multiplier, so the test is exact.
 */
function goFixed(x: number, digits: number): string {
  const ax = Math.abs(x);
  let s = ax.toFixed(digits);
  const halves = ax * 2 ** (digits + 1);
  if (Number.isInteger(halves) && halves % 2 === 1 && Number(s.at(-1)) % 2 === 1) {
    s = s.slice(0, -1) + String(Number(s.at(-1)) - 1);
  }
  return (x < 0 || Object.is(x, -0) ? '-' : '') + s;
}

export interface SampleComparison {
  baseSummary: MedianCI;
  otherSummary: MedianCI;
  /**
   * (median(other)/median(base) − 1)·100, whether or not it is significant; 0 when the medians
   * are equal, null when the base median is 0 and the other is not (benchstat prints "?").
   */
  deltaPercent: number | null;
  /** The U-test's two-sided p-value. */
  p: number;
  alpha: number;
  /** p ≤ alpha: benchstat prints the delta rather than "~". */
  significant: boolean;
  test: MannWhitneyResult;
  /** The "vs base" cell: "-12.34% (p=0.008 n=10)", "~ (p=0.481 n=10+8)". */
  text: string;
  /** benchstat's footnotes for this cell, e.g. "need >= 4 samples to detect a difference at alpha level 0.05". */
  warnings: string[];
}

/**
 * Compares two samples of one benchmark and unit as benchstat's "vs base" column does
 * (benchmath AssumeNothing.Compare, Comparison.FormatDelta and Comparison.String in
 * benchmath/sample.go): medians with 95% CIs, the U-test, and "~" when p > alpha.
 */
export function compareSamples(
  base: readonly number[],
  other: readonly number[],
  opts: { alpha?: number; confidence?: number } = {},
): SampleComparison {
  const alpha = opts.alpha ?? 0.05;
  const confidence = opts.confidence ?? 0.95;
  const baseSummary = medianCI(base, confidence);
  const otherSummary = medianCI(other, confidence);
  const test = mannWhitneyU(base, other);
  const { p, n1, n2 } = test;

  const warnings: string[] = [];
  for (const summary of [baseSummary, otherSummary]) {
    if (summary.warning && !warnings.includes(summary.warning)) warnings.push(summary.warning);
  }
  if (test.allEqual) {
    warnings.push('all samples are equal');
  } else if (p > alpha) {
    const need = minSamplesForSignificance(alpha);
    if (n1 < need.n && n2 < need.n) {
      warnings.push(
        `need ${need.op} ${need.n} samples to detect a difference at alpha level ${goFloat(alpha)}`,
      );
    }
  }

  const old = baseSummary.center;
  const now = otherSummary.center;
  const deltaPercent = old === now ? 0 : old === 0 ? null : (now / old - 1) * 100;
  const significant = !(p > alpha);
  let delta: string;
  if (!significant) delta = '~';
  else if (deltaPercent === null) delta = '?';
  else if (old === now) delta = '0.00%';
  else delta = `${deltaPercent >= 0 && !Object.is(deltaPercent, -0) ? '+' : ''}${goFixed(deltaPercent, 2)}%`;
  const pText = p !== 0 ? `p=${goFixed(p, 3)} ` : '';
  const nText = n1 === n2 ? `n=${n1}` : `n=${n1}+${n2}`;
  return {
    baseSummary,
    otherSummary,
    deltaPercent,
    p,
    alpha,
    significant,
    test,
    text: `${delta} (${pText}${nText})`,
    warnings,
  };
}
