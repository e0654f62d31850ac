import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './nginx.js';

/**
 * A real registry on 127.0.0.1: Debian's docker-registry (CNCF Distribution 2.8) with its own
 * config and storage in a temp folder, for one test file. `auth: 'htpasswd'` puts basic auth in
 * front (a bcrypt htpasswd file made by htpasswd -Bbn).
 */
export interface Registry {
  /** 127.0.0.1:PORT, as a reference names it. */
  host: string;
  url: string;
  user: string;
  password: string;
  stop: () => Promise<void>;
}

const REGISTRY = '/usr/bin/docker-registry';

export async function startRegistry(options: { auth?: 'htpasswd' } = {}): Promise<Registry> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'crossgo-registry-'));
  const port = await freePort();
  const user = 'crossgo';
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  let auth = '';
  if (options.auth === 'htpasswd') {
    const line = execFileSync('htpasswd', ['-Bbn', user, password], { encoding: 'utf8' });
    await writeFile(path.join(root, 'htpasswd'), line);
    auth = `auth:\n  htpasswd:\n    realm: crossgo-test\n    path: ${root}/htpasswd\n`;
  }
  await writeFile(
    path.join(root, 'config.yml'),
    `version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${root}/storage
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
${auth}`,
  );
  const child: ChildProcess = spawn(REGISTRY, ['serve', path.join(root, 'config.yml')], {
    stdio: ['ignore', 'ignore', 'pipe'],
    // The registry reads REGISTRY_* variables as config overrides: none from the test's environment.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-8000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(root, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  // Ready when GET /v2/ answers: 200 open, 401 behind auth.
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`docker-registry exited: ${stderr}`);
    }
    const status = await fetch(`${url}/v2/`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200 || status === 401) break;
    if (attempt > 400) {
      await stop();
      throw new Error(`docker-registry did not answer on port ${port}: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { host: `127.0.0.1:${port}`, url, user, password, stop };
}
