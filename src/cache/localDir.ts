import os from 'node:os';
import path from 'node:path';

/** crossgo's cache folders: `$XDG_CACHE_HOME/crossgo`, else `~/.cache/crossgo`. */
export function crossgoCacheHome(env: NodeJS.ProcessEnv): string {
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'crossgo');
}

/** The local tier of the build cache when no --dir names one. */
export function defaultLocalDir(env: NodeJS.ProcessEnv): string {
  return path.resolve(crossgoCacheHome(env), 'gocache');
}
