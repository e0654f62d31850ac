import path from 'node:path';
import { defaultLocalDir } from '../../cache/localDir.js';
import { serveCacheProg } from '../../cache/server.js';
import { parseStoreUrl, type StoreUrl, s3Settings } from '../../cache/storeUrl.js';

/**
 * `crossgo cache-prog [--remote URL] [--dir DIR] [--readonly] [--stats FILE]`: the GOCACHEPROG
 * helper. go starts one per go command, so this file parses its own few flags and imports
 * nothing but src/cache (bin/crossgo.js loads it without the rest of the CLI).
 */
export const CACHE_PROG_USAGE =
  'usage: crossgo cache-prog [--remote http(s)://host/prefix | s3://bucket/prefix] [--dir DIR] [--readonly] [--stats FILE]';

export interface CacheProgFlags {
  remote: StoreUrl | null;
  dir: string;
  readonly: boolean;
  stats?: string;
}

/** The flags, or a message for a usage error. `CROSSGO_CACHE_URL` is the default remote. */
export function parseCacheProgArgs(args: readonly string[], env: NodeJS.ProcessEnv): CacheProgFlags | string {
  let remote = env.CROSSGO_CACHE_URL || undefined;
  let dir: string | undefined;
  let readonly = false;
  let stats: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const [name, inline] = (args[i] as string).split(/=(.*)/s, 2) as [string, string | undefined];
    const value = () => {
      const v = inline ?? args[++i];
      if (v === undefined || v === '') throw new Error(`${name} needs a value`);
      return v;
    };
    try {
      if (name === '--remote') remote = value();
      else if (name === '--dir') dir = value();
      else if (name === '--stats') stats = value();
      else if (name === '--readonly' && inline === undefined) readonly = true;
      else return `unknown argument ${JSON.stringify(args[i])}`;
    } catch (error) {
      return (error as Error).message;
    }
  }
  let url: StoreUrl | null = null;
  if (remote) {
    const parsed = parseStoreUrl(remote);
    if (typeof parsed === 'string') return `--remote: ${parsed}`;
    if (parsed.kind === 's3') {
      const settings = s3Settings(parsed.s3, env);
      if (typeof settings === 'string') return `--remote: ${settings}`;
    }
    url = parsed;
    if (parsed.readonly) readonly = true;
  }
  return {
    remote: url,
    dir: path.resolve(dir ?? defaultLocalDir(env)),
    readonly,
    ...(stats ? { stats: path.resolve(stats) } : {}),
  };
}

export async function cacheProgCommand(args: readonly string[]): Promise<number> {
  const flags = parseCacheProgArgs(args, process.env);
  if (typeof flags === 'string') {
    process.stderr.write(`crossgo cache-prog: ${flags}\n${CACHE_PROG_USAGE}\n`);
    return 2;
  }
  try {
    return await serveCacheProg({
      ...flags,
      env: process.env,
      input: process.stdin,
      output: process.stdout,
      warn: (line) => process.stderr.write(`${line}\n`),
    });
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    process.stderr.write(`crossgo cache-prog: ${e.code ? `${e.message}` : String(error)}\n`);
    return 1;
  }
}
