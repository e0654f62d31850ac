import { describe, expect, it } from 'vitest';
import { destinationProblem } from '../../src/linuxpkg/contents.js';
import { changelogFile, copyrightFile, deterministicGzip } from '../../src/linuxpkg/debian.js';
import { nfpmCommand, nfpmEnvironment } from '../../src/linuxpkg/nfpm.js';
import { DOLLAR_VARIABLE, escapeDollars, nfpmConfig } from '../../src/linuxpkg/nfpmConfig.js';
import {
  formatVersions,
  fullVersion,
  packageFileName,
  packageNameProblem,
  releaseProblem,
  versionProblem,
} from '../../src/linuxpkg/version.js';
import { runTool } from '../helpers/cli.js';

/**
 * The pure parts of linux_packages: versions per format (checked against dpkg's and rpm's own
 * comparison: dpkg --compare-versions, rpm's rpm.vercmp), names, paths, nfpm's config and
 * environment. Expected apk versions are written by hand from apk-tools' version grammar.
 */

const CASES: [string, { deb: string; rpm: string; apk: string }][] = [
  ['1.2.3', { deb: '1.2.3', rpm: '1.2.3', apk: '1.2.3' }],
  ['1.2.3-rc.1', { deb: '1.2.3~rc.1', rpm: '1.2.3~rc.1', apk: '1.2.3_rc1' }],
  ['1.2.3-beta2', { deb: '1.2.3~beta2', rpm: '1.2.3~beta2', apk: '1.2.3_beta2' }],
  ['1.2.3-4-gabc1234', { deb: '1.2.3+4.gabc1234', rpm: '1.2.3+4.gabc1234', apk: '1.2.3_p4' }],
  [
    '1.2.3-4-gabc1234-dirty',
    { deb: '1.2.3+4.gabc1234+dirty', rpm: '1.2.3+4.gabc1234+dirty', apk: '1.2.3_p4' },
  ],
  [
    '1.2.3-SNAPSHOT-abc1234',
    { deb: '1.2.3~SNAPSHOT.abc1234', rpm: '1.2.3~SNAPSHOT.abc1234', apk: '1.2.3_pre' },
  ],
  [
    '0.0.0-20240506070809-abcdef123456',
    {
      deb: '0.0.0~20240506070809.abcdef123456',
      rpm: '0.0.0~20240506070809.abcdef123456',
      apk: '0.0.0_pre20240506070809',
    },
  ],
  ['2.0.0+build.7', { deb: '2.0.0+build.7', rpm: '2.0.0+build.7', apk: '2.0.0' }],
];

async function dpkgLess(a: string, b: string): Promise<boolean> {
  return (await runTool('dpkg', ['--compare-versions', a, 'lt', b])).code === 0;
}

async function rpmCompare(a: string, b: string): Promise<number> {
  const out = await runTool('rpm', ['--eval', `%{lua: print(rpm.vercmp("${a}", "${b}"))}`]);
  return Number(out.stdout.trim());
}

describe('versions per format', () => {
  it.each(CASES)('%s', async (version, expected) => {
    expect(versionProblem(version)).toBeNull();
    expect(formatVersions(version).upstream).toEqual(expected);
    const deb = fullVersion('deb', expected.deb, '1', undefined);
    const validated = await runTool('dpkg', ['--validate-version', deb]);
    expect(`${validated.stdout}${validated.stderr}`, deb).toBe('');
  });

  it('a pre-release sorts before its release, a commit past a tag after it: dpkg and rpm agree', async () => {
    const rc = formatVersions('1.2.3-rc.1').upstream;
    const past = formatVersions('1.2.3-4-gabc1234').upstream;
    const release = formatVersions('1.2.3').upstream;
    expect(await dpkgLess(`${rc.deb}-1`, `${release.deb}-1`)).toBe(true);
    expect(await dpkgLess(`${release.deb}-1`, `${past.deb}-1`)).toBe(true);
    expect(await rpmCompare(rc.rpm, release.rpm)).toBe(-1);
    expect(await rpmCompare(past.rpm, release.rpm)).toBe(1);
  });

  it('refuses what no format can hold', () => {
    expect(versionProblem('dev')).toMatch(/does not start with a digit/);
    expect(versionProblem('1.2 3')).toMatch(/holds a character/);
    expect(versionProblem('1.2.3$HOME')).toMatch(/holds a character/);
    expect(releaseProblem('apk', '1.el9')).toMatch(/not a number/);
    expect(releaseProblem('rpm', '1_el9')).toBeNull();
    expect(releaseProblem('deb', '1_x')).toMatch(/deb revision/);
  });

  it('full versions and file names', () => {
    expect(fullVersion('deb', '1.2.3', '1', '2')).toBe('2:1.2.3-1');
    expect(fullVersion('rpm', '1.2.3', '1', undefined)).toBe('1.2.3-1');
    expect(fullVersion('apk', '1.2.3', '1', '2')).toBe('1.2.3-r1');
    expect(packageFileName('deb', 'tool', '1.2.3~rc.1', '1', 'armhf')).toBe('tool_1.2.3~rc.1-1_armhf.deb');
    expect(packageFileName('rpm', 'tool', '1.2.3', '1', 'aarch64')).toBe('tool-1.2.3-1.aarch64.rpm');
    expect(packageFileName('apk', 'tool', '1.2.3_rc1', '1', 'x86_64')).toBe('tool_1.2.3_rc1-r1_x86_64.apk');
  });
});

describe('names and paths', () => {
  it('package names: dpkg --validate-pkgname agrees on the deb rule', async () => {
    for (const name of ['tool', 'my-tool2', 'a+b.c']) {
      expect(packageNameProblem('deb', name)).toBeNull();
      expect((await runTool('dpkg', ['--validate-pkgname', name])).code, name).toBe(0);
    }
    // dpkg itself accepts upper case, "_" and one character (Policy 5.6.1 does not): crossgo follows the Policy.
    for (const name of ['Tool', 't', 'my_tool']) expect(packageNameProblem('deb', name), name).not.toBeNull();
    for (const name of ['-x', 'a b', 'a/b']) {
      expect(packageNameProblem('deb', name), name).not.toBeNull();
      expect((await runTool('dpkg', ['--validate-pkgname', name])).code, name).not.toBe(0);
    }
    expect(packageNameProblem('rpm', 'my_tool')).toBeNull();
    expect(packageNameProblem('apk', 'Tool')).not.toBeNull();
  });

  it('destinations are absolute and normalised', () => {
    expect(destinationProblem('/etc/tool/config.yaml')).toBeNull();
    expect(destinationProblem('etc/tool')).toMatch(/not an absolute path/);
    expect(destinationProblem('/etc/../root/.ssh/authorized_keys')).toMatch(/climbs out/);
    expect(destinationProblem('/etc//tool')).toMatch(/not normalised/);
    expect(destinationProblem('/etc/tool/')).toMatch(/not normalised/);
    expect(destinationProblem('/etc/a\nb')).toMatch(/control character/);
    expect(destinationProblem('/')).toMatch(/root folder/);
  });
});

describe("nfpm's config and environment", () => {
  const spec = {
    format: 'rpm' as const,
    name: 'tool',
    arch: 'x86_64',
    upstream: '1.2.3',
    release: '1',
    maintainer: 'Jane <j@example.com>',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the text nfpm would expand
    description: 'costs $5 and ${HOME}',
    section: 'utils',
    priority: 'optional',
    relations: {
      depends: ['libc ($X)'],
      recommends: [],
      suggests: [],
      conflicts: [],
      provides: [],
      replaces: [],
    },
    entries: [
      { type: 'file' as const, src: '/w/b', dst: '/usr/bin/tool', mode: 0o755, owner: 'root', group: 'root' },
      {
        type: 'file' as const,
        src: '/w/a',
        dst: '/etc/tool.yaml',
        mode: 0o644,
        owner: 'root',
        group: 'root',
      },
    ],
    scripts: {},
    mtime: new Date('2024-05-06T07:08:09Z'),
  };

  it('spells out every fact that would vary, sorts the contents, and escapes $ for os.Expand', () => {
    const config = nfpmConfig(spec);
    expect(config).toMatchObject({
      version: '1.2.3',
      version_schema: 'none',
      mtime: '2024-05-06T07:08:09Z',
      disable_globbing: true,
      rpm: { arch: 'x86_64', buildhost: 'crossgo' },
      description: `costs \${${DOLLAR_VARIABLE}}5 and \${${DOLLAR_VARIABLE}}{HOME}`,
      depends: [`libc (\${${DOLLAR_VARIABLE}}X)`],
    });
    expect((config.contents as { dst: string }[]).map((c) => c.dst)).toEqual([
      '/etc/tool.yaml',
      '/usr/bin/tool',
    ]);
    expect(escapeDollars('no dollars')).toBe('no dollars');
  });

  it('nfpm runs with go’s settings only, -mod=mod, and CROSSGO_NFPM when set', () => {
    const env = nfpmEnvironment(
      {
        PATH: '/bin',
        HOME: '/h',
        GOFLAGS: '-mod=vendor',
        GOTOOLCHAIN: 'go1.22.0',
        SECRET: 'x',
        GOPROXY: 'off',
      },
      { NFPM_RPM_PASSPHRASE: 'p' },
    );
    expect(env).toEqual({
      PATH: '/bin',
      HOME: '/h',
      GOPROXY: 'off',
      GOFLAGS: '-mod=mod',
      GOTOOLCHAIN: 'auto',
      GOWORK: 'off',
      CGO_ENABLED: '0',
      [DOLLAR_VARIABLE]: '$',
      NFPM_RPM_PASSPHRASE: 'p',
    });
    expect(nfpmEnvironment({ GOTOOLCHAIN: 'local' }, {}).GOTOOLCHAIN).toBe('local');
    expect(nfpmCommand({})).toEqual({
      command: 'go',
      args: ['run', 'github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2'],
    });
    expect(nfpmCommand({ CROSSGO_NFPM: '/opt/nfpm' })).toEqual({ command: '/opt/nfpm', args: [] });
    expect(() => nfpmCommand({ CROSSGO_NFPM: 'nfpm' })).toThrow(/absolute path/);
  });
});

describe('the Debian files crossgo adds', () => {
  const facts = {
    name: 'tool',
    version: '1.2.3-1',
    maintainer: 'Jane Doe <jane@example.com>',
    license: 'MIT',
    homepage: 'https://example.com/tool',
    licenseText: 'MIT License\n\nCopyright (c) 2024 Jane Doe\n\nPermission is granted.\n',
    date: new Date('2024-05-06T07:08:09Z'),
    commit: 'a'.repeat(40),
  };

  it('a DEP-5 copyright file with the license file’s notice and text', () => {
    expect(copyrightFile(facts)).toBe(
      [
        'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
        'Upstream-Name: tool',
        'Source: https://example.com/tool',
        '',
        'Files: *',
        'Copyright: 2024 Jane Doe',
        'License: MIT',
        ' MIT License',
        ' .',
        ' Copyright (c) 2024 Jane Doe',
        ' .',
        ' Permission is granted.',
        '',
      ].join('\n'),
    );
  });

  it('a changelog that dpkg-parsechangelog reads, gzipped without name or time', async () => {
    const gz = changelogFile(facts);
    expect(gz.readUInt32LE(4)).toBe(0);
    expect(gz[3]).toBe(0);
    expect(deterministicGzip('x').equals(deterministicGzip('x'))).toBe(true);
    const { gunzipSync } = await import('node:zlib');
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const dir = await mkdtemp(`${(await import('node:os')).tmpdir()}/crossgo-changelog-`);
    await writeFile(`${dir}/changelog`, gunzipSync(gz));
    const parsed = await runTool('dpkg-parsechangelog', ['-l', `${dir}/changelog`]);
    expect(parsed.code, parsed.stderr).toBe(0);
    expect(parsed.stdout).toMatch(/^Version: 1\.2\.3-1$/m);
    expect(parsed.stdout).toMatch(/^Maintainer: Jane Doe <jane@example.com>$/m);
    expect(parsed.stdout).toMatch(/^Date: Mon, 06 May 2024 07:08:09 \+0000$/m);
    const { rm } = await import('node:fs/promises');
    await rm(dir, { recursive: true, force: true });
  });
});
