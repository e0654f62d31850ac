import { createHash } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inspection } from '../../src/commands/inspect.js';
import type { Manifest } from '../../src/pipeline/manifest.js';
import {
  CLI,
  COMMIT_DATE,
  cleanupTemps,
  crossgo,
  fixtureRepo,
  runTool,
  tempDir,
  testEnv,
} from '../helpers/cli.js';
import { llvmTool } from '../helpers/oracles.js';

afterAll(cleanupTemps);

const TARGETS = 'linux/amd64,windows/386,darwin/amd64,darwin/arm64';
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

let dir: string;
let dist: string;
let manifest: Manifest;

async function run(args: string[], env = testEnv()) {
  return crossgo(['-C', dir, ...args], { env });
}

beforeAll(async () => {
  ({ dir } = await fixtureRepo('release'));
  dist = path.join(dir, 'dist');
  const built = await run(['build', '-t', TARGETS]);
  if (built.code !== 0) throw new Error(built.stderr);
  const packaged = await run([
    'package',
    '--json',
    '--universal',
    '--files',
    'README.md',
    '--files',
    'LICENSE',
    '--files',
    'docs/*.md',
  ]);
  if (packaged.code !== 0) throw new Error(packaged.stderr);
  manifest = JSON.parse(packaged.stdout) as Manifest;
});

describe('crossgo package: archives', () => {
  it('writes one archive per target (zip for windows) and lists every release file in the manifest', () => {
    const byKind = (kind: string) => manifest.artifacts.filter((f) => f.kind === kind).map((f) => f.path);
    expect(byKind('archive')).toEqual([
      'hello_1.2.3_linux_amd64.tar.gz',
      'hello_1.2.3_windows_386.zip',
      'hello_1.2.3_darwin_amd64.tar.gz',
      'hello_1.2.3_darwin_arm64.tar.gz',
      'hello_1.2.3_darwin_universal.tar.gz',
    ]);
    expect(byKind('universal')).toEqual(['hello-darwin-universal']);
    expect(byKind('sbom')).toHaveLength(5);
    expect(byKind('checksums')).toEqual(['hello_1.2.3_checksums.txt']);
    expect(manifest.release).toMatchObject({
      mtime: new Date(COMMIT_DATE).toISOString(),
      mtimeSource: 'commit',
      checksum: 'sha256',
      signature: null,
    });
  });

  it('tar.gz: one top folder, sorted entries, root-owned, fixed modes, the commit time, and the binary unchanged', async () => {
    const file = path.join(dist, 'hello_1.2.3_linux_amd64.tar.gz');
    const listing = await runTool('tar', ['--numeric-owner', '--full-time', '-tvzf', file], {
      env: { ...process.env, TZ: 'UTC' },
    });
    const lines = listing.stdout
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+/));
    expect(lines.map((l) => l.at(-1))).toEqual([
      'hello_1.2.3_linux_amd64/',
      'hello_1.2.3_linux_amd64/LICENSE',
      'hello_1.2.3_linux_amd64/README.md',
      'hello_1.2.3_linux_amd64/docs/usage.md',
      'hello_1.2.3_linux_amd64/hello',
    ]);
    expect(lines.map((l) => [l[0], l[1]])).toEqual([
      ['drwxr-xr-x', '0/0'],
      ['-rw-r--r--', '0/0'],
      ['-rw-r--r--', '0/0'],
      ['-rw-r--r--', '0/0'],
      ['-rwxr-xr-x', '0/0'],
    ]);
    for (const l of lines) expect(`${l[3]}T${l[4]}Z`).toBe(COMMIT_DATE);
    const out = await tempDir();
    expect((await runTool('tar', ['-xzf', file, '-C', out])).code).toBe(0);
    const binary = await readFile(path.join(out, 'hello_1.2.3_linux_amd64', 'hello'));
    expect(sha256(binary)).toBe(manifest.artifacts.find((a) => a.target === 'linux/amd64')?.sha256);
    // gzip header: no file name flag, mtime zero.
    const gz = await readFile(file);
    expect(gz[3]).toBe(0);
    expect(gz.readUInt32LE(4)).toBe(0);
  });

  it('zip for windows: the same layout, unix modes, and the .exe unchanged', async () => {
    const file = path.join(dist, 'hello_1.2.3_windows_386.zip');
    const info = await runTool('zipinfo', ['-T', file], { env: { ...process.env, TZ: 'UTC' } });
    expect(info.code).toBe(0);
    const rows = info.stdout
      .split('\n')
      .filter((l) => /^[d-]r/.test(l))
      .map((l) => l.split(/\s+/));
    expect(rows.map((r) => [r[0], r.at(-1)])).toEqual([
      ['drwxr-xr-x', 'hello_1.2.3_windows_386/'],
      ['-rw-r--r--', 'hello_1.2.3_windows_386/LICENSE'],
      ['-rw-r--r--', 'hello_1.2.3_windows_386/README.md'],
      ['-rw-r--r--', 'hello_1.2.3_windows_386/docs/usage.md'],
      ['-rwxr-xr-x', 'hello_1.2.3_windows_386/hello.exe'],
    ]);
    // zipinfo -T prints yyyymmdd.hhmmss of the DOS time, which crossgo writes in UTC.
    for (const r of rows) expect(r.at(-2)).toBe('20240506.070808');
    const exe = await runTool('unzip', ['-p', file, 'hello_1.2.3_windows_386/hello.exe'], {});
    expect(exe.code).toBe(0);
    const extracted = await tempDir();
    await runTool('unzip', ['-q', file, '-d', extracted]);
    const bytes = await readFile(path.join(extracted, 'hello_1.2.3_windows_386', 'hello.exe'));
    expect(sha256(bytes)).toBe(manifest.artifacts.find((a) => a.target === 'windows/386')?.sha256);
  });

  it('two runs in different folders, with another umask and time zone, give the same bytes', async () => {
    const other = await fixtureRepo('release');
    const env = testEnv({ TZ: 'Pacific/Chatham' });
    // umask only through a shell: the arguments still go as an array.
    const built = await runTool(
      'sh',
      ['-c', 'umask 0077 && exec "$@"', 'sh', process.execPath, CLI, '-C', other.dir, 'build', '-t', TARGETS],
      { env },
    );
    expect(built.code).toBe(0);
    const packaged = await runTool(
      'sh',
      [
        '-c',
        'umask 0077 && exec "$@"',
        'sh',
        process.execPath,
        CLI,
        '-C',
        other.dir,
        'package',
        '--json',
        '--universal',
        '--files',
        'README.md',
        '--files',
        'LICENSE',
        '--files',
        'docs/*.md',
      ],
      { env },
    );
    expect(packaged.code).toBe(0);
    const again = JSON.parse(packaged.stdout) as Manifest;
    expect(again.artifacts.map((f) => [f.kind, f.path, f.sha256])).toEqual(
      manifest.artifacts.map((f) => [f.kind, f.path, f.sha256]),
    );
  });
});

describe('crossgo package: checksums, SBOMs, universal binary', () => {
  it('checksums: sha256sum -c accepts the file, which covers what is published: archives and SBOMs', async () => {
    const check = await runTool('sha256sum', ['-c', 'hello_1.2.3_checksums.txt'], { cwd: dist });
    expect(check.code).toBe(0);
    const lines = check.stdout.trim().split('\n');
    expect(lines.every((l) => l.endsWith(': OK'))).toBe(true);
    // Not the raw binaries (the build's SHA256SUMS lists them), nor the universal one (archived).
    expect(lines.map((l) => l.slice(0, -': OK'.length)).sort()).toEqual(
      manifest.artifacts
        .filter((f) => ['archive', 'sbom'].includes(f.kind))
        .map((f) => f.path)
        .sort(),
    );
    expect(lines).toHaveLength(10);
  });

  it('sha512 on request: sha512sum -c accepts it; format binary ships the bare binary under the archive name', async () => {
    const { dir: other } = await fixtureRepo('release');
    expect((await crossgo(['-C', other, 'build', '-t', 'linux/amd64'], { env: testEnv() })).code).toBe(0);
    const packaged = await crossgo(
      ['-C', other, 'package', '--checksum', 'sha512', '--format', 'binary', '--no-sbom'],
      { env: testEnv() },
    );
    expect(packaged.code).toBe(0);
    const check = await runTool('sha512sum', ['-c', 'hello_1.2.3_checksums.txt'], {
      cwd: path.join(other, 'dist'),
    });
    expect(check.code).toBe(0);
    expect(check.stdout.trim()).toBe('hello_1.2.3_linux_amd64: OK');
  });

  it('the universal binary is what llvm-lipo makes, and crossgo inspect reads both slices', async () => {
    const file = path.join(dist, 'hello-darwin-universal');
    const info = await runTool(llvmTool('llvm-lipo'), ['-info', file]);
    expect(info.stdout).toMatch(/Architectures in the fat file: .* are: x86_64 arm64/);
    expect((await runTool(llvmTool('llvm-lipo'), [file, '-verify_arch', 'x86_64', 'arm64'])).code).toBe(0);
    const lipo = path.join(await tempDir(), 'lipo');
    const slices = ['darwin/amd64', 'darwin/arm64'].map((t) =>
      path.join(dist, manifest.artifacts.find((a) => a.target === t)?.path as string),
    );
    await runTool(llvmTool('llvm-lipo'), ['-create', ...slices, '-output', lipo]);
    expect(sha256(await readFile(file))).toBe(sha256(await readFile(lipo)));
    const inspected = JSON.parse(
      (await crossgo(['inspect', '--json', file], { env: testEnv() })).stdout,
    ) as Inspection[];
    expect(inspected[0]?.slices?.map((s) => [s.goarch, s.go?.path])).toEqual([
      ['amd64', 'example.com/hello'],
      ['arm64', 'example.com/hello'],
    ]);
  });

  it('an SBOM per binary, from its build info', async () => {
    const sbom = JSON.parse(
      await readFile(path.join(dist, 'hello_1.2.3_linux_amd64.sbom.cdx.json'), 'utf8'),
    ) as {
      bomFormat: string;
      specVersion: string;
      metadata: { component: { name: string; hashes: { content: string }[] } };
    };
    expect(sbom).toMatchObject({ bomFormat: 'CycloneDX', specVersion: '1.6' });
    expect(sbom.metadata.component.name).toBe('example.com/hello');
    expect(sbom.metadata.component.hashes[0]?.content).toBe(
      manifest.artifacts.find((a) => a.target === 'linux/amd64')?.sha256,
    );
  });

  it('verify --manifest checks every listed file: a changed archive and a missing SBOM fail', async () => {
    const ok = await crossgo(['-C', dir, 'verify', '--json'], { env: testEnv() });
    expect(ok.code).toBe(0);
    const copy = await tempDir();
    await runTool('cp', ['-a', `${dist}/.`, copy]);
    const archive = path.join(copy, 'hello_1.2.3_linux_amd64.tar.gz');
    const bytes = await readFile(archive);
    bytes.writeUInt8((bytes.at(-1) ?? 0) ^ 0xff, bytes.length - 1);
    await writeFile(archive, bytes);
    await rm(path.join(copy, 'hello_1.2.3_darwin_arm64.sbom.cdx.json'));
    const bad = await crossgo(['verify', '--json', '--manifest', path.join(copy, 'manifest.json')], {
      env: testEnv(),
    });
    expect(bad.code).toBe(1);
    const reports = JSON.parse(bad.stdout) as {
      file: string;
      ok: boolean;
      checks: { name: string; status: string; detail: string }[];
    }[];
    const failed = reports
      .filter((r) => !r.ok)
      .map((r) => [path.basename(r.file), r.checks.find((c) => c.status === 'fail')?.name]);
    expect(failed).toEqual([
      ['hello_1.2.3_linux_amd64.tar.gz', 'sha256'],
      ['hello_1.2.3_darwin_arm64.sbom.cdx.json', 'exists'],
    ]);
  });
});

describe('crossgo package: signatures', () => {
  let gnupg: string;
  let fingerprint: string;
  let lockedFingerprint: string;

  beforeAll(async () => {
    gnupg = path.join(await tempDir(), 'gnupg');
    await mkdir(gnupg, { mode: 0o700 });
    const env = { ...process.env, GNUPGHOME: gnupg };
    const gen = async (uid: string, passphrase: string) => {
      const r = await runTool(
        'gpg',
        [
          '--batch',
          '--pinentry-mode',
          'loopback',
          '--passphrase',
          passphrase,
          '--quick-gen-key',
          uid,
          'ed25519',
          'sign',
          'never',
        ],
        { env },
      );
      if (r.code !== 0) throw new Error(r.stderr);
      const list = await runTool('gpg', ['--batch', '--with-colons', '--list-secret-keys', uid], { env });
      return /^fpr:+([0-9A-F]+):/m.exec(list.stdout)?.[1] as string;
    };
    fingerprint = await gen('crossgo test <test@example.com>', '');
    lockedFingerprint = await gen('crossgo locked <locked@example.com>', 'hunter2-correct-horse');
  });

  const gpgEnv = (extra: NodeJS.ProcessEnv = {}) => testEnv({ GNUPGHOME: gnupg, ...extra });

  it('gpg: an ASCII-armoured detached signature of the checksums file that gpg --verify accepts', async () => {
    const packaged = await run(['package', '--json', '--sign', 'gpg', '--key', fingerprint], gpgEnv());
    expect(packaged.code).toBe(0);
    const signed = JSON.parse(packaged.stdout) as Manifest;
    expect(signed.release?.signature).toBe('gpg');
    expect(signed.artifacts.filter((f) => f.kind === 'signature').map((f) => [f.path, f.from])).toEqual([
      ['hello_1.2.3_checksums.txt.asc', ['hello_1.2.3_checksums.txt']],
    ]);
    const asc = await readFile(path.join(dist, 'hello_1.2.3_checksums.txt.asc'), 'utf8');
    expect(asc.startsWith('-----BEGIN PGP SIGNATURE-----')).toBe(true);
    const verify = await runTool(
      'gpg',
      ['--batch', '--verify', 'hello_1.2.3_checksums.txt.asc', 'hello_1.2.3_checksums.txt'],
      { cwd: dist, env: { ...process.env, GNUPGHOME: gnupg } },
    );
    expect(verify.code).toBe(0);
    expect(verify.stderr).toMatch(/Good signature from "crossgo test <test@example.com>"/);
  });

  it('gpg: a passphrase from CROSSGO_GPG_PASSPHRASE signs every file with --sign-all, and never shows', async () => {
    const secret = 'hunter2-correct-horse';
    // A wrong passphrase first, with a fresh agent: key generation and a right passphrase
    // leave the key unlocked in gpg-agent's cache.
    await runTool('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: gnupg } });
    const wrong = await run(
      ['package', '--sign', 'gpg', '--key', lockedFingerprint],
      gpgEnv({ CROSSGO_GPG_PASSPHRASE: 'wrong' }),
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(
      /^crossgo: gpg could not sign hello_1\.2\.3_checksums\.txt: .*(Bad passphrase|bad passphrase|No secret key|signing failed)/m,
    );
    expect(wrong.stderr).not.toContain('wrong');
    const packaged = await run(
      ['package', '--json', '--sign', 'gpg', '--key', lockedFingerprint, '--sign-all'],
      gpgEnv({ CROSSGO_GPG_PASSPHRASE: secret }),
    );
    expect(packaged.code).toBe(0);
    expect(packaged.stdout + packaged.stderr).not.toContain(secret);
    expect(await readFile(path.join(dist, 'manifest.json'), 'utf8')).not.toContain(secret);
    const signatures = (JSON.parse(packaged.stdout) as Manifest).artifacts.filter(
      (f) => f.kind === 'signature',
    );
    // Every binary and every release file made before signing: 4 binaries, CHANGELOG.md, 4 archives, 4 SBOMs, the checksums (no --universal this time).
    expect(signatures.length).toBe(14);
    for (const s of signatures) {
      const v = await runTool('gpg', ['--batch', '--verify', s.path, s.from[0] as string], {
        cwd: dist,
        env: { ...process.env, GNUPGHOME: gnupg },
      });
      expect(v.code, s.path).toBe(0);
    }
  });

  it('ssh: ssh-keygen -Y sign with namespace file, accepted by ssh-keygen -Y verify; the passphrase from the environment', async () => {
    const keys = await tempDir();
    const key = path.join(keys, 'id_ed25519');
    expect(
      (
        await runTool('ssh-keygen', [
          '-q',
          '-t',
          'ed25519',
          '-N',
          'open-sesame-42',
          '-C',
          'release@example.com',
          '-f',
          key,
        ])
      ).code,
    ).toBe(0);
    const packaged = await run(
      ['package', '--json', '--sign', 'ssh', '--key', key],
      testEnv({ CROSSGO_SSH_PASSPHRASE: 'open-sesame-42' }),
    );
    expect(packaged.code, packaged.stderr).toBe(0);
    expect(packaged.stdout).not.toContain('open-sesame-42');
    const allowed = path.join(keys, 'allowed_signers');
    await writeFile(allowed, `release@example.com ${(await readFile(`${key}.pub`, 'utf8')).trim()}\n`);
    const checksums = path.join(dist, 'hello_1.2.3_checksums.txt');
    const verify = await runTool('sh', [
      '-c',
      'exec ssh-keygen -Y verify -f "$1" -I release@example.com -n file -s "$2" < "$3"',
      'sh',
      allowed,
      `${checksums}.sig`,
      checksums,
    ]);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/Good "file" signature for release@example.com/);
    // The earlier gpg signatures are crossgo's and no longer asked for: gone.
    expect((await runTool('ls', [dist])).stdout).not.toMatch(/\.asc$/m);
  });
});

describe('crossgo package: bad input', () => {
  it('refuses clearly, and never replaces a file it did not make', async () => {
    const { dir: fresh } = await fixtureRepo('release');
    const noManifest = await crossgo(['-C', fresh, 'package'], { env: testEnv() });
    expect(noManifest.code).toBe(2);
    expect(noManifest.stderr.trim()).toBe(
      'crossgo: dist/manifest.json: no such file: run crossgo build first, or name the manifest with --manifest',
    );
    expect((await crossgo(['-C', fresh, 'build', '-t', 'linux/amd64'], { env: testEnv() })).code).toBe(0);
    const xz = await crossgo(['-C', fresh, 'package', '--format', 'tar.xz'], { env: testEnv() });
    expect(xz.code).toBe(2);
    expect(xz.stderr).toMatch(/--format "tar.xz": expected auto, tar.gz, zip or binary/);
    const universal = await crossgo(['-C', fresh, 'package', '--universal'], { env: testEnv() });
    expect(universal.code).toBe(2);
    expect(universal.stderr.trim()).toBe(
      'crossgo: --universal needs exactly one darwin/amd64 binary in the manifest, found 0: build darwin/amd64 and darwin/arm64',
    );
    const foreign = path.join(fresh, 'dist', 'hello_1.2.3_linux_amd64.tar.gz');
    await writeFile(foreign, 'mine');
    const refused = await crossgo(['-C', fresh, 'package'], { env: testEnv() });
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim()).toBe(
      'crossgo: dist/hello_1.2.3_linux_amd64.tar.gz exists and was not made by crossgo: move it away before packaging',
    );
    expect(await readFile(foreign, 'utf8')).toBe('mine');
    await rm(foreign);
    const badKey = await crossgo(
      ['-C', fresh, 'package', '--sign', 'gpg', '--key', 'nobody@example.invalid'],
      {
        env: testEnv({ GNUPGHOME: await tempDir() }),
      },
    );
    expect(badKey.code).toBe(1);
    expect(badKey.stderr.trim()).toMatch(
      /^crossgo: gpg could not sign hello_1\.2\.3_checksums\.txt: .*nobody@example\.invalid/,
    );
  });
});

describe('crossgo build --package', () => {
  it('builds and packages in one run; a later build removes the stale release files', async () => {
    const { dir: fresh } = await fixtureRepo('release');
    const result = await crossgo(['-C', fresh, 'build', '--json', '--package', '-t', 'linux/arm64'], {
      env: testEnv(),
    });
    expect(result.code).toBe(0);
    const m = JSON.parse(result.stdout) as Manifest;
    expect(m.artifacts.map((f) => f.path)).toEqual([
      'hello-linux-arm64',
      'CHANGELOG.md',
      'hello_1.2.3_linux_arm64.tar.gz',
      'hello_1.2.3_linux_arm64.sbom.cdx.json',
      'hello_1.2.3_checksums.txt',
    ]);
    const rebuilt = await crossgo(['-C', fresh, 'build', '-t', 'linux/arm64'], { env: testEnv() });
    expect(rebuilt.code).toBe(0);
    expect((await runTool('ls', [path.join(fresh, 'dist')])).stdout.trim().split('\n')).toEqual([
      'SHA256SUMS',
      'hello-linux-arm64',
      'manifest.json',
    ]);
  });
});
