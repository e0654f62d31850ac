import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type ArtifactRecord, binaries, type Manifest } from '../pipeline/manifest.js';
import { type Difference, explainDifference, type PathCandidate } from './explain.js';
import type { Conditions } from './sandbox.js';

/** One target of a reproducibility check: the two hashes, and where and why they differ. */
export interface TargetRepro {
  target: string;
  reproducible: boolean;
  sha256: [string, string | null];
  /** When the builds differ: where and the likely cause. */
  difference: Difference | null;
  /** A build that failed on one side. */
  error?: string;
}

export interface ReproReport {
  ok: boolean;
  /** What differed between the two builds, for the record. */
  conditions: { a: Conditions; b: Conditions };
  targets: TargetRepro[];
}

/** One target's two builds compared: by sha256, and explained from their bytes when they differ. */
export async function compareBuilds(
  a: ArtifactRecord,
  b: ArtifactRecord | null,
  outs: [string, string],
  candidates: readonly PathCandidate[],
): Promise<TargetRepro> {
  if (!b) {
    return {
      target: a.target,
      reproducible: false,
      sha256: [a.sha256, null],
      difference: null,
      error: 'the second build failed',
    };
  }
  if (a.sha256 === b.sha256) {
    return { target: a.target, reproducible: true, sha256: [a.sha256, b.sha256], difference: null };
  }
  const [x, y] = await Promise.all([
    readFile(path.join(outs[0], a.path)),
    readFile(path.join(outs[1], b.path)),
  ]);
  return {
    target: a.target,
    reproducible: false,
    sha256: [a.sha256, b.sha256],
    difference: explainDifference(x, y, candidates),
  };
}

/** Every target of two builds compared (outs: their output folders); a build that failed on either side is a failed target. */
export async function compareManifests(
  a: Manifest,
  b: Manifest,
  outs: [string, string],
  conditions: [Conditions, Conditions],
): Promise<TargetRepro[]> {
  const [ca, cb] = conditions;
  // The paths that differ on purpose: found in a binary, they are the cause.
  const candidates: PathCandidate[] = [
    { label: 'module folder', a: ca.moduleDir, b: cb.moduleDir },
    { label: 'HOME', a: ca.home, b: cb.home },
    { label: 'temporary folder', a: ca.tmpdir, b: cb.tmpdir },
  ];
  const targets: TargetRepro[] = [];
  for (const artifact of binaries(a)) {
    // By path: two builds of one config may share a target, never an output path.
    const other = binaries(b).find((x) => x.path === artifact.path && x.target === artifact.target) ?? null;
    targets.push(await compareBuilds(artifact, other, outs, candidates));
  }
  for (const failure of [...a.failures, ...b.failures]) {
    if (targets.some((t) => t.target === failure.target)) continue;
    targets.push({
      target: failure.target,
      reproducible: false,
      sha256: ['', null],
      difference: null,
      error: failure.excerpt,
    });
  }
  return targets;
}
