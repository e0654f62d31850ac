import { describe, expect, it } from 'vitest';
import { ConfigError, UsageError } from '../../src/errors.js';
import { compileTemplate, renderTemplate } from '../../src/template/engine.js';
import { projectValues, targetValues } from '../../src/template/values.js';

const SOURCE = { file: 'crossgo.yaml', key: 'package.name' };
const PROJECT = projectValues(
  {
    version: 'v0.65.2',
    tag: 'v0.65.2',
    commit: '0123456789abcdef0123456789abcdef01234567',
    date: '2024-05-06T07:08:09Z',
    epoch: 1714979289,
    branch: 'main',
    snapshot: false,
  },
  'tool',
);
const target = (goos: string, goarch: string, variant: string | null, level: string | null) =>
  targetValues(PROJECT, { goos, goarch, variant, level, binary: 'tool', id: 'tool' });
const render = (text: string, values = PROJECT, env: NodeJS.ProcessEnv = {}) =>
  renderTemplate(compileTemplate(text, SOURCE, { scope: 'target' }), values, env);

describe('template engine', () => {
  it('gives the version without its v, and the raw one', () => {
    expect(render('{version} {raw_version} {tag}')).toBe('0.65.2 v0.65.2 v0.65.2');
    expect(render('{major}.{minor}.{patch}')).toBe('0.65.2');
    expect(render('{short_commit} {commit_date} {commit_timestamp}')).toBe(
      '0123456 2024-05-06T07:08:09Z 1714979289',
    );
  });

  it("writes GoReleaser's documented names (hand-written from its docs' examples)", () => {
    // goreleaser.com/customization/archive: {{ .ProjectName }}_{{ title .Os }}_{{ if eq .Arch "amd64" }}x86_64{{ else if eq .Arch "386" }}i386{{ else }}{{ .Arch }}{{ end }}{{ if .Arm }}v{{ .Arm }}{{ end }}
    const name = '{project}_{os|title}_{arch|replace:amd64=x86_64,386=i386}{arm|prefix:v}';
    expect(render(name, target('linux', 'arm', '7', '7'))).toBe('tool_Linux_armv7');
    expect(render(name, target('linux', 'amd64', 'v3', 'v3'))).toBe('tool_Linux_x86_64');
    expect(render(name, target('darwin', 'arm64', null, 'v8.0'))).toBe('tool_Darwin_arm64');
    expect(render(name, target('windows', '386', null, 'sse2'))).toBe('tool_Windows_i386');
  });

  it('reads {env:NAME}, and an unset one is an error naming the template', () => {
    expect(render('-X main.by={env:WHO}', PROJECT, { WHO: 'ci' })).toBe('-X main.by=ci');
    expect(() => render('{env:NOPE}')).toThrow(UsageError);
    expect(() => render('{env:NOPE}')).toThrow(/crossgo.yaml: package.name: .*NOPE is not set/);
  });

  it('suggests the nearest placeholder and filter', () => {
    expect(() => render('{versoin}')).toThrow(/unknown placeholder \{versoin\}, did you mean \{version\}\?/);
    expect(() => render('{os|titel}')).toThrow(/unknown filter \|titel, did you mean \|title\?/);
    expect(() => render('{os|replace:amd64}')).toThrow(/old=new pairs/);
    expect(() => render('{os')).toThrow(/without its "\}"/);
    expect(() => render('{{ .Version }}')).toThrow(/Go template/);
    expect(() => render('{versoin}')).toThrow(ConfigError);
  });

  it("refuses a target's placeholder where there is no target", () => {
    expect(() => compileTemplate('{os}', SOURCE, { scope: 'project' })).toThrow(/is a target's/);
  });

  it('refuses control characters in names', () => {
    expect(() => compileTemplate('a\nb', SOURCE, { scope: 'target', fileName: true })).toThrow(/control/);
  });
});
