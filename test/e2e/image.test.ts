import { createHash } from 'node:crypto';
import { cp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageArtifact, Manifest } from '../../src/pipeline/manifest.js';
import { cleanupTemps, crossgo, fixtureRepo, runTool, tempDir, testEnv } from '../helpers/cli.js';
import { type Registry, startRegistry } from '../helpers/registry.js';

/**
 * crossgo image from one build of the greet fixture for four linux targets, checked with tools
 * that are not crossgo: skopeo (oci:, oci-archive:, docker-archive:), umoci (unpack), tar, and the
 * unpacked binary itself (natively or under qemu-user), which prints the version crossgo stamped.
 */
const TARGETS = ['linux/amd64', 'linux/arm64', 'linux/arm/7', 'linux/386'];
/** The OCI platform of each target and how its binary runs here. */
const PLATFORMS = [
  { target: 'linux/amd64', ref: 'linux-amd64', platform: { os: 'linux', architecture: 'amd64' }, runner: [] },
  {
    target: 'linux/arm64',
    ref: 'linux-arm64-v8',
    platform: { os: 'linux', architecture: 'arm64', variant: 'v8' },
    runner: ['qemu-aarch64'],
  },
  {
    target: 'linux/arm/7',
    ref: 'linux-arm-v7',
    platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
    runner: ['qemu-arm'],
  },
  {
    target: 'linux/386',
    ref: 'linux-386',
    platform: { os: 'linux', architecture: '386' },
    runner: ['qemu-i386'],
  },
];

let dir: string;
let layout: string;
let tarball: string;
let result: { code: number; stdout: string; stderr: string };

beforeAll(async () => {
  ({ dir } = await fixtureRepo('greet'));
  const build = await crossgo(['build', '-t', TARGETS.join(',')], { cwd: dir, env: testEnv() });
  expect(build.code, build.stderr).toBe(0);
  const out = await tempDir();
  layout = path.join(out, 'layout');
  tarball = path.join(out, 'app.tar');
  result = await crossgo(['image', '--oci-layout', layout, '--tarball', tarball], {
    cwd: dir,
    env: testEnv(),
  });
}, 300_000);
afterAll(cleanupTemps);

async function tool(command: string, args: string[]): Promise<string> {
  const run = await runTool(command, args, { env: { ...process.env, TZ: 'UTC' } });
  expect(run.code, `${command} ${args.join(' ')}: ${run.stderr}`).toBe(0);
  return run.stdout;
}

function sha256(bytes: string | Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

describe('crossgo image: the OCI layout', () => {
  it('prints one row per platform with its digest, and skopeo reads the index with its four platforms', async () => {
    expect(result.code, result.stderr).toBe(0);
    const raw = await tool('skopeo', ['inspect', '--raw', `oci:${layout}:1.2.3`]);
    const index = JSON.parse(raw) as { mediaType: string; manifests: { digest: string; platform: object }[] };
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.manifests.map((m) => m.platform)).toEqual(PLATFORMS.map((p) => p.platform));
    expect(result.stdout).toContain(`sha256:${sha256(raw)}`);
    for (const m of index.manifests) expect(result.stdout).toContain(m.digest);
  });

  it('records the index, each manifest and each SBOM referrer in the manifest, with the digests skopeo sees', async () => {
    const manifest = JSON.parse(await readFile(path.join(dir, 'dist', 'manifest.json'), 'utf8')) as Manifest;
    const images = manifest.artifacts.filter((a): a is ImageArtifact => a.kind === 'image');
    expect(images.map((a) => a.role)).toEqual([
      'index',
      ...PLATFORMS.flatMap(() => ['manifest', 'referrer']),
    ]);
    const raw = await tool('skopeo', ['inspect', '--raw', `oci:${layout}:1.2.3`]);
    expect(images[0]?.digest).toBe(`sha256:${sha256(raw)}`);
    for (const p of PLATFORMS) {
      const one = await tool('skopeo', ['inspect', '--raw', `oci:${layout}:1.2.3-${p.ref}`]);
      const record = images.find((a) => a.role === 'manifest' && a.target === p.target);
      expect(record?.digest).toBe(`sha256:${sha256(one)}`);
      expect(record?.platform).toEqual(p.platform);
      // The record's path is the blob in dist/image, holding those bytes.
      expect(sha256(await readFile(path.join(dir, 'dist', record?.path ?? '')))).toBe(record?.sha256);
      const referrer = images.find((a) => a.role === 'referrer' && a.target === p.target);
      expect(referrer?.subject).toBe(record?.digest);
      expect(referrer?.artifactType).toBe('application/vnd.cyclonedx+json');
    }
  });

  it('unpacks with umoci; each binary runs (natively or under qemu) and prints the version; nonroot is 65532', async () => {
    for (const p of PLATFORMS) {
      const bundle = path.join(await tempDir(), 'bundle');
      await tool('umoci', ['unpack', '--rootless', '--image', `${layout}:1.2.3-${p.ref}`, bundle]);
      const rootfs = path.join(bundle, 'rootfs');
      const binary = path.join(rootfs, 'usr', 'local', 'bin', 'greet');
      const [command, ...args] = [...p.runner, binary];
      const out = await tool(command as string, args);
      expect(out).toContain('greet version=1.2.3 ');
      expect(out).toContain(`platform=${p.target.split('/').slice(0, 2).join('/')}`);
      expect(await readFile(path.join(rootfs, 'etc', 'passwd'), 'utf8')).toContain('nonroot:x:65532:65532:');
      expect(await readFile(path.join(rootfs, 'etc', 'group'), 'utf8')).toContain('nonroot:x:65532:');
      const cas = await readFile(path.join(rootfs, 'etc', 'ssl', 'certs', 'ca-certificates.crt'));
      expect(sha256(cas)).toBe(sha256(await readFile('/etc/ssl/certs/ca-certificates.crt')));
      // umoci's runtime config carries the image config: the user and the entrypoint.
      const config = JSON.parse(await readFile(path.join(bundle, 'config.json'), 'utf8')) as {
        process: { user: { uid: number; gid: number }; args: string[]; env: string[] };
      };
      expect(config.process.args).toEqual(['/usr/local/bin/greet']);
      expect(config.process.env).toContain('SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt');
    }
  });

  it("the image config (skopeo inspect --config): user 65532:65532, the OCI labels, the commit's time", async () => {
    const config = JSON.parse(
      await tool('skopeo', ['inspect', '--config', `oci:${layout}:1.2.3-linux-arm-v7`]),
    ) as {
      created: string;
      architecture: string;
      variant: string;
      config: { User: string; Labels: Record<string, string> };
      history: { created: string }[];
    };
    expect(config.created).toBe('2024-05-06T07:08:09Z');
    expect([config.architecture, config.variant]).toEqual(['arm', 'v7']);
    expect(config.config.User).toBe('65532:65532');
    expect(config.config.Labels['org.opencontainers.image.version']).toBe('1.2.3');
    expect(config.config.Labels['org.opencontainers.image.created']).toBe('2024-05-06T07:08:09Z');
    expect(config.config.Labels['org.opencontainers.image.revision']).toMatch(/^[0-9a-f]{40}$/);
    expect(config.history.every((h) => h.created === '2024-05-06T07:08:09Z')).toBe(true);
  });

  it('layers: every tar entry is uid/gid 0 with the commit time, parents first, /tmp 1777, the binary 0755', async () => {
    const manifest = JSON.parse(
      await tool('skopeo', ['inspect', '--raw', `oci:${layout}:1.2.3-linux-amd64`]),
    ) as {
      layers: { digest: string }[];
    };
    const lines: string[] = [];
    for (const layer of manifest.layers) {
      const blob = path.join(layout, 'blobs', 'sha256', layer.digest.slice(7));
      lines.push(...(await tool('tar', ['-tvzf', blob])).trim().split('\n'));
    }
    for (const line of lines) expect(line).toMatch(/^[-d]r\S+ 0\/0 +\d+ 2024-05-06 07:08 /);
    const names = lines.map((l) => l.split(/\s+/).slice(5).join(' '));
    expect(names).toEqual([
      'etc/',
      'etc/group',
      'etc/passwd',
      'etc/ssl/',
      'etc/ssl/certs/',
      'etc/ssl/certs/ca-certificates.crt',
      'tmp/',
      'usr/',
      'usr/local/',
      'usr/local/bin/',
      'usr/local/bin/greet',
    ]);
    expect(lines.find((l) => l.endsWith(' tmp/'))).toMatch(/^drwxrwxrwt /);
    expect(lines.find((l) => l.endsWith(' usr/local/bin/greet'))).toMatch(/^-rwxr-xr-x /);
    // gzip header (RFC 1952): no name (FLG 0), mtime 0, OS 255.
    const head = (
      await readFile(path.join(layout, 'blobs', 'sha256', manifest.layers[1]?.digest.slice(7) ?? ''))
    ).subarray(0, 10);
    expect([...head]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255]);
  });

  it('the SBOM referrer: CycloneDX JSON of the binary, the empty config, the image manifest as subject', async () => {
    const index = JSON.parse(await readFile(path.join(layout, 'index.json'), 'utf8')) as {
      manifests: { digest: string; artifactType?: string }[];
    };
    const referrers = index.manifests.filter((m) => m.artifactType === 'application/vnd.cyclonedx+json');
    expect(referrers).toHaveLength(4);
    const blob = async (digest: string) => readFile(path.join(layout, 'blobs', 'sha256', digest.slice(7)));
    const referrer = JSON.parse((await blob(referrers[0]?.digest ?? '')).toString()) as {
      artifactType: string;
      config: { mediaType: string; digest: string; size: number };
      layers: { mediaType: string; digest: string }[];
      subject: { digest: string };
    };
    expect(referrer.config).toEqual({
      mediaType: 'application/vnd.oci.empty.v1+json',
      digest: `sha256:${sha256('{}')}`,
      size: 2,
    });
    expect(referrer.layers[0]?.mediaType).toBe('application/vnd.cyclonedx+json');
    const bom = JSON.parse((await blob(referrer.layers[0]?.digest ?? '')).toString()) as {
      bomFormat: string;
      metadata: { component: { hashes: { content: string }[] } };
    };
    expect(bom.bomFormat).toBe('CycloneDX');
    const amd64 = await readFile(path.join(dir, 'dist', 'greet-linux-amd64'));
    expect(bom.metadata.component.hashes[0]?.content).toBe(sha256(amd64));
    const amd64Manifest = await tool('skopeo', ['inspect', '--raw', `oci:${layout}:1.2.3-linux-amd64`]);
    expect(referrer.subject.digest).toBe(`sha256:${sha256(amd64Manifest)}`);
  });

  it('the tarball: skopeo reads it as docker-archive (the amd64 image) and as oci-archive (the index)', async () => {
    const docker = JSON.parse(await tool('skopeo', ['inspect', `docker-archive:${tarball}`])) as {
      Architecture: string;
      RepoTags: string[];
    };
    expect(docker.Architecture).toBe('amd64');
    const fromArchive = await tool('skopeo', ['inspect', '--raw', `oci-archive:${tarball}:1.2.3`]);
    const fromLayout = await tool('skopeo', ['inspect', '--raw', `oci:${layout}:1.2.3`]);
    expect(sha256(fromArchive)).toBe(sha256(fromLayout));
    const listing = (await tool('tar', ['-tvf', tarball])).trim().split('\n');
    for (const line of listing) expect(line).toMatch(/^[-d]r\S+ 0\/0 +\d+ 2024-05-06 07:08 /);
    const names = listing.map((l) => l.split(/\s+/).slice(5).join(' '));
    expect(names).toEqual([...names].sort());
    expect(names).toContain('manifest.json');
    // What docker load would take: the image manifest.json names, copied out by skopeo and run.
    const out = await tempDir();
    await tool('skopeo', ['copy', `docker-archive:${tarball}`, `oci:${out}/layout:loaded`]);
    await tool('umoci', ['unpack', '--rootless', '--image', `${out}/layout:loaded`, `${out}/bundle`]);
    expect(await tool(path.join(out, 'bundle', 'rootfs', 'usr', 'local', 'bin', 'greet'), [])).toContain(
      'platform=linux/amd64',
    );
  });

  it('the same commit built in another folder gives the same digests', async () => {
    const other = (await fixtureRepo('greet')).dir;
    const build = await crossgo(['build', '-t', TARGETS.join(',')], { cwd: other, env: testEnv() });
    expect(build.code, build.stderr).toBe(0);
    const second = path.join(await tempDir(), 'layout');
    const run = await crossgo(['image', '--oci-layout', second, '--json'], { cwd: other, env: testEnv() });
    expect(run.code, run.stderr).toBe(0);
    const a = await tool('skopeo', ['inspect', '--raw', `oci:${layout}:1.2.3`]);
    const b = await tool('skopeo', ['inspect', '--raw', `oci:${second}:1.2.3`]);
    expect(sha256(b)).toBe(sha256(a));
    const records = (JSON.parse(run.stdout) as { images: ImageArtifact[] }).images;
    expect(records[0]?.digest).toBe(`sha256:${sha256(a)}`);
  });

  it("the config's image: keys (templates per target) reach the image config; a bad placeholder names its key", async () => {
    const copy = path.join(await tempDir(), 'copy');
    await cp(dir, copy, { recursive: true });
    await writeFile(
      path.join(copy, 'crossgo.yaml'),
      [
        'image:',
        '  targets: [linux/amd64, linux/arm64]',
        '  path: /app/{binary}-{arch}',
        '  env: {MODE: "{os}-{arch}"}',
        '  user: "1000:1000"',
        '  workdir: /app',
        '  ports: [8080, "53/udp"]',
        '  labels: {team: platform}',
        '  tags: ["v{version}"]',
        '',
      ].join('\n'),
    );
    const out = path.join(await tempDir(), 'layout');
    const run = await crossgo(['image', '--oci-layout', out], { cwd: copy, env: testEnv() });
    expect(run.code, run.stderr).toBe(0);
    const index = JSON.parse(await tool('skopeo', ['inspect', '--raw', `oci:${out}:v1.2.3`])) as {
      manifests: unknown[];
    };
    expect(index.manifests).toHaveLength(2);
    const config = JSON.parse(
      await tool('skopeo', ['inspect', '--config', `oci:${out}:v1.2.3-linux-arm64-v8`]),
    ) as {
      config: {
        Entrypoint: string[];
        Env: string[];
        User: string;
        WorkingDir: string;
        ExposedPorts: object;
        Labels: Record<string, string>;
      };
    };
    expect(config.config.Entrypoint).toEqual(['/app/greet-arm64']);
    expect(config.config.Env).toContain('MODE=linux-arm64');
    expect(config.config.User).toBe('1000:1000');
    expect(config.config.WorkingDir).toBe('/app');
    expect(Object.keys(config.config.ExposedPorts)).toEqual(['53/udp', '8080/tcp']);
    expect(config.config.Labels.team).toBe('platform');
    await writeFile(path.join(copy, 'crossgo.yaml'), 'image:\n  path: /bin/{binray}\n');
    const bad = await crossgo(['image'], { cwd: copy, env: testEnv() });
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('image.path');
  });

  it('refuses a non-empty folder that is not its layout, leaving it as it was: one line, exit 2', async () => {
    const foreign = await tempDir();
    await writeFile(path.join(foreign, 'notes.txt'), 'mine\n');
    const run = await crossgo(['image', '--oci-layout', foreign], { cwd: dir, env: testEnv() });
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('is not an OCI layout crossgo wrote');
    expect(await runTool('ls', ['-A', foreign])).toMatchObject({ stdout: 'notes.txt\n' });
  });

  it('<out>/image replaced by a link elsewhere: refused, nothing written through it', async () => {
    const copy = path.join(await tempDir(), 'copy');
    await cp(dir, copy, { recursive: true });
    const elsewhere = await tempDir();
    await rm(path.join(copy, 'dist', 'image'), { recursive: true, force: true });
    await symlink(elsewhere, path.join(copy, 'dist', 'image'));
    const run = await crossgo(['image'], { cwd: copy, env: testEnv() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('dist/image is a symbolic link');
    expect(await readdir(elsewhere)).toEqual([]);
  });

  it('a binary changed after the build is refused before any image is made: exit 1', async () => {
    const copy = path.join(await tempDir(), 'copy');
    await cp(dir, copy, { recursive: true });
    await writeFile(path.join(copy, 'dist', 'greet-linux-386'), 'not the binary');
    const run = await crossgo(['image'], { cwd: copy, env: testEnv() });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/greet-linux-386 has sha256 .* not the .* its manifest records/);
  });

  it('a build without linux binaries: one line saying to build linux targets first, exit 2', async () => {
    const copy = path.join(await tempDir(), 'copy');
    await cp(dir, copy, { recursive: true });
    const file = path.join(copy, 'dist', 'manifest.json');
    const manifest = JSON.parse(await readFile(file, 'utf8')) as Manifest;
    manifest.artifacts = [];
    await writeFile(file, JSON.stringify(manifest));
    const run = await crossgo(['image'], { cwd: copy, env: testEnv() });
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toMatch(/lists no linux binaries: build linux targets first/);
  });
});

/**
 * The push to a real registry: Debian's docker-registry (CNCF Distribution 2.8) on 127.0.0.1, one
 * open and one behind htpasswd basic auth, started here and stopped in afterAll. Read back with
 * skopeo (docker://, --tls-verify=false for plain HTTP), copied out per platform and unpacked by
 * umoci, then run.
 */
describe('crossgo image --push', () => {
  let open: Registry;
  let locked: Registry;
  let first: { code: number; stdout: string; stderr: string };

  beforeAll(async () => {
    open = await startRegistry();
    locked = await startRegistry({ auth: 'htpasswd' });
    first = await crossgo(
      ['image', '--push', `${open.host}/app:1.2.3`, '--push', `${open.host}/app:latest`, '--json'],
      {
        cwd: dir,
        env: testEnv(),
      },
    );
  }, 120_000);
  afterAll(async () => {
    await open?.stop();
    await locked?.stop();
  });

  const skopeo = (args: string[]) =>
    tool('skopeo', [...args.slice(0, -1), '--tls-verify=false', ...args.slice(-1)]);

  it('pushes the index under both tags; skopeo reads it with its four platforms; the manifest records where', async () => {
    expect(first.code, first.stderr).toBe(0);
    const raw = await skopeo(['inspect', '--raw', `docker://${open.host}/app:1.2.3`]);
    const index = JSON.parse(raw) as { manifests: { platform: object }[] };
    expect(index.manifests.map((m) => m.platform)).toEqual(PLATFORMS.map((p) => p.platform));
    const latest = await skopeo(['inspect', '--raw', `docker://${open.host}/app:latest`]);
    expect(sha256(latest)).toBe(sha256(raw));
    const manifest = JSON.parse(await readFile(path.join(dir, 'dist', 'manifest.json'), 'utf8')) as Manifest;
    const images = manifest.artifacts.filter((a): a is ImageArtifact => a.kind === 'image');
    const index0 = images.find((a) => a.role === 'index');
    expect(index0?.digest).toBe(`sha256:${sha256(raw)}`);
    expect(index0?.pushed).toEqual([{ repository: `${open.host}/app`, tags: ['1.2.3', 'latest'] }]);
    for (const a of images.filter((i) => i.role !== 'index')) {
      expect(a.pushed).toEqual([{ repository: `${open.host}/app`, tags: [] }]);
    }
  });

  it('skopeo copy of one platform, umoci unpack, and the binary runs (amd64 natively, arm64 under qemu)', async () => {
    for (const [arch, runner] of [
      ['amd64', []],
      ['arm64', ['qemu-aarch64']],
    ] as const) {
      const out = await tempDir();
      await tool('skopeo', [
        '--override-arch',
        arch,
        'copy',
        '--src-tls-verify=false',
        `docker://${open.host}/app:1.2.3`,
        `oci:${out}/layout:pulled`,
      ]);
      await tool('umoci', ['unpack', '--rootless', '--image', `${out}/layout:pulled`, `${out}/bundle`]);
      const binary = path.join(out, 'bundle', 'rootfs', 'usr', 'local', 'bin', 'greet');
      const [command, ...args] = [...runner, binary];
      expect(await tool(command as string, args)).toContain(`greet version=1.2.3 `);
    }
  });

  it('a second push sends nothing: every blob and manifest is already there', async () => {
    const again = await crossgo(
      ['image', '--push', `${open.host}/app:1.2.3`, '--push', `${open.host}/app:latest`, '--json'],
      {
        cwd: dir,
        env: testEnv(),
      },
    );
    expect(again.code, again.stderr).toBe(0);
    const [push] = (
      JSON.parse(again.stdout) as { pushed: { uploaded: number; manifests: number; existing: number }[] }
    ).pushed;
    expect(push?.uploaded).toBe(0);
    expect(push?.manifests).toBe(0);
    expect(push?.existing).toBeGreaterThan(0);
  });

  it('each SBOM is found as a referrer of its image (the tag-schema fallback: distribution 2.8 has no referrers API)', async () => {
    const records = (JSON.parse(first.stdout) as { images: ImageArtifact[] }).images;
    const amd64 = records.find((r) => r.role === 'manifest' && r.target === 'linux/amd64');
    const sbom = records.find((r) => r.role === 'referrer' && r.target === 'linux/amd64');
    const api = await fetch(`${open.url}/v2/app/referrers/${amd64?.digest}`);
    let referrers: { manifests: { digest: string; artifactType: string }[] };
    if (api.status === 200) referrers = (await api.json()) as typeof referrers;
    else {
      const tag = `sha256-${amd64?.digest.slice(7)}`;
      referrers = JSON.parse(
        await skopeo(['inspect', '--raw', `docker://${open.host}/app:${tag}`]),
      ) as typeof referrers;
    }
    expect(referrers.manifests).toEqual([
      expect.objectContaining({ digest: sbom?.digest, artifactType: 'application/vnd.cyclonedx+json' }),
    ]);
    const referrer = JSON.parse(
      await skopeo(['inspect', '--raw', `docker://${open.host}/app@${sbom?.digest}`]),
    ) as { subject: { digest: string } };
    expect(referrer.subject.digest).toBe(amd64?.digest);
  });

  it('a wrong password: one line, exit 1, and no tag appears; the right one pushes', async () => {
    const wrong = await crossgo(['image', '--push', `${locked.host}/app:1.2.3`], {
      cwd: dir,
      env: testEnv({ CROSSGO_REGISTRY_USER: locked.user, CROSSGO_REGISTRY_PASSWORD: 'not-the-password' }),
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrong.stderr).not.toContain('not-the-password');
    const creds = `${locked.user}:${locked.password}`;
    const tags = await runTool('skopeo', [
      'list-tags',
      '--creds',
      creds,
      '--tls-verify=false',
      `docker://${locked.host}/app`,
    ]);
    expect(tags.stdout).not.toContain('1.2.3');
    const right = await crossgo(['image', '--push', `${locked.host}/app:1.2.3`], {
      cwd: dir,
      env: testEnv({ CROSSGO_REGISTRY_USER: locked.user, CROSSGO_REGISTRY_PASSWORD: locked.password }),
    });
    expect(right.code, right.stderr).toBe(0);
    const after = await tool('skopeo', [
      'list-tags',
      '--creds',
      creds,
      '--tls-verify=false',
      `docker://${locked.host}/app`,
    ]);
    expect(JSON.parse(after).Tags).toContain('1.2.3');
  });

  it('--base: the pushed image as the base of another, its layers kept and mounted on a push to the same registry', async () => {
    const out = path.join(await tempDir(), 'layout');
    const run = await crossgo(
      [
        'image',
        '--base',
        `${open.host}/app:1.2.3`,
        '--oci-layout',
        out,
        '--push',
        `${open.host}/derived:1`,
        '--json',
      ],
      { cwd: dir, env: testEnv() },
    );
    expect(run.code, run.stderr).toBe(0);
    const [push] = (JSON.parse(run.stdout) as { pushed: { mounted: number }[] }).pushed;
    // The base's two layers (scratch files, its binary) per platform: mounted from app, not uploaded.
    expect(push?.mounted).toBeGreaterThan(0);
    const manifest = JSON.parse(
      await tool('skopeo', ['inspect', '--raw', `oci:${out}:1.2.3-linux-arm64-v8`]),
    ) as {
      layers: unknown[];
    };
    expect(manifest.layers).toHaveLength(3);
    const config = JSON.parse(
      await tool('skopeo', ['inspect', '--config', `oci:${out}:1.2.3-linux-arm64-v8`]),
    ) as {
      config: { User: string; Env: string[] };
    };
    expect(config.config.User).toBe('65532:65532');
    expect(config.config.Env).toContain('SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt');
    const bundle = path.join(await tempDir(), 'bundle');
    await tool('umoci', ['unpack', '--rootless', '--image', `${out}:1.2.3-linux-arm64-v8`, bundle]);
    expect(
      await tool('qemu-aarch64', [path.join(bundle, 'rootfs', 'usr', 'local', 'bin', 'greet')]),
    ).toContain('greet version=1.2.3 ');
  });
});
