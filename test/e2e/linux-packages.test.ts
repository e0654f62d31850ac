import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest, PackageArtifact } from '../../src/pipeline/manifest.js';
import { cleanupTemps, crossgo, gitIdentity, runTool, tempDir, testEnv } from '../helpers/cli.js';
import { manifestValidator } from '../helpers/manifestSchema.js';

/**
 * linux_packages: on one `crossgo build --package` of a small tool for linux/amd64, linux/arm64
 * and linux/arm/7 (tag v1.2.3), and a second one into another folder. Every fact is read back by
 * the formats' own tools: dpkg-deb, lintian, dpkg -x, rpm -qip/-qlp/-K, tar and a gzip-stream
 * split (python3's zlib) for the apk, sha256sum -c; and the unpacked binaries run (qemu-aarch64
 * for arm64). Expected values are written by hand from the formats' documentation.
 */
afterAll(cleanupTemps);

const DATE = '2024-05-06T07:08:09Z';
const TARGETS = 'linux/amd64,linux/arm64,linux/arm/7';
const MAN_PAGE =
  '.TH TOOL 1\n.SH NAME\ntool \\- print the version it was built as\n.SH SYNOPSIS\n.B tool\n.SH DESCRIPTION\nPrints its version.\n';
const UNIT =
  '[Unit]\nDescription=tool\nDocumentation=man:tool(1)\n\n[Service]\nExecStart=/usr/bin/tool\n\n[Install]\nWantedBy=multi-user.target\n';
const CONFIG = `linux_packages:
  formats: [deb, rpm, apk]
  maintainer: "Jane Doe <jane@example.com>"
  description: "Print the version it was built as\\nA small tool that prints the version crossgo stamped into it."
  license: MIT
  homepage: https://example.com/tool
  contents:
    - src: etc/tool.yaml
      dst: /etc/tool/tool.yaml
      type: config|noreplace
  man: [docs/tool.1]
  systemd: [init/tool.service]
  completions: {bash: completions/tool.bash}
`;
/** The nine packages, by the distributions' naming conventions (dpkg-name, rpm's N-V-R.A, abuild's). */
const PACKAGES = [
  'tool-1.2.3-1.aarch64.rpm',
  'tool-1.2.3-1.armv7hl.rpm',
  'tool-1.2.3-1.x86_64.rpm',
  'tool_1.2.3-1_amd64.deb',
  'tool_1.2.3-1_arm64.deb',
  'tool_1.2.3-1_armhf.deb',
  'tool_1.2.3-r1_aarch64.apk',
  'tool_1.2.3-r1_armv7.apk',
  'tool_1.2.3-r1_x86_64.apk',
];

let dir: string;
let dist: string;
let dist2: string;
let configDir: string;
let config: string;

const lines = (text: string) => text.split('\n').filter((l) => l !== '');
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function git(...args: string[]) {
  const result = await runTool('git', ['-c', 'init.defaultBranch=main', ...args], {
    cwd: dir,
    env: { ...process.env, ...gitIdentity(DATE) },
  });
  if (result.code !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.trim();
}

async function tool(command: string, args: string[], cwd?: string) {
  const result = await runTool(command, args, { cwd });
  expect(result.code, `${command} ${args.join(' ')}: ${result.stderr}`).toBe(0);
  return result.stdout;
}

/** The gzip members of an apk (signature?, control, data), split with python3's zlib. */
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
  const streams: Buffer[] = [];
  let offset = 0;
  for (const size of sizes) {
    streams.push(bytes.subarray(offset, offset + size));
    offset += size;
  }
  return streams;
}

beforeAll(async () => {
  dir = path.join(await tempDir(), 'tool');
  dist = path.join(dir, 'dist');
  dist2 = path.join(dir, 'dist2');
  configDir = await tempDir();
  for (const sub of ['docs', 'init', 'etc', 'completions'])
    await mkdir(path.join(dir, sub), { recursive: true });
  await writeFile(path.join(dir, 'go.mod'), 'module example.com/tool\n\ngo 1.21\n');
  await writeFile(
    path.join(dir, 'main.go'),
    'package main\n\nimport "fmt"\n\nvar version = "dev"\n\nfunc main() { fmt.Println("tool", version) }\n',
  );
  await writeFile(
    path.join(dir, 'LICENSE'),
    'Copyright (c) 2024 Jane Doe\n\nPermission is hereby granted, free of charge.\n',
  );
  await writeFile(path.join(dir, 'docs', 'tool.1'), MAN_PAGE);
  await writeFile(path.join(dir, 'init', 'tool.service'), UNIT);
  await writeFile(path.join(dir, 'etc', 'tool.yaml'), 'greeting: hello\n');
  await writeFile(path.join(dir, 'completions', 'tool.bash'), 'complete -W "--version" tool\n');
  // A committed link to a folder: a contents src through it must be refused.
  await symlink('etc', path.join(dir, 'linked'));
  await writeFile(path.join(dir, '.gitignore'), '/dist/\n/dist2/\n');
  await git('init', '-q');
  await git('add', '-A');
  await git('commit', '-q', '-m', 'tool');
  await git('tag', 'v1.2.3');
  config = path.join(configDir, 'crossgo.yaml');
  await writeFile(config, CONFIG);
  for (const out of ['dist', 'dist2']) {
    const built = await crossgo(
      ['-C', dir, 'build', '--package', '-t', TARGETS, '-o', out, '--config', config],
      {
        env: testEnv(),
      },
    );
    if (built.code !== 0) throw new Error(built.stderr);
  }
});

describe('linux_packages: deb, rpm and apk from crossgo build --package', () => {
  it('makes the nine packages under the distributions’ names, byte-identical across two runs', async () => {
    const made = (await readdir(dist)).filter((f) => /\.(deb|rpm|apk)$/.test(f)).sort();
    expect(made).toEqual(PACKAGES);
    for (const file of PACKAGES) {
      const first = sha256(await readFile(path.join(dist, file)));
      const second = sha256(await readFile(path.join(dist2, file)));
      expect(second, file).toBe(first);
      console.log(`linux-packages: ${first}  ${file}`);
    }
  });

  it('the .deb: control fields, files, conffiles, systemd unit, gzipped man page', async () => {
    const deb = path.join(dist, 'tool_1.2.3-1_amd64.deb');
    const field = async (name: string) => (await tool('dpkg-deb', ['--field', deb, name])).trim();
    expect(await field('Package')).toBe('tool');
    expect(await field('Version')).toBe('1.2.3-1');
    expect(await field('Architecture')).toBe('amd64');
    expect(await field('Maintainer')).toBe('Jane Doe <jane@example.com>');
    expect(await field('Section')).toBe('utils');
    expect(await field('Priority')).toBe('optional');
    expect(await field('Homepage')).toBe('https://example.com/tool');
    expect(await field('Description')).toBe(
      'Print the version it was built as\n A small tool that prints the version crossgo stamped into it.',
    );
    expect(await tool('dpkg-deb', ['--info', deb])).toMatch(/\sconffiles\s/);
    const info = await tool('dpkg-deb', ['--info', deb, 'conffiles']);
    expect(lines(info)).toEqual(['/etc/tool/tool.yaml']);
    const contents = lines(await tool('dpkg-deb', ['--contents', deb]));
    const entry = (p: string) => contents.find((l) => l.endsWith(` ./${p}`));
    expect(entry('usr/bin/tool')).toMatch(
      /^-rwxr-xr-x root\/root\s+\d+ 2024-05-06 07:08 \.\/usr\/bin\/tool$/,
    );
    expect(entry('etc/tool/tool.yaml')).toMatch(/^-rw-r--r-- root\/root /);
    expect(entry('usr/lib/systemd/system/tool.service')).toMatch(/^-rw-r--r-- root\/root /);
    expect(entry('usr/share/bash-completion/completions/tool')).toBeDefined();
    expect(entry('usr/share/doc/tool/copyright')).toBeDefined();
    expect(entry('usr/share/doc/tool/changelog.Debian.gz')).toBeDefined();
    // Every entry carries the commit's time, none the clock's.
    for (const line of contents) expect(line).toMatch(/ 2024-05-06 07:08 \.\//);
    const root = await tempDir();
    await tool('dpkg', ['-x', deb, root]);
    const man = await readFile(path.join(root, 'usr/share/man/man1/tool.1.gz'));
    // gzip header (RFC 1952): FLG without FNAME, MTIME 0, XFL 2 (best compression).
    expect(man[3]).toBe(0);
    expect(man.readUInt32LE(4)).toBe(0);
    expect(man[8]).toBe(2);
    expect(await tool('gzip', ['-dc', path.join(root, 'usr/share/man/man1/tool.1.gz')])).toBe(MAN_PAGE);
    expect(await readFile(path.join(root, 'usr/lib/systemd/system/tool.service'), 'utf8')).toBe(UNIT);
  });

  it('lintian finds no error in any .deb', async () => {
    for (const file of PACKAGES.filter((f) => f.endsWith('.deb'))) {
      // lintian exits 1 when it reports an error, 0 with warnings only.
      const result = await runTool('lintian', ['--no-tag-display-limit', path.join(dist, file)]);
      const tags = lines(result.stdout);
      console.log(`lintian ${file}: ${tags.join(' | ') || 'clean'}`);
      expect(
        tags.filter((t) => t.startsWith('E:')),
        file,
      ).toEqual([]);
      expect(result.code, result.stderr).toBe(0);
    }
  });

  it('the .deb unpacked with dpkg -x runs: natively and under qemu-aarch64', async () => {
    for (const [file, runner] of [
      ['tool_1.2.3-1_amd64.deb', []],
      ['tool_1.2.3-1_arm64.deb', ['qemu-aarch64']],
    ] as const) {
      const root = await tempDir();
      await tool('dpkg', ['-x', path.join(dist, file), root]);
      const binary = path.join(root, 'usr/bin/tool');
      const [command, ...args] = [...runner, binary] as [string, ...string[]];
      expect((await tool(command, args)).trim(), file).toBe('tool 1.2.3');
    }
  });

  it('the .rpm: rpm -qip, -qlp and -K', async () => {
    const rpm = path.join(dist, 'tool-1.2.3-1.armv7hl.rpm');
    const query = async (format: string) => tool('rpm', ['-qp', '--queryformat', format, rpm]);
    expect(
      await query('%{NAME}|%{VERSION}|%{RELEASE}|%{ARCH}|%{LICENSE}|%{URL}|%{BUILDHOST}|%{BUILDTIME}'),
    ).toBe(`tool|1.2.3|1|armv7hl|MIT|https://example.com/tool|crossgo|${Date.parse(DATE) / 1000}`);
    const info = await tool('rpm', ['-qip', rpm]);
    expect(info).toMatch(/^Name\s+: tool$/m);
    expect(info).toMatch(/^Summary\s+: Print the version it was built as$/m);
    expect(lines(await tool('rpm', ['-qlp', rpm]))).toEqual([
      '/etc/tool/tool.yaml',
      '/usr/bin/tool',
      '/usr/lib/systemd/system/tool.service',
      '/usr/share/bash-completion/completions/tool',
      '/usr/share/man/man1/tool.1.gz',
    ]);
    // %config(noreplace): rpm's c flag on the config file; the man page is %doc (d).
    expect(
      lines(await tool('rpm', ['-qp', '--queryformat', '[%{FILEFLAGS:fflags} %{FILENAMES}\n]', rpm])),
    ).toEqual(expect.arrayContaining(['cn /etc/tool/tool.yaml', 'd /usr/share/man/man1/tool.1.gz']));
    expect((await tool('rpm', ['-K', rpm])).trim()).toBe(`${rpm}: digests OK`);
  });

  it('the .apk: control and data gzip streams, .PKGINFO with the data stream’s sha256', async () => {
    const apk = path.join(dist, 'tool_1.2.3-r1_aarch64.apk');
    const streams = await apkStreams(apk);
    expect(streams).toHaveLength(2);
    const pkginfo = await tool('tar', ['-xzOf', apk, '.PKGINFO']);
    const fields = Object.fromEntries(
      lines(pkginfo)
        .filter((l) => / = /.test(l))
        .map((l) => l.split(' = ') as [string, string]),
    );
    expect(fields.pkgname).toBe('tool');
    expect(fields.pkgver).toBe('1.2.3-r1');
    expect(fields.arch).toBe('aarch64');
    expect(fields.license).toBe('MIT');
    expect(fields.maintainer).toBe('Jane Doe <jane@example.com>');
    expect(fields.datahash).toBe(sha256(streams[1] as Buffer));
    const root = await tempDir();
    await writeFile(path.join(root, 'data.tar.gz'), streams[1] as Buffer);
    const listing = lines(await tool('tar', ['-tvzf', path.join(root, 'data.tar.gz')]));
    expect(listing.find((l) => l.endsWith(' usr/bin/tool'))).toMatch(/^-rwxr-xr-x root\/root /);
    const size = (await readFile(path.join(dist, 'tool-linux-arm64'))).length;
    expect(Number(fields.size)).toBeGreaterThanOrEqual(size);
  });

  it('the manifest lists each package; the checksums file covers them and sha256sum -c passes', async () => {
    const manifest = JSON.parse(await readFile(path.join(dist, 'manifest.json'), 'utf8')) as Manifest;
    const validate = manifestValidator();
    expect(validate(manifest), JSON.stringify(validate.errors)).toBe(true);
    const packages = manifest.artifacts.filter((a): a is PackageArtifact => a.kind === 'package');
    expect(packages.map((p) => p.path).sort()).toEqual(PACKAGES);
    const rpm = packages.find((p) => p.path === 'tool-1.2.3-1.armv7hl.rpm');
    expect(rpm).toMatchObject({
      target: 'linux/arm/7',
      from: ['tool-linux-arm-7'],
      format: 'rpm',
      name: 'tool',
      version: '1.2.3-1',
      arch: 'armv7hl',
      signed: false,
    });
    for (const p of packages) expect(p.sha256).toBe(sha256(await readFile(path.join(dist, p.path))));
    const check = await runTool('sha256sum', ['-c', 'tool_1.2.3_checksums.txt'], { cwd: dist });
    expect(check.code, check.stdout).toBe(0);
    for (const file of PACKAGES) expect(lines(check.stdout)).toContain(`${file}: OK`);
  });
});

describe('a hostile linux_packages: is one line, exit 2, before anything is written', () => {
  const cases: [string, string, RegExp][] = [
    [
      'a src that climbs out',
      '  contents: [{src: ../x, dst: /etc/x}]\n',
      /linux_packages\.contents\[0\]\.src: "\.\.\/x" climbs out/,
    ],
    [
      'a relative dst',
      '  contents: [{src: etc/tool.yaml, dst: etc/tool.yaml}]\n',
      /linux_packages\.contents\[0\]\.dst: "etc\/tool\.yaml" is not an absolute path/,
    ],
    ['a dst with ..', '  contents: [{src: etc/tool.yaml, dst: /etc/../root/x}]\n', /climbs out with/],
    [
      'a symbolic link on the way',
      '  contents: [{src: linked/tool.yaml, dst: /etc/x}]\n',
      /linked is a symbolic link/,
    ],
    [
      'an absolute man page',
      '  man: [/etc/passwd]\n',
      /linux_packages\.man\[0\]: "\/etc\/passwd" is an absolute path/,
    ],
    [
      'a script outside',
      '  scripts: {postinstall: ../../evil.sh}\n',
      /linux_packages\.scripts\.postinstall: "\.\.\/\.\.\/evil\.sh" climbs out/,
    ],
    [
      'no maintainer for a deb',
      null as unknown as string,
      /linux_packages\.maintainer is missing: a deb package needs a maintainer/,
    ],
    [
      'a name deb refuses',
      '  name: "Tool_X"\n',
      /linux_packages\.name: "Tool_X" gives "Tool_X", which is not a Debian package name/,
    ],
  ];
  it.each(cases)('%s', async (_what, extra, message) => {
    const file = path.join(configDir, 'hostile.yaml');
    const text =
      extra === null
        ? 'linux_packages:\n  formats: [deb]\n'
        : `linux_packages:\n  formats: [deb, rpm]\n  maintainer: "Jane Doe <jane@example.com>"\n${extra}`;
    await writeFile(file, text);
    const before = (await readdir(dist2)).sort();
    const result = await crossgo(['-C', dir, 'package', '-o', 'dist2', '--config', file], { env: testEnv() });
    expect(result.code, result.stderr).toBe(2);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect((await readdir(dist2)).sort()).toEqual(before);
  });
});

describe('nfpm cannot be broken by the user’s go settings', () => {
  it('GOFLAGS=-mod=vendor and an older GOTOOLCHAIN: the same packages', async () => {
    const result = await crossgo(['-C', dir, 'package', '-o', 'dist2', '--config', config], {
      env: testEnv({ GOFLAGS: '-mod=vendor', GOTOOLCHAIN: 'go1.21.0', GOWORK: path.join(dir, 'go.work') }),
    });
    expect(result.code, result.stderr).toBe(0);
    for (const file of PACKAGES) {
      expect(sha256(await readFile(path.join(dist2, file))), file).toBe(
        sha256(await readFile(path.join(dist, file))),
      );
    }
  });
});
