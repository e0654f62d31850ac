import { createHash, randomBytes } from 'node:crypto';
import { chmod, cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mountSources, pullPlatformImage } from '../../src/registry/pull.js';
import { pushLayout } from '../../src/registry/push.js';
import type { Descriptor } from '../../src/registry/types.js';
import { cleanupTemps, runTool, tempDir } from '../helpers/cli.js';
import { type Registry, startRegistry } from '../helpers/registry.js';

/**
 * pushLayout and pullPlatformImage against the real CNCF Distribution 2.8 registry (Debian's
 * docker-registry), one open and one behind htpasswd basic auth. The layouts are made by umoci
 * (images) and by hand here (the index over two platforms, the SBOM referrer); every check is
 * skopeo's, umoci's or sha256's view of what the registry holds.
 */
const INDEX = 'application/vnd.oci.image.index.v1+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function writeBlob(layout: string, bytes: Buffer, mediaType: string): Promise<Descriptor> {
  const hex = sha256(bytes);
  await writeFile(path.join(layout, 'blobs/sha256', hex), bytes);
  return { mediaType, digest: `sha256:${hex}`, size: bytes.length };
}

async function umoci(...args: string[]): Promise<string> {
  const result = await runTool('umoci', args);
  if (result.code !== 0) throw new Error(`umoci ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

async function skopeo(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runTool('skopeo', args);
}

async function tagged(layout: string, tag: string): Promise<Descriptor> {
  const index = JSON.parse(await readFile(path.join(layout, 'index.json'), 'utf8')) as {
    manifests: (Descriptor & { annotations: Record<string, string> })[];
  };
  const found = index.manifests.find((m) => m.annotations['org.opencontainers.image.ref.name'] === tag);
  if (!found) throw new Error(`no ${tag} in ${layout}`);
  return { mediaType: found.mediaType, digest: found.digest, size: found.size };
}

interface Fixture {
  layout: string;
  root: Descriptor;
  amd64: Descriptor;
  arm64: Descriptor;
  sbom: Descriptor;
  bigLayer: string;
}

/** Two images by umoci (a file each, the arm64 one with a 3 MiB random file), an index over both, an SBOM referring to the amd64 one. */
async function makeLayout(): Promise<Fixture> {
  const work = await tempDir('crossgo-registry-layout-');
  const layout = path.join(work, 'layout');
  await umoci('init', '--layout', layout);
  await umoci('new', '--image', `${layout}:base`);
  await writeFile(path.join(work, 'amd64.txt'), 'hello from amd64\n');
  await writeFile(path.join(work, 'arm64.txt'), 'hello from arm64\n');
  await writeFile(path.join(work, 'big.bin'), randomBytes(3 * 1024 * 1024));
  await umoci(
    'insert',
    '--rootless',
    '--image',
    `${layout}:base`,
    '--tag',
    'a1',
    path.join(work, 'amd64.txt'),
    '/etc/hello.txt',
  );
  await umoci(
    'config',
    '--image',
    `${layout}:a1`,
    '--architecture',
    'amd64',
    '--os',
    'linux',
    '--tag',
    'amd64',
  );
  await umoci(
    'insert',
    '--rootless',
    '--image',
    `${layout}:base`,
    '--tag',
    'r1',
    path.join(work, 'arm64.txt'),
    '/etc/hello.txt',
  );
  await umoci(
    'insert',
    '--rootless',
    '--image',
    `${layout}:r1`,
    '--tag',
    'r2',
    path.join(work, 'big.bin'),
    '/big.bin',
  );
  await umoci(
    'config',
    '--image',
    `${layout}:r2`,
    '--architecture',
    'arm64',
    '--os',
    'linux',
    '--tag',
    'arm64',
  );
  const amd64 = await tagged(layout, 'amd64');
  const arm64 = await tagged(layout, 'arm64');
  const armManifest = JSON.parse(
    await readFile(path.join(layout, 'blobs/sha256', arm64.digest.slice(7)), 'utf8'),
  ) as { layers: Descriptor[] };
  const bigLayer = armManifest.layers.at(-1)?.digest ?? '';
  const index = {
    schemaVersion: 2,
    mediaType: INDEX,
    manifests: [
      { ...amd64, platform: { os: 'linux', architecture: 'amd64' } },
      { ...arm64, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
    ],
  };
  const root = await writeBlob(layout, Buffer.from(JSON.stringify(index)), INDEX);
  const empty = await writeBlob(layout, Buffer.from('{}'), 'application/vnd.oci.empty.v1+json');
  const bom = await writeBlob(
    layout,
    Buffer.from('{"bomFormat":"CycloneDX","specVersion":"1.5"}'),
    'application/vnd.cyclonedx+json',
  );
  const sbomManifest = {
    schemaVersion: 2,
    mediaType: MANIFEST,
    artifactType: 'application/vnd.cyclonedx+json',
    config: empty,
    layers: [bom],
    subject: amd64,
    annotations: { 'org.opencontainers.image.created': '2024-05-06T07:08:09Z' },
  };
  const sbom = await writeBlob(layout, Buffer.from(JSON.stringify(sbomManifest)), MANIFEST);
  return { layout, root, amd64, arm64, sbom, bigLayer };
}

let open: Registry;
let locked: Registry;
let fx: Fixture;
/** Blobs the first push sent: the second must find every one of them there. */
let blobCount = 0;
const quiet = { env: { PATH: process.env.PATH }, retryBaseMs: 20 };

beforeAll(async () => {
  [open, locked, fx] = await Promise.all([
    startRegistry(),
    startRegistry({ auth: 'htpasswd' }),
    makeLayout(),
  ]);
});

afterAll(async () => {
  await Promise.all([open?.stop(), locked?.stop()]);
  await cleanupTemps();
});

describe('pushLayout to docker-registry 2.8', () => {
  it('pushes an index over two platforms, chunked above the threshold, that skopeo and umoci read back', async () => {
    // The requests as they leave (a pass-through recorder, not a mock): their order is the contract.
    const sent: string[] = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.host === open.host) sent.push(`${init?.method ?? 'GET'} ${url.pathname}`);
      return realFetch(input, init);
    };
    const result = await pushLayout({
      ...quiet,
      layout: fx.layout,
      root: fx.root,
      referrers: [fx.sbom],
      registry: open.host,
      repository: 'app',
      tags: ['1.2.3', 'latest'],
      chunkThreshold: 1024 * 1024,
      chunkSize: 512 * 1024,
    }).finally(() => {
      globalThis.fetch = realFetch;
    });
    expect(result.digest).toBe(fx.root.digest);
    // 3 MiB of random bytes in 512 KiB chunks: at least six PATCHes, then the PUT ?digest=.
    expect(sent.filter((r) => r.startsWith('PATCH /v2/app/blobs/uploads/')).length).toBeGreaterThanOrEqual(6);
    // The tags are the last two requests; every manifest by digest went before them.
    expect(sent.slice(-4)).toEqual([
      'HEAD /v2/app/manifests/1.2.3',
      'PUT /v2/app/manifests/1.2.3',
      'HEAD /v2/app/manifests/latest',
      'PUT /v2/app/manifests/latest',
    ]);
    const lastDigestPut = sent.findLastIndex((r) => /^PUT \/v2\/app\/manifests\/sha256:/.test(r));
    const firstTagPut = sent.indexOf('PUT /v2/app/manifests/1.2.3');
    expect(lastDigestPut).toBeLessThan(firstTagPut);
    // Two configs, three layers (amd64's file; arm64's file and the big one), the SBOM's {} and its BOM.
    expect(result.uploaded).toBe(7);
    expect(result.existing).toBe(0);
    blobCount = result.uploaded;
    // Index, two images, the SBOM manifest, and the fallback index is a tag: four by digest.
    expect(result.manifests).toBe(4);
    // Distribution 2.8 has no referrers API (no route: 404): the tag schema is what works here.
    expect(result.referrers).toBe('tag-schema');
    expect((await fetch(`${open.url}/v2/app/referrers/${fx.amd64.digest}`)).status).toBe(404);

    const raw = await skopeo('inspect', '--raw', '--tls-verify=false', `docker://${open.host}/app:1.2.3`);
    expect(raw.code, raw.stderr).toBe(0);
    expect(sha256(Buffer.from(raw.stdout))).toBe(fx.root.digest.slice(7));
    const index = JSON.parse(raw.stdout) as { manifests: Descriptor[] };
    expect(index.manifests.map((m) => `${m.platform?.os}/${m.platform?.architecture}`)).toEqual([
      'linux/amd64',
      'linux/arm64',
    ]);

    // The big layer went in chunks: the registry holds its exact bytes.
    const big = await fetch(`${open.url}/v2/app/blobs/${fx.bigLayer}`);
    expect(sha256(Buffer.from(await big.arrayBuffer()))).toBe(fx.bigLayer.slice(7));

    for (const [arch, text] of [
      ['amd64', 'hello from amd64\n'],
      ['arm64', 'hello from arm64\n'],
    ] as const) {
      const dest = await tempDir('crossgo-registry-copy-');
      const copy = await skopeo(
        'copy',
        '--src-tls-verify=false',
        '--override-os',
        'linux',
        '--override-arch',
        arch,
        `docker://${open.host}/app:1.2.3`,
        `oci:${dest}/oci:img`,
      );
      expect(copy.code, copy.stderr).toBe(0);
      await umoci('unpack', '--rootless', '--image', `${dest}/oci:img`, `${dest}/bundle`);
      expect(await readFile(path.join(dest, 'bundle/rootfs/etc/hello.txt'), 'utf8')).toBe(text);
    }

    const tags = await skopeo('list-tags', '--tls-verify=false', `docker://${open.host}/app`);
    const fallback = fx.amd64.digest.replace(':', '-');
    expect((JSON.parse(tags.stdout) as { Tags: string[] }).Tags.sort()).toEqual(
      ['1.2.3', 'latest', fallback].sort(),
    );
    const referrers = await skopeo(
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${open.host}/app:${fallback}`,
    );
    const list = JSON.parse(referrers.stdout) as { mediaType: string; manifests: Descriptor[] };
    expect(list.mediaType).toBe(INDEX);
    expect(list.manifests).toEqual([
      expect.objectContaining({ digest: fx.sbom.digest, artifactType: 'application/vnd.cyclonedx+json' }),
    ]);
  });

  it('pushes the same layout again with existence checks only', async () => {
    const again = await pushLayout({
      ...quiet,
      layout: fx.layout,
      root: fx.root,
      referrers: [fx.sbom],
      registry: open.host,
      repository: 'app',
      tags: ['1.2.3', 'latest'],
    });
    expect(again).toMatchObject({
      uploaded: 0,
      mounted: 0,
      bytesUploaded: 0,
      manifests: 0,
      digest: fx.root.digest,
    });
    expect(again.existing).toBe(blobCount);
  });

  it('mounts the blobs another repository of the registry holds', async () => {
    const layers = await fetch(`${open.url}/v2/app/manifests/${fx.arm64.digest}`, {
      headers: { accept: MANIFEST },
    });
    const manifest = (await layers.json()) as { config: Descriptor; layers: Descriptor[] };
    const mountFrom = Object.fromEntries([manifest.config, ...manifest.layers].map((d) => [d.digest, 'app']));
    const result = await pushLayout({
      ...quiet,
      layout: fx.layout,
      root: fx.arm64,
      referrers: [],
      registry: open.host,
      repository: 'mirror/app',
      tags: ['arm64'],
      mountFrom,
    });
    expect(result.mounted).toBe(manifest.layers.length + 1);
    expect(result.uploaded).toBe(0);
    const raw = await skopeo(
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${open.host}/mirror/app:arm64`,
    );
    expect(sha256(Buffer.from(raw.stdout))).toBe(fx.arm64.digest.slice(7));
  });

  it('refuses a tampered blob before it is sent, and tags nothing', async () => {
    const copy = path.join(await tempDir('crossgo-registry-tamper-'), 'layout');
    await cp(fx.layout, copy, { recursive: true });
    const file = path.join(copy, 'blobs/sha256', fx.bigLayer.slice(7));
    const bytes = await readFile(file);
    bytes[100] = (bytes[100] ?? 0) ^ 0xff;
    await writeFile(file, bytes);
    await expect(
      pushLayout({
        ...quiet,
        layout: copy,
        root: fx.root,
        referrers: [],
        registry: open.host,
        repository: 'tampered',
        tags: ['1'],
      }),
    ).rejects.toThrow(
      /blob sha256:[0-9a-f]{12}… holds bytes of sha256:[0-9a-f]{12}…: it changed after it was written; nothing was tagged/,
    );
    expect((await fetch(`${open.url}/v2/tampered/blobs/${fx.bigLayer}`, { method: 'HEAD' })).status).toBe(
      404,
    );
    const tags = await skopeo('list-tags', '--tls-verify=false', `docker://${open.host}/tampered`);
    expect(tags.code).not.toBe(0);
  });

  it('pulls the platform image of a tag into a layout, layers checked', async () => {
    const dir = path.join(await tempDir('crossgo-registry-pull-'), 'base');
    const base = await pullPlatformImage(
      `${open.host}/app:1.2.3`,
      { os: 'linux', architecture: 'arm64' },
      dir,
      quiet,
    );
    expect(base.manifest.digest).toBe(fx.arm64.digest);
    expect(base.repository).toBe('app');
    expect(base.layers.map((l) => l.digest)).toContain(fx.bigLayer);
    expect((base.config as { architecture: string }).architecture).toBe('arm64');
    for (const layer of base.layers) {
      const check = await runTool('sha256sum', [path.join(dir, 'blobs/sha256', layer.digest.slice(7))]);
      expect(check.stdout.split(' ')[0]).toBe(layer.digest.slice(7));
    }
    expect(mountSources([base], open.host)).toEqual(
      Object.fromEntries(base.layers.map((l) => [l.digest, 'app'])),
    );
    expect(mountSources([base], 'ghcr.io')).toEqual({});
  });
});

describe('pullPlatformImage of a Docker v2 schema 2 image', () => {
  it('reads the manifest skopeo wrote in Docker format, and its layers', async () => {
    // skopeo is the independent writer here: it converts the umoci image to Docker's types.
    const copy = await skopeo(
      'copy',
      '--dest-tls-verify=false',
      '--format',
      'v2s2',
      `oci:${fx.layout}:amd64`,
      `docker://${open.host}/docker-typed:1`,
    );
    expect(copy.code, copy.stderr).toBe(0);
    const dir = path.join(await tempDir('crossgo-registry-pull-'), 'base');
    const base = await pullPlatformImage(
      `${open.host}/docker-typed:1`,
      { os: 'linux', architecture: 'amd64' },
      dir,
      quiet,
    );
    expect(base.manifest.mediaType).toBe('application/vnd.docker.distribution.manifest.v2+json');
    const raw = await skopeo(
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${open.host}/docker-typed:1`,
    );
    expect(base.manifest.digest).toBe(`sha256:${sha256(Buffer.from(raw.stdout))}`);
    expect(base.layers.map((l) => l.mediaType)).toEqual([
      'application/vnd.docker.image.rootfs.diff.tar.gzip',
    ]);
    for (const layer of base.layers) {
      const check = await runTool('sha256sum', [path.join(dir, 'blobs/sha256', layer.digest.slice(7))]);
      expect(check.stdout.split(' ')[0]).toBe(layer.digest.slice(7));
    }
  });
});

describe('pullPlatformImage refusals', () => {
  it('a platform the base does not have is one line listing the ones it has', async () => {
    const dir = path.join(await tempDir('crossgo-registry-pull-'), 'base');
    await expect(
      pullPlatformImage(`${open.host}/app:1.2.3`, { os: 'linux', architecture: 'riscv64' }, dir, quiet),
    ).rejects.toThrow(
      `base image ${open.host}/app:1.2.3 has no linux/riscv64 image (it has linux/amd64, linux/arm64/v8): choose another base or drop the target`,
    );
    // A single manifest names its platform in its config: an arm64 base is no amd64 base.
    await expect(
      pullPlatformImage(`${open.host}/mirror/app:arm64`, { os: 'linux', architecture: 'amd64' }, dir, quiet),
    ).rejects.toThrow(
      `base image ${open.host}/mirror/app:arm64 is a single linux/arm64 image, not linux/amd64: choose a multi-platform base or drop the target`,
    );
  });
});

describe('pushLayout to a registry behind htpasswd', () => {
  const push = (env: NodeJS.ProcessEnv, repository: string) =>
    pushLayout({
      ...quiet,
      env,
      layout: fx.layout,
      root: fx.amd64,
      referrers: [],
      registry: locked.host,
      repository,
      tags: ['v1'],
    });
  const tagsOf = (repository: string) =>
    skopeo(
      'list-tags',
      '--tls-verify=false',
      '--creds',
      `${locked.user}:${locked.password}`,
      `docker://${locked.host}/${repository}`,
    );

  it('a wrong password is one line naming the registry and the source, and no tag appears', async () => {
    const error = await push(
      {
        PATH: process.env.PATH,
        CROSSGO_REGISTRY_USER: locked.user,
        CROSSGO_REGISTRY_PASSWORD: 'wrong-password',
      },
      'denied',
    ).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const message = (error as Error).message;
    expect(message).toBe(
      `registry ${locked.host} refused the credentials from CROSSGO_REGISTRY_USER/CROSSGO_REGISTRY_PASSWORD (401) for push to denied: check them`,
    );
    expect(message).not.toContain('wrong-password');
    expect((await tagsOf('denied')).code).not.toBe(0);
  });

  it('authenticates from the environment with a password file', async () => {
    const dir = await tempDir('crossgo-registry-env-');
    await writeFile(path.join(dir, 'pw'), `${locked.password}\n`);
    await push(
      {
        PATH: process.env.PATH,
        CROSSGO_REGISTRY_USER: locked.user,
        CROSSGO_REGISTRY_PASSWORD_FILE: path.join(dir, 'pw'),
      },
      'from-env',
    );
    expect(JSON.parse((await tagsOf('from-env')).stdout).Tags).toEqual(['v1']);
  });

  it("authenticates from docker's config.json auths", async () => {
    const dir = await tempDir('crossgo-registry-docker-');
    const auth = Buffer.from(`${locked.user}:${locked.password}`).toString('base64');
    await writeFile(path.join(dir, 'config.json'), JSON.stringify({ auths: { [locked.host]: { auth } } }));
    await push({ PATH: process.env.PATH, DOCKER_CONFIG: dir }, 'from-config');
    expect(JSON.parse((await tagsOf('from-config')).stdout).Tags).toEqual(['v1']);
  });

  it('authenticates through a credential helper on PATH', async () => {
    const dir = await tempDir('crossgo-registry-helper-');
    const bin = path.join(dir, 'bin');
    await mkdir(bin);
    // docker-credential-helpers' protocol: `get`, the server URL on stdin, JSON on stdout.
    await writeFile(
      path.join(bin, 'docker-credential-test'),
      `#!/bin/sh
[ "$1" = get ] || exit 2
read -r host
if [ "$host" = "${locked.host}" ]; then
  printf '{"ServerURL":"%s","Username":"${locked.user}","Secret":"${locked.password}"}' "$host"
else
  echo "credentials not found in native keychain"; exit 1
fi
`,
    );
    await chmod(path.join(bin, 'docker-credential-test'), 0o755);
    await writeFile(
      path.join(dir, 'config.json'),
      JSON.stringify({ credHelpers: { [locked.host]: 'test' } }),
    );
    await push({ PATH: `${bin}${path.delimiter}${process.env.PATH}`, DOCKER_CONFIG: dir }, 'from-helper');
    expect(JSON.parse((await tagsOf('from-helper')).stdout).Tags).toEqual(['v1']);
  });
});

describe('pushLayout to a registry behind token auth (distribution 2.8 auth: token, a token server of the test)', () => {
  let tokened: Registry;
  beforeAll(async () => {
    tokened = await startRegistry({ auth: 'token' });
  });
  afterAll(async () => {
    await tokened?.stop();
  });

  it('takes an anonymous token, then one with credentials, with the push and mount scopes', async () => {
    const env = {
      PATH: process.env.PATH,
      CROSSGO_REGISTRY_USER: tokened.user,
      CROSSGO_REGISTRY_PASSWORD: tokened.password,
    };
    const result = await pushLayout({
      ...quiet,
      env,
      layout: fx.layout,
      root: fx.amd64,
      referrers: [],
      registry: tokened.host,
      repository: 'bearer/app',
      tags: ['v1'],
      // Nothing to mount there (the registry answers 202, an upload session): the scope is what counts.
      mountFrom: { [fx.amd64.digest]: 'other/repo' },
    });
    expect(result.uploaded).toBeGreaterThan(0);
    const users = tokened.tokenRequests.map((r) => r.user);
    expect(users[0]).toBeNull();
    expect(users).toContain(tokened.user);
    const scopes = tokened.tokenRequests.at(-1)?.query.getAll('scope');
    expect(scopes).toEqual(['repository:bearer/app:pull,push', 'repository:other/repo:pull']);
    expect(tokened.tokenRequests.at(-1)?.query.get('service')).toBe('crossgo-test');
    const tags = await skopeo(
      'list-tags',
      '--tls-verify=false',
      '--creds',
      `${tokened.user}:${tokened.password}`,
      `docker://${tokened.host}/bearer/app`,
    );
    expect(tags.code, tags.stderr).toBe(0);
    expect(JSON.parse(tags.stdout).Tags).toEqual(['v1']);
  });

  it('a wrong password at the token server is one line naming the registry and the source', async () => {
    const env = {
      PATH: process.env.PATH,
      CROSSGO_REGISTRY_USER: tokened.user,
      CROSSGO_REGISTRY_PASSWORD: 'not-it',
    };
    const error = await pushLayout({
      ...quiet,
      env,
      layout: fx.layout,
      root: fx.amd64,
      referrers: [],
      registry: tokened.host,
      repository: 'bearer/denied',
      tags: ['v1'],
    }).catch((e: Error) => e);
    expect((error as Error).message).toBe(
      `registry ${tokened.host}'s token server refused the credentials from CROSSGO_REGISTRY_USER/CROSSGO_REGISTRY_PASSWORD for push to bearer/denied: check them`,
    );
  });
});
