import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildImageSet, type PlatformImageInput } from '../../src/image/build.js';
import {
  deterministicGzip,
  deterministicLayer,
  GZIP_IMPLEMENTATION,
  layerTar,
} from '../../src/image/layer.js';
import { scratchEntries } from '../../src/image/scratch.js';

const TIME = new Date('2024-05-06T07:08:09Z');
const hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Member names of a ustar archive, read from the headers (512-byte blocks, name at 0, size at 124 in octal). */
function tarNames(tar: Buffer): string[] {
  const names: string[] = [];
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    names.push(header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, ''));
    const size = Number.parseInt(header.subarray(124, 136).toString('ascii').trim() || '0', 8);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}

describe('deterministic layers', () => {
  it('adds every parent folder, sorts by path, and gives the same bytes whatever the order given', async () => {
    const a = [
      { path: '/usr/local/bin/app', data: Buffer.from('binary'), mode: 0o755 },
      { path: '/etc/passwd', data: Buffer.from('root:x:0:0::/:/x\n'), mode: 0o644 },
      { path: '/tmp', data: null, mode: 0o1777 },
    ];
    const one = await layerTar(a, TIME);
    const two = await layerTar([...a].reverse(), TIME);
    expect(hex(two)).toBe(hex(one));
    expect(tarNames(one)).toEqual([
      'etc/',
      'etc/passwd',
      'tmp/',
      'usr/',
      'usr/local/',
      'usr/local/bin/',
      'usr/local/bin/app',
    ]);
  });

  it('diff_id is the sha256 of the tar, digest of the gzip; gunzip gives the tar back', async () => {
    const layer = await deterministicLayer(
      scratchEntries(Buffer.from('-----BEGIN CERTIFICATE-----\n')),
      TIME,
    );
    const tar = gunzipSync(layer.blob);
    expect(layer.diffId).toBe(`sha256:${hex(tar)}`);
    expect(layer.digest).toBe(`sha256:${hex(layer.blob)}`);
  });

  it('gzip: no name, zero mtime, OS 255, and bytes pinned by the deflate implementation', () => {
    const data = Buffer.from('crossgo '.repeat(4096));
    const gz = deterministicGzip(data);
    expect([...gz.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255]);
    expect(gunzipSync(gz).equals(data)).toBe(true);
    // Pinned: a different fflate (or parameter) that changes these bytes changes every image digest.
    // Recorded once with fflate 0.8.3 on an x86-64 machine; any machine must give the same bytes
    // (fflate is plain JavaScript): a changed digest here means images change digest too.
    expect(hex(gz)).toBe('764a2aa79847cbe4d099a3e5abb025958a95fcd7f63e69285bd9e5cb52d4381d');
    expect(gz.length).toBeLessThan(200);
  });
});

it("the layers' gzip annotation names the fflate installed (a new fflate may deflate differently)", () => {
  const installed = JSON.parse(
    readFileSync(new URL('../../node_modules/fflate/package.json', import.meta.url), 'utf8'),
  ) as {
    version: string;
  };
  const pinned = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  expect(pinned.dependencies.fflate).toBe(installed.version);
  expect(GZIP_IMPLEMENTATION).toContain(`fflate ${installed.version} `);
});

describe('image set', () => {
  const input = (target: string, architecture: string, variant?: string): PlatformImageInput => ({
    target,
    platform: { os: 'linux', architecture, ...(variant ? { variant } : {}) },
    binary: Buffer.from(`binary for ${target}`),
    binaryPath: '/usr/local/bin/app',
    sbom: Buffer.from('{"bomFormat":"CycloneDX"}'),
    sbomName: 'app.sbom.cdx.json',
    base: null,
    scratch: scratchEntries(Buffer.from('-----BEGIN CERTIFICATE-----\n')),
    scratchNote: 'test bundle',
    settings: {
      entrypoint: ['/usr/local/bin/app'],
      env: { PATH: '/bin' },
      user: '65532:65532',
      ports: ['8080/tcp'],
      labels: {},
    },
  });

  it('one manifest per platform under the index, each with an SBOM referrer whose subject it is', async () => {
    const set = await buildImageSet({
      images: [input('linux/amd64', 'amd64'), input('linux/arm/7', 'arm', 'v7')],
      created: '2024-05-06T07:08:09Z',
      annotations: { 'org.opencontainers.image.version': '1.2.3' },
    });
    const index = JSON.parse(set.blobs.get(set.index.digest)?.bytes.toString() ?? '') as {
      manifests: { digest: string; platform: object }[];
    };
    expect(index.manifests.map((m) => m.platform)).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm', variant: 'v7' },
    ]);
    for (const image of set.images) {
      const referrer = JSON.parse(set.blobs.get(image.referrer?.digest ?? '')?.bytes.toString() ?? '') as {
        subject: { digest: string };
        artifactType: string;
      };
      expect(referrer.subject.digest).toBe(image.manifest.digest);
      expect(referrer.artifactType).toBe('application/vnd.cyclonedx+json');
    }
    // The scratch layer is the same for both platforms: stored once.
    const layers = set.images.map(
      (i) =>
        (
          JSON.parse(set.blobs.get(i.manifest.digest)?.bytes.toString() ?? '') as {
            layers: { digest: string }[];
          }
        ).layers,
    );
    expect(layers[0]?.[0]?.digest).toBe(layers[1]?.[0]?.digest);
    expect(layers[0]?.[1]?.digest).not.toBe(layers[1]?.[1]?.digest);
  });

  it("a base's Env, user and ports are kept unless the config sets them; its Cmd is dropped", async () => {
    const withBase = input('linux/amd64', 'amd64');
    withBase.base = {
      ref: 'example/base',
      config: {
        architecture: 'amd64',
        os: 'linux',
        config: {
          Env: ['PATH=/base/bin', 'LANG=C'],
          User: 'app',
          Cmd: ['sh'],
          ExposedPorts: { '53/udp': {} },
        },
        rootfs: { type: 'layers', diff_ids: ['sha256:aa'] },
      },
      layers: [],
    };
    withBase.settings = {
      entrypoint: ['/usr/local/bin/app'],
      env: { PATH: '/mine' },
      ports: ['8080/tcp'],
      labels: {},
    };
    const set = await buildImageSet({ images: [withBase], created: '2024-05-06T07:08:09Z', annotations: {} });
    const manifest = JSON.parse(
      set.blobs.get(set.images[0]?.manifest.digest ?? '')?.bytes.toString() ?? '',
    ) as {
      config: { digest: string };
    };
    const config = JSON.parse(set.blobs.get(manifest.config.digest)?.bytes.toString() ?? '') as {
      config: { Env: string[]; User: string; Cmd?: string[]; ExposedPorts: object };
      rootfs: { diff_ids: string[] };
    };
    expect(config.config.Env).toEqual(['PATH=/mine', 'LANG=C']);
    expect(config.config.User).toBe('app');
    expect(config.config.Cmd).toBeUndefined();
    expect(Object.keys(config.config.ExposedPorts)).toEqual(['53/udp', '8080/tcp']);
    expect(config.rootfs.diff_ids[0]).toBe('sha256:aa');
    expect(config.rootfs.diff_ids).toHaveLength(2);
  });
});
