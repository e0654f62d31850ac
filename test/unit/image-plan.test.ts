import { describe, expect, it } from 'vitest';
import type { BinaryArtifact, Manifest } from '../../src/pipeline/manifest.js';
import { baseConfig } from '../../src/stages/image/base.js';
import { pushTargets } from '../../src/stages/image/push.js';
import { planImages } from '../../src/stages/image/settings.js';

function binary(target: string): BinaryArtifact {
  const [goos, goarch, variant] = target.split('/') as [string, string, string | undefined];
  return {
    kind: 'binary',
    path: `app-${target.replaceAll('/', '-')}`,
    size: 1,
    sha256: '0'.repeat(64),
    target,
    from: [],
    goos,
    goarch,
    variant: variant ?? null,
    durationMs: 1,
    goVersion: 'go1.26.8',
    argv: [],
    env: {},
    cgo: { enabled: false, reason: 'off' } as unknown as BinaryArtifact['cgo'],
  };
}

function manifest(module: string, targets: string[]): Manifest {
  return {
    project: { module, package: '.', importPath: module, name: 'app' },
    source: {
      version: 'v1.2.3',
      plainVersion: '1.2.3',
      tag: 'v1.2.3',
      commit: 'a'.repeat(40),
      date: '2024-05-06T07:08:09Z',
      dateSource: 'commit',
      dirty: false,
    },
    artifacts: targets.map(binary),
  } as unknown as Manifest;
}

const plan = (m: Manifest, config = {}, env: NodeJS.ProcessEnv = {}) =>
  planImages({ manifest: m, manifestShown: 'dist/manifest.json', config, file: 'crossgo.yaml', env });

describe('planImages', () => {
  it('linux binaries only; the OCI platform per target; the annotations from the manifest', () => {
    const p = plan(manifest('github.com/acme/app/v2', ['linux/amd64/v3', 'darwin/arm64', 'linux/arm/6']));
    expect(p.images.map((i) => i.platform)).toEqual([
      { os: 'linux', architecture: 'amd64', variant: 'v3' },
      { os: 'linux', architecture: 'arm', variant: 'v6' },
    ]);
    expect(p.annotations).toEqual({
      'org.opencontainers.image.created': '2024-05-06T07:08:09Z',
      'org.opencontainers.image.revision': 'a'.repeat(40),
      'org.opencontainers.image.source': 'https://github.com/acme/app',
      'org.opencontainers.image.version': '1.2.3',
    });
    expect(p.images[0]?.user).toBe('65532:65532');
    expect(p.images[0]?.entrypoint).toEqual(['/usr/local/bin/app']);
    expect(p.tags).toEqual(['1.2.3']);
  });

  it('two targets of one platform, no linux binary, a module without a host, SOURCE_DATE_EPOCH', () => {
    expect(() => plan(manifest('example.com/app', ['linux/arm', 'linux/arm/7']))).toThrow(
      /linux\/arm\/7 and linux\/arm are both the OCI platform linux\/arm\/v7/,
    );
    expect(() => plan(manifest('example.com/app', ['windows/amd64']))).toThrow(/build linux targets first/);
    const local = plan(manifest('app', ['linux/amd64']), {}, { SOURCE_DATE_EPOCH: '1700000000' });
    expect(local.annotations['org.opencontainers.image.source']).toBeUndefined();
    expect(local.created).toBe('2023-11-14T22:13:20Z');
  });

  it('a base keeps its user unless the config sets one; a bad tag or path is one usage error', () => {
    const based = plan(manifest('example.com/app', ['linux/amd64']), { base: 'alpine:3' });
    expect(based.base).toBe('alpine:3');
    expect(based.images[0]?.user).toBeUndefined();
    expect(based.images[0]?.env).toEqual({});
    expect(() => plan(manifest('example.com/app', ['linux/amd64']), { tags: ['{version}+x'] })).toThrow(
      /image\.tags\[0\]: "1\.2\.3\+x" is not a valid tag/,
    );
    expect(() => plan(manifest('example.com/app', ['linux/amd64']), { path: 'bin/{binary}' })).toThrow(
      /image\.path: "bin\/app" is not an absolute path/,
    );
  });
});

describe('pushTargets', () => {
  it('one push per repository with every tag; a REPO without a tag asks for the plan tags; a digest is refused', () => {
    expect(pushTargets(['127.0.0.1:5000/app', '127.0.0.1:5000/app:latest', 'ghcr.io/acme/app:1'])).toEqual([
      {
        text: '127.0.0.1:5000/app',
        registry: '127.0.0.1:5000',
        repository: 'app',
        tags: ['latest'],
        planTags: true,
      },
      {
        text: 'ghcr.io/acme/app:1',
        registry: 'ghcr.io',
        repository: 'acme/app',
        tags: ['1'],
        planTags: false,
      },
    ]);
    expect(() => pushTargets([`localhost:5000/app@sha256:${'a'.repeat(64)}`])).toThrow(
      /a digest names an image/,
    );
  });
});

describe("a base image's config (hostile input)", () => {
  const good = {
    architecture: 'arm64',
    os: 'linux',
    config: { Env: ['PATH=/bin'], User: 'nonroot', Labels: { a: 'b' }, Healthcheck: { Test: ['x'] } },
    rootfs: { type: 'layers', diff_ids: [`sha256:${'a'.repeat(64)}`] },
    history: [{ created: '2024-01-01T00:00:00Z', created_by: 'x', extra: 1 }, 'junk'],
  };
  it('keeps the settings crossgo reads and drops the rest', () => {
    const config = baseConfig(good, 'base', 1);
    expect(config.config).toEqual({ Env: ['PATH=/bin'], User: 'nonroot', Labels: { a: 'b' } });
    expect(config.history).toEqual([{ created: '2024-01-01T00:00:00Z', created_by: 'x' }]);
  });
  it('refuses diff_ids that do not match the layers, and settings of the wrong type', () => {
    expect(() => baseConfig(good, 'base', 2)).toThrow(/1 diff_ids for 2 layers/);
    expect(() => baseConfig({ ...good, rootfs: { diff_ids: ['x'] } }, 'base', 1)).toThrow(/sha256 digests/);
    expect(() => baseConfig({ ...good, config: { Env: 'PATH=/bin' } }, 'base', 1)).toThrow(/Env/);
    expect(() => baseConfig({ ...good, config: { Labels: { a: 1 } } }, 'base', 1)).toThrow(/Labels/);
  });
});
