import { listPorts, type Port } from '../targets/ports.js';
import { findGo, type GoToolchain } from '../toolchain/go.js';
import { readVersionInfo, type VersionInfo, visibleToGit } from '../toolchain/vcs.js';

/**
 * What a run learns about the machine, read once and handed down: `go env` (one `go env -json`),
 * the port list (`go tool dist list -json`, on first use) and the git facts of a folder (on first
 * use, per folder). Planning, doctor and cgo detection take it instead of asking go again.
 */
export interface Discovery {
  /** Where go runs. */
  readonly cwd: string;
  /** The environment crossgo starts from (with GOTOOLCHAIN when this is a release's discovery). */
  readonly env: NodeJS.ProcessEnv;
  readonly go: GoToolchain;
  /** The exact release (GOTOOLCHAIN) this discovery runs go with, or null: the go on PATH. */
  readonly release: string | null;
  readonly signal?: AbortSignal;
  /** The toolchain's ports, broken ones included and marked. */
  ports(): Promise<Port[]>;
  /** Version, commit and date from git in `dir` (`override` replaces git describe). */
  version(dir: string, override?: string): Promise<VersionInfo>;
  /** True when `file` is in git's work tree at `dir` and not ignored. */
  visibleToGit(dir: string, file: string): Promise<boolean>;
  /** The same machine seen through another Go release (GOTOOLCHAIN=release); git facts are shared. */
  forRelease(release: string): Promise<Discovery>;
}

export interface DiscoverOptions {
  cwd: string;
  /** Default process.env. */
  env?: NodeJS.ProcessEnv;
  /** An exact release (go1.25.4) to run go with, through GOTOOLCHAIN. */
  release?: string | null;
  signal?: AbortSignal;
}

/** Reads go env once and returns the run's discovery; the rest is read on first use and kept. */
export async function discover(options: DiscoverOptions): Promise<Discovery> {
  return discoverWith(options, new Map());
}

/** The git facts do not depend on the Go release: one cache for a discovery and its releases'. */
type GitCache = Map<string, Promise<unknown>>;

async function discoverWith(options: DiscoverOptions, git: GitCache): Promise<Discovery> {
  const { cwd, signal } = options;
  const release = options.release ?? null;
  const base = options.env ?? process.env;
  const env = release ? { ...base, GOTOOLCHAIN: release } : base;
  const go = await findGo({ cwd, env, signal });
  let ports: Promise<Port[]> | undefined;
  const releases = new Map<string, Promise<Discovery>>();
  const once = <T>(key: string, read: () => Promise<T>): Promise<T> => {
    let value = git.get(key) as Promise<T> | undefined;
    if (!value) {
      value = read();
      git.set(key, value);
    }
    return value;
  };
  return {
    cwd,
    env,
    go,
    release,
    signal,
    ports() {
      ports ??= listPorts(go, { cwd, env, signal });
      return ports;
    },
    version(dir, override) {
      return once(`version\0${dir}\0${override ?? ''}`, () =>
        readVersionInfo({ dir, env: base, signal, version: override }),
      );
    },
    visibleToGit(dir, file) {
      return once(`visible\0${dir}\0${file}`, () => visibleToGit(dir, file, base));
    },
    forRelease(other) {
      if (other === release) return Promise.resolve(this);
      let found = releases.get(other);
      if (!found) {
        found = discoverWith({ cwd, env: base, release: other, signal }, git);
        releases.set(other, found);
      }
      return found;
    },
  };
}
