import { stat } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BenchReport } from '../../src/bench/types.js';
import { cleanupTemps, crossgo, fixtureRepo, runTool, testEnv } from '../helpers/cli.js';

afterAll(cleanupTemps);

let dir: string;
let report: BenchReport;

beforeAll(async () => {
  ({ dir } = await fixtureRepo('runtests'));
  const result = await crossgo(
    [
      '-C',
      dir,
      'bench',
      './cmd/calc',
      '--json',
      '-t',
      'linux/arm64,linux/386,darwin/arm64',
      '--runs',
      '4',
      '--count',
      '6',
      '--bench',
      'Fib',
    ],
    { env: testEnv() },
  );
  if (result.code !== 0) throw new Error(result.stderr);
  report = JSON.parse(result.stdout) as BenchReport;
}, 600_000);

describe('crossgo bench', () => {
  it('measures every target it can run, natively or emulated, and says why it cannot run the rest', async () => {
    expect(report.baseline).toBe('linux/amd64');
    const row = (t: string) => report.targets.find((x) => x.target === t);
    // The baseline (the host) is built and measured although not asked for.
    expect(report.targets.map((t) => [t.target, t.runner, t.emulated])).toEqual([
      ['linux/amd64', 'native', false],
      ['linux/arm64', 'qemu-user', true],
      ['linux/386', 'native', false],
      ['darwin/arm64', null, false],
    ]);
    expect(row('darwin/arm64')).toMatchObject({
      startup: null,
      peakRssKiB: null,
      reason: 'cannot run here: darwin binaries run only on Apple systems',
    });
    for (const t of ['linux/amd64', 'linux/arm64', 'linux/386']) {
      const r = row(t);
      expect(r?.startup?.runs).toBe(4);
      expect(r?.startup?.medianMs).toBeGreaterThan(0);
      expect(r?.startup?.p95Ms).toBeGreaterThanOrEqual(r?.startup?.medianMs as number);
      expect(r?.peakRssKiB).toBeGreaterThan(500);
    }
    // Sizes are the files' sizes; ratios against the baseline.
    for (const t of report.targets) {
      const file = path.join(dir, 'dist', `calc-${t.target.replace('/', '-')}`);
      expect(t.size).toBe((await stat(file)).size);
      expect(t.sizeVsBaseline).toBeCloseTo(t.size / (row('linux/amd64')?.size as number), 2);
    }
  });

  it('peak RSS agrees with an independent GNU time run of the same binary', async () => {
    const file = path.join(dir, 'dist', 'calc-linux-amd64');
    const time = await runTool('/usr/bin/time', ['-f', '%M', file]);
    const kib = Number(time.stderr.trim().split('\n').at(-1));
    const measured = report.targets[0]?.peakRssKiB as number;
    expect(measured / kib).toBeGreaterThan(0.5);
    expect(measured / kib).toBeLessThan(2);
  });

  it('compares Go benchmarks with the baseline benchstat-style, never an emulated one with a native one', () => {
    const fib = (target: string, unit: string) =>
      report.benchmarks.find((b) => b.name === 'BenchmarkFib' && b.target === target && b.unit === unit);
    const native = fib('linux/386', 'sec/op');
    expect(native?.base.n).toBe(6);
    expect(native?.other?.n).toBe(6);
    expect(native?.text).toMatch(/^(~|[+-]\d+\.\d\d%) \((p=\d\.\d{3} )?n=6\)$/);
    // Allocation counts do not change between builds of the same code: not significant.
    expect(fib('linux/386', 'allocs/op')?.text).toMatch(/^~ /);
    const emulated = fib('linux/arm64', 'sec/op');
    expect(emulated).toMatchObject({
      emulated: true,
      deltaPercent: null,
      p: null,
      significant: false,
      text: 'not comparable (emulated under qemu-user)',
    });
    expect(report.benchmarks.some((b) => b.target === 'darwin/arm64')).toBe(false);
  });

  it('writes dist/bench.html, which renders the charts and the rows in headless Chromium, offline', async () => {
    const file = path.join(dir, 'dist', 'bench.html');
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(`file://${file}`);
      expect(requests).toEqual([`file://${file}`]);
      const bars = async (metric: string) =>
        page
          .locator(`svg.chart[data-metric="${metric}"] rect.bar`)
          .evaluateAll((rects) => rects.map((r) => r.getAttribute('data-target')));
      expect(await bars('size')).toEqual(['linux/amd64', 'linux/arm64', 'linux/386', 'darwin/arm64']);
      expect(await bars('build')).toHaveLength(4);
      expect(
        await page.locator('svg.chart[data-metric="startup"][data-group="native"] rect.bar').count(),
      ).toBe(2);
      expect(
        await page
          .locator('svg.chart[data-metric="startup"][data-group="emulated-qemu-user"] rect.bar')
          .count(),
      ).toBe(1);
      for (const bar of await page.locator('rect.bar').all()) {
        const box = await bar.boundingBox();
        expect(box?.width).toBeGreaterThan(0);
        expect(box?.height).toBeGreaterThan(0);
      }
      expect(await page.locator('table#benchmarks tbody tr').count()).toBe(report.benchmarks.length);
      expect(await page.locator('li.cannot-run[data-target="darwin/arm64"]').count()).toBeGreaterThan(0);
      const png = path.join(dir, 'dist', 'bench.png');
      await page.screenshot({ path: png, fullPage: true });
      expect((await stat(png)).size).toBeGreaterThan(10_000);
    } finally {
      await browser.close();
    }
  });
});
