/** Targets as a GoReleaser-style matrix: every goos × goarch go supports, times each level list. */
export interface TargetMatrix {
  goos: string[];
  goarch: string[];
  goarm?: string[];
  goarm64?: string[];
  goamd64?: string[];
  go386?: string[];
  gomips?: string[];
  goppc64?: string[];
  goriscv64?: string[];
  /** Combinations left out: each entry's given fields must all match (goos, goarch, a level). */
  ignore?: TargetMatrixIgnore[];
}

export interface TargetMatrixIgnore {
  goos?: string;
  goarch?: string;
  goarm?: string;
  goarm64?: string;
  goamd64?: string;
  go386?: string;
  gomips?: string;
  goppc64?: string;
  goriscv64?: string;
}

import type { Port } from './ports.js';

/** The matrix key of each architecture's level (GoReleaser's goarm, goamd64, …). */
const LEVEL_KEY: Record<string, keyof TargetMatrixIgnore> = {
  arm: 'goarm',
  arm64: 'goarm64',
  amd64: 'goamd64',
  '386': 'go386',
  mips: 'gomips',
  mipsle: 'gomips',
  mips64: 'gomips',
  mips64le: 'gomips',
  ppc64: 'goppc64',
  ppc64le: 'goppc64',
  riscv64: 'goriscv64',
};

/**
 * The target list of a GoReleaser-style matrix: each goos × goarch the toolchain has as a port (a
 * pair it has not, such as darwin/386, is skipped, as GoReleaser skips it), times the level list
 * of its architecture (goarm for arm, goamd64 for amd64, …; none given: go's default level), less
 * every combination an `ignore` entry matches in all the fields it gives.
 */
export function expandMatrix(matrix: TargetMatrix, ports: readonly Port[]): string[] {
  const out: string[] = [];
  for (const goos of matrix.goos) {
    for (const goarch of matrix.goarch) {
      if (!ports.some((p) => p.goos === goos && p.goarch === goarch)) continue;
      const key = LEVEL_KEY[goarch];
      const levels = key && key !== 'goos' && key !== 'goarch' ? matrix[key] : undefined;
      for (const level of levels ?? [null]) {
        const ignored = (matrix.ignore ?? []).some((entry) => matches(entry, goos, goarch, key, level));
        if (!ignored) out.push(level === null ? `${goos}/${goarch}` : `${goos}/${goarch}/${level}`);
      }
    }
  }
  return out;
}

function matches(
  entry: TargetMatrixIgnore,
  goos: string,
  goarch: string,
  key: keyof TargetMatrixIgnore | undefined,
  level: string | null,
): boolean {
  for (const [field, value] of Object.entries(entry) as [keyof TargetMatrixIgnore, string][]) {
    if (field === 'goos' && value !== goos) return false;
    if (field === 'goarch' && value !== goarch) return false;
    if (field !== 'goos' && field !== 'goarch' && (field !== key || value !== level)) return false;
  }
  return true;
}

/** A targets value of the config as the list selectTargets reads: a matrix expanded, a list as is. */
export function targetsList(
  spec: string | readonly string[] | TargetMatrix,
  ports: readonly Port[],
): string | readonly string[] {
  return typeof spec === 'string' || Array.isArray(spec) ? spec : expandMatrix(spec as TargetMatrix, ports);
}
