import { runChecked } from '../exec/run.js';
import type { GoToolchain } from '../toolchain/go.js';

/** A GOOS/GOARCH pair the toolchain knows, from `go tool dist list -json -broken`. */
export interface Port {
  goos: string;
  goarch: string;
  cgoSupported: boolean;
  firstClass: boolean;
  broken: boolean;
}

interface DistEntry {
  GOOS: string;
  GOARCH: string;
  CgoSupported?: boolean;
  FirstClass?: boolean;
  Broken?: boolean;
}

/** The ports of the active toolchain, broken ones included and marked. */
export async function listPorts(
  go: GoToolchain,
  opts: { cwd: string; env: NodeJS.ProcessEnv; signal?: AbortSignal },
): Promise<Port[]> {
  const result = await runChecked(go.binary, ['tool', 'dist', 'list', '-json', '-broken'], opts);
  return parseDistList(result.stdout);
}

export function parseDistList(json: string): Port[] {
  return (JSON.parse(json) as DistEntry[]).map((entry) => ({
    goos: entry.GOOS,
    goarch: entry.GOARCH,
    cgoSupported: entry.CgoSupported === true,
    firstClass: entry.FirstClass === true,
    broken: entry.Broken === true,
  }));
}
