import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes, sign } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './nginx.js';

/**
 * A real registry on 127.0.0.1: Debian's docker-registry (CNCF Distribution 2.8) with its own
 * config and storage in a temp folder, for one test file. `auth: 'htpasswd'` puts basic auth in
 * front (a bcrypt htpasswd file made by htpasswd -Bbn); `auth: 'token'` puts distribution's
 * token auth in front, with a token server of this file (below) whose certificate the registry's
 * rootcertbundle trusts.
 */
export interface Registry {
  /** 127.0.0.1:PORT, as a reference names it. */
  host: string;
  url: string;
  user: string;
  password: string;
  /** With auth 'token': every request the token server got (its query, and the Basic user or null). */
  tokenRequests: { query: URLSearchParams; user: string | null }[];
  stop: () => Promise<void>;
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/**
 * A token server after distribution's docs/spec/auth/token.md and jwt.md: GET ?service&scope
 * (repeatable) with optional Basic credentials. The right credentials get every action asked
 * for; anonymous gets a token with no access (so the registry says 401 insufficient_scope and a
 * client must come back with credentials); wrong ones 401. The JWT is RS256 with the signing
 * certificate in x5c, which distribution verifies against rootcertbundle (token/token.go).
 * Anonymous answers carry `token`, credentialed ones `access_token`: a client must read both.
 */
async function startTokenServer(
  root: string,
  user: string,
  password: string,
  requests: Registry['tokenRequests'],
): Promise<{ server: Server; port: number; cert: string }> {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=crossgo-test-token',
      '-keyout',
      `${root}/token.key`,
      '-out',
      `${root}/token.pem`,
    ],
    { stdio: 'ignore' },
  );
  const key = await readFile(`${root}/token.key`, 'utf8');
  const pem = await readFile(`${root}/token.pem`, 'utf8');
  const der = pem.replace(/-----[A-Z ]+-----|\s/g, '');
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [u, p] = basic ? Buffer.from(basic, 'base64').toString().split(/:(.*)/s) : [null, null];
    requests.push({ query: url.searchParams, user: u ?? null });
    if (basic && (u !== user || p !== password)) {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"bad credentials"}');
      return;
    }
    const access = basic
      ? url.searchParams.getAll('scope').map((scope) => {
          const [type, name, actions] = scope.split(':');
          return { type, name, actions: (actions ?? '').split(',') };
        })
      : [];
    const now = Math.floor(Date.now() / 1000);
    const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'RS256', x5c: [der] }));
    const claims = base64url(
      JSON.stringify({
        iss: 'crossgo-test-issuer',
        sub: u ?? '',
        aud: url.searchParams.get('service'),
        exp: now + 300,
        nbf: now - 10,
        iat: now - 10,
        jti: randomBytes(8).toString('hex'),
        access,
      }),
    );
    const signature = base64url(sign('sha256', Buffer.from(`${header}.${claims}`), key));
    const jwt = `${header}.${claims}.${signature}`;
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify(basic ? { access_token: jwt, expires_in: 300 } : { token: jwt }));
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, port, cert: `${root}/token.pem` };
}

const REGISTRY = '/usr/bin/docker-registry';

export async function startRegistry(options: { auth?: 'htpasswd' | 'token' } = {}): Promise<Registry> {
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
  const tokenRequests: Registry['tokenRequests'] = [];
  let tokenServer: Server | undefined;
  if (options.auth === 'token') {
    const token = await startTokenServer(root, user, password, tokenRequests);
    tokenServer = token.server;
    auth = `auth:\n  token:\n    realm: http://127.0.0.1:${token.port}/token\n    service: crossgo-test\n    issuer: crossgo-test-issuer\n    rootcertbundle: ${token.cert}\n`;
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
    if (tokenServer) await new Promise((resolve) => tokenServer?.close(resolve));
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
  return { host: `127.0.0.1:${port}`, url, user, password, tokenRequests, stop };
}
