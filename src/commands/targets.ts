import path from 'node:path';
import { discover } from '../pipeline/discovery.js';
import type { Port } from '../targets/ports.js';

export interface TargetsOptions {
  cwd?: string;
  firstClass?: boolean;
  cgo?: boolean;
  /** Include ports the toolchain marks broken. */
  broken?: boolean;
  environment?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface TargetsResult {
  goVersion: string;
  ports: Port[];
}

/** The ports of the active go toolchain, filtered. */
export async function targets(options: TargetsOptions = {}): Promise<TargetsResult> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const env = options.environment ?? process.env;
  const discovery = await discover({ cwd, env, signal: options.signal });
  const ports = (await discovery.ports()).filter(
    (p) =>
      (!options.firstClass || p.firstClass) &&
      (!options.cgo || p.cgoSupported) &&
      (options.broken || !p.broken),
  );
  return { goVersion: discovery.go.version.raw, ports };
}
