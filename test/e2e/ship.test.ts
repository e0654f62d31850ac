import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageArtifact, Manifest, PackageArtifact } from '../../src/pipeline/manifest.js';
import {
  cleanupTemps,
  crossgo,
  fixtureRepo,
  gitIdentity,
  runTool,
  tempDir,
  testEnv,
} from '../helpers/cli.js';
import { type Registry, startRegistry } from '../helpers/registry.js';

/**
 * The "done when", end to end: `crossgo build --package` with linux_packages: in the
 * config, then `crossgo image --push` to a real docker-registry, in two clones of one commit at
 * two paths with two time zones (another machine, as far as one machine can be). The oracles are
 * skopeo (the pushed index), umoci and the unpacked binary, lintian, rpm, sha256sum and
 * node:crypto; nothing is read back through crossgo.
 */
const TARGETS = 'linux/amd64,linux/arm64';
const CONFIG = `linux_packages:
  formats: [deb, rpm, apk]
  maintainer: "Jane Doe <jane@example.com>"
  description: "Print what crossgo stamped\\nThe greet fixture, packaged."
  license: MIT
  homepage: https://example.com/greet
image:
  ports: [8080]
`;

let registry: Registry;
let first: string;
let second: string;

const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

async function tool(command: string, args: string[], cwd?: string, env?: NodeJS.ProcessEnv): Promise<string> {
  const run = await runTool(command, args, { cwd, env });
  expect(run.code, `${command} ${args.join(' ')}: ${run.stderr}`).toBe(0);
  return run.stdout;
}

async function manifestOf(dir: string): Promise<Manifest> {
  return JSON.parse(await readFile(path.join(dir, 'dist', 'manifest.json'), 'utf8')) as Manifest;
}

const images = (m: Manifest) => m.artifacts.filter((a): a is ImageArtifact => a.kind === 'image');
const packages = (m: Manifest) => m.artifacts.filter((a): a is PackageArtifact => a.kind === 'package');

/** build --package, then image --push, as a release job runs them. */
async function release(dir: string, repository: string, env: NodeJS.ProcessEnv) {
  const build = await crossgo(['build', '--package', '-t', TARGETS], { cwd: dir, env });
  expect(build.code, build.stderr).toBe(0);
  const image = await crossgo(['image', '--push', `${registry.host}/${repository}:1.2.3`], { cwd: dir, env });
  expect(image.code, image.stderr).toBe(0);
}

beforeAll(async () => {
  registry = await startRegistry();
  ({ dir: first } = await fixtureRepo('greet'));
  await writeFile(path.join(first, 'crossgo.yaml'), CONFIG);
  await writeFile(
    path.join(first, 'LICENSE'),
    'Copyright (c) 2024 Jane Doe\n\nPermission is hereby granted.\n',
  );
  const env = { ...process.env, ...gitIdentity() };
  const git = (cwd: string, ...args: string[]) =>
    tool('git', ['-c', 'init.defaultBranch=main', ...args], cwd, env);
  await git(first, 'add', '-A');
  await git(first, 'commit', '-q', '-m', 'release config');
  await git(first, 'tag', '-f', 'v1.2.3');
  second = path.join(await tempDir(), 'elsewhere', 'greet');
  await git(path.dirname(first), 'clone', '-q', first, second);
  await release(first, 'app', testEnv({ TZ: 'UTC' }));
  await release(second, 'app-elsewhere', testEnv({ TZ: 'Asia/Tokyo' }));
}, 600_000);

afterAll(async () => {
  await registry?.stop();
  await cleanupTemps();
});

describe('crossgo build --package, then crossgo image --push', () => {
  it('pushes a multi-arch index that skopeo reads; the other clone pushes the same bytes', async () => {
    const raw = await tool('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${registry.host}/app:1.2.3`,
    ]);
    const index = JSON.parse(raw) as { mediaType: string; manifests: { platform: object }[] };
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.manifests.map((m) => m.platform)).toEqual([
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ]);
    const elsewhere = await tool('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${registry.host}/app-elsewhere:1.2.3`,
    ]);
    expect(sha256(elsewhere)).toBe(sha256(raw));
    // The manifest records the digest the registry serves, where it went and under which tag.
    const index1 = images(await manifestOf(first)).find((i) => i.role === 'index');
    expect(index1?.digest).toBe(`sha256:${sha256(raw)}`);
    expect(index1?.pushed).toEqual([{ repository: `${registry.host}/app`, tags: ['1.2.3'] }]);
  });

  it("umoci unpacks the host's image pulled by skopeo, and its binary prints the release's version", async () => {
    const out = await tempDir();
    await tool('skopeo', [
      '--override-arch',
      'amd64',
      'copy',
      '--src-tls-verify=false',
      `docker://${registry.host}/app:1.2.3`,
      `oci:${out}/layout:pulled`,
    ]);
    await tool('umoci', ['unpack', '--rootless', '--image', `${out}/layout:pulled`, `${out}/bundle`]);
    const printed = await tool(path.join(out, 'bundle', 'rootfs', 'usr', 'local', 'bin', 'greet'), []);
    expect(printed).toContain('greet version=1.2.3 ');
    const config = JSON.parse(await readFile(path.join(out, 'bundle', 'config.json'), 'utf8')) as {
      process: { user: { uid: number } };
    };
    expect(config.process.user.uid).toBe(65532);
  });

  it('makes .deb, .rpm and .apk files that lintian and rpm accept, byte for byte the same in both clones', async () => {
    const made = packages(await manifestOf(first));
    const elsewhere = packages(await manifestOf(second));
    expect(made.map((p) => p.format).sort()).toEqual(['apk', 'apk', 'deb', 'deb', 'rpm', 'rpm']);
    expect(elsewhere.map((p) => [p.path, p.sha256])).toEqual(made.map((p) => [p.path, p.sha256]));
    for (const p of made) {
      const bytes = await readFile(path.join(first, 'dist', p.path));
      expect(sha256(bytes), p.path).toBe(p.sha256);
      expect(sha256(await readFile(path.join(second, 'dist', p.path))), p.path).toBe(sha256(bytes));
      const file = path.join(first, 'dist', p.path);
      if (p.format === 'deb') {
        const lintian = await runTool('lintian', ['--no-tag-display-limit', file]);
        expect(
          lintian.stdout.split('\n').filter((l) => l.startsWith('E:')),
          lintian.stdout,
        ).toEqual([]);
        expect(await tool('dpkg-deb', ['--field', file, 'Version'])).toBe('1.2.3-1\n');
      }
      if (p.format === 'rpm') {
        expect(await tool('rpm', ['-qp', '--queryformat', '%{VERSION}-%{RELEASE}', file])).toBe('1.2.3-1');
        expect(await tool('rpm', ['-K', '--nosignature', file])).toMatch(/digests OK/);
      }
    }
  });

  it('the checksums file covers the packages and sha256sum -c passes', async () => {
    const checksums = (await manifestOf(first)).artifacts.find((a) => a.kind === 'checksums');
    expect(checksums).toBeDefined();
    const listed = await readFile(path.join(first, 'dist', checksums?.path as string), 'utf8');
    for (const p of packages(await manifestOf(first))) expect(listed).toContain(`  ${p.path}\n`);
    expect(await tool('sha256sum', ['-c', checksums?.path as string], path.join(first, 'dist'))).not.toMatch(
      /FAILED/,
    );
  });

  it('crossgo package again keeps the images and their layout, which skopeo still reads', async () => {
    const before = images(await manifestOf(first));
    const again = await crossgo(['package'], { cwd: first, env: testEnv() });
    expect(again.code, again.stderr).toBe(0);
    const after = images(await manifestOf(first));
    expect(after.map((i) => [i.role, i.digest])).toEqual(before.map((i) => [i.role, i.digest]));
    const paths = new Set((await manifestOf(first)).artifacts.map((a) => a.path));
    for (const image of after) for (const from of image.from) expect(paths.has(from), from).toBe(true);
    const raw = await tool('skopeo', ['inspect', '--raw', `oci:${path.join(first, 'dist', 'image')}:1.2.3`]);
    expect(`sha256:${sha256(raw)}`).toBe(after.find((i) => i.role === 'index')?.digest);
  });
});
