import { UsageError } from '../errors.js';
import { type BinaryArtifact, binaries, type Manifest, type ShardRecord } from './manifest.js';

/*
 * What `crossgo merge` decides before it writes anything: that the shard folders are the parts
 * of one run (same digest, same total, every index once, no target twice, none missing, none
 * failed), and the merged manifest a one-machine build of the same plan would have written.
 */

/** One shard folder's manifest, as read (hostile input, checked by readManifest). */
export interface ShardInput {
  /** The folder as the user named it, for messages. */
  shown: string;
  manifest: Manifest;
}

/** A binary to bring into the merged folder, and the shard folder it comes from. */
export interface MergedBinary {
  from: ShardInput;
  binary: BinaryArtifact;
}

const named = (s: ShardInput, shard: ShardRecord) => `shard ${shard.index} (${s.shown})`;

/** The shard record of a folder's manifest, or a usage error: it was not built with --shard. */
function shardOf(input: ShardInput): ShardRecord {
  const shard = input.manifest.shard;
  if (!shard) {
    throw new UsageError(
      `${input.shown}/manifest.json is not a shard's build (no "shard"): build it with crossgo build --shard I/N`,
    );
  }
  return shard;
}

/** A binary's key in the shard record's target list. */
function keyOf(binary: BinaryArtifact, shard: ShardRecord): string {
  const several = shard.targets.some((t) => t.includes(' '));
  return several ? `${binary.build ?? ''} ${binary.target}` : binary.target;
}

/** Every agreement field that differs between two shards, as merge says it. */
function differing(a: ShardInput, b: ShardInput): string {
  const sa = shardOf(a);
  const sb = shardOf(b);
  const words: string[] = [];
  for (const key of Object.keys(sa.agree) as (keyof ShardRecord['agree'])[]) {
    const va = JSON.stringify(sa.agree[key]);
    const vb = JSON.stringify(sb.agree[key]);
    if (va !== vb) words.push(`${key} differs: ${named(b, sb)} has ${vb}, ${named(a, sa)} has ${va}`);
  }
  if (words.length > 0) return words.join('; ');
  return `their digests differ (${named(b, sb)} ${sb.digest.slice(0, 12)}…, ${named(a, sa)} ${sa.digest.slice(0, 12)}…)`;
}

const list = (items: readonly string[]) =>
  items.length > 6 ? `${items.slice(0, 6).join(', ')} and ${items.length - 6} more` : items.join(', ');

/**
 * Checks that the inputs are all the shards of one run and returns every binary in the whole
 * plan's order, with the merged manifest (binaries only, no shard record). Throws a one-line
 * UsageError naming what differs, is missing or is built twice.
 */
export function planMerge(inputs: readonly ShardInput[]): { manifest: Manifest; binaries: MergedBinary[] } {
  if (inputs.length === 0)
    throw new UsageError('crossgo merge: name the shard folders (crossgo merge DIR… -o dist)');
  const first = inputs[0] as ShardInput;
  const base = shardOf(first);
  for (const input of inputs) {
    const shard = shardOf(input);
    if (shard.total !== base.total) {
      throw new UsageError(
        `shards of different totals: ${named(first, base)} is of ${base.total}, ${named(input, shard)} of ${shard.total}: merge the shards of one run`,
      );
    }
    if (shard.digest !== base.digest) {
      throw new UsageError(
        `shards of different builds: ${differing(first, input)}; merge the shards of one run`,
      );
    }
    const bad = input.manifest.artifacts.find((a) => a.kind !== 'binary');
    if (bad) {
      throw new UsageError(
        `${named(input, shard)} holds ${bad.path} (${bad.kind}), not only binaries: merge unpackaged shards, then run crossgo package on the result`,
      );
    }
    if (!input.manifest.complete || input.manifest.failures.length > 0) {
      const failed = input.manifest.failures.map((f) => f.target);
      throw new UsageError(
        `${named(input, shard)} is incomplete${failed.length > 0 ? ` (${list(failed)} failed)` : ''}: build that shard again`,
      );
    }
  }
  const byIndex = new Map<number, ShardInput>();
  for (const input of inputs) {
    const shard = shardOf(input);
    const other = byIndex.get(shard.index);
    if (other) {
      throw new UsageError(
        `shard ${shard.index} of ${base.total} is given twice: ${other.shown} and ${input.shown}; give each shard once`,
      );
    }
    byIndex.set(shard.index, input);
  }
  // Each key of the whole plan once: built by exactly one shard.
  const built = new Map<string, MergedBinary>();
  for (const input of [...byIndex.values()]) {
    const shard = shardOf(input);
    for (const binary of binaries(input.manifest)) {
      const key = keyOf(binary, shard);
      if (!shard.targets.includes(key)) {
        throw new UsageError(`${named(input, shard)} built ${key}, which is not in its plan's targets`);
      }
      const other = built.get(key);
      if (other) {
        throw new UsageError(
          `${key} is built by both ${named(other.from, shardOf(other.from))} and ${named(input, shard)}: give each shard once`,
        );
      }
      built.set(key, { from: input, binary });
    }
  }
  const missing = base.targets.filter((t) => !built.has(t));
  if (missing.length > 0) {
    const absent: number[] = [];
    for (let i = 1; i <= base.total; i++) if (!byIndex.has(i)) absent.push(i);
    const which =
      absent.length > 0 ? `shard ${absent.join(', ')} of ${base.total} missing` : 'targets missing';
    throw new UsageError(`${which}: no shard built ${list(missing)}; add that shard's folder`);
  }
  const ordered = base.targets.map((t) => built.get(t) as MergedBinary);
  const all = ordered.map((m) => m.binary);
  // The manifest a one-machine build writes: the same facts, every binary, no shard record.
  const { shard: _shard, ...facts } = first.manifest;
  const manifest: Manifest = {
    ...facts,
    complete: true,
    verified: all.length > 0 && all.every((b) => b.verification?.ok === true),
    artifacts: all,
    failures: [],
  };
  return { manifest, binaries: ordered };
}
