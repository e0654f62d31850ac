/**
 * Reads `go test -bench` output: the Go benchmark data format
 * (https://go.googlesource.com/proposal/+/master/design/14313-benchmark-format.md), line by line
 * as golang.org/x/perf/benchfmt's Reader does (benchfmt/reader.go), with units tidied as
 * benchstat shows them (benchunit/tidy.go: ns/op becomes sec/op, MB/s becomes B/s).
 *
 * Pure: takes the text, not a path or a process.
 */

export interface GoBenchResult {
  /** The name as go test prints it, without the GOMAXPROCS suffix: "BenchmarkX/size=10". */
  name: string;
  /** GOMAXPROCS, from the "-8" suffix; 1 without one (go test omits it when GOMAXPROCS is 1). */
  procs: number;
  /** b.N of this run. */
  iterations: number;
  /** Value per tidied unit: "sec/op" (from ns/op), "B/op", "allocs/op", "B/s" (from MB/s), custom units. */
  metrics: Record<string, number>;
  /** The configuration lines in force for this result (goos, goarch, pkg, cpu, …). */
  config: Readonly<Record<string, string>>;
  /** 1-based line number in the output. */
  line: number;
}

/** A line that starts like a result but is not one (e.g. a benchmark that printed to stdout). */
export interface GoBenchSyntaxError {
  line: number;
  text: string;
  message: string;
}

export interface GoBenchOutput {
  /** The configuration shared by every result (benchstat's header), e.g. goos, goarch, cpu, pkg. */
  config: Record<string, string>;
  results: GoBenchResult[];
  errors: GoBenchSyntaxError[];
}

/**
 * A "key: value" configuration line (benchfmt parseKeyValueLine): the key starts with a lower
 * case letter and has no spaces or upper case letters; the value follows after spaces or tabs.
 * "key:" alone unsets the key. Returns null for any other line.
 */
function parseConfigLine(line: string): { key: string; value: string } | null {
  const match = /^(\p{Ll}[^\s\p{Lu}:]*):(?:[ \t]+(.*))?$/u.exec(line);
  if (!match) return null;
  return { key: match[1] as string, value: match[2] ?? '' };
}

/** A measurement as Go's strconv.ParseFloat reads go test's numbers (decimal, exponent, Inf, NaN). */
function parseNumber(field: string): number | null {
  if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(field)) return Number(field);
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(field);
  if (!special) return null;
  if ((special[2] as string).toLowerCase() === 'nan') return Number.NaN;
  return special[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
}

/**
 * benchunit's Tidy: rescales pre-scaled units to base units, so "ns" becomes "sec" (×1e-9) and
 * "MB" becomes "B" (×1e6) wherever they stand in the numerator ("ns/op", "MB/s", "ns/GC").
 */
export function tidyUnit(unit: string): { unit: string; factor: number } {
  switch (unit) {
    case 'ns/op':
      return { unit: 'sec/op', factor: 1e-9 };
    case 'MB/s':
      return { unit: 'B/s', factor: 1e6 };
    case 'B/op':
    case 'allocs/op':
      return { unit, factor: 1 };
  }
  let factor = 1;
  let denominator = false;
  // Tokens are separated by '*' (back to the numerator), '/' (into the denominator), '-' and spaces.
  const tidied = unit.replace(/[*/\-\s]|[^*/\-\s]+/g, (token) => {
    if (token === '*') denominator = false;
    else if (token === '/') denominator = true;
    else if (!denominator && token === 'ns') {
      factor /= 1e9;
      return 'sec';
    } else if (!denominator && token === 'MB') {
      factor *= 1e6;
      return 'B';
    }
    return token;
  });
  return { unit: tidied, factor };
}

/** Splits "X/size=10-8" into "X/size=10" and 8 (benchfmt Name.splitGomaxprocs). */
function splitProcs(name: string): { base: string; procs: number } {
  const match = /^(.*)-(\d+)$/s.exec(name);
  if (!match) return { base: name, procs: 1 };
  return { base: match[1] as string, procs: Number(match[2]) };
}

/** Parses one "Benchmark…" line; a string is the syntax error, null a line to skip. */
function parseResultLine(line: string): Omit<GoBenchResult, 'config' | 'line'> | string | null {
  const fields = line.split(/\s+/).filter((field) => field !== '');
  const [fullName, iterationsField, ...pairs] = fields;
  // "go test -v" prints the bare name when a benchmark starts.
  if (fields.length === 1 && fullName === line) return null;
  if (iterationsField === undefined) return 'missing iteration count';
  if (!/^[+-]?\d+$/.test(iterationsField))
    return `parsing iteration count: invalid syntax in "${iterationsField}"`;
  if (pairs.length === 0) return 'missing measurements';
  const metrics: Record<string, number> = {};
  for (let i = 0; i < pairs.length; i += 2) {
    const value = parseNumber(pairs[i] as string);
    if (value === null) return `parsing measurement: invalid syntax in "${pairs[i]}"`;
    const unit = pairs[i + 1];
    if (unit === undefined) return 'missing units';
    const tidy = tidyUnit(unit);
    metrics[tidy.unit] = value * tidy.factor;
  }
  const { base, procs } = splitProcs((fullName as string).slice('Benchmark'.length));
  return { name: `Benchmark${base}`, procs, iterations: Number(iterationsField), metrics };
}

/**
 * Parses the output of `go test -bench` (any number of packages and -count runs, -v or not).
 * Lines that are neither results nor configuration (PASS, ok, logs) are ignored; lines that
 * start with "Benchmark" but do not parse are reported in `errors` rather than guessed at.
 */
export function parseGoBench(output: string): GoBenchOutput {
  const results: GoBenchResult[] = [];
  const errors: GoBenchSyntaxError[] = [];
  let config: Readonly<Record<string, string>> = Object.freeze({});
  const lines = output.split(/\r?\n/);
  lines.forEach((text, index) => {
    const line = index + 1;
    if (text.startsWith('Benchmark')) {
      const parsed = parseResultLine(text);
      if (typeof parsed === 'string') errors.push({ line, text, message: parsed });
      else if (parsed) results.push({ ...parsed, config, line });
      return;
    }
    const setting = parseConfigLine(text);
    if (!setting) return;
    const next: Record<string, string> = { ...config };
    if (setting.value === '') delete next[setting.key];
    else next[setting.key] = setting.value;
    config = Object.freeze(next);
  });

  // The header: what every result agrees on (a multi-package run differs in pkg).
  const shared: Record<string, string> = { ...(results[0]?.config ?? config) };
  for (const result of results) {
    for (const key of Object.keys(shared)) {
      if (result.config[key] !== shared[key]) delete shared[key];
    }
  }
  return { config: shared, results, errors };
}

/** One benchmark's values in one unit: one value per -count run, in output order. */
export interface BenchSamples {
  /** Without the GOMAXPROCS suffix: "BenchmarkX/size=10". */
  name: string;
  procs: number;
  /** Tidied unit: "sec/op", "B/op", "allocs/op", … */
  unit: string;
  /** The configuration the results ran under (pkg tells apart benchmarks of the same name). */
  config: Readonly<Record<string, string>>;
  values: number[];
}

/**
 * Groups results into samples, one per benchmark name, GOMAXPROCS, unit and configuration, in
 * order of first appearance. As in benchstat, runs at different GOMAXPROCS (-cpu 1,2,4) and
 * same-named benchmarks of different packages stay apart: mixing them would make one sample of
 * two distributions.
 */
export function groupSamples(results: readonly GoBenchResult[]): BenchSamples[] {
  const groups = new Map<string, BenchSamples>();
  for (const result of results) {
    const configKey = JSON.stringify(
      Object.entries(result.config).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    for (const [unit, value] of Object.entries(result.metrics)) {
      const key = JSON.stringify([configKey, result.name, result.procs, unit]);
      let group = groups.get(key);
      if (!group) {
        group = { name: result.name, procs: result.procs, unit, config: result.config, values: [] };
        groups.set(key, group);
      }
      group.values.push(value);
    }
  }
  return [...groups.values()];
}
