import { describe, expect, it } from 'vitest';
import { renderBenchHtml } from '../../src/bench/html.js';
import type { BenchReport } from '../../src/bench/types.js';
import { formatBenchValue, formatBytes, formatMilliseconds } from '../../src/bench/units.js';

describe('formatBenchValue', () => {
  it.each([
    // benchstat's sec/op: the value the terminal printed as 1.102e-7 sec/op.
    [1.102e-7, 'sec/op', '110 ns'],
    [1.234e-7, 'sec/op', '123 ns'],
    [9.995e-7, 'sec/op', '1.00 µs'],
    [2.71e-6, 'sec/op', '2.71 µs'],
    [4.5e-4, 'sec/op', '450 µs'],
    [0.0123, 'sec/op', '12.3 ms'],
    [2.5, 'sec/op', '2.50 s'],
    [0, 'sec/op', '0 ns'],
    // testing's own ns/op.
    [110.2, 'ns/op', '110 ns'],
    [1_500_000, 'ns/op', '1.50 ms'],
    // Bytes per op: B, KiB, MiB (1024s, as the size charts).
    [48, 'B/op', '48 B'],
    [48.4, 'B/op', '48 B'],
    [20_480, 'B/op', '20.0 KiB'],
    [1_048_575, 'B/op', '1.00 MiB'],
    // Anything else: the number.
    [3, 'allocs/op', '3'],
    [1234.5678, 'MB/s', '1235'],
    [0.000123456, 'widgets/op', '0.0001235'],
  ])('%d %s → %s', (value, unit, text) => {
    expect(formatBenchValue(value, unit)).toBe(text);
  });
});

describe('formatBytes and formatMilliseconds', () => {
  it.each([
    [0, '0 B'],
    [1000, '1000 B'],
    [1023, '1.00 KiB'],
    [1024, '1.00 KiB'],
    [1536, '1.50 KiB'],
    [123 * 1024 * 1024, '123 MiB'],
  ])('%i bytes → %s', (bytes, text) => expect(formatBytes(bytes)).toBe(text));

  it.each([
    [0, '0 ms'],
    [0.91, '0.91 ms'],
    [12.4, '12.4 ms'],
    [990, '990 ms'],
    [999, '1.00 s'],
    [1549, '1.55 s'],
  ])('%d ms → %s', (ms, text) => expect(formatMilliseconds(ms)).toBe(text));
});

describe('the HTML report uses the same formatter', () => {
  it('writes a sec/op median exactly as formatBenchValue does', () => {
    const report: BenchReport = {
      title: 't',
      generatedFrom: { goVersion: 'go1.26', host: 'linux/amd64', commit: 'c', date: '2024-05-06T07:08:09Z' },
      baseline: 'linux/amd64',
      targets: [],
      benchmarks: [
        {
          name: 'BenchmarkFib',
          unit: 'sec/op',
          target: 'linux/386',
          runner: 'native',
          emulated: false,
          base: { median: 1.102e-7, lo: null, hi: null, n: 3 },
          other: { median: 2.34e-6, lo: null, hi: null, n: 3 },
          deltaPercent: null,
          p: null,
          significant: false,
          text: '~',
        },
      ],
    };
    const html = renderBenchHtml(report);
    expect(html).toContain(`<span class="median">${formatBenchValue(1.102e-7, 'sec/op')}</span>`);
    expect(html).toContain('<span class="median">110 ns</span>');
    expect(html).toContain('<span class="median">2.34 µs</span>');
  });
});
