import { afterEach, describe, expect, it, vi } from 'vitest';
import { escapeHtml, renderBenchHtml } from '../../src/bench/html.js';
import type { BenchmarkComparison, BenchReport, TargetBench } from '../../src/bench/types.js';
import { formatQuantity } from '../../src/bench/units.js';

function target(name: string, fields: Partial<TargetBench> = {}): TargetBench {
  return {
    target: name,
    runner: 'native',
    emulated: false,
    size: 1_593_506,
    sizeVsBaseline: 1,
    buildMs: 800,
    buildVsBaseline: 1,
    startup: { medianMs: 1, p95Ms: 1.5, runs: 20 },
    peakRssKiB: 1_800,
    ...fields,
  };
}

function benchmark(fields: Partial<BenchmarkComparison> = {}): BenchmarkComparison {
  return {
    name: 'BenchmarkGreet-2',
    unit: 'sec/op',
    target: 'linux/386',
    runner: 'native',
    emulated: false,
    base: { median: 1.2e-7, lo: 1.1e-7, hi: 1.3e-7, n: 10 },
    other: { median: 1.4e-7, lo: 1.3e-7, hi: 1.5e-7, n: 10 },
    deltaPercent: 16.7,
    p: 0.001,
    significant: true,
    text: '+16.67% (p=0.001 n=10+10)',
    ...fields,
  };
}

const QEMU = { runner: 'qemu-user', emulated: true } as const;

function report(fields: Partial<BenchReport> = {}): BenchReport {
  return {
    title: 'crossgo bench: hello',
    generatedFrom: {
      goVersion: 'go1.22.5',
      host: 'linux/amd64',
      commit: 'abc123',
      date: '2024-05-06T07:08:09Z',
    },
    baseline: 'linux/amd64',
    targets: [
      target('linux/amd64'),
      target('linux/386', { size: 1_507_328, sizeVsBaseline: 0.946 }),
      target('linux/arm64', { ...QEMU, startup: { medianMs: 9.8, p95Ms: 13, runs: 20 }, peakRssKiB: 6_400 }),
      target('windows/386', { runner: 'wine', emulated: true, peakRssKiB: 9_000 }),
      target('darwin/arm64', {
        runner: null,
        reason: 'no way to run darwin binaries on linux',
        startup: null,
        peakRssKiB: null,
      }),
    ],
    benchmarks: [
      benchmark(),
      benchmark({ unit: 'B/op', significant: false, text: '~ (p=0.48 n=10+10)' }),
      benchmark({ target: 'linux/arm64', ...QEMU, text: '+600.00% (p=0.000 n=10+10)' }),
    ],
    ...fields,
  };
}

/** The chart elements, by metric and group, with the targets of their bars in order. */
function charts(html: string): Map<string, { svg: string; bars: string[] }> {
  const out = new Map<string, { svg: string; bars: string[] }>();
  for (const svg of html.match(/<svg class="chart"[\s\S]*?<\/svg>/g) ?? []) {
    const metric = /data-metric="([^"]*)"/.exec(svg)?.[1];
    const group = /data-group="([^"]*)"/.exec(svg)?.[1];
    const bars = [...svg.matchAll(/<rect class="bar[^"]*" data-target="([^"]*)"/g)].map((m) => m[1] ?? '');
    out.set(`${metric}/${group}`, { svg, bars });
  }
  return out;
}

function section(html: string, metric: string): string {
  const start = html.indexOf(`<section class="metric" id="metric-${metric}"`);
  expect(start, metric).toBeGreaterThanOrEqual(0);
  return html.slice(start, html.indexOf('</section>', start));
}

function tableRows(html: string): string[] {
  return html.match(/<tr class="[^"]*" data-benchmark=[\s\S]*?<\/tr>/g) ?? [];
}

afterEach(() => {
  vi.useRealTimers();
});

describe('renderBenchHtml', () => {
  it('draws one bar per target for size and build time, on one shared axis', () => {
    const all = ['linux/amd64', 'linux/386', 'linux/arm64', 'windows/386', 'darwin/arm64'];
    const found = charts(renderBenchHtml(report()));
    expect(found.get('size/all')?.bars).toEqual(all);
    expect(found.get('build/all')?.bars).toEqual(all);
    expect([...found.keys()].filter((k) => k.startsWith('size/') || k.startsWith('build/'))).toEqual([
      'size/all',
      'build/all',
    ]);
    expect(found.get('size/all')?.svg).toContain(
      '<rect class="bar baseline" data-target="linux/amd64" data-value="1593506"',
    );
    expect(found.get('size/all')?.svg).toContain('>1.44 MiB (0.95× baseline)</text>');
  });

  it('never puts emulated runtime figures on a native axis: one chart per runner', () => {
    const html = renderBenchHtml(report());
    const found = charts(html);
    for (const metric of ['startup', 'memory']) {
      expect(found.get(`${metric}/native`)?.bars, metric).toEqual(['linux/amd64', 'linux/386']);
      expect(found.get(`${metric}/emulated-qemu-user`)?.bars, metric).toEqual(['linux/arm64']);
      expect(found.get(`${metric}/emulated-wine`)?.bars, metric).toEqual(['windows/386']);
      expect([...found.keys()].filter((k) => k.startsWith(`${metric}/`))).toHaveLength(3);
      const qemu = found.get(`${metric}/emulated-qemu-user`)?.svg ?? '';
      expect(qemu).toContain('<rect class="bar emulated" data-target="linux/arm64"');
      expect(qemu).toContain('>emulated (qemu-user)</text>');
      expect(found.get(`${metric}/emulated-wine`)?.svg).toContain('>emulated (wine)</text>');
      expect(found.get(`${metric}/native`)?.svg).not.toContain('emulated');
      const part = section(html, metric);
      expect(part).toContain('class="note emulated-note"');
      expect(part).toContain('<h3>Emulated (qemu-user)</h3>');
    }
  });

  it('says why a target cannot run instead of drawing a bar', () => {
    const html = renderBenchHtml(report());
    for (const metric of ['startup', 'memory']) {
      const part = section(html, metric);
      expect(part).not.toContain('data-target="darwin/arm64" data-value');
      expect(part).toContain(
        '<li class="cannot-run" data-target="darwin/arm64"><span class="target">darwin/arm64</span> ' +
          '<span class="reason">cannot run here: no way to run darwin binaries on linux</span></li>',
      );
    }
    // A target that can run but has no figure is "not measured", with its note.
    const unmeasured = renderBenchHtml(
      report({
        targets: [target('linux/amd64'), target('linux/386', { startup: null, reason: 'timed out' })],
      }),
    );
    expect(section(unmeasured, 'startup')).toContain('<span class="reason">not measured: timed out</span>');
    expect(charts(unmeasured).get('startup/native')?.bars).toEqual(['linux/amd64']);
    expect(charts(unmeasured).get('memory/native')?.bars).toEqual(['linux/amd64', 'linux/386']);
  });

  it('draws the startup p95 as a whisker and labels values in human units', () => {
    const native = charts(renderBenchHtml(report())).get('startup/native')?.svg ?? '';
    expect(native).toContain('<line class="whisker" data-target="linux/amd64" data-value="1.5"');
    expect(native).toContain('>1.00 ms · p95 1.50 ms · 20 runs</text>');
    expect(formatQuantity(1_593_506, 'bytes')).toBe('1.52 MiB');
    expect(formatQuantity(1_048_575, 'bytes')).toBe('1.00 MiB');
    expect(formatQuantity(512, 'bytes')).toBe('512 B');
    expect(formatQuantity(20_480, 'bytes')).toBe('20.0 KiB');
    expect(formatQuantity(0.91, 'ms')).toBe('0.91 ms');
    expect(formatQuantity(842, 'ms')).toBe('842 ms');
    expect(formatQuantity(12_345, 'ms')).toBe('12.3 s');
  });

  it('tables the benchmarks: "~" not significant, emulated rows not comparable with a native baseline', () => {
    const rows = tableRows(renderBenchHtml(report()));
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^<tr class="significant" data-benchmark="BenchmarkGreet-2" data-unit="sec\/op"/);
    expect(rows[0]).toContain('data-significant="true" data-comparable="true"');
    expect(rows[0]).toContain('<span class="median">120 ns</span> <span class="ci">± 8.3%</span>');
    expect(rows[0]).toContain('<td class="delta">+16.67% (p=0.001 n=10+10)</td>');
    expect(rows[1]).toMatch(/^<tr class="not-significant"/);
    expect(rows[1]).toContain('data-significant="false"');
    expect(rows[1]).toContain('<td class="delta">~ (p=0.48 n=10+10)</td>');
    expect(rows[2]).toMatch(/^<tr class="significant emulated not-comparable"/);
    expect(rows[2]).toContain('data-emulated="true"');
    expect(rows[2]).toContain('<span class="flag emulated">emulated</span>');
    expect(rows[2]).toContain('<td class="delta">not comparable (emulated)</td>');
    expect(rows[2]).not.toContain('+600.00%');
  });

  it('compares emulated rows only with a baseline emulated under the same runner', () => {
    const rows = tableRows(
      renderBenchHtml(
        report({
          baseline: 'linux/arm64',
          benchmarks: [
            benchmark({ target: 'linux/riscv64', ...QEMU, text: '+3.00% (p=0.002 n=10+10)' }),
            benchmark({ target: 'windows/386', runner: 'wine', emulated: true }),
            benchmark({ target: 'linux/386' }),
          ],
        }),
      ),
    );
    expect(rows[0]).toContain('<td class="delta">+3.00% (p=0.002 n=10+10)</td>');
    expect(rows[1]).toContain('<td class="delta">not comparable (emulated)</td>');
    // A native target against an emulated baseline is not comparable either.
    expect(rows[2]).toContain('<td class="delta">not comparable (emulated)</td>');
  });

  it('shows "± ∞" and no target figure when samples are missing', () => {
    const [row] = tableRows(
      renderBenchHtml(
        report({ benchmarks: [benchmark({ base: { median: 5, lo: null, hi: null, n: 3 }, other: null })] }),
      ),
    );
    expect(row).toContain('<span class="ci">± ∞</span>');
    expect(row).toContain('<td class="other num">—</td>');
  });

  it('escapes every string from the report', () => {
    const evil = `<script>alert("x")</script>&'`;
    const html = renderBenchHtml(
      report({
        title: evil,
        generatedFrom: { goVersion: evil, host: evil, commit: evil, date: evil },
        baseline: evil,
        targets: [
          target(evil),
          target(`${evil}/qemu`, { ...QEMU, runner: 'qemu-user' }),
          target(`${evil}/none`, { runner: null, reason: evil, startup: null, peakRssKiB: null }),
        ],
        benchmarks: [benchmark({ name: evil, unit: evil, target: evil, runner: evil, text: evil })],
      }),
    );
    expect(html).not.toContain('<script');
    expect(html).not.toContain('"x")');
    expect(html).toContain(escapeHtml(evil));
    expect(escapeHtml(evil)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
    // The structure is the same as with harmless names: nothing was injected.
    const tags = (text: string) => (text.match(/<[a-z0-9]+/g) ?? []).sort().join(' ');
    const harmless = renderBenchHtml(
      report({
        title: 't',
        generatedFrom: { goVersion: 'g', host: 'h', commit: 'c', date: 'd' },
        baseline: 'x',
        targets: [
          target('x'),
          target('x/qemu', { ...QEMU, runner: 'qemu-user' }),
          target('x/none', { runner: null, reason: 'r', startup: null, peakRssKiB: null }),
        ],
        benchmarks: [benchmark({ name: 'n', unit: 'u', target: 'x', runner: 'r', text: 't' })],
      }),
    );
    expect(tags(html)).toBe(tags(harmless));
  });

  it('is deterministic: same report, same bytes, whatever the clock', () => {
    const input = report();
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2001-01-01T00:00:00Z'));
    const first = renderBenchHtml(input);
    vi.setSystemTime(new Date('2031-06-15T12:34:56Z'));
    const second = renderBenchHtml(structuredClone(input));
    expect(second).toBe(first);
    expect(first).not.toMatch(/2001|2031/);
  });

  it('needs no network: no script, no link, no external URL', () => {
    const html = renderBenchHtml(report());
    expect(html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|src=|href=/i);
    for (const url of html.match(/url\([^)]*\)/g) ?? []) expect(url).toMatch(/^url\(#/);
    // The only "http" is the SVG namespace, which is a name, not a fetch.
    expect(html.replaceAll('xmlns="http://www.w3.org/2000/svg"', '')).not.toMatch(/https?:/);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
  });

  it('renders an empty report', () => {
    const html = renderBenchHtml(report({ targets: [], benchmarks: [] }));
    expect(charts(html).size).toBe(0);
    expect(html).toContain('<p class="empty">No targets.</p>');
    expect(html).toContain('No Go benchmarks in this report.');
  });
});
