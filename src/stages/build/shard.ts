import { createHash } from 'node:crypto';
import { UsageError } from '../../errors.js';
import { readRegular } from '../../fs/open.js';
import { binaries, type ShardRecord } from '../../pipeline/manifest.js';
import type { BuildPlan, TargetBuild } from '../../pipeline/plan.js';
import { readManifest } from '../../pipeline/readManifest.js';
import { CROSSGO_VERSION } from '../../version.js';

/*
 * `crossgo build --shard I/N`: one deterministic, balanced part of the plan's target builds.
 * Every shard plans the whole build, then keeps its part, so each records the whole plan's
 * target list and one digest of what must agree across shards (`crossgo merge` checks both).
 */

/** A shard of a run: 1-based index of total. */
export interface Shard {
  index: number;
  total: number;
}

/** The library option: a shard, or 'auto' (GitLab's CI_NODE_INDEX/CI_NODE_TOTAL, else CROSSGO_SHARD). */
export type ShardRequest = Shard | 'auto';

const SHAPE = 'expected I/N with 1 ≤ I ≤ N, e.g. 2/4';

/** "2/4" → {index: 2, total: 4}; anything else is a usage error naming `shown`. */
export function parseShard(text: string, shown = '--shard'): Shard {
  const match = /^(\d{1,6})\/(\d{1,6})$/.exec(text.trim());
  if (!match) throw new UsageError(`${shown} "${text}": ${SHAPE}`);
  return checkedShard({ index: Number(match[1]), total: Number(match[2]) }, `${shown} "${text}"`);
}

function checkedShard(shard: Shard, shown: string): Shard {
  const { index, total } = shard;
  if (!Number.isInteger(index) || !Number.isInteger(total) || total < 1 || index < 1 || index > total) {
    throw new UsageError(`${shown}: ${SHAPE}`);
  }
  return { index, total };
}

/** The shard a request names; 'auto' reads CI_NODE_INDEX/CI_NODE_TOTAL, else CROSSGO_SHARD. */
export function resolveShard(request: ShardRequest, env: NodeJS.ProcessEnv): Shard {
  if (request !== 'auto') return checkedShard(request, `shard ${request.index}/${request.total}`);
  const index = env.CI_NODE_INDEX;
  const total = env.CI_NODE_TOTAL;
  if (index !== undefined && index !== '' && total !== undefined && total !== '') {
    return parseShard(`${index}/${total}`, 'CI_NODE_INDEX/CI_NODE_TOTAL');
  }
  const own = env.CROSSGO_SHARD;
  if (own !== undefined && own !== '') return parseShard(own, 'CROSSGO_SHARD');
  throw new UsageError(
    '--shard auto: set CI_NODE_INDEX and CI_NODE_TOTAL (GitLab parallel:) or CROSSGO_SHARD=I/N, or give --shard I/N',
  );
}

/**
 * Static weights, in milliseconds so they mix with recorded durationMs: the cost of a cold build
 * of one target, used where no --costs manifest has a time. A first build of a GOOS/GOARCH
 * compiles the standard library for it, which is nearly all of its cost: measured here (go1.26.8,
 * empty GOCACHE, 2 shared cores) linux/amd64 11.3 s, darwin/arm64 10.1 s, wasip1/wasm 9.6 s,
 * windows/amd64 8.0 s: within the noise of one another, so every port weighs the same (the
 * README's table). A port listed here would weigh what it says.
 */
export const STATIC_WEIGHTS: Readonly<Record<string, number>> = { default: 10000 };

export function staticWeight(goos: string): number {
  return STATIC_WEIGHTS[goos] ?? (STATIC_WEIGHTS.default as number);
}

/** One build to place: its key (the shard record's), and its weight. */
export interface Weighed {
  key: string;
  weight: number;
}

/**
 * Assigns each item a 0-based shard: heaviest first (ties by key), each to the currently lightest
 * shard (ties: the lowest index). Deterministic given the same items and weights.
 */
export function assignShards(items: readonly Weighed[], total: number): number[] {
  const order = items
    .map((item, i) => ({ ...item, i }))
    .sort((a, b) => b.weight - a.weight || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const loads = new Array<number>(total).fill(0);
  const out = new Array<number>(items.length).fill(0);
  for (const item of order) {
    let best = 0;
    for (let s = 1; s < total; s++) if ((loads[s] as number) < (loads[best] as number)) best = s;
    loads[best] = (loads[best] as number) + item.weight;
    out[item.i] = best;
  }
  return out;
}

/** A build's key in a shard record: its target id, "<build> <target>" when the plan has several builds. */
export function shardKey(build: Pick<TargetBuild, 'unit' | 'target'>, severalBuilds: boolean): string {
  return severalBuilds ? `${build.unit.id} ${build.target.id}` : build.target.id;
}

/** Recorded build times from a previous manifest (--costs): "<build> <target>" and target → durationMs. */
export async function readCosts(file: string): Promise<Map<string, number>> {
  const manifest = await readManifest(file, `--costs ${file}`);
  if (!manifest)
    throw new UsageError(`--costs ${file}: no such file; give a manifest.json of an earlier build`);
  const costs = new Map<string, number>();
  for (const b of binaries(manifest)) {
    if (b.build !== undefined) costs.set(`${b.build} ${b.target}`, b.durationMs);
    if (!costs.has(b.target)) costs.set(b.target, b.durationMs);
  }
  return costs;
}

/** What must agree across the shards of one run: merge compares it field by field. */
export type ShardAgreement = ShardRecord['agree'];

/** The canonical JSON of a value: object keys sorted, so equal facts give equal bytes. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');

/** The agreement of a whole plan (before selection): source facts, config bytes, go, crossgo, flags. */
async function agreementOf(plan: Omit<BuildPlan, 'builds'>, builds: readonly TargetBuild[]) {
  const config = plan.config.file ? sha256(await readRegular(plan.config.file)) : 'none';
  // Every build's go arguments (up to -o) and the variables crossgo sets: all the flags, config
  // and command line alike, that change a binary; its path inside the folder (the template's work).
  const flags = sha256(
    canonical(
      builds.map((b) => ({
        build: b.unit.id,
        target: b.target.id,
        path: b.outputRel,
        args: b.args,
        env: b.env,
      })),
    ),
  );
  const v = plan.version;
  return {
    commit: v.commit,
    dirty: v.dirty,
    version: v.version,
    tag: v.tag,
    date: v.date,
    snapshot: v.snapshot,
    config,
    goVersion: plan.go.version.raw,
    goflags: plan.go.env.GOFLAGS ?? '',
    goexperiment: plan.go.env.GOEXPERIMENT ?? '',
    crossgo: CROSSGO_VERSION,
    outputTemplate: plan.template,
    flags,
  } satisfies ShardAgreement;
}

/**
 * The shard's part of the plan's builds, and its record: the whole plan's keys in plan order, the
 * agreement and its digest. Weights: `costs` (a previous manifest's durationMs), else static.
 */
export async function selectShard(
  plan: Omit<BuildPlan, 'builds'>,
  builds: readonly TargetBuild[],
  shard: Shard,
  costs: ReadonlyMap<string, number> | null,
): Promise<{ builds: TargetBuild[]; record: ShardRecord }> {
  const several = plan.units.length > 1;
  const keys = builds.map((b) => shardKey(b, several));
  const items = builds.map((b, i) => ({
    key: keys[i] as string,
    weight:
      costs?.get(`${b.unit.id} ${b.target.id}`) ?? costs?.get(b.target.id) ?? staticWeight(b.target.goos),
  }));
  const assigned = assignShards(items, shard.total);
  const agree = await agreementOf(plan, builds);
  return {
    builds: builds.filter((_, i) => assigned[i] === shard.index - 1),
    record: {
      index: shard.index,
      total: shard.total,
      targets: keys,
      digest: sha256(canonical(agree)),
      agree,
    },
  };
}
