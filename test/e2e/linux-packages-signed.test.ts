import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest, PackageArtifact } from '../../src/pipeline/manifest.js';
import { cleanupTemps, crossgo, gitIdentity, runTool, tempDir, testEnv } from '../helpers/cli.js';

/**
 * Signed linux packages (--sign gpg): the deb's debsigs _gpgorigin checked with gpg --verify, the
 * rpm's header signature with rpm -K against a temporary rpmdb holding the public key, the apk's
 * RSA signature of its control stream with openssl dgst -verify. Two runs of the same commit:
 * what stays byte-identical and what carries the signing time.
 */
const DATE = '2024-05-06T07:08:09Z';
const PASSPHRASE = 'correct horse $HOME battery';
const APK_KEY_NAME = 'tool-test.rsa.pub';

let dir: string;
let dist: string;
let dist2: string;
let gnupg: string;
let keys: string;
let tmp: string;
let config: string;
let fingerprint: string;
const outputs: string[] = [];

const lines = (text: string) => text.split('\n').filter((l) => l !== '');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return testEnv({
    GNUPGHOME: gnupg,
    TMPDIR: tmp,
    CROSSGO_GPG_PASSPHRASE: PASSPHRASE,
    CROSSGO_APK_KEY_FILE: path.join(keys, 'tool-test.rsa'),
    CROSSGO_APK_KEY_NAME: APK_KEY_NAME,
    ...extra,
  });
}

async function tool(command: string, args: string[], cwd?: string, toolEnv?: NodeJS.ProcessEnv) {
  const result = await runTool(command, args, { cwd, env: toolEnv });
  expect(result.code, `${command} ${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result.stdout;
}

/** The members of a .deb (an ar archive), extracted with ar into a new folder. */
async function debMembers(file: string): Promise<string> {
  const out = await tempDir();
  await tool('ar', ['x', file], out);
  return out;
}

async function apkStreams(file: string): Promise<Buffer[]> {
  const script = [
    'import sys, zlib',
    'd = open(sys.argv[1], "rb").read()',
    'while d:',
    '    o = zlib.decompressobj(31); o.decompress(d); n = len(d) - len(o.unused_data)',
    '    print(n); d = o.unused_data',
  ].join('\n');
  const sizes = lines(await tool('python3', ['-c', script, file])).map(Number);
  const bytes = await readFile(file);
  let offset = 0;
  return sizes.map((size) => {
    const stream = bytes.subarray(offset, offset + size);
    offset += size;
    return stream;
  });
}

afterAll(async () => {
  if (gnupg) await runTool('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: gnupg } });
  await cleanupTemps();
});

beforeAll(async () => {
  dir = path.join(await tempDir(), 'tool');
  dist = path.join(dir, 'dist');
  dist2 = path.join(dir, 'dist2');
  gnupg = await tempDir('crossgo-gnupg-');
  keys = await tempDir();
  tmp = await tempDir();
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'go.mod'), 'module example.com/tool\n\ngo 1.21\n');
  await writeFile(
    path.join(dir, 'main.go'),
    'package main\n\nimport "fmt"\n\nvar version = "dev"\n\nfunc main() { fmt.Println("tool", version) }\n',
  );
  await writeFile(path.join(dir, '.gitignore'), '/dist/\n/dist2/\n');
  const gitEnv = { ...process.env, ...gitIdentity(DATE) };
  for (const args of [
    ['init', '-q'],
    ['add', '-A'],
    ['commit', '-q', '-m', 'tool'],
    ['tag', 'v1.2.3'],
  ]) {
    await tool('git', ['-c', 'init.defaultBranch=main', ...args], dir, gitEnv);
  }
  const gpgEnv = { ...process.env, GNUPGHOME: gnupg };
  await tool(
    'gpg',
    [
      '--batch',
      '--pinentry-mode',
      'loopback',
      '--passphrase',
      PASSPHRASE,
      '--quick-gen-key',
      'crossgo test <test@example.com>',
      'rsa2048',
      'sign',
      'never',
    ],
    undefined,
    gpgEnv,
  );
  const listed = await tool('gpg', ['--batch', '--with-colons', '--list-secret-keys'], undefined, gpgEnv);
  fingerprint = (lines(listed).find((l) => l.startsWith('fpr:')) as string).split(':')[9] as string;
  await writeFile(
    path.join(keys, 'public.asc'),
    await tool('gpg', ['--armor', '--export', fingerprint], undefined, gpgEnv),
  );
  await tool('openssl', ['genrsa', '-out', path.join(keys, 'tool-test.rsa'), '2048']);
  await tool('openssl', [
    'rsa',
    '-in',
    path.join(keys, 'tool-test.rsa'),
    '-pubout',
    '-out',
    path.join(keys, APK_KEY_NAME),
  ]);
  config = path.join(keys, 'crossgo.yaml');
  await writeFile(
    config,
    'linux_packages:\n  formats: [deb, rpm, apk]\n  maintainer: "Jane Doe <jane@example.com>"\n  description: "Print the version"\n  license: MIT\n',
  );
  for (const out of ['dist', 'dist2']) {
    const built = await crossgo(
      [
        '-C',
        dir,
        'build',
        '--package',
        '-t',
        'linux/amd64',
        '-o',
        out,
        '--config',
        config,
        '--sign',
        'gpg',
        '--key',
        fingerprint,
      ],
      { env: env() },
    );
    if (built.code !== 0) throw new Error(built.stderr);
    outputs.push(built.stdout, built.stderr);
  }
});

describe('signed linux packages (--sign gpg)', () => {
  it('the rpm: rpm -K says the signature is OK with the public key in a temporary rpmdb, and not without it', async () => {
    const rpm = path.join(dist, 'tool-1.2.3-1.x86_64.rpm');
    const db = await tempDir();
    await tool('rpm', ['--dbpath', db, '--import', path.join(keys, 'public.asc')]);
    expect((await tool('rpm', ['--dbpath', db, '-K', rpm])).trim()).toBe(`${rpm}: digests signatures OK`);
    const empty = await tempDir();
    const unknown = await runTool('rpm', ['--dbpath', empty, '-K', rpm]);
    expect(unknown.stdout).toMatch(/SIGNATURES NOT OK/);
  });

  it('the deb: a debsigs _gpgorigin that gpg --verify accepts over debian-binary, control and data', async () => {
    const members = await debMembers(path.join(dist, 'tool_1.2.3-1_amd64.deb'));
    expect(lines(await tool('ar', ['t', path.join(dist, 'tool_1.2.3-1_amd64.deb')]))).toEqual([
      'debian-binary',
      'control.tar.gz',
      'data.tar.gz',
      '_gpgorigin',
    ]);
    const signed = Buffer.concat(
      await Promise.all(
        ['debian-binary', 'control.tar.gz', 'data.tar.gz'].map((m) => readFile(path.join(members, m))),
      ),
    );
    await writeFile(path.join(members, 'signed'), signed);
    const verify = await runTool(
      'gpg',
      ['--batch', '--verify', path.join(members, '_gpgorigin'), path.join(members, 'signed')],
      {
        env: { ...process.env, GNUPGHOME: gnupg },
      },
    );
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stderr).toMatch(/Good signature from "crossgo test <test@example.com>"/);
  });

  it('the apk: a .SIGN.RSA stream first, an RSA signature of the control stream that openssl verifies', async () => {
    const apk = path.join(dist, 'tool_1.2.3-r1_x86_64.apk');
    const [signature, control] = await apkStreams(apk);
    const work = await tempDir();
    await writeFile(path.join(work, 'sig.tar.gz'), signature as Buffer);
    await writeFile(path.join(work, 'control.tar.gz'), control as Buffer);
    expect(lines(await tool('tar', ['-tzf', path.join(work, 'sig.tar.gz')]))).toEqual([
      `.SIGN.RSA.${APK_KEY_NAME}`,
    ]);
    await tool('tar', ['-xzf', path.join(work, 'sig.tar.gz'), '-C', work]);
    // abuild-sign: openssl dgst -sha1 -sign over the control stream (apk-tools verifies it so).
    const verified = await tool('openssl', [
      'dgst',
      '-sha1',
      '-verify',
      path.join(keys, APK_KEY_NAME),
      '-signature',
      path.join(work, `.SIGN.RSA.${APK_KEY_NAME}`),
      path.join(work, 'control.tar.gz'),
    ]);
    expect(verified.trim()).toBe('Verified OK');
  });

  it('two runs: the apk is byte-identical; deb and rpm differ at most in the signature (its time)', async () => {
    const apk = 'tool_1.2.3-r1_x86_64.apk';
    expect(sha256(await readFile(path.join(dist2, apk)))).toBe(sha256(await readFile(path.join(dist, apk))));
    const deb = 'tool_1.2.3-1_amd64.deb';
    const [one, two] = [await debMembers(path.join(dist, deb)), await debMembers(path.join(dist2, deb))];
    for (const member of ['debian-binary', 'control.tar.gz', 'data.tar.gz']) {
      expect(sha256(await readFile(path.join(two, member))), member).toBe(
        sha256(await readFile(path.join(one, member))),
      );
    }
    const rpm = 'tool-1.2.3-1.x86_64.rpm';
    const header = async (folder: string) =>
      tool('rpm', [
        '-qp',
        '--nosignature',
        '--queryformat',
        '%{SHA256HEADER} %{PAYLOADDIGEST}',
        path.join(folder, rpm),
      ]);
    expect(await header(dist2)).toBe(await header(dist));
    for (const file of [deb, rpm]) {
      const same =
        sha256(await readFile(path.join(dist, file))) === sha256(await readFile(path.join(dist2, file)));
      console.log(
        `signed ${file}: ${same ? 'byte-identical (both signed in the same second)' : 'differs in its signature time only'}`,
      );
    }
  });

  it('the manifest says signed; the passphrase is nowhere; the private key folder is gone', async () => {
    const text = await readFile(path.join(dist, 'manifest.json'), 'utf8');
    const manifest = JSON.parse(text) as Manifest;
    const packages = manifest.artifacts.filter((a): a is PackageArtifact => a.kind === 'package');
    expect(packages.map((p) => [p.format, p.signed])).toEqual([
      ['deb', true],
      ['rpm', true],
      ['apk', true],
    ]);
    for (const where of [text, ...outputs]) expect(where).not.toContain(PASSPHRASE);
    expect((await readdir(tmp)).filter((f) => f.startsWith('crossgo-'))).toEqual([]);
  });

  it('apk with gpg signing and no CROSSGO_APK_KEY_FILE: one line, exit 2', async () => {
    const result = await crossgo(
      ['-C', dir, 'package', '-o', 'dist2', '--config', config, '--sign', 'gpg', '--key', fingerprint],
      {
        env: env({ CROSSGO_APK_KEY_FILE: '' }),
      },
    );
    expect(result.code, result.stderr).toBe(2);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(
      /apk packages are signed with an RSA key, which a gpg key is not: set CROSSGO_APK_KEY_FILE/,
    );
  });

  it('a wrong gpg passphrase: one line, exit 1, the passphrase not in it, the release as it was', async () => {
    const before = await readFile(path.join(dist2, 'manifest.json'), 'utf8');
    const wrong = 'not the passphrase';
    const result = await crossgo(
      ['-C', dir, 'package', '-o', 'dist2', '--config', config, '--sign', 'gpg', '--key', fingerprint],
      {
        env: env({ CROSSGO_GPG_PASSPHRASE: wrong }),
      },
    );
    expect(result.code, result.stderr).toBe(1);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/gpg could not export the signing key|nfpm v2.45.2 could not make tool/);
    expect(result.stderr).not.toContain(wrong);
    expect(await readFile(path.join(dist2, 'manifest.json'), 'utf8')).toBe(before);
  });
});
