import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import type { BinaryArtifact, Manifest } from '../../src/pipeline/manifest.js';
import {
  type LayoutInputs,
  planReleaseLayout,
  type ReleaseTemplates,
} from '../../src/pipeline/releaseLayout.js';
import { compileTemplate, type TemplateScope } from '../../src/template/engine.js';

/** Expected names are written by hand (GoReleaser's conventions), never computed. */
const FORGED = 'x\n0000000000000000000000000000000000000000000000000000000000000000  evil';
const COMMIT = 'a'.repeat(40);

function binary(target: string, name?: string): BinaryArtifact {
  const [goos = '', goarch = '', variant = null] = target.split('/');
  const ext = goos === 'windows' ? '.exe' : '';
  return {
    kind: 'binary',
    path: `${name ?? 'hello'}-${target.replaceAll('/', '-')}${ext}`,
    size: 1,
    sha256: '0'.repeat(64),
    from: [],
    target,
    goos,
    goarch,
    variant,
    durationMs: 1,
    goVersion: 'go1.25.4',
    argv: [],
    env: {},
    cgo: { enabled: false, reason: 'off' } as unknown as BinaryArtifact['cgo'],
    ...(name ? { name, build: name } : {}),
  };
}

function manifest(artifacts: BinaryArtifact[], source: Partial<Manifest['source']> = {}): Manifest {
  return {
    project: { module: 'example.com/hello', package: '.', importPath: 'example.com/hello', name: 'hello' },
    source: {
      version: 'v1.2.3',
      commit: COMMIT,
      date: '2024-05-06T07:08:09Z',
      dateSource: 'commit',
      dirty: false,
      tag: 'v1.2.3',
      ...source,
    },
    artifacts,
  } as unknown as Manifest;
}

const t = (text: string, key: string, scope: TemplateScope) =>
  compileTemplate(text, { file: 'crossgo.yaml', key }, { scope, fileName: true });

function names(over: Partial<ReleaseTemplates> = {}): ReleaseTemplates {
  return {
    archive: t('{project}_{version}_{os}_{arch}{variant|prefix:_}', 'package.name', 'target'),
    binary: t('{binary}_{version}_{os}_{arch}{variant|prefix:_}', 'package.name', 'target'),
    wrap: true,
    checksums: t('{project}_{version}_checksums.txt', 'package.checksum.name', 'project'),
    source: null,
    ...over,
  };
}

function inputs(over: Partial<LayoutInputs> = {}): LayoutInputs {
  return {
    names: names(),
    formatFor: (goos) => (goos === 'windows' ? 'zip' : 'tar.gz'),
    extras: ['LICENSE'],
    sbom: true,
    universal: false,
    ...over,
  };
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('the release layout', () => {
  it("names archives, SBOMs and the checksums file as before: GoReleaser's <project>_<version>_<os>_<arch>, the v dropped", () => {
    const m = manifest([
      binary('linux/amd64/v3'),
      binary('windows/386'),
      binary('darwin/amd64'),
      binary('darwin/arm64'),
    ]);
    const layout = planReleaseLayout(m, inputs({ universal: true }), {});
    expect(layout.archives.map((a) => [a.file, a.top, a.members.map((x) => x.name)])).toEqual([
      ['hello_1.2.3_linux_amd64_v3.tar.gz', 'hello_1.2.3_linux_amd64_v3', ['hello']],
      ['hello_1.2.3_windows_386.zip', 'hello_1.2.3_windows_386', ['hello.exe']],
      ['hello_1.2.3_darwin_amd64.tar.gz', 'hello_1.2.3_darwin_amd64', ['hello']],
      ['hello_1.2.3_darwin_arm64.tar.gz', 'hello_1.2.3_darwin_arm64', ['hello']],
      ['hello_1.2.3_darwin_universal.tar.gz', 'hello_1.2.3_darwin_universal', ['hello']],
    ]);
    expect(layout.universal).toEqual([
      { file: 'hello-darwin-universal', name: 'hello', slices: ['hello-darwin-amd64', 'hello-darwin-arm64'] },
    ]);
    expect(layout.sboms.get('hello-windows-386.exe')).toBe('hello_1.2.3_windows_386.sbom.cdx.json');
    expect(layout.checksums).toBe('hello_1.2.3_checksums.txt');
  });

  it('groups the binaries of several builds per target, as GoReleaser does; format binary keeps them apart', () => {
    const m = manifest([binary('linux/arm64', 'hello'), binary('linux/arm64', 'helper')]);
    const grouped = planReleaseLayout(m, inputs({ extras: [] }), {});
    expect(grouped.archives.map((a) => [a.file, a.members.map((x) => x.name)])).toEqual([
      ['hello_1.2.3_linux_arm64.tar.gz', ['hello', 'helper']],
    ]);
    expect([...grouped.sboms.values()]).toEqual([
      'hello_1.2.3_linux_arm64_hello.sbom.cdx.json',
      'hello_1.2.3_linux_arm64_helper.sbom.cdx.json',
    ]);
    const bare = planReleaseLayout(m, inputs({ formatFor: () => 'binary', sbom: false }), {});
    expect(bare.archives.map((a) => [a.file, a.top])).toEqual([
      ['hello_1.2.3_linux_arm64', null],
      ['helper_1.2.3_linux_arm64', null],
    ]);
  });

  it.each([
    [{ version: FORGED }, /holds a control character/],
    [{ version: 'sub/v1.2.3' }, /holds a "\/"/],
    [{ version: 'a\\b' }, /holds a backslash/],
  ])('refuses a manifest source %j (a manifest anyone may edit) on one line', (source, problem) => {
    const error = thrown(() => planReleaseLayout(manifest([binary('linux/amd64')], source), inputs(), {}));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toMatch(problem);
    expect(error.message).toMatch(
      /: change the template, or rebuild with a name-safe version \(--app-version\)$/,
    );
    expect(error.message).not.toContain('\n');
  });

  it('refuses a binary name that is "..", has a "/" or a control character', () => {
    for (const [name, problem] of [
      ['..', /is "\.\."/],
      ['a/b', /holds a "\/"/],
      ['a\nb', /control character/],
    ] as const) {
      const m = manifest([{ ...binary('linux/amd64'), name }]);
      expect(() => planReleaseLayout(m, inputs(), {})).toThrow(problem);
    }
  });

  it('two targets with one name: one line naming both and the template', () => {
    const m = manifest([binary('linux/amd64'), binary('linux/arm64')]);
    const error = thrown(() =>
      planReleaseLayout(
        m,
        inputs({ names: names({ archive: t('{project}_{os}', 'package.name', 'target') }) }),
        {},
      ),
    );
    expect(error.message).toBe(
      'crossgo.yaml: package.name: "{project}_{os}" gives hello_linux.tar.gz for both linux/amd64 and linux/arm64: add {os}, {arch}, {arm} or {variant} to tell them apart',
    );
  });

  it('a source archive needs the commit the build recorded', () => {
    const source = { name: t('{project}-{version}', 'package.source.name', 'project'), prefix: null };
    const ok = planReleaseLayout(manifest([binary('linux/amd64')]), inputs({ names: names({ source }) }), {});
    expect(ok.source).toEqual({ file: 'hello-1.2.3.tar.gz', prefix: '' });
    const error = thrown(() =>
      planReleaseLayout(
        manifest([binary('linux/amd64')], { commit: 'none' }),
        inputs({ names: names({ source }) }),
        {},
      ),
    );
    expect(error.message).toMatch(/^crossgo\.yaml: package\.source: the manifest records no commit/);
  });
});
