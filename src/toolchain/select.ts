import { EnvironmentError, UsageError } from '../errors.js';
import { run } from '../exec/run.js';
import { compareGoVersions, parseGoVersion } from './version.js';

/**
 * `--go`: which Go releases to build with. crossgo runs go with GOTOOLCHAIN=go1.X.Y, and the
 * go command fetches that release from the module proxy (golang.org/toolchain) the first time,
 * as `go.mod`'s toolchain line would make it: no second installation to manage.
 */

const REQUEST = /^(?:go)?(\d+)\.(\d+)(?:\.(\d+)|(rc\d+))?$/;

/** Parses `1.25.4`, `go1.26`, `1.24.9,1.26` (a list from flags or config) into release requests. */
export function parseGoRequests(value: string | readonly string[], where: string): string[] {
  const items = (typeof value === 'string' ? [value] : value)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  if (items.length === 0) throw new UsageError(`${where}: expected Go releases, e.g. 1.25.4 or 1.24.9,1.26`);
  for (const item of items) {
    if (!REQUEST.test(item)) {
      throw new UsageError(`${where} "${item}": not a Go release; expected e.g. 1.25.4, 1.26 or 1.26rc1`);
    }
  }
  return [...new Set(items.map((i) => i.replace(/^go/, '')))];
}

interface ResolveOptions {
  goBinary: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  hostOs: string;
  hostArch: string;
  signal?: AbortSignal;
}

/**
 * The exact release for a request: `1.25.4` as is; `1.26` the newest 1.26.N the module proxy
 * has for this host (a Go 1.21+ language version like "1.26" names no release by itself).
 */
export async function resolveGoRelease(request: string, opts: ResolveOptions): Promise<string> {
  const match = REQUEST.exec(request);
  if (!match) throw new UsageError(`--go "${request}": not a Go release`);
  if (match[3] !== undefined || match[4] !== undefined) return `go${request}`;
  const releases = await listToolchains(opts);
  const newest = releases
    .map((r) => parseGoVersion(r))
    .filter((v) => v !== null && v.pre === '' && v.major === Number(match[1]) && v.minor === Number(match[2]))
    .sort((a, b) => compareGoVersions(b as NonNullable<typeof b>, a as NonNullable<typeof a>))[0];
  if (!newest) {
    throw new EnvironmentError(
      `--go ${request}: the module proxy has no go${request}.N release for ${opts.hostOs}/${opts.hostArch}`,
    );
  }
  return newest.raw;
}

const lists = new Map<string, Promise<string[]>>();

/** Every release the proxy offers for this host, from golang.org/toolchain's versions. */
function listToolchains(opts: ResolveOptions): Promise<string[]> {
  const suffix = `.${opts.hostOs}-${opts.hostArch}`;
  let list = lists.get(suffix);
  if (!list) {
    list = run(opts.goBinary, ['list', '-m', '-versions', 'golang.org/toolchain'], {
      cwd: opts.cwd,
      env: { ...opts.env, GOTOOLCHAIN: 'local' },
      signal: opts.signal,
    }).then((r) => {
      if (r.exitCode !== 0) {
        throw new EnvironmentError(
          `--go: cannot list Go releases from the module proxy (GOPROXY): ${r.stderr.trim().split('\n').at(-1)}`,
        );
      }
      return r.stdout
        .trim()
        .split(/\s+/)
        .slice(1)
        .filter((v) => v.endsWith(suffix))
        .map((v) => v.slice('v0.0.1-'.length, -suffix.length));
    });
    lists.set(suffix, list);
  }
  return list;
}
