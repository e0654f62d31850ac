import { EnvironmentError } from '../errors.js';
import { runChecked } from '../exec/run.js';
import { compareGoVersions, type GoVersion, parseGoVersion } from './version.js';

/** The go toolchain crossgo drives, and the parts of its environment that matter. */
export interface GoToolchain {
  /** The command, as found on PATH (or CROSSGO_GO). */
  binary: string;
  version: GoVersion;
  env: GoEnv;
}

/** The `go env` keys crossgo reads; all strings, empty when unset. */
export const GO_ENV_KEYS = [
  'GOVERSION',
  'GOROOT',
  'GOPATH',
  'GOCACHE',
  'GOMODCACHE',
  'GOMOD',
  'GOWORK',
  'GOFLAGS',
  'GOHOSTOS',
  'GOHOSTARCH',
  'GOEXPERIMENT',
  'GOTOOLCHAIN',
  'GOPROXY',
] as const;
export type GoEnv = Record<(typeof GO_ENV_KEYS)[number], string>;

export const MIN_GO = parseGoVersion('go1.21.0') as GoVersion;

export interface FindGoOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** Finds go, reads its environment in one call, and refuses a release older than 1.21. */
export async function findGo({ cwd, env, signal }: FindGoOptions): Promise<GoToolchain> {
  const binary = env.CROSSGO_GO || 'go';
  const result = await runChecked(binary, ['env', '-json', ...GO_ENV_KEYS], {
    cwd,
    env,
    signal,
    missingHint: 'crossgo needs Go 1.21 or newer: install it from https://go.dev/dl and put go on PATH',
  });
  const parsed = JSON.parse(result.stdout) as Partial<GoEnv>;
  const goEnv = Object.fromEntries(GO_ENV_KEYS.map((key) => [key, parsed[key] ?? ''])) as GoEnv;
  const version = parseGoVersion(goEnv.GOVERSION);
  if (!version) {
    throw new EnvironmentError(
      `cannot read the Go version from ${binary} (GOVERSION=${JSON.stringify(goEnv.GOVERSION)})`,
    );
  }
  if (compareGoVersions(version, MIN_GO) < 0) {
    throw new EnvironmentError(
      `${binary} is ${version.raw}, older than go1.21: install Go 1.21 or newer from https://go.dev/dl`,
    );
  }
  return { binary, version, env: goEnv };
}
