import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A real nginx on 127.0.0.1 serving `<root>/store` over WebDAV (PUT, DELETE), for one test file. */
export interface Nginx {
  port: number;
  /** The folder nginx stores files in: `<url path>` maps to `<store>/<url path>`. */
  store: string;
  url: (pathname: string) => string;
  stop: () => Promise<void>;
}

/** Debian's nginx is in /usr/sbin, which a user's PATH may lack (scripts/preflight.mjs checks both). */
const NGINX =
  (process.env.PATH ?? '')
    .split(path.delimiter)
    .concat('/usr/sbin')
    .map((dir) => path.join(dir, 'nginx'))
    .find((file) => existsSync(file)) ?? 'nginx';

/** A port nothing listens on right now (the kernel's choice, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * Starts nginx in the foreground with its own config, pid file, logs and body buffer in a temp
 * folder. `bearer`: every request without `Authorization: Bearer <bearer>` gets 401.
 */
export async function startNginx(options: { bearer?: string } = {}): Promise<Nginx> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'crossgo-nginx-'));
  const store = path.join(root, 'store');
  await mkdir(store);
  await mkdir(path.join(root, 'logs'));
  const port = await freePort();
  const auth = options.bearer ? `if ($http_authorization != "Bearer ${options.bearer}") { return 401; }` : '';
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  await writeFile(
    path.join(root, 'nginx.conf'),
    `${user}
daemon off;
master_process on;
worker_processes 1;
pid ${root}/nginx.pid;
error_log ${root}/logs/error.log warn;
events { worker_connections 64; }
http {
  access_log ${root}/logs/access.log;
  client_body_temp_path ${root}/body;
  proxy_temp_path ${root}/proxy;
  fastcgi_temp_path ${root}/fastcgi;
  uwsgi_temp_path ${root}/uwsgi;
  scgi_temp_path ${root}/scgi;
  client_max_body_size 0;
  server {
    listen 127.0.0.1:${port};
    location / {
      ${auth}
      root ${store};
      dav_methods PUT DELETE;
      create_full_put_path on;
      dav_access user:rw group:r all:r;
    }
  }
}
`,
  );
  const child: ChildProcess = spawn(NGINX, ['-p', root, '-c', 'nginx.conf', '-e', `${root}/logs/error.log`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  // Ready when it answers: a GET of a missing file is a 404 from nginx itself.
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) {
      await rm(root, { recursive: true, force: true });
      throw new Error(`nginx exited: ${stderr}`);
    }
    const answered = await fetch(`http://127.0.0.1:${port}/ready-probe`).then(
      () => true,
      () => false,
    );
    if (answered) break;
    if (attempt > 200) {
      await stop();
      throw new Error(`nginx did not answer on port ${port}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    store,
    url: (pathname) => `http://127.0.0.1:${port}${pathname}`,
    stop: async () => {
      await stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}
