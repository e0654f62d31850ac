import { existsSync } from 'node:fs';
import { mkdtemp, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderBenchHtml } from '../../src/bench/html.js';
import type { BenchReport } from '../../src/bench/types.js';

/**
 * Opens the rendered benchmark page in a real headless Chromium, with every request but the page
 * itself blocked, and checks what a reader sees: the bars, their labels, the emulated marking, the
 * table. The page and a screenshot are kept in a temporary folder printed in the test output.
 */

const CHROMIUM = '/usr/bin/chromium';

// Runs inside the page (through evaluate); the project's lib has no DOM types.
declare const getComputedStyle: (element: unknown) => { fill: string; fontStyle: string };

const REPORT: BenchReport = {
  title: 'crossgo bench: hello',
  generatedFrom: {
    goVersion: 'go1.22.5',
    host: 'linux/amd64 (2 cores)',
    commit: '6d17956a1b2c3d4e5f60718293a4b5c6d7e8f901',
    date: '2024-05-06T07:08:09Z',
  },
  baseline: 'linux/amd64',
  targets: [
    {
      target: 'linux/amd64',
      runner: 'native',
      emulated: false,
      size: 1_593_506,
      sizeVsBaseline: 1,
      buildMs: 842,
      buildVsBaseline: 1,
      startup: { medianMs: 0.91, p95Ms: 1.42, runs: 30 },
      peakRssKiB: 1_812,
    },
    {
      target: 'linux/386',
      runner: 'native',
      emulated: false,
      reason: '386 on an amd64 kernel',
      size: 1_507_328,
      sizeVsBaseline: 0.946,
      buildMs: 781,
      buildVsBaseline: 0.928,
      startup: { medianMs: 1.07, p95Ms: 1.63, runs: 30 },
      peakRssKiB: 1_640,
    },
    {
      target: 'linux/arm64',
      runner: 'qemu-user',
      emulated: true,
      reason: 'qemu-aarch64',
      size: 1_572_864,
      sizeVsBaseline: 0.987,
      buildMs: 905,
      buildVsBaseline: 1.075,
      startup: { medianMs: 9.84, p95Ms: 13.2, runs: 30 },
      peakRssKiB: 6_404,
    },
    {
      target: 'darwin/arm64',
      runner: null,
      emulated: false,
      reason: 'no way to run darwin binaries on linux',
      size: 1_671_234,
      sizeVsBaseline: 1.049,
      buildMs: 1_130,
      buildVsBaseline: 1.342,
      startup: null,
      peakRssKiB: null,
    },
  ],
  benchmarks: [
    {
      name: 'BenchmarkGreet-2',
      unit: 'sec/op',
      target: 'linux/386',
      runner: 'native',
      emulated: false,
      base: { median: 1.234e-7, lo: 1.21e-7, hi: 1.26e-7, n: 10 },
      other: { median: 1.459e-7, lo: 1.44e-7, hi: 1.49e-7, n: 10 },
      deltaPercent: 18.2,
      p: 0.000183,
      significant: true,
      text: '+18.23% (p=0.000 n=10+10)',
    },
    {
      name: 'BenchmarkGreet-2',
      unit: 'B/op',
      target: 'linux/386',
      runner: 'native',
      emulated: false,
      base: { median: 48, lo: 48, hi: 48, n: 10 },
      other: { median: 48, lo: 48, hi: 48, n: 10 },
      deltaPercent: 0,
      p: 1,
      significant: false,
      text: '~ (p=1.000 n=10+10)',
    },
    {
      name: 'BenchmarkParse-2',
      unit: 'sec/op',
      target: 'linux/386',
      runner: 'native',
      emulated: false,
      base: { median: 2.71e-6, lo: 2.6e-6, hi: 2.86e-6, n: 10 },
      other: { median: 2.75e-6, lo: 2.62e-6, hi: 2.9e-6, n: 10 },
      deltaPercent: 1.5,
      p: 0.481,
      significant: false,
      text: '~ (p=0.481 n=10+10)',
    },
    {
      name: 'BenchmarkGreet-2',
      unit: 'sec/op',
      target: 'linux/arm64',
      runner: 'qemu-user',
      emulated: true,
      base: { median: 1.234e-7, lo: 1.21e-7, hi: 1.26e-7, n: 10 },
      other: { median: 9.02e-7, lo: 8.8e-7, hi: 9.4e-7, n: 10 },
      deltaPercent: 631,
      p: 0.000183,
      significant: true,
      text: '+630.96% (p=0.000 n=10+10)',
    },
  ],
};

let dir: string;
let fileUrl: string;
let browser: Browser | undefined;
let page: Page;
const requested: string[] = [];
const blocked: string[] = [];
const errors: string[] = [];

async function openPage(): Promise<void> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found: this test opens the report in Debian's Chromium; install it with ` +
        '`apt-get install chromium`',
    );
  }
  dir = await mkdtemp(path.join(os.tmpdir(), 'crossgo-bench-html-'));
  const file = path.join(dir, 'bench.html');
  await writeFile(file, renderBenchHtml(REPORT));
  fileUrl = pathToFileURL(file).href;

  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  const context = await browser.newContext({ offline: true, viewport: { width: 1100, height: 900 } });
  // Offline: the page itself may load, nothing else.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url === fileUrl) return route.continue();
    blocked.push(url);
    return route.abort('blockedbyclient');
  });
  page = await context.newPage();
  // Every attempt shows here, even one the page's Content-Security-Policy stops before the router.
  page.on('request', (request) => requested.push(request.url()));
  // A blocked load or a CSP violation logs an error.
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(fileUrl, { waitUntil: 'load' });
}

// Every test awaits the page, so a missing Chromium fails each of them (with the fix), none is skipped.
let opened: Promise<void>;
beforeAll(async () => {
  opened = openPage();
  await opened.catch(() => {});
});

/** A test that needs the open page. */
function inPage(name: string, test: () => Promise<void>): void {
  it(name, async () => {
    await opened;
    await test();
  });
}

afterAll(async () => {
  await browser?.close();
});

const chart = (metric: string, group: string) =>
  page.locator(`svg.chart[data-metric="${metric}"][data-group="${group}"]`);

async function expectBars(svg: Locator, targets: readonly string[]): Promise<void> {
  expect(await svg.count()).toBe(1);
  const bars = svg.locator('rect.bar');
  expect(await bars.evaluateAll((els) => els.map((e) => e.getAttribute('data-target')))).toEqual(targets);
  const svgBox = await svg.boundingBox();
  if (!svgBox) throw new Error('chart has no box');
  for (const target of targets) {
    const box = await svg.locator(`rect.bar[data-target="${target}"]`).boundingBox();
    expect(box?.width, target).toBeGreaterThan(0);
    expect(box?.height, target).toBeGreaterThan(0);
    // The value label is drawn inside the chart, not cut off at its right edge.
    const label = await svg.locator(`text.value[data-target="${target}"]`).boundingBox();
    if (!label) throw new Error(`no value label for ${target}`);
    expect(label.x + label.width, target).toBeLessThanOrEqual(svgBox.x + svgBox.width);
  }
}

const valueText = (svg: Locator, target: string) =>
  svg.locator(`text.value[data-target="${target}"]`).textContent();

describe('the benchmark page in headless Chromium, offline', () => {
  inPage('loads the file and nothing else', async () => {
    expect(requested).toEqual([fileUrl]);
    expect(blocked).toEqual([]);
    expect(errors).toEqual([]);
    expect(await page.title()).toBe('crossgo bench: hello');
  });

  inPage('shows the header: title, Go version, host, commit, date, baseline', async () => {
    expect(await page.locator('#report-header h1').textContent()).toBe('crossgo bench: hello');
    const field = (name: string) => page.locator(`#report-header dd[data-field="${name}"]`).textContent();
    expect(await field('goVersion')).toBe('go1.22.5');
    expect(await field('host')).toBe('linux/amd64 (2 cores)');
    expect(await field('commit')).toBe(REPORT.generatedFrom.commit);
    expect(await field('date')).toBe('2024-05-06T07:08:09Z');
    expect(await field('baseline')).toBe('linux/amd64');
  });

  inPage('draws size and build time for every target on one axis, in human units', async () => {
    const all = ['linux/amd64', 'linux/386', 'linux/arm64', 'darwin/arm64'];
    const size = chart('size', 'all');
    await expectBars(size, all);
    expect(await page.locator('svg.chart[data-metric="size"]').count()).toBe(1);
    expect(await size.locator('rect.bar[data-target="linux/amd64"]').getAttribute('data-value')).toBe(
      '1593506',
    );
    expect(await valueText(size, 'linux/amd64')).toBe('1.52 MiB');
    expect(await valueText(size, 'darwin/arm64')).toBe('1.59 MiB (1.05× baseline)');

    const build = chart('build', 'all');
    await expectBars(build, all);
    expect(await page.locator('svg.chart[data-metric="build"]').count()).toBe(1);
    expect(await valueText(build, 'linux/386')).toBe('781 ms (0.93× baseline)');
    expect(await valueText(build, 'darwin/arm64')).toBe('1.13 s (1.34× baseline)');

    // Bars are proportional on the shared axis.
    const amd64 = await build.locator('rect.bar[data-target="linux/amd64"]').boundingBox();
    const darwin = await build.locator('rect.bar[data-target="darwin/arm64"]').boundingBox();
    expect((darwin?.width ?? 0) / (amd64?.width ?? 1)).toBeCloseTo(1130 / 842, 1);
  });

  for (const metric of ['startup', 'memory']) {
    inPage(`keeps emulated ${metric} figures apart from native ones, and says which cannot run`, async () => {
      const section = page.locator(`section#metric-${metric}`);
      await expectBars(chart(metric, 'native'), ['linux/amd64', 'linux/386']);
      await expectBars(chart(metric, 'emulated-qemu-user'), ['linux/arm64']);
      // Exactly two charts: the native one never holds an emulated bar.
      expect(await section.locator('svg.chart').count()).toBe(2);
      expect(await section.locator('.group[data-group="emulated-qemu-user"] h3').textContent()).toBe(
        'Emulated (qemu-user)',
      );
      expect(await section.locator('.emulated-note').textContent()).toContain(
        'Do not compare them with native figures',
      );
      const emulated = chart(metric, 'emulated-qemu-user');
      expect(await emulated.locator('text.runner-label').textContent()).toBe('emulated (qemu-user)');
      // Visibly distinct: hatched, not the native blue.
      const fill = (target: string) =>
        section.locator(`rect.bar[data-target="${target}"]`).evaluate((e) => getComputedStyle(e).fill);
      expect(await fill('linux/arm64')).toContain('url(');
      expect(await fill('linux/386')).not.toContain('url(');

      expect(await section.locator('rect.bar[data-target="darwin/arm64"]').count()).toBe(0);
      expect(await section.locator('li.cannot-run[data-target="darwin/arm64"]').textContent()).toBe(
        'darwin/arm64 cannot run here: no way to run darwin binaries on linux',
      );
    });
  }

  inPage('labels runtime values, with the p95 as a whisker', async () => {
    const native = chart('startup', 'native');
    expect(await valueText(native, 'linux/amd64')).toBe('0.91 ms · p95 1.42 ms · 30 runs');
    expect(await valueText(chart('startup', 'emulated-qemu-user'), 'linux/arm64')).toBe(
      '9.84 ms · p95 13.2 ms · 30 runs',
    );
    for (const target of ['linux/amd64', 'linux/386']) {
      const whisker = await native.locator(`line.whisker[data-target="${target}"]`).boundingBox();
      const bar = await native.locator(`rect.bar[data-target="${target}"]`).boundingBox();
      expect(whisker?.width, target).toBeGreaterThan(0);
      // The whisker starts where the median bar ends (its box includes half its 1.5 px stroke).
      const gap = (whisker?.x ?? 0) - ((bar?.x ?? 0) + (bar?.width ?? 0));
      expect(Math.abs(gap), target).toBeLessThanOrEqual(1);
    }
    expect(await valueText(chart('memory', 'native'), 'linux/amd64')).toBe('1.77 MiB');
    expect(await valueText(chart('memory', 'emulated-qemu-user'), 'linux/arm64')).toBe('6.25 MiB');
  });

  inPage('lists the Go benchmarks with their CI, flags emulated rows and greys out "~"', async () => {
    const rows = page.locator('table#benchmarks tbody tr');
    expect(await rows.count()).toBe(4);
    const cells = await rows.evaluateAll((trs) =>
      trs.map((tr) => [
        tr.getAttribute('data-benchmark'),
        tr.getAttribute('data-target'),
        tr.getAttribute('data-significant'),
        ...[...tr.querySelectorAll('td')].map((td) => td.textContent),
      ]),
    );
    expect(cells).toEqual([
      [
        'BenchmarkGreet-2',
        'linux/386',
        'true',
        'BenchmarkGreet-2',
        'sec/op',
        'linux/386',
        'native',
        '123 ns ± 2.1%',
        '146 ns ± 2.1%',
        '+18.23% (p=0.000 n=10+10)',
      ],
      [
        'BenchmarkGreet-2',
        'linux/386',
        'false',
        'BenchmarkGreet-2',
        'B/op',
        'linux/386',
        'native',
        '48 B ± 0%',
        '48 B ± 0%',
        '~ (p=1.000 n=10+10)',
      ],
      [
        'BenchmarkParse-2',
        'linux/386',
        'false',
        'BenchmarkParse-2',
        'sec/op',
        'linux/386',
        'native',
        '2.71 µs ± 5.5%',
        '2.75 µs ± 5.5%',
        '~ (p=0.481 n=10+10)',
      ],
      [
        'BenchmarkGreet-2',
        'linux/arm64',
        'true',
        'BenchmarkGreet-2',
        'sec/op',
        'linux/arm64',
        'qemu-user emulated',
        '123 ns ± 2.1%',
        '902 ns ± 4.2%',
        'not comparable (emulated)',
      ],
    ]);
    const delta = (i: number) =>
      rows
        .nth(i)
        .locator('td.delta')
        .evaluate((e) => getComputedStyle(e).fontStyle);
    expect(await delta(0)).toBe('normal');
    expect(await delta(2)).toBe('italic');
    expect(await rows.nth(3).getAttribute('data-emulated')).toBe('true');
    expect(await rows.nth(3).getAttribute('data-comparable')).toBe('false');
    expect(await rows.nth(3).locator('.flag.emulated').isVisible()).toBe(true);
  });

  inPage('renders to a screenshot', async () => {
    const png = path.join(dir, 'bench.png');
    await page.screenshot({ path: png, fullPage: true });
    const { size } = await stat(png);
    expect(size).toBeGreaterThan(10_000);
    console.log(`bench-html: page ${path.join(dir, 'bench.html')}, screenshot ${png} (${size} bytes)`);
  });
});
