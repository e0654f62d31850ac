import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IntegrityError, UsageError } from '../../src/errors.js';
import { blobExists } from '../../src/registry/blobs.js';
import { RegistryClient } from '../../src/registry/client.js';
import { RegistryAuthError, RegistryError } from '../../src/registry/errors.js';
import { getManifest } from '../../src/registry/manifests.js';
import { referrersApi } from '../../src/registry/referrers.js';
import { cleanupTemps, tempDir } from '../helpers/cli.js';
import { freePort } from '../helpers/nginx.js';

/**
 * The client against the distribution spec's and token spec's published contract (spec.md,
 * docs/spec/auth/token.md and oauth.md), served by a small HTTP server of this test: the cases
 * a real registry on this machine will not produce on demand (a 503 with Retry-After, a dropped
 * connection, a refresh-token grant, a lying manifest, a redirect to plain http). The real
 * registry is test/e2e/registry.test.ts.
 */
type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
let handler: Handler = (_req, res) => res.writeHead(500).end();
let server: Server;
let host: string;
const hits: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      hits.push(`${req.method} ${req.url}`);
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  host = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterEach(() => {
  hits.length = 0;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await cleanupTemps();
});

const D = `sha256:${'b'.repeat(64)}`;
const client = (extra: Partial<ConstructorParameters<typeof RegistryClient>[0]> = {}) =>
  new RegistryClient({
    registry: host,
    repository: 'app',
    push: true,
    env: { PATH: '' },
    retryBaseMs: 1,
    ...extra,
  });

describe('retries', () => {
  it('retries 503 and 429, honouring Retry-After, then succeeds', async () => {
    let n = 0;
    handler = (_req, res) => {
      n++;
      if (n === 1) res.writeHead(503, { 'retry-after': '0' }).end();
      else if (n === 2) res.writeHead(429, { 'retry-after': '0' }).end();
      else res.writeHead(200).end();
    };
    const lines: string[] = [];
    expect(await blobExists(client({ log: (l) => lines.push(l) }), D)).toBe(true);
    expect(hits).toHaveLength(3);
    expect(lines[0]).toMatch(/HEAD blob sha256:b+: 503; trying again in 0 ms/);
  });

  it('gives up after its tries with the last status', async () => {
    handler = (_req, res) => res.writeHead(502).end();
    await expect(blobExists(client({ attempts: 3 }), D)).rejects.toThrow(
      `registry ${host}: HEAD blob ${D} answered 502`,
    );
    expect(hits).toHaveLength(3);
  });

  it('retries a dropped connection', async () => {
    let n = 0;
    handler = (req, res) => {
      if (++n === 1) req.socket.destroy();
      else res.writeHead(404).end();
    };
    expect(await blobExists(client(), D)).toBe(false);
    expect(hits).toHaveLength(2);
  });

  it('a registry nobody listens on is one line after its tries', async () => {
    const port = await freePort();
    const nobody = new RegistryClient({
      registry: `127.0.0.1:${port}`,
      repository: 'app',
      push: true,
      env: {},
      retryBaseMs: 1,
      attempts: 2,
    });
    await expect(blobExists(nobody, D)).rejects.toThrow(
      `registry 127.0.0.1:${port}: HEAD blob ${D} failed 2 times: connection refused (is the registry running on that port?)`,
    );
  });

  it('never retries a 403 or a 400', async () => {
    handler = (_req, res) =>
      res
        .writeHead(403, { 'content-type': 'application/json' })
        .end('{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}');
    const error = await getManifest(client(), 'latest').catch((e: Error) => e);
    expect(error).toBeInstanceOf(RegistryAuthError);
    expect((error as Error).message).toBe(
      `registry ${host}: GET manifest latest answered 403 (DENIED: requested access to the resource is denied): no credentials were sent`,
    );
    expect(hits).toHaveLength(1);
    handler = (_req, res) => res.writeHead(400).end();
    await expect(blobExists(client(), D)).rejects.toThrow(`registry ${host}: HEAD blob ${D} answered 400`);
    expect(hits).toHaveLength(2);
  });
});

describe('auth challenges', () => {
  it('without credentials a Basic challenge is one line naming where credentials go', async () => {
    handler = (_req, res) => res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
    await expect(blobExists(client(), D)).rejects.toThrow(
      `registry ${host} wants credentials to push to app and crossgo found none: set CROSSGO_REGISTRY_USER and CROSSGO_REGISTRY_PASSWORD, or docker login ${host}`,
    );
  });

  it("trades docker's identitytoken for an access token with the OAuth2 refresh-token grant (oauth.md)", async () => {
    const dir = await tempDir('crossgo-registry-unit-');
    await writeFile(
      path.join(dir, 'config.json'),
      JSON.stringify({ auths: { [host]: { identitytoken: 'refresh-me' } } }),
    );
    const forms: URLSearchParams[] = [];
    handler = (req, res, body) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === '/token' && req.method === 'GET') {
        res.writeHead(401).end();
      } else if (url.pathname === '/token' && req.method === 'POST') {
        forms.push(new URLSearchParams(body));
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"access_token":"granted","expires_in":300}');
      } else if (req.headers.authorization === 'Bearer granted') {
        res.writeHead(200).end();
      } else {
        res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${host}/token",service="svc"` }).end();
      }
    };
    expect(
      await blobExists(client({ env: { PATH: '', DOCKER_CONFIG: dir }, pullFrom: ['base/img'] }), D),
    ).toBe(true);
    expect(Object.fromEntries(forms[0] ?? [])).toEqual({
      grant_type: 'refresh_token',
      refresh_token: 'refresh-me',
      client_id: 'crossgo',
      scope: 'repository:app:pull,push repository:base/img:pull',
      service: 'svc',
    });
  });

  it('refuses a token realm over plain http to a host that is not local', async () => {
    handler = (_req, res) =>
      res.writeHead(401, { 'www-authenticate': 'Bearer realm="http://auth.example.com/token"' }).end();
    await expect(blobExists(client(), D)).rejects.toThrow(
      /token realm http:\/\/auth\.example\.com\/token is not https/,
    );
  });

  it('a token answer without token or access_token is refused', async () => {
    handler = (req, res) => {
      if (req.url?.startsWith('/token')) res.writeHead(200).end('{"expires_in":60}');
      else res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${host}/token"` }).end();
    };
    await expect(blobExists(client(), D)).rejects.toThrow(
      `registry ${host}'s token server answered no token (neither token nor access_token)`,
    );
  });
});

describe('hostile answers', () => {
  it('refuses a manifest whose bytes are not the digest asked for', async () => {
    handler = (_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/vnd.oci.image.manifest.v1+json' })
        .end('{"schemaVersion":2}');
    await expect(getManifest(client(), D)).rejects.toThrow(IntegrityError);
  });

  it('refuses a manifest over 4 MiB, declared or streamed', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(5 * 1024 * 1024) });
      res.end(Buffer.alloc(5 * 1024 * 1024, 0x20));
    };
    await expect(getManifest(client(), 'latest')).rejects.toThrow(
      `registry ${host}: manifest latest is 5242880 bytes, over crossgo's bound of 4194304`,
    );
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(Buffer.alloc(3 * 1024 * 1024, 0x20));
      res.end(Buffer.alloc(2 * 1024 * 1024, 0x20));
    };
    await expect(getManifest(client(), 'latest')).rejects.toThrow(/over crossgo's bound of 4194304 bytes/);
  });

  it('checks the digest a registry states for a tag', async () => {
    const bytes = '{"schemaVersion":2}';
    handler = (_req, res) => res.writeHead(200, { 'docker-content-digest': D }).end(bytes);
    await expect(getManifest(client(), 'latest')).rejects.toThrow(/not the sha256:b+ the registry states/);
    const right = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    handler = (_req, res) => res.writeHead(200, { 'docker-content-digest': right }).end(bytes);
    expect((await getManifest(client(), 'latest'))?.digest).toBe(right);
  });

  it('refuses a redirect to plain http on another host', async () => {
    handler = (_req, res) => res.writeHead(307, { location: 'http://cdn.example.com/blob' }).end();
    const error = await client()
      .request('GET', `/v2/app/blobs/${D}`, { ok: [200], what: 'GET blob' })
      .catch((e: Error) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(
      /GET blob redirect http:\/\/cdn\.example\.com\/blob is not https/,
    );
  });

  it('follows a redirect to another origin without the credentials', async () => {
    const port = host.split(':')[1];
    let cdnAuth: string | undefined = 'not asked';
    handler = (req, res) => {
      if (req.url === '/cdn/blob') {
        cdnAuth = req.headers.authorization;
        res.writeHead(200).end('bytes');
      } else if (!req.headers.authorization)
        res.writeHead(401, { 'www-authenticate': 'Basic realm="r"' }).end();
      else res.writeHead(307, { location: `http://localhost:${port}/cdn/blob` }).end();
    };
    const env = { CROSSGO_REGISTRY_USER: 'u', CROSSGO_REGISTRY_PASSWORD: 'p' };
    const response = await client({ env }).request('GET', `/v2/app/blobs/${D}`, {
      ok: [200],
      what: 'GET blob',
    });
    expect(await response.text()).toBe('bytes');
    expect(cdnAuth).toBeUndefined();
    expect(hits).toEqual([`GET /v2/app/blobs/${D}`, `GET /v2/app/blobs/${D}`, 'GET /cdn/blob']);
  });

  it('a token realm that redirects elsewhere gets no credentials there', async () => {
    const port = host.split(':')[1];
    const seen: (string | undefined)[] = [];
    handler = (req, res) => {
      if (req.url?.startsWith('/token?'))
        res.writeHead(307, { location: `http://localhost:${port}/token2` }).end();
      else if (req.url === '/token2') {
        seen.push(req.headers.authorization);
        res.writeHead(200).end(JSON.stringify({ token: `t${seen.length}` }));
      } else if (req.headers.authorization === 'Bearer t2') res.writeHead(200).end();
      else res.writeHead(401, { 'www-authenticate': `Bearer realm="http://${host}/token"` }).end();
    };
    const env = { CROSSGO_REGISTRY_USER: 'u', CROSSGO_REGISTRY_PASSWORD: 'p' };
    expect(await blobExists(client({ env }), D)).toBe(true);
    expect(seen).toEqual([undefined, undefined]);
  });

  it('times out a request that gets no answer and tries again', async () => {
    let n = 0;
    handler = (_req, res) => {
      if (++n > 1) res.writeHead(200).end();
      // The first request is left hanging.
    };
    expect(await blobExists(client({ timeoutMs: 300 }), D)).toBe(true);
    expect(n).toBe(2);
  });

  it('an answer it does not handle is a RegistryError with the spec error code', async () => {
    handler = (_req, res) =>
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end('{"errors":[{"code":"MANIFEST_INVALID","message":"manifest invalid"}]}');
    const error = await getManifest(client(), 'latest').catch((e: Error) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as Error).message).toBe(
      `registry ${host}: GET manifest latest answered 400 (MANIFEST_INVALID: manifest invalid)`,
    );
  });
});

describe('the referrers API (distribution spec v1.1 "Listing Referrers")', () => {
  it('is there when the manifest PUT answers OCI-Subject, or GET /referrers answers an index', async () => {
    handler = (_req, res) => res.writeHead(500).end();
    expect(await referrersApi(client(), D, new Headers({ 'oci-subject': D }))).toBe(true);
    expect(hits).toHaveLength(0);
    handler = (_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/vnd.oci.image.index.v1+json' })
        .end('{"schemaVersion":2,"manifests":[]}');
    expect(await referrersApi(client(), D, new Headers())).toBe(true);
    expect(hits).toEqual([`GET /v2/app/referrers/${D}`]);
  });

  it('is not there on 404, or on a 200 that is not an index (a catch-all page)', async () => {
    handler = (_req, res) => res.writeHead(404).end('404 page not found');
    expect(await referrersApi(client(), D, new Headers())).toBe(false);
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>');
    expect(await referrersApi(client(), D, new Headers())).toBe(false);
  });
});
