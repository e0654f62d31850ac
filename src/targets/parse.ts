import { UsageError } from '../errors.js';
import type { Port } from './ports.js';
import { nearest } from './suggest.js';
import { levelFor } from './variants.js';

/** One build target: a port and an optional micro-architecture level. */
export interface Target {
  goos: string;
  goarch: string;
  variant: string | null;
  /** Canonical spelling: goos/goarch[/variant]. */
  id: string;
  /** The level variable the variant sets, e.g. { name: "GOAMD64", value: "v3" }. */
  level: { name: string; value: string } | null;
  port: Port;
}

export const DEFAULT_TARGETS = 'linux/amd64,darwin/arm64,windows/386';
const LIST_HINT = '(crossgo targets lists them)';

export interface ExpandOptions {
  /** Build ports the toolchain marks broken when named explicitly. */
  allowBroken?: boolean;
}

/**
 * Expands a target list: comma-separated `goos/goarch[/variant]`, `*` wildcards,
 * the sets `all` and `first-class`, and exclusions prefixed with `!`. Order of first mention is kept.
 */
export function expandTargets(
  spec: string | readonly string[],
  ports: readonly Port[],
  opts: ExpandOptions = {},
): Target[] {
  const tokens = (typeof spec === 'string' ? [spec] : spec)
    .flatMap((s) => s.split(','))
    .map((t) => t.trim())
    .filter((t) => t !== '');
  const included: Target[] = [];
  const excluded: Target[] = [];
  for (const token of tokens) {
    const negate = token.startsWith('!');
    const body = negate ? token.slice(1) : token;
    const matched = resolveToken(body, ports, opts, negate);
    (negate ? excluded : included).push(...matched);
  }
  const seen = new Set<string>();
  const result: Target[] = [];
  for (const target of included) {
    if (seen.has(target.id)) continue;
    const isExcluded = excluded.some(
      (ex) =>
        ex.goos === target.goos &&
        ex.goarch === target.goarch &&
        (ex.variant === null || ex.variant === target.variant),
    );
    seen.add(target.id);
    if (!isExcluded) result.push(target);
  }
  if (result.length === 0) {
    throw new UsageError(`target list "${tokens.join(',')}" selects no target ${LIST_HINT}`);
  }
  return result;
}

function resolveToken(body: string, ports: readonly Port[], opts: ExpandOptions, negate: boolean): Target[] {
  const usable = (p: Port) => !p.broken || opts.allowBroken === true;
  if (body === 'all') return ports.filter((p) => !p.broken).map((p) => toTarget(p, null));
  if (body === 'first-class')
    return ports.filter((p) => p.firstClass && !p.broken).map((p) => toTarget(p, null));
  const parts = body.split('/');
  const [goos = '', goarch = '', variant, ...rest] = parts;
  const allIds = ports.map((p) => `${p.goos}/${p.goarch}`);
  if (parts.length < 2 || rest.length > 0 || goos === '' || goarch === '' || variant === '') {
    const guess = nearest(body, allIds) ?? nearestByOs(goos, ports);
    throw new UsageError(
      `unknown target "${body}": targets are goos/goarch[/variant]${guess ? `, did you mean ${guess}?` : ''} ${LIST_HINT}`,
    );
  }
  if (goos.includes('*') || goarch.includes('*')) {
    if (variant !== undefined)
      throw new UsageError(`target "${body}": a wildcard target cannot take a variant`);
    const matches = ports.filter(
      (p) => glob(goos, p.goos) && glob(goarch, p.goarch) && (negate || !p.broken),
    );
    if (matches.length === 0) throw new UsageError(`target pattern "${body}" matches no port ${LIST_HINT}`);
    return matches.map((p) => toTarget(p, null));
  }
  const port = ports.find((p) => p.goos === goos && p.goarch === goarch);
  if (!port) {
    const guess = nearest(`${goos}/${goarch}`, allIds);
    throw new UsageError(`unknown target "${body}": ${guess ? `did you mean ${guess}? ` : ''}${LIST_HINT}`);
  }
  if (!negate && !usable(port)) {
    throw new UsageError(
      `target "${goos}/${goarch}" is marked broken by this Go toolchain: pass --allow-broken to build it anyway`,
    );
  }
  return [toTarget(port, variant ?? null, body)];
}

function toTarget(port: Port, variant: string | null, spelled?: string): Target {
  const base = `${port.goos}/${port.goarch}`;
  if (variant === null) {
    return { goos: port.goos, goarch: port.goarch, variant: null, id: base, level: null, port };
  }
  const level = levelFor(port.goarch);
  if (!level) {
    throw new UsageError(
      `target "${spelled ?? `${base}/${variant}`}": ${port.goarch} has no micro-architecture variants, use ${base}`,
    );
  }
  if (!level.values.includes(variant)) {
    const guess = nearest(variant, level.values);
    throw new UsageError(
      `unknown variant "${variant}" in target "${spelled ?? base}": ${guess ? `did you mean ${base}/${guess}? ` : ''}(${level.name} takes ${level.values.join(', ')})`,
    );
  }
  return {
    goos: port.goos,
    goarch: port.goarch,
    variant,
    id: `${base}/${variant}`,
    level: { name: level.name, value: variant },
    port,
  };
}

function nearestByOs(goos: string, ports: readonly Port[]): string | undefined {
  const os = nearest(goos, [...new Set(ports.map((p) => p.goos))]);
  if (!os) return undefined;
  const preferred = ['amd64', 'arm64'];
  const first =
    preferred.map((arch) => ports.find((p) => p.goos === os && p.goarch === arch)).find(Boolean) ??
    ports.find((p) => p.goos === os);
  return first ? `${first.goos}/${first.goarch}` : undefined;
}

function glob(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
  return re.test(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Does a config override selector (goos/goarch[/variant], `*` wildcards) apply to a target? */
export function selectorMatches(selector: string, target: Target): boolean {
  const [goos = '', goarch = '*', variant] = selector.split('/');
  return (
    glob(goos, target.goos) &&
    glob(goarch, target.goarch) &&
    (variant === undefined || variant === '*' || variant === target.variant)
  );
}
