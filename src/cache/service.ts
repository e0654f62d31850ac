import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { CacheCore, type CacheStats } from './core.js';
import { quoteForGo } from './goCacheProg.js';
import { crossgoCacheHome, defaultLocalDir } from './localDir.js';
import { ensureRelay } from './relay.js';
import { serveConnection } from './server.js';
import type { StoreUrl } from './storeUrl.js';

/**
 * The build cache of one crossgo run: one cache core (one remote, one warning, one upload queue)
 * serving every go command the run starts, each through its own crossgo-cache-relay (relay.ts)
 * on a unix socket in a private folder. Uploads outlive the go command that put them and are
 * flushed by `close`, before crossgo exits.
 */
export interface CacheService {
  /** GOCACHEPROG for the run's go commands. */
  goCacheProg: string;
  /** Stops serving, waits for the uploads; the counters of the whole run. */
  close(): Promise<CacheStats>;
}

export interface CacheServiceOptions {
  store: StoreUrl;
  readonly: boolean;
  /** The go that builds the relay, and its GOVERSION. */
  go: string;
  goVersion: string;
  /** The run's environment: the local tier's folder and the store's credentials come from it. */
  env: NodeJS.ProcessEnv;
  /** GOCACHEPROG of the stand-alone cache-prog: used to build the relay, and when it cannot be built. */
  fallback: string;
  warn: (line: string) => void;
  signal?: AbortSignal;
}

/** A unix socket path longer than this does not fit sockaddr_un (108 bytes on Linux, 104 on macOS). */
const MAX_SOCKET_PATH = 100;

export async function startCacheService(options: CacheServiceOptions): Promise<CacheService> {
  const core = new CacheCore({
    dir: defaultLocalDir(options.env),
    remote: options.store,
    readonly: options.readonly || options.store.readonly,
    env: options.env,
    warn: options.warn,
    scope: 'this run',
  });
  await core.init();
  let relay: string;
  try {
    relay = await ensureRelay({
      go: options.go,
      goVersion: options.goVersion,
      cacheHome: crossgoCacheHome(options.env),
      env: { ...options.env, GOCACHEPROG: options.fallback },
      signal: options.signal,
    });
  } catch (error) {
    options.warn(
      `crossgo: cannot build the cache relay (${firstLine(error)}): go runs crossgo cache-prog itself, which starts slower`,
    );
    return { goCacheProg: options.fallback, close: () => core.flush() };
  }
  const folder = await mkdtemp(path.join(os.tmpdir(), 'crossgo-cache-'));
  const socketPath = path.join(folder, 's');
  if (socketPath.length > MAX_SOCKET_PATH || process.platform === 'win32') {
    await rm(folder, { recursive: true, force: true });
    return { goCacheProg: options.fallback, close: () => core.flush() };
  }
  const connections = new Set<Promise<void>>();
  const server: Server = createServer((socket: Socket) => {
    // serveConnection stops reading at close; a separate input stream keeps the socket open
    // for the answer to it.
    const input = new PassThrough();
    socket.pipe(input);
    socket.on('error', () => input.destroy());
    const served = serveConnection(core, input, socket, options.warn, async () => {})
      .then(
        () => void socket.end(),
        (error: unknown) => {
          options.warn(`crossgo cache-prog: ${firstLine(error)}`);
          socket.destroy();
        },
      )
      .finally(() => connections.delete(served));
    connections.add(served);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  return {
    goCacheProg: [relay, core.local.dir, socketPath].map(quoteForGo).join(' '),
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...connections]);
      await rm(folder, { recursive: true, force: true });
      return core.flush();
    },
  };
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
