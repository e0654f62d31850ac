import { UsageError } from '../errors.js';
import { externalLinkingReason } from './linkage.js';
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

export { DEFAULT_TARGETS } from './defaults.js';

const LIST_HINT = '(crossgo targets lists them)';

export interface ExpandOptions {
  /** Build ports the toolchain marks broken when named explicitly. */
  allowBroken?: boolean;
  /**
   * Leave the ports go cannot link without cgo (src/targets/linkage.ts) out of `all`, `*`
   * patterns and sets, and refuse them by name, unless cgo is on for them: cgoOn(target).
   * Unset: no such check (the commands that only read artifacts or run tests).
   */
  externalLinking?: { cgoOn: (target: Target) => boolean };
}

/** A port a set or pattern matched but the build leaves out, and why (one line). */
export interface LeftOutTarget {
  id: string;
  reason: string;
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
  return selectTargets(spec, ports, opts).targets;
}

/** expandTargets, with the ports a set matched but the options left out (see ExpandOptions). */
export function selectTargets(
  spec: string | readonly string[],
  ports: readonly Port[],
  opts: ExpandOptions = {},
): { targets: Target[]; leftOut: LeftOutTarget[] } {
  const tokens = (typeof spec === 'string' ? [spec] : spec)
    .flatMap((s) => s.split(','))
    .map((t) => t.trim())
    .filter((t) => t !== '');
  const included: { target: Target; named: boolean }[] = [];
  const excluded: Target[] = [];
  for (const token of tokens) {
    const negate = token.startsWith('!');
    const body = negate ? token.slice(1) : token;
    const matched = resolveToken(body, ports, opts, negate);
    if (negate) excluded.push(...matched);
    else included.push(...matched.map((target) => ({ target, named: !isSet(body) })));
  }
  const seen = new Set<string>();
  const result: Target[] = [];
  const leftOut: LeftOutTarget[] = [];
  for (const { target } of included) {
    if (seen.has(target.id)) continue;
    const isExcluded = excluded.some(
      (ex) =>
        ex.goos === target.goos &&
        ex.goarch === target.goarch &&
        (ex.variant === null || ex.variant === target.variant),
    );
    seen.add(target.id);
    if (isExcluded) continue;
    const external = opts.externalLinking ? externalLinkingReason(target.goos, target.goarch) : null;
    if (external && !opts.externalLinking?.cgoOn(target)) {
      // Named explicitly (by itself, not only through a set): a usage error before anything builds.
      if (included.some((i) => i.named && i.target.id === target.id)) {
        throw new UsageError(
          `target "${target.id}" cannot be built without cgo (go: ${external}): pass --cgo on with a C compiler that targets it (--cc), or leave it out`,
        );
      }
      leftOut.push({ id: target.id, reason: external });
      continue;
    }
    result.push(target);
  }
  if (result.length === 0) {
    const why =
      leftOut.length > 0 ? ` that links without cgo (${leftOut.map((l) => l.id).join(', ')} need it)` : '';
    throw new UsageError(`target list "${tokens.join(',')}" selects no target${why} ${LIST_HINT}`);
  }
  return { targets: result, leftOut };
}

/** A token that names a set of ports rather than one: `all`, `first-class`, a `*` pattern. */
function isSet(body: string): boolean {
  return body === 'all' || body === 'first-class' || body.includes('*');
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
