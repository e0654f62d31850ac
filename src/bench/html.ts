import type { BenchmarkComparison, BenchReport, BenchSample, TargetBench } from './types.js';
import { formatBenchValue, formatQuantity, pickUnit, type Quantity, UNITS } from './units.js';

/**
 * The benchmark report as one self-contained HTML page: inline CSS and inline SVG, no script, no
 * font, no image, and a Content-Security-Policy that forbids every fetch, so it renders offline.
 * The output depends on the report only (no clock, no locale, no randomness): same report, same bytes.
 *
 * Stable hooks for tests and tools:
 * - `section.metric#metric-<m>[data-metric=<m>]` for m in size | build | startup | memory;
 * - `svg.chart[data-metric][data-group]` (size and build: one chart, group "all"; startup and memory:
 *   one chart per runner group — "native", "emulated-qemu-user", "emulated-wine" — each on its own
 *   axis), with `g.row[data-target]` holding `rect.bar[data-target][data-value]` (the report's number,
 *   in the unit named by the chart's `data-unit`) and `text.value[data-target]`; startup rows add
 *   `line.whisker[data-target][data-value]` for the p95;
 * - `li.cannot-run[data-target]` / `li.not-measured[data-target]` instead of a bar;
 * - `table#benchmarks` with `tbody tr[data-benchmark][data-unit][data-target][data-runner]
 *   [data-emulated][data-significant][data-comparable]`.
 */
export function renderBenchHtml(report: BenchReport): string {
  const baseline = report.targets.find((t) => t.target === report.baseline);
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    // Nothing may be fetched: the page is all inline, and this keeps it that way.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(report.title)}</title>`,
    `<style>${CSS}</style>`,
    '</head>',
    '<body>',
    PATTERNS,
    renderHeader(report),
    '<main>',
    renderSharedAxisMetric(report, SIZE),
    renderSharedAxisMetric(report, BUILD),
    renderRuntimeMetric(report, STARTUP),
    renderRuntimeMetric(report, MEMORY),
    renderBenchmarks(report, baseline),
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Header

function renderHeader(report: BenchReport): string {
  const { goVersion, host, commit, date } = report.generatedFrom;
  const facts: [string, string, string][] = [
    ['goVersion', 'Go', goVersion],
    ['host', 'Host', host],
    ['commit', 'Commit', commit],
    ['date', 'Date', date],
    ['baseline', 'Baseline', report.baseline],
  ];
  return [
    '<header id="report-header">',
    `<h1>${esc(report.title)}</h1>`,
    '<dl class="facts">',
    ...facts.map(
      ([field, name, value]) => `<div><dt>${name}</dt><dd data-field="${field}">${esc(value)}</dd></div>`,
    ),
    '</dl>',
    '</header>',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Metrics

interface Metric {
  id: 'size' | 'build' | 'startup' | 'memory';
  title: string;
  description: string;
  quantity: Quantity;
  /** The unit of the report's own number, written as the chart's data-unit. */
  reportUnit: 'bytes' | 'ms' | 'KiB';
}

const SIZE: Metric = {
  id: 'size',
  title: 'Binary size',
  description: 'Size of each binary. Comparable across all targets: one axis.',
  quantity: 'bytes',
  reportUnit: 'bytes',
};
const BUILD: Metric = {
  id: 'build',
  title: 'Build time',
  description: 'Wall time of each build. Comparable across all targets: one axis.',
  quantity: 'ms',
  reportUnit: 'ms',
};
const STARTUP: Metric = {
  id: 'startup',
  title: 'Startup latency',
  description: 'Median wall time of a run, from start to exit; the whisker reaches the 95th percentile.',
  quantity: 'ms',
  reportUnit: 'ms',
};
const MEMORY: Metric = {
  id: 'memory',
  title: 'Peak memory',
  description: 'Peak resident set size of a run.',
  quantity: 'bytes',
  reportUnit: 'KiB',
};

/** One bar: the report's number (dataValue) and the same in the chart's quantity (amount). */
interface Bar {
  target: string;
  dataValue: number;
  amount: number;
  label: string;
  /** Startup's p95, in the chart's quantity, and as the report gives it. */
  whisker?: { amount: number; dataValue: number };
  /** A second line under the target name: "baseline", "emulated (qemu-user)". */
  note?: string;
  classes: string[];
}

interface Missing {
  target: string;
  kind: 'cannot-run' | 'not-measured';
  text: string;
}

/** Size and build time: every target on one axis. */
function renderSharedAxisMetric(report: BenchReport, metric: Metric): string {
  const bars: Bar[] = [];
  const missing: Missing[] = [];
  for (const t of report.targets) {
    const value = metric.id === 'size' ? t.size : t.buildMs;
    const ratio = metric.id === 'size' ? t.sizeVsBaseline : t.buildVsBaseline;
    if (!isMeasure(value)) {
      missing.push({ target: t.target, kind: 'not-measured', text: 'not measured' });
      continue;
    }
    const isBaseline = t.target === report.baseline;
    const versus = !isBaseline && isMeasure(ratio) ? ` (${ratio.toFixed(2)}× baseline)` : '';
    bars.push({
      target: t.target,
      dataValue: value,
      amount: value,
      label: formatQuantity(value, metric.quantity) + versus,
      note: isBaseline ? 'baseline' : undefined,
      classes: isBaseline ? ['baseline'] : [],
    });
  }
  return [
    sectionStart(metric),
    bars.length > 0 ? renderChart(metric, 'all', bars) : '<p class="empty">No targets.</p>',
    renderMissing(missing),
    '</section>',
  ].join('\n');
}

/**
 * Startup and memory: a run under an emulator measures the emulator as much as the program, so each
 * runner gets its own chart and axis; targets that cannot run here get a line, not a bar.
 */
function renderRuntimeMetric(report: BenchReport, metric: Metric): string {
  const groups = new Map<string, { runner: string; emulated: boolean; bars: Bar[] }>();
  const missing: Missing[] = [];
  for (const t of report.targets) {
    if (t.runner === null) {
      const reason = t.reason ?? 'no runner for this target';
      missing.push({ target: t.target, kind: 'cannot-run', text: `cannot run here: ${reason}` });
      continue;
    }
    const bar = runtimeBar(t, metric, t.target === report.baseline);
    if (!bar) {
      const text = t.reason ? `not measured: ${t.reason}` : 'not measured';
      missing.push({ target: t.target, kind: 'not-measured', text });
      continue;
    }
    const key = groupKey(t);
    const group = groups.get(key) ?? { runner: t.runner, emulated: t.emulated, bars: [] };
    group.bars.push(bar);
    groups.set(key, group);
  }
  // Native first, then the other runners in the report's order.
  const keys = [...groups.keys()].sort((a, b) => Number(b === 'native') - Number(a === 'native'));
  const foreign = keys.some((k) => k !== 'native');
  const parts = [sectionStart(metric)];
  if (foreign) {
    parts.push(
      '<p class="note emulated-note">Runs under an emulator or compatibility layer measure it as much ' +
        'as the program: each runner has its own chart and axis. Do not compare them with native figures.</p>',
    );
  }
  for (const key of keys) {
    const group = groups.get(key);
    if (!group) continue;
    const heading = key === 'native' ? 'Native' : capitalize(runnerLabel(group.runner, group.emulated));
    parts.push(
      `<div class="group${group.emulated ? ' emulated' : ''}" data-group="${esc(key)}" ` +
        `data-runner="${esc(group.runner)}" data-emulated="${group.emulated}">`,
      `<h3>${esc(heading)}</h3>`,
      renderChart(metric, key, group.bars),
      '</div>',
    );
  }
  if (keys.length === 0 && missing.length === 0) parts.push('<p class="empty">No targets.</p>');
  parts.push(renderMissing(missing), '</section>');
  return parts.join('\n');
}

function runtimeBar(t: TargetBench, metric: Metric, isBaseline: boolean): Bar | null {
  const classes = [t.emulated ? 'emulated' : '', isBaseline ? 'baseline' : ''].filter(Boolean);
  const native = t.runner === 'native' && !t.emulated;
  const runnerNote = native ? undefined : runnerLabel(t.runner ?? '', t.emulated);
  const note = [isBaseline ? 'baseline' : '', runnerNote ?? ''].filter(Boolean).join(', ') || undefined;
  if (metric.id === 'startup') {
    const s = t.startup;
    if (!s || !isMeasure(s.medianMs)) return null;
    const p95 = isMeasure(s.p95Ms) ? s.p95Ms : null;
    const label = [
      formatQuantity(s.medianMs, 'ms'),
      p95 === null ? '' : `p95 ${formatQuantity(p95, 'ms')}`,
      `${s.runs} runs`,
    ]
      .filter(Boolean)
      .join(' · ');
    return {
      target: t.target,
      dataValue: s.medianMs,
      amount: s.medianMs,
      label,
      whisker: p95 === null ? undefined : { amount: p95, dataValue: p95 },
      note,
      classes,
    };
  }
  if (!isMeasure(t.peakRssKiB)) return null;
  const bytes = t.peakRssKiB * 1024;
  return {
    target: t.target,
    dataValue: t.peakRssKiB,
    amount: bytes,
    label: formatQuantity(bytes, 'bytes'),
    note,
    classes,
  };
}

function groupKey(t: TargetBench): string {
  if (t.runner === 'native' && !t.emulated) return 'native';
  return t.emulated ? `emulated-${t.runner}` : `${t.runner}`;
}

function runnerLabel(runner: string, emulated: boolean): string {
  return emulated ? `emulated (${runner})` : `under ${runner}`;
}

function sectionStart(metric: Metric): string {
  return [
    `<section class="metric" id="metric-${metric.id}" data-metric="${metric.id}">`,
    `<h2>${metric.title}</h2>`,
    `<p class="description">${metric.description}</p>`,
  ].join('\n');
}

function renderMissing(missing: readonly Missing[]): string {
  if (missing.length === 0) return '';
  return [
    '<ul class="missing">',
    ...missing.map(
      (m) =>
        `<li class="${m.kind}" data-target="${esc(m.target)}"><span class="target">${esc(m.target)}</span> ` +
        `<span class="reason">${esc(m.text)}</span></li>`,
    ),
    '</ul>',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// SVG bar chart (horizontal bars: target names stay readable however many there are)

const WIDTH = 760;
const LABEL_END = 164;
const BAR_X = 172;
const BAR_MAX = 330;
const ROW = 34;
const BAR_H = 18;
const TOP = 6;
const AXIS = 28;

function renderChart(metric: Metric, group: string, bars: readonly Bar[]): string {
  const axis = niceAxis(
    Math.max(...bars.map((b) => Math.max(b.amount, b.whisker?.amount ?? 0))),
    metric.quantity,
  );
  const x = (amount: number) => BAR_X + (Math.max(0, amount) / axis.max) * BAR_MAX;
  const bottom = TOP + bars.length * ROW;
  const height = bottom + AXIS;
  const out = [
    `<svg class="chart" data-metric="${metric.id}" data-group="${esc(group)}" data-unit="${metric.reportUnit}" ` +
      `xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" ` +
      `viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${esc(`${metric.title}, ${group}`)}">`,
  ];
  for (const tick of axis.ticks) {
    out.push(
      `<line class="grid" x1="${num(x(tick.amount))}" y1="${TOP}" x2="${num(x(tick.amount))}" y2="${bottom}"/>`,
      `<text class="tick" x="${num(x(tick.amount))}" y="${bottom + 16}" text-anchor="middle">${esc(tick.label)}</text>`,
    );
  }
  out.push(`<line class="axis" x1="${BAR_X}" y1="${bottom}" x2="${BAR_X + BAR_MAX}" y2="${bottom}"/>`);
  bars.forEach((bar, i) => {
    const top = TOP + i * ROW;
    const barY = top + 4;
    const end = x(bar.amount);
    // A positive value always shows: at least half a pixel.
    const width = bar.amount > 0 ? Math.max(0.5, end - BAR_X) : 0;
    const target = esc(bar.target);
    const classes = ['bar', ...bar.classes].join(' ');
    out.push(`<g class="row" data-target="${target}">`);
    out.push(`<text class="target" x="${LABEL_END}" y="${top + 17}" text-anchor="end">${target}</text>`);
    if (bar.note) {
      out.push(
        `<text class="runner-label" x="${LABEL_END}" y="${top + 30}" text-anchor="end">${esc(bar.note)}</text>`,
      );
    }
    out.push(
      `<rect class="${classes}" data-target="${target}" data-value="${bar.dataValue}" x="${BAR_X}" ` +
        `y="${barY}" width="${num(width)}" height="${BAR_H}"><title>${target}: ${esc(bar.label)}</title></rect>`,
    );
    let labelX = BAR_X + width;
    if (bar.whisker) {
      const w = x(bar.whisker.amount);
      const mid = barY + BAR_H / 2;
      out.push(
        `<line class="whisker" data-target="${target}" data-value="${bar.whisker.dataValue}" ` +
          `x1="${num(BAR_X + width)}" y1="${mid}" x2="${num(w)}" y2="${mid}"/>`,
        `<line class="whisker-cap" x1="${num(w)}" y1="${barY + 3}" x2="${num(w)}" y2="${barY + BAR_H - 3}"/>`,
      );
      labelX = Math.max(labelX, w);
    }
    out.push(
      `<text class="value" data-target="${target}" x="${num(labelX + 6)}" y="${top + 17}">${esc(bar.label)}</text>`,
    );
    out.push('</g>');
  });
  out.push('</svg>');
  return out.join('\n');
}

interface Axis {
  max: number;
  ticks: { amount: number; label: string }[];
}

/** An axis from 0 to a round number in one unit (e.g. 0, 0.5, 1, 1.5 MiB), four or five ticks. */
function niceAxis(max: number, quantity: Quantity): Axis {
  const unit = pickUnit(max, UNITS[quantity]);
  const inUnit = max / unit.size;
  if (!(inUnit > 0)) return { max: unit.size, ticks: [{ amount: 0, label: `0 ${unit.name}` }] };
  const raw = inUnit / 4;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const multiple = [1, 2, 2.5, 5, 10].find((m) => raw <= m * magnitude) ?? 10;
  const step = multiple * magnitude;
  const count = Math.ceil(inUnit / step - 1e-9);
  // 2.5 needs one decimal more than its magnitude: 0.25, 2.5.
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9) + (multiple === 2.5 ? 1 : 0));
  const ticks = [];
  for (let i = 0; i <= count; i++) {
    ticks.push({ amount: i * step * unit.size, label: `${(i * step).toFixed(decimals)} ${unit.name}` });
  }
  return { max: count * step * unit.size, ticks };
}

// ---------------------------------------------------------------------------------------------
// The Go benchmark table

function renderBenchmarks(report: BenchReport, baseline: TargetBench | undefined): string {
  const rows = report.benchmarks.map((b) => renderBenchmarkRow(b, baseline));
  return [
    '<section id="benchmarks-section">',
    `<h2>Go benchmarks vs ${esc(report.baseline)}</h2>`,
    '<p class="description">Medians with their confidence interval; "~" means no significant difference. ' +
      'Timings under an emulator are only compared with a baseline emulated under the same runner.</p>',
    '<table id="benchmarks">',
    '<thead><tr><th>Benchmark</th><th>Unit</th><th>Target</th><th>Runner</th>' +
      `<th>${esc(report.baseline)} median ± CI</th><th>Target median ± CI</th><th>Delta</th></tr></thead>`,
    '<tbody>',
    ...(rows.length > 0
      ? rows
      : ['<tr class="empty"><td colspan="7">No Go benchmarks in this report.</td></tr>']),
    '</tbody>',
    '</table>',
    '</section>',
  ].join('\n');
}

function renderBenchmarkRow(b: BenchmarkComparison, baseline: TargetBench | undefined): string {
  const comparable = isComparable(b, baseline);
  const classes = [
    b.significant ? 'significant' : 'not-significant',
    b.emulated ? 'emulated' : '',
    comparable ? '' : 'not-comparable',
  ].filter(Boolean);
  const runner = b.emulated ? `${esc(b.runner)} <span class="flag emulated">emulated</span>` : esc(b.runner);
  const delta = comparable ? esc(b.text || '—') : 'not comparable (emulated)';
  return (
    `<tr class="${classes.join(' ')}" data-benchmark="${esc(b.name)}" data-unit="${esc(b.unit)}" ` +
    `data-target="${esc(b.target)}" data-runner="${esc(b.runner)}" data-emulated="${b.emulated}" ` +
    `data-significant="${b.significant}" data-comparable="${comparable}">` +
    `<td class="benchmark">${esc(b.name)}</td><td class="unit">${esc(b.unit)}</td>` +
    `<td class="target">${esc(b.target)}</td><td class="runner">${runner}</td>` +
    renderSample('base', b.base, b.unit) +
    (b.other ? renderSample('other', b.other, b.unit) : '<td class="other num">—</td>') +
    `<td class="delta">${delta}</td></tr>`
  );
}

/**
 * Native against native, or emulated against a baseline emulated under the same runner; a baseline
 * missing from the targets is taken as native (it is normally the host itself).
 */
function isComparable(b: BenchmarkComparison, baseline: TargetBench | undefined): boolean {
  const baseEmulated = baseline?.emulated ?? false;
  if (!b.emulated && !baseEmulated) return true;
  return b.emulated && baseEmulated && b.runner === baseline?.runner;
}

/** "1.23 µs ± 2.1%", as benchstat writes it; "± ∞" when there are too few samples for an interval. */
function renderSample(column: 'base' | 'other', s: BenchSample, unit: string): string {
  const median = formatBenchValue(s.median, unit);
  let ci = '± ∞';
  let title = `n=${s.n}: too few samples for a confidence interval`;
  if (s.lo !== null && s.hi !== null) {
    title = `n=${s.n}, interval ${formatBenchValue(s.lo, unit)} … ${formatBenchValue(s.hi, unit)}`;
    if (s.median !== 0) {
      const pct = (Math.max(s.hi - s.median, s.median - s.lo) / Math.abs(s.median)) * 100;
      ci = `± ${pct === 0 || pct >= 10 ? pct.toFixed(0) : pct.toFixed(1)}%`;
    } else {
      ci = `[${formatBenchValue(s.lo, unit)} … ${formatBenchValue(s.hi, unit)}]`;
    }
  }
  return (
    `<td class="${column} num" title="${esc(title)}"><span class="median">${esc(median)}</span> ` +
    `<span class="ci">${esc(ci)}</span></td>`
  );
}

// ---------------------------------------------------------------------------------------------
// Numbers and escaping

/** A number for an SVG attribute: at most two decimals, no trailing zeros. */
function num(value: number): string {
  return String(Number(value.toFixed(2)));
}

function isMeasure(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML (and inline SVG) content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return String(text).replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}
const esc = escapeHtml;

// ---------------------------------------------------------------------------------------------
// Style

/** Hatching for emulated bars, declared once for every chart (ids must be unique in the page). */
const PATTERNS = [
  '<svg class="defs" width="0" height="0" aria-hidden="true" focusable="false">',
  '<defs><pattern id="hatch-emulated" width="6" height="6" patternUnits="userSpaceOnUse" ' +
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fbe3c8"/>' +
    '<rect width="3" height="6" fill="#d9822b"/></pattern></defs>',
  '</svg>',
].join('\n');

const CSS = `
:root { color-scheme: light; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #1f2328; background: #fff; }
header, main { max-width: 1000px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 20px; border-bottom: 1px solid #d0d7de; }
h1 { font-size: 22px; margin: 0 0 8px; }
h2 { font-size: 18px; margin: 28px 0 4px; }
h3 { font-size: 14px; margin: 12px 0 2px; }
.facts { display: flex; flex-wrap: wrap; gap: 4px 24px; margin: 0 0 16px; }
.facts div { display: flex; gap: 6px; }
.facts dt { color: #59636e; }
.facts dd { margin: 0; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
.description { color: #59636e; margin: 0 0 8px; }
.note { background: #fff8c5; border: 1px solid #d4a72c66; border-radius: 6px; padding: 6px 10px; }
.defs { position: absolute; width: 0; height: 0; overflow: hidden; }
svg.chart { display: block; max-width: 100%; height: auto; }
svg.chart text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; fill: #1f2328; }
svg.chart text.runner-label { font-size: 10px; fill: #9a5b13; }
svg.chart text.tick { font-size: 10px; fill: #59636e; }
svg.chart .grid { stroke: #eaeef2; }
svg.chart .axis { stroke: #8c959f; }
.bar { fill: #4a7fc1; }
.bar.baseline { fill: #1f4e8c; }
.bar.emulated { fill: url(#hatch-emulated); stroke: #b0661c; stroke-width: 1; }
.whisker, .whisker-cap { stroke: #1f2328; stroke-width: 1.5; }
.group.emulated { border-left: 4px solid #d9822b; padding-left: 10px; margin-top: 8px; }
.missing { list-style: none; padding: 0; margin: 8px 0; }
.missing li { color: #59636e; }
.missing .target { font-weight: 600; color: #1f2328; }
.cannot-run .reason { font-style: italic; }
table { border-collapse: collapse; width: 100%; margin-bottom: 32px; font-size: 13px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid #d0d7de; vertical-align: top; }
th { background: #f6f8fa; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
td.benchmark, td.delta, td.target { white-space: nowrap; }
td.benchmark { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
tr.significant td.delta { font-weight: 600; }
tr.not-significant td.delta { color: #59636e; font-style: italic; }
tr.emulated { background: #fff4e5; }
tr.not-comparable td.delta { color: #9a5b13; font-weight: normal; font-style: italic; }
.flag.emulated { font-size: 11px; border: 1px solid #d9822b; color: #9a5b13; border-radius: 8px; padding: 0 6px; }
.empty { color: #59636e; }
`;
