import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { groupSamples, parseGoBench, tidyUnit } from '../../src/bench/gobench.js';
import {
  compareSamples,
  MANN_WHITNEY_EXACT_LIMIT,
  MANN_WHITNEY_TIES_EXACT_LIMIT,
  mannWhitneyU,
  median,
  medianCI,
  minSamplesForMedianCI,
  minSamplesForSignificance,
  p95,
  quantile,
} from '../../src/bench/stats.js';
import { cleanupTemps, runTool, tempDir, testEnv } from '../helpers/cli.js';

afterAll(cleanupTemps);

/** |actual − expected| ≤ rel·|expected| (floating-point sums differ in the last bits between implementations). */
function expectClose(actual: number, expected: number, rel = 1e-12): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
}

const range = (n: number, f: (i: number) => number = (i) => i) => Array.from({ length: n }, (_, i) => f(i));

describe('median, quantile, p95', () => {
  it('gives the middle value, or the mean of the two middle ones (worked by hand)', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([40, 10, 30, 20])).toBe(25);
    expect(median([7.5, 1.25, 3, 9, 4.5])).toBe(4.5);
    expect(median([5])).toBe(5);
    expect(median([])).toBeNaN();
  });

  it('uses definition R8 (Hyndman & Fan), as go-moremath and so benchstat do', () => {
    // By hand, R8: h = (n + 1/3)·q + 1/3, then interpolate between the ⌊h⌋-th and next order statistic.
    // [10,20,30,40], q = 0.25: h = 13/12 + 1/3 = 17/12 → 10 + 5/12·10 = 14.1666…
    expect(quantile([40, 10, 30, 20], 0.25)).toBeCloseTo(10 + (5 / 12) * 10, 12);
    // 1…20, q = 0.95: h = 20⅓·0.95 + ⅓ = 19.65 → 19.65.
    expect(p95(range(20, (i) => i + 1))).toBeCloseTo(19.65, 12);
    // The same numbers from numpy 2.4 np.quantile(xs, q, method='median_unbiased') (numpy's name
    // for H&F 8); method='linear' (R7) would give 17.5, 32.5, 19.05, 3.3.
    expect(quantile([10, 20, 30, 40], 0.75)).toBeCloseTo(35.833333333333336, 12);
    expect(
      quantile(
        range(20, (i) => i + 1),
        0.05,
      ),
    ).toBeCloseTo(1.35, 12);
    expect(quantile([7.5, 1.25, 3, 9, 4.5], 0.3)).toBeCloseTo(2.8833333333333333, 12);
    expect(quantile([7.5, 1.25, 3, 9, 4.5], 0.1)).toBe(1.25);
    expect(p95([7.5, 1.25, 3, 9, 4.5])).toBe(9);
  });

  it('clamps q to the sample, and leaves the input alone', () => {
    const xs = [3, 1, 2];
    expect(quantile(xs, 0)).toBe(1);
    expect(quantile(xs, 1)).toBe(3);
    expect(quantile(xs, -1)).toBe(1);
    expect(xs).toEqual([3, 1, 2]);
    expect(() => median([1, Number.NaN])).toThrow(RangeError);
  });
});

/** A U-test case: name, samples, the method benchstat would pick, the reference p and where it came from. */
type UCase = [
  name: string,
  x: number[],
  y: number[],
  method: 'exact' | 'normal',
  p: number,
  provenance: string,
];

describe('mannWhitneyU', () => {
  const base = [1203.0, 1198.5, 1210.2, 1195.1, 1207.7, 1201.3, 1199.9, 1212.4, 1204.6, 1196.8];
  const faster = [1185.2, 1200.4, 1179.8, 1199.0, 1188.1, 1197.6, 1183.3, 1201.9, 1187.5, 1194.0];
  const same = [1200.8, 1205.5, 1197.2, 1209.9, 1202.4, 1194.3, 1206.1, 1199.2, 1211.7, 1196.0];
  const noTiesLargeX = range(60, (i) => 1000 + ((i * 37) % 101) + i / 1000);
  const noTiesLargeY = range(55, (j) => 1004 + ((j * 53) % 103) + j / 997);

  // Reference p-values, computed once (scipy 1.17.1, numpy 2.4.6, and benchstat's own code: a Go
  // program calling golang.org/x/perf/benchmath AssumeNothing.Compare at x/perf
  // v0.0.0-20260908200009-22c9c6c9d4da with go-moremath v0.0.0-20210112150236-f10218a38794):
  //   exact:      scipy.stats.mannwhitneyu(x, y, alternative='two-sided', method='exact')
  //   asymptotic: scipy.stats.mannwhitneyu(x, y, alternative='two-sided', method='asymptotic', use_continuity=True)
  //   permutation: scipy.stats.permutation_test((x, y), U, permutation_type='independent',
  //               alternative='two-sided', n_resamples=inf), which enumerates every split, and the same
  //               count by brute force over itertools.combinations in Python (they agree).
  it.each<UCase>([
    // [name, x, y, method benchstat picks, reference p, provenance]
    [
      '10+10, no ties, significant',
      base,
      faster,
      'exact',
      0.0051960423477451344,
      'scipy exact; benchmath 0.005196042347745136',
    ],
    [
      '10+10, no ties, not significant',
      base,
      same,
      'exact',
      0.7959362618805345,
      'scipy exact; benchmath 0.7959362618805346',
    ],
    [
      '10+10 with ties (B/op-like)',
      [48, 48, 48, 48, 64, 48, 48, 48, 64, 48],
      [64, 64, 48, 64, 64, 64, 64, 48, 64, 64],
      'exact',
      0.023014137565221155,
      'scipy permutation and brute force; benchmath 0.023014137565221155 (scipy asymptotic would say 0.0101)',
    ],
    [
      '30+30 with ties (allocs/op-like)',
      [...range(24, () => 3), ...range(6, () => 4)],
      [...range(25, () => 4), ...range(5, () => 3)],
      'normal',
      1.180449957065926e-6,
      'scipy asymptotic; benchmath 1.1804499570659303e-06',
    ],
    [
      '60+55, no ties',
      noTiesLargeX,
      noTiesLargeY,
      'normal',
      0.8032430777353797,
      'scipy asymptotic; benchmath the same',
    ],
    // go-moremath's own published cases (stats/utest_test.go).
    ['go-moremath s1 vs s2', [2, 1, 3, 5], [12, 11, 13, 15], 'exact', 0.028571428571428577, 'utest_test.go'],
    ['go-moremath s1 vs s3', [2, 1, 3, 5], [0, 4, 6, 7], 'exact', 0.48571428571428577, 'utest_test.go'],
    ['go-moremath s1 vs s4 (ties)', [2, 1, 3, 5], [2, 2, 2, 2], 'exact', 0.7142857142857143, 'utest_test.go'],
    [
      'go-moremath l1 vs l2 (500+600)',
      range(500, (i) => i * 2),
      range(600, (i) => i * 2 - 41),
      'normal',
      0.0049335360814172224,
      'utest_test.go, which checked it against R wilcox.test',
    ],
  ])('%s', (_name, x, y, method, reference) => {
    const result = mannWhitneyU(x, y);
    expect(result.method).toBe(method);
    expectClose(result.p, reference, 1e-11);
    // Symmetric in its arguments.
    expectClose(mannWhitneyU(y, x).p, reference, 1e-11);
  });

  it('reports U with ties counted as halves', () => {
    // [1,2,3,5] vs [2,2,2,2]: 1 loses 4, 2 ties 4 (2), 3 and 5 win 4 each: U = 10.
    expect(mannWhitneyU([1, 2, 3, 5], [2, 2, 2, 2])).toMatchObject({ u: 10, n1: 4, n2: 4, ties: true });
  });

  it('picks the exact distribution exactly where benchstat does', () => {
    expect(MANN_WHITNEY_EXACT_LIMIT).toBe(50);
    expect(MANN_WHITNEY_TIES_EXACT_LIMIT).toBe(25);
    expect(
      mannWhitneyU(
        range(50),
        range(50, (i) => i + 0.5),
      ).method,
    ).toBe('exact');
    expect(
      mannWhitneyU(
        range(51),
        range(50, (i) => i + 0.5),
      ).method,
    ).toBe('normal');
    expect(
      mannWhitneyU(
        range(25, (i) => i % 5),
        range(25, (i) => i % 7),
      ).method,
    ).toBe('exact');
    expect(
      mannWhitneyU(
        range(26, (i) => i % 5),
        range(25, (i) => i % 7),
      ).method,
    ).toBe('normal');
    // 50+50 without ties, the largest exact case: the p that benchmath computes.
    expectClose(
      mannWhitneyU(
        range(50, (i) => 2 * i),
        range(50, (i) => 2 * i + 1),
      ).p,
      0.8664717523984101,
      1e-11,
    );
  });

  it('gives the true exact p where the tied distribution is lopsided (benchmath says 0)', () => {
    // [1,2,3,5] vs [1,1,1,1,1]: U = 17.5 is the largest U the first sample can have; of the
    // C(9,4) = 126 ways to split the pooled values, the 6 that put {2,3,5} and one of the six 1s
    // first reach it, and every split has U ≤ 17.5, so p = 2·6/126 (scipy permutation_test and a
    // brute-force enumeration agree). benchmath doubles the lower tail at the mirrored U, 2.5,
    // where this lopsided tied distribution has no mass (its minimum is 4), and reports p = 0,
    // printed "-60.00% (n=4+5)": a significant difference the data cannot show.
    expectClose(mannWhitneyU([1, 2, 3, 5], [1, 1, 1, 1, 1]).p, 12 / 126);
    // By hand: [1,3,2,2] vs [3]: the single second value is 1, 2, 2, 3 or 3 (5 splits) giving
    // U = 4, 2.5, 2.5, 0.5, 0.5; observed 0.5, so p = 2·P(U ≤ 0.5) = 2·2/5.
    expectClose(mannWhitneyU([1, 3, 2, 2], [3]).p, 0.8);
  });

  it('says nothing when every value is equal (p = 1), and refuses empty samples', () => {
    expect(mannWhitneyU([4, 4, 4], [4, 4])).toMatchObject({ p: 1, allEqual: true });
    expect(() => mannWhitneyU([], [1])).toThrow(RangeError);
  });
});

describe('medianCI', () => {
  // Independent of stats.ts: exact binomial sums with BigInt. With n values, the number of them
  // below the population median is Binomial(n, ½), so [x(lo), x(hi)] (1-based order statistics)
  // covers the median with probability Σ_{k=lo}^{hi−1} C(n, k) / 2ⁿ.
  const chooseBig = (n: number, k: number) => {
    let r = 1n;
    for (let i = 1; i <= k; i++) r = (r * BigInt(n - k + i)) / BigInt(i);
    return r;
  };
  const coverage = (n: number, lo: number, hi: number) => {
    let ways = 0n;
    for (let k = lo; k < hi; k++) ways += chooseBig(n, k);
    return Number((ways * 10n ** 18n) / 2n ** BigInt(n)) / 1e18;
  };

  it("matches benchmath's published examples (benchmath/assumption_test.go TestSummaryNone)", () => {
    const sample = [-10, 2, 3, 4, 5, 6];
    expect(medianCI(sample)).toMatchObject({
      center: 3.5,
      lo: -10,
      hi: 6,
      confidence: 1 - 0.03125,
      ok: true,
    });
    expect(medianCI(sample, 0.99)).toMatchObject({
      center: 3.5,
      lo: Number.NEGATIVE_INFINITY,
      hi: Number.POSITIVE_INFINITY,
      confidence: 1,
      ok: false,
      warning: 'need >= 8 samples for confidence interval at level 0.99',
    });
    expect(medianCI(sample, 1).warning).toBe('need > 50 samples for confidence interval at level 1');
    expect(medianCI([1, 2], 0)).toMatchObject({ center: 1.5, lo: 1, hi: 2, confidence: 0.5, ok: true });
    expect(medianCI([1])).toMatchObject({
      center: 1,
      ok: false,
      confidence: 1,
      warning: 'need >= 6 samples for confidence interval at level 0.95',
    });
    // go-moremath stats/quantileci_test.go: QuantileCI(4, 0.5, 0.001) = orders [2, 3) at 0.375,
    // QuantileCI(5, 0.5, 0.001) = [2, 3) at 0.3125 (left-biased).
    expect(medianCI([1, 2, 3, 4], 0.001)).toMatchObject({ loOrder: 2, hiOrder: 3, confidence: 0.375 });
    expect(medianCI([1, 2, 3, 4, 5], 0.001)).toMatchObject({ loOrder: 2, hiOrder: 3, confidence: 0.3125 });
    expect(minSamplesForMedianCI(0.95)).toEqual({ op: '>=', n: 6 });
    expect(minSamplesForMedianCI(0.99)).toEqual({ op: '>=', n: 8 });
  });

  it.each([0.9, 0.95, 0.99])(
    'is the shortest order-statistic interval with binomial coverage ≥ %f (n ≤ 30)',
    (level) => {
      for (let n = 1; n <= 30; n++) {
        const xs = range(n, (i) => 100 + 3 * i);
        const ci = medianCI(xs.toReversed(), level);
        const mass = coverage(n, ci.loOrder, ci.hiOrder);
        expect(ci.confidence).toBeCloseTo(mass, 12);
        expect(mass).toBeGreaterThanOrEqual(level);
        // No shorter run of order statistics reaches the level.
        const width = ci.hiOrder - ci.loOrder;
        for (let lo = 0; lo + width - 1 <= n + 1; lo++)
          expect(coverage(n, lo, lo + width - 1)).toBeLessThan(level);
        // Bounded exactly when both orders fall inside the sample.
        expect(ci.ok).toBe(ci.loOrder >= 1 && ci.hiOrder <= n);
        if (ci.ok) expect([ci.lo, ci.hi]).toEqual([xs[ci.loOrder - 1], xs[ci.hiOrder - 1]]);
      }
    },
  );

  it('covers at least the level above n = 30, where it switches to the normal approximation', () => {
    for (let n = 31; n <= 200; n++) {
      const ci = medianCI(range(n), 0.95);
      expect(ci.ok).toBe(true);
      expect(coverage(n, ci.loOrder, ci.hiOrder)).toBeGreaterThanOrEqual(0.95);
    }
    // Order statistics from benchmath (the Go oracle above) for the approximation branch.
    expect(medianCI(range(31), 0.95)).toMatchObject({ loOrder: 10, hiOrder: 22 });
    expect(medianCI(range(100), 0.95)).toMatchObject({ loOrder: 40, hiOrder: 60 });
    expect(medianCI(range(1000), 0.95)).toMatchObject({ loOrder: 469, hiOrder: 532 });
  });
});

describe('compareSamples', () => {
  const base = [1203.0, 1198.5, 1210.2, 1195.1, 1207.7, 1201.3, 1199.9, 1212.4, 1204.6, 1196.8];

  // Expected cells are benchstat's (benchmath Comparison.FormatDelta + String) for the same data.
  it('prints a significant change like benchstat', () => {
    const c = compareSamples(
      base,
      [1185.2, 1200.4, 1179.8, 1199.0, 1188.1, 1197.6, 1183.3, 1201.9, 1187.5, 1194.0],
    );
    expect(c.significant).toBe(true);
    expect(c.text).toBe('-0.92% (p=0.005 n=10)');
    // Medians 1202.15 and 1191.05, by hand.
    expect(c.baseSummary.center).toBeCloseTo(1202.15, 10);
    expect(c.otherSummary.center).toBeCloseTo(1191.05, 10);
    expect(c.deltaPercent).toBeCloseTo((1191.05 / 1202.15 - 1) * 100, 10);
    expect(c.warnings).toEqual([]);
  });

  it('prints "~" when the difference is not significant', () => {
    const c = compareSamples(
      base,
      [1200.8, 1205.5, 1197.2, 1209.9, 1202.4, 1194.3, 1206.1, 1199.2, 1211.7, 1196.0],
    );
    expect(c.significant).toBe(false);
    expect(c.text).toBe('~ (p=0.796 n=10)');
    expect(c.deltaPercent).not.toBeNull();
  });

  it.each([
    // [base, other, benchstat's cell, benchstat's comparison notes]
    [
      [-1, -1, -1],
      [1, 1, 1],
      '~ (p=0.100 n=3)',
      ['need >= 4 samples to detect a difference at alpha level 0.05'],
    ],
    [[-1, -1, -1, -1], [1, 1, 1, 1], '-200.00% (p=0.029 n=4)', []],
    [[5, 5, 5, 5, 5, 5], [5, 5, 5, 5, 5, 5], '~ (p=1.000 n=6)', ['all samples are equal']],
    [[0, 0, 0, 0, 0, 0], [1, 2, 3, 4, 5, 6], '? (p=0.002 n=6)', []],
    [[1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 6], '~ (p=1.000 n=6)', []],
    [range(7, () => 8), range(7, () => 9), '+12.50% (p=0.001 n=7)', []],
    // p = 2/32 exactly: Go rounds the tie to even (0.062) where toFixed would print 0.063.
    [[0], range(31, (i) => i + 1), '~ (p=0.062 n=1+31)', []],
  ])('%j vs %j → %s', (x, y, text, notes) => {
    const c = compareSamples(x, y);
    expect(c.text).toBe(text);
    for (const note of notes) expect(c.warnings).toContain(note);
  });

  it('notes samples too small for a confidence interval or for significance', () => {
    const c = compareSamples([100, 101, 99], [90, 91, 89]);
    expect(c.significant).toBe(false);
    expect(c.warnings).toEqual([
      'need >= 6 samples for confidence interval at level 0.95',
      'need >= 4 samples to detect a difference at alpha level 0.05',
    ]);
    expect(minSamplesForSignificance(0.05)).toEqual({ op: '>=', n: 4 });
    expect(minSamplesForSignificance(0.01)).toEqual({ op: '>=', n: 5 });
    expect(minSamplesForSignificance(1)).toEqual({ op: '>=', n: 1 });
  });

  it('honours alpha', () => {
    const x = [1203.0, 1198.5, 1210.2, 1195.1, 1207.7, 1201.3, 1199.9, 1212.4, 1204.6, 1196.8];
    const y = [1185.2, 1200.4, 1179.8, 1199.0, 1188.1, 1197.6, 1183.3, 1201.9, 1187.5, 1194.0];
    expect(compareSamples(x, y, { alpha: 0.001 }).text).toBe('~ (p=0.005 n=10)');
  });
});

describe('tidyUnit', () => {
  // golang.org/x/perf benchunit/tidy_test.go.
  it.each([
    ['ns/op', 'sec/op', 1e-9],
    ['x-ns/op', 'x-sec/op', 1e-9],
    ['MB/s', 'B/s', 1e6],
    ['x-MB/s', 'x-B/s', 1e6],
    ['B/op', 'B/op', 1],
    ['x-allocs/op', 'x-allocs/op', 1],
    ['op/ns', 'op/ns', 1],
    ['MB*MB/s', 'B*B/s', 1e6 * 1e6],
    ['MB/MB', 'B/MB', 1e6],
  ])('%s → %s ×%d', (unit, tidied, factor) => {
    expect(tidyUnit(unit)).toEqual({ unit: tidied, factor });
  });
});

describe('parseGoBench', () => {
  it('reads real `go test -bench -count 5 -benchmem` output', async () => {
    const dir = path.join(await tempDir('crossgo-gobench-'), 'benchfixture');
    await mkdir(dir);
    await writeFile(path.join(dir, 'go.mod'), 'module example.com/benchfixture\n\ngo 1.21\n');
    await writeFile(
      path.join(dir, 'bench_test.go'),
      `package benchfixture

import (
	"strconv"
	"testing"
)

var (
	sinkInt   int
	sinkBytes []byte
)

func BenchmarkSum(b *testing.B) {
	for i := 0; i < b.N; i++ {
		for j := 0; j < 100; j++ {
			sinkInt += j
		}
	}
}

func BenchmarkAlloc(b *testing.B) {
	for _, size := range []int{16, 1024} {
		b.Run("size="+strconv.Itoa(size), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				sinkBytes = make([]byte, size) // escapes: one heap allocation of size bytes
			}
			b.ReportMetric(float64(size), "bytes/item")
		})
	}
}
`,
    );
    // -cpu 1,2: GOMAXPROCS=1 runs print no "-N" suffix, the others "-2". -benchtime 2000x fixes b.N.
    const run = await runTool(
      'go',
      [
        'test',
        '-run',
        '^$',
        '-bench',
        '.',
        '-benchmem',
        '-count',
        '5',
        '-benchtime',
        '2000x',
        '-cpu',
        '1,2',
        '.',
      ],
      { cwd: dir, env: testEnv({ GOTOOLCHAIN: 'local' }) },
    );
    expect(run.code, run.stderr).toBe(0);

    const parsed = parseGoBench(run.stdout);
    expect(parsed.errors).toEqual([]);
    expect(parsed.config).toMatchObject({ goos: process.platform, pkg: 'example.com/benchfixture' });
    expect(parsed.config.goarch).toBeTruthy();
    expect(parsed.results).toHaveLength(3 * 2 * 5);
    expect(new Set(parsed.results.map((r) => `${r.name} ${r.procs}`))).toEqual(
      new Set([
        'BenchmarkSum 1',
        'BenchmarkSum 2',
        'BenchmarkAlloc/size=16 1',
        'BenchmarkAlloc/size=16 2',
        'BenchmarkAlloc/size=1024 1',
        'BenchmarkAlloc/size=1024 2',
      ]),
    );
    for (const result of parsed.results) {
      expect(result.iterations).toBe(2000);
      expect(Object.keys(result.metrics)).not.toContain('ns/op');
      // The line's own ns/op, read independently of the parser, became sec/op.
      const line = run.stdout.split('\n')[result.line - 1] as string;
      const ns = Number(/([\d.]+) ns\/op/.exec(line)?.[1]);
      expectClose(result.metrics['sec/op'] as number, ns * 1e-9);
    }

    const groups = groupSamples(parsed.results);
    // Sum at 2 GOMAXPROCS × 3 units, Alloc at 2 sizes × 2 GOMAXPROCS × 4 units (bytes/item too).
    expect(groups).toHaveLength(2 * 3 + 4 * 4);
    for (const group of groups) expect(group.values).toHaveLength(5);
    const alloc = (procs: number, unit: string) =>
      groups.find((g) => g.name === 'BenchmarkAlloc/size=1024' && g.procs === procs && g.unit === unit)
        ?.values;
    // B/op is the run's heap growth over b.N: a background allocation of the runtime (seen in CI
    // at GOMAXPROCS=2: 1026) can add a few bytes, so each value is the line's own, and about 1024.
    const lineBytes = run.stdout
      .split('\n')
      .filter((l) => /^BenchmarkAlloc\/size=1024-2\s/.test(l))
      .map((l) => Number(/(\d+) B\/op/.exec(l)?.[1]));
    expect(alloc(2, 'B/op')).toEqual(lineBytes);
    for (const bytes of alloc(2, 'B/op') ?? []) expect(bytes).toBeGreaterThanOrEqual(1024);
    for (const bytes of alloc(2, 'B/op') ?? []) expect(bytes).toBeLessThan(1024 + 64);
    expect(alloc(1, 'allocs/op')).toEqual([1, 1, 1, 1, 1]);
    expect(alloc(1, 'bytes/item')).toEqual([1024, 1024, 1024, 1024, 1024]);
  });

  const sample = [
    'goos: linux',
    'goarch: arm64',
    'pkg: example.com/a',
    'cpu: Neoverse-N1',
    'note: first pass',
    'BenchmarkEncode',
    'BenchmarkEncode/size=10-8         \t 1000000\t      1234 ns/op\t      16 B/op\t       1 allocs/op',
    'BenchmarkEncode/size=10-8         \t 1000000\t      1250 ns/op\t      16 B/op\t       1 allocs/op',
    'BenchmarkEncode/size=1k-b-8       \t   10000\t    123456 ns/op\t  81.92 MB/s\t   3.5 widgets/op',
    '--- BENCH: BenchmarkEncode/size=1k-b-8',
    '    enc_test.go:12: some log',
    'BenchmarkDecode   \t  500000\t      2468 ns/op',
    'BenchmarkNoisy-8  \thello world',
    'PASS',
    'ok  \texample.com/a\t3.210s',
    'pkg: example.com/b',
    'note:',
    'BenchmarkEncode/size=10-8         \t 2000000\t       617 ns/op\t       0 B/op\t       0 allocs/op',
    'PASS',
    '',
  ].join('\r\n');

  it('reads sub-benchmarks, missing -N suffixes, custom units and configuration by hand', () => {
    const { config, results, errors } = parseGoBench(sample);
    expect(config).toEqual({ goos: 'linux', goarch: 'arm64', cpu: 'Neoverse-N1' });
    expect(results.map((r) => [r.name, r.procs, r.iterations])).toEqual([
      ['BenchmarkEncode/size=10', 8, 1_000_000],
      ['BenchmarkEncode/size=10', 8, 1_000_000],
      ['BenchmarkEncode/size=1k-b', 8, 10_000],
      ['BenchmarkDecode', 1, 500_000],
      ['BenchmarkEncode/size=10', 8, 2_000_000],
    ]);
    expectClose(results[0]?.metrics['sec/op'] as number, 1.234e-6);
    expect(results[0]?.metrics).toMatchObject({ 'B/op': 16, 'allocs/op': 1 });
    expectClose(results[2]?.metrics['B/s'] as number, 81_920_000);
    expect(results[2]?.metrics['widgets/op']).toBe(3.5);
    expect(results[0]?.config).toMatchObject({ pkg: 'example.com/a', note: 'first pass' });
    expect(results[4]?.config.pkg).toBe('example.com/b');
    expect(results[4]?.config).not.toHaveProperty('note');
    expect(errors).toEqual([
      {
        line: 13,
        text: 'BenchmarkNoisy-8  \thello world',
        message: expect.stringContaining('iteration count'),
      },
    ]);
  });

  it('groups one value per run, apart per package and GOMAXPROCS', () => {
    const groups = groupSamples(parseGoBench(sample).results);
    const encodeA = groups.filter(
      (g) => g.name === 'BenchmarkEncode/size=10' && g.config.pkg === 'example.com/a',
    );
    expect(encodeA.map((g) => [g.unit, g.values.length])).toEqual([
      ['sec/op', 2],
      ['B/op', 2],
      ['allocs/op', 2],
    ]);
    expect(encodeA.find((g) => g.unit === 'B/op')?.values).toEqual([16, 16]);
    const encodeB = groups.filter(
      (g) => g.name === 'BenchmarkEncode/size=10' && g.config.pkg === 'example.com/b',
    );
    expect(encodeB.find((g) => g.unit === 'allocs/op')?.values).toEqual([0]);
    // The same output twice (two `go test` runs appended to one file) merges into one sample.
    const twice = groupSamples(parseGoBench(sample + sample).results);
    expect(twice.find((g) => g.name === 'BenchmarkDecode')?.values).toHaveLength(2);
  });
});
