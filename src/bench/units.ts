/**
 * The one formatter of measured quantities, shared by the terminal tables and the HTML report, so
 * both say "110 ns" for a benchmark's 1.1e-7 sec/op and "1.52 MiB" for a size. Three significant
 * digits in the largest unit the value reaches, as benchstat prints (golang.org/x/perf/benchunit).
 */

export type Quantity = 'bytes' | 'ms';

export interface Unit {
  name: string;
  /** How many of the quantity's base unit (bytes, milliseconds) one of this unit is. */
  size: number;
}

export const UNITS: Record<Quantity, readonly Unit[]> = {
  bytes: [
    { name: 'B', size: 1 },
    { name: 'KiB', size: 1024 },
    { name: 'MiB', size: 1024 ** 2 },
    { name: 'GiB', size: 1024 ** 3 },
  ],
  ms: [
    { name: 'ms', size: 1 },
    { name: 's', size: 1000 },
  ],
};

/** Go benchmark time units (testing.BenchmarkResult's ns/op, benchstat's sec/op), in seconds. */
const SECONDS: readonly Unit[] = [
  { name: 'ns', size: 1e-9 },
  { name: 'µs', size: 1e-6 },
  { name: 'ms', size: 1e-3 },
  { name: 's', size: 1 },
];

/** The largest unit the value reaches, after rounding (1048575 B is 1.00 MiB, not 1024 KiB). */
export function pickUnit(value: number, units: readonly Unit[]): Unit {
  let unit = units[0] as Unit;
  for (const u of units) if (Number(digits3(Math.abs(value) / u.size)) >= 1) unit = u;
  return unit;
}

function inUnits(value: number, units: readonly Unit[]): string {
  const first = units[0] as Unit;
  if (value === 0) return `0 ${first.name}`;
  const unit = pickUnit(value, units);
  // Whole bytes: a fraction of a byte is noise of an average.
  if (unit.name === 'B') return `${Math.round(value)} B`;
  return `${digits3(value / unit.size)} ${unit.name}`;
}

/** 1593506 bytes → "1.52 MiB"; 12.34 ms → "12.3 ms"; 1234 ms → "1.23 s". */
export function formatQuantity(value: number, quantity: Quantity): string {
  return inUnits(value, UNITS[quantity]);
}

/** 1593506 → "1.52 MiB". */
export function formatBytes(bytes: number): string {
  return formatQuantity(bytes, 'bytes');
}

/** 0.91 → "0.91 ms"; 1549 → "1.55 s". */
export function formatMilliseconds(ms: number): string {
  return formatQuantity(ms, 'ms');
}

/**
 * A Go benchmark figure in its unit: sec/op and ns/op in ns, µs, ms or s; B/op in B, KiB, MiB;
 * any other unit (allocs/op, MB/s, a b.ReportMetric unit) as a plain number of four digits.
 */
export function formatBenchValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return String(value);
  if (unit.startsWith('sec/')) return inUnits(value, SECONDS);
  if (unit.startsWith('ns/')) return inUnits(value * 1e-9, SECONDS);
  if (unit.startsWith('B/')) return formatQuantity(value, 'bytes');
  return String(Number(value.toPrecision(4)));
}

/** Three significant digits for values from 1 to 999 (fewer decimals as the number grows). */
function digits3(value: number): string {
  const abs = Math.abs(value);
  return value.toFixed(abs < 10 ? 2 : abs < 100 ? 1 : 0);
}
