import { EnvironmentError, UsageError } from '../../../errors.js';
import { run } from '../../../exec/run.js';
import type { Discovery } from '../../../pipeline/discovery.js';
import { parseGoRequests, resolveGoRelease } from '../../../toolchain/select.js';
import type { ConfigPlan } from './config.js';

/**
 * The Go releases a build asks for (--go, else the config's `go`), parsed but not resolved, or
 * null: the go on PATH (or the exact release already chosen, `goToolchain`).
 */
export function goRequests(
  options: { go?: string | string[]; goToolchain?: string },
  config: ConfigPlan,
): string[] | null {
  if (options.goToolchain) return null;
  if (options.go !== undefined) return parseGoRequests(options.go, '--go');
  if (config.cfg.go !== undefined) return parseGoRequests(config.cfg.go, `${config.name}: go`);
  return null;
}

/** build() makes one release's artifacts: several are buildAll's, refused before any work. */
export function refuseSeveral(requests: readonly string[] | null): void {
  if (requests && requests.length > 1) {
    throw new UsageError(
      `several Go releases requested (${requests.join(', ')}): build() makes one; call buildAll() (the CLI's build with --go does), or ask for one release with --go`,
    );
  }
}

/** The exact releases (go1.X.Y) for the requests, each checked obtainable, without repeats. */
export async function resolveReleases(discovery: Discovery, requests: readonly string[]): Promise<string[]> {
  const { go, env, cwd, signal } = discovery;
  const releases: string[] = [];
  for (const request of requests) {
    const release = await resolveGoRelease(request, {
      goBinary: go.binary,
      env,
      cwd,
      hostOs: go.env.GOHOSTOS,
      hostArch: go.env.GOHOSTARCH,
      signal,
    });
    await checkObtainable(go.binary, release, request, { cwd, env, signal });
    if (!releases.includes(release)) releases.push(release);
  }
  return releases;
}

/**
 * Asks go to fetch the release through its toolchain switching (into GOMODCACHE, go's own cache,
 * never the module or the output folder), or says why it cannot.
 */
async function checkObtainable(
  goBinary: string,
  release: string,
  request: string,
  opts: { cwd: string; env: NodeJS.ProcessEnv; signal?: AbortSignal },
): Promise<void> {
  const result = await run(goBinary, ['version'], { ...opts, env: { ...opts.env, GOTOOLCHAIN: release } });
  if (result.exitCode === 0 && result.stdout.includes(`${release} `)) return;
  const lines = result.stderr.trim().split('\n');
  // go's own reason: the proxy's "server response: …", else its last line.
  const response = lines.find((l) => l.trim().startsWith('server response:'));
  const why = (response?.trim().slice('server response:'.length) ?? lines.at(-1) ?? '')
    .trim()
    .replace(/^go: /, '');
  throw new EnvironmentError(
    `--go ${request}: go cannot get ${release} from the module proxy (${why || 'no such release'})`,
  );
}
