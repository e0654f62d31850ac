import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { init } from '../../src/commands/init.js';
import { parseGoReleaserYaml, translateGoReleaser } from '../../src/config/goreleaser.js';
import { translateGoTemplate } from '../../src/config/goTemplate.js';
import { starterConfigText, translatedConfigText } from '../../src/config/initFile.js';
import { loadConfig } from '../../src/config/load.js';
import { parseConfig } from '../../src/config/parse.js';
import type { CrossgoConfig } from '../../src/config/types.js';
import { compileTemplate, renderTemplate } from '../../src/template/engine.js';

const temps: string[] = [];
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

/** GoReleaser's documented default ldflags, as crossgo writes them (.Date → the commit's date). */
const DEFAULT_LDFLAGS =
  '-s -w -X main.version={version} -X main.commit={commit} -X main.date={commit_date} -X main.builtBy=goreleaser';
const DATE_NOTE =
  '.Date became {commit_date}: crossgo never stamps the wall clock, so a rebuild of the commit gives the same bytes';
const LDFLAGS_NOTE = `builds[0].ldflags (GoReleaser's default): "-s -w -X main.version={{.Version}} -X main.commit={{.Commit}} -X main.date={{.Date}} -X main.builtBy=goreleaser": ${DATE_NOTE}`;
const DEFAULT_FILES = ['LICENSE*', 'README*', 'CHANGELOG*', 'license*', 'readme*', 'changelog*'];
/** GoReleaser's default archive name (goreleaser.com/customization/archive), translated by hand. */
const DEFAULT_NAME =
  '{project}_{version}_{os}_{arch}{arm|prefix:v}{mips|prefix:_}{mips64|prefix:_}{amd64|replace:v1=}';

/** Every template of a translated config compiles with crossgo's engine, in the scope it is read in. */
function compilesAll(config: CrossgoConfig): number {
  const target = { scope: 'target' as const };
  const project = { scope: 'project' as const, fileName: true };
  const texts: [string, { scope: 'target' | 'project'; fileName?: boolean }][] = [];
  const ldflags = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  for (const b of [config, ...(config.builds ?? [])]) {
    for (const l of ldflags(b.ldflags)) texts.push([l, target]);
    for (const v of Object.values(b.env ?? {})) texts.push([v, target]);
    if (b.binary) texts.push([b.binary, project]);
  }
  const pkg = config.package ?? {};
  if (pkg.name) texts.push([pkg.name, { scope: 'target', fileName: true }]);
  if (typeof pkg.wrap === 'string') texts.push([pkg.wrap, { scope: 'target', fileName: true }]);
  if (typeof pkg.checksum === 'object' && pkg.checksum.name) texts.push([pkg.checksum.name, project]);
  if (typeof pkg.source === 'object') for (const v of Object.values(pkg.source)) texts.push([v, project]);
  if (config.snapshot?.version) texts.push([config.snapshot.version, project]);
  for (const [text, options] of texts) compileTemplate(text, { file: 'crossgo.yaml', key: 'k' }, options);
  return texts.length;
}

function translate(yaml: string, project?: string) {
  return translateGoReleaser(parseGoReleaserYaml(yaml, '.goreleaser.yaml'), { project });
}

describe('Go templates become crossgo templates', () => {
  const cases: [go: string, crossgo: string][] = [
    ['{{ .Version }}', '{version}'],
    ['{{.Tag}}', '{tag}'],
    ['{{ .ProjectName }}_{{ .Version }}', '{project}_{version}'],
    ['{{ .Os }}/{{ .Arch }}', '{os}/{arch}'],
    ['{{ .Arm }}{{ .Amd64 }}{{ .Arm64 }}', '{arm}{amd64}{arm64}'],
    ['{{ .Mips }}', '{mips}{mips64}'],
    ['{{ .Binary }}', '{binary}'],
    ['{{ .Commit }} {{ .FullCommit }} {{ .ShortCommit }}', '{commit} {commit} {short_commit}'],
    ['{{ .CommitDate }} {{ .CommitTimestamp }}', '{commit_date} {commit_timestamp}'],
    ['{{ .Branch }}', '{branch}'],
    ['{{ .Major }}.{{ .Minor }}.{{ .Patch }}-{{ .Prerelease }}', '{major}.{minor}.{patch}-{prerelease}'],
    ['{{ .RawVersion }}', '{major}.{minor}.{patch}'],
    ['{{ .Env.GITHUB_TOKEN_NAME }}', '{env:GITHUB_TOKEN_NAME}'],
    ['{{ .IsSnapshot }}', '{snapshot}'],
    ['{{ title .Os }}', '{os|title}'],
    ['{{ .Os | title }}', '{os|title}'],
    ['{{ upper .Os }}{{ tolower .Arch }}{{ toupper .Arch }}', '{os|upper}{arch|lower}{arch|upper}'],
    ['{{ replace .Version "." "_" }}', '{version|replace:._=_}'.replace('._=_', '.=_')],
    ['{{ trimprefix .Tag "v" }}', '{tag|trimprefix:v}'],
    ['{{ trimsuffix .Version "-rc" }}', '{version|trimsuffix:-rc}'],
    [
      '{{ replace (replace .Arch "amd64" "x86_64") "386" "i386" }}',
      '{arch|replace:amd64=x86_64|replace:386=i386}',
    ],
    ['{{ if .Arm }}v{{ .Arm }}{{ end }}', '{arm|prefix:v}'],
    ['{{ with .Arm }}v{{ . }}{{ end }}', '{arm|prefix:v}'],
    ['{{ with .Mips }}_{{ . }}{{ end }}', '{mips|prefix:_}{mips64|prefix:_}'],
    ['{{ if .Prerelease }}-{{ .Prerelease }}-beta{{ end }}', '{prerelease|prefix:-|suffix:-beta}'],
    ['{{ with .Branch }}{{ . }}{{ else }}detached{{ end }}', '{branch|default:detached}'],
    [
      '{{ if eq .Arch "amd64" }}x86_64{{ else if eq .Arch "386" }}i386{{ else }}{{ .Arch }}{{ end }}',
      '{arch|replace:amd64=x86_64,386=i386}',
    ],
    ['{{ if not (eq .Amd64 "v1") }}{{ .Amd64 }}{{ end }}', '{amd64|replace:v1=}'],
    ['{{ if ne .Amd64 "v1" }}{{ .Amd64 }}{{ end }}', '{amd64|replace:v1=}'],
    [
      '{{ if eq .Os "darwin" }}macOS{{ else if eq .Os "linux" }}Linux{{ else if eq .Os "windows" }}Windows{{ else }}{{ .Os }}{{ end }}',
      '{os|replace:darwin=macOS,linux=Linux,windows=Windows}',
    ],
    ['{{ if .IsSnapshot }}-dev{{ end }}', '{snapshot|replace:true=-dev,false=}'],
    // YAML's folded >- with {{- trims, as GoReleaser's own example template is written.
    [
      '{{ .ProjectName }}_ {{- title .Os }}_ {{- if eq .Arch "amd64" }}x86_64 {{- else if eq .Arch "386" }}i386 {{- else }}{{ .Arch }}{{ end }} {{- if .Arm }}v{{ .Arm }}{{ end }}',
      '{project}_{os|title}_{arch|replace:amd64=x86_64,386=i386}{arm|prefix:v}',
    ],
    ['{{/* a comment */}}x{{ "y" }}', 'xy'],
    ['plain-name', 'plain-name'],
  ];
  for (const [go, want] of cases) {
    it(`${go} → ${want}`, () => {
      const got = translateGoTemplate(go, 'target');
      expect(got).toEqual({ ok: true, text: want, notes: [] });
      // Every translation compiles with crossgo's one template engine.
      expect(() => compileTemplate(want, { file: 't', key: 'k' }, { scope: 'target' })).not.toThrow();
    });
  }

  it('.Date and .Timestamp become the commit date, with a note', () => {
    expect(translateGoTemplate('{{ .Date }}', 'project')).toEqual({
      ok: true,
      text: '{commit_date}',
      notes: [DATE_NOTE],
    });
    expect(translateGoTemplate('{{ .Timestamp }}', 'project')).toEqual({
      ok: true,
      text: '{commit_timestamp}',
      notes: [
        '.Timestamp became {commit_timestamp}: crossgo never stamps the wall clock, so a rebuild of the commit gives the same bytes',
      ],
    });
  });

  it('renders the names GoReleaser documents for its default archive template', () => {
    const got = translateGoTemplate(
      '{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}{{ with .Arm }}v{{ . }}{{ end }}{{ with .Mips }}_{{ . }}{{ end }}{{ if not (eq .Amd64 "v1") }}{{ .Amd64 }}{{ end }}',
      'target',
    );
    expect(got).toEqual({ ok: true, text: DEFAULT_NAME, notes: [] });
    const template = compileTemplate(DEFAULT_NAME, { file: 't', key: 'k' }, { scope: 'target' });
    const base = { project: 'tool', version: '1.2.3', arm: '', amd64: '', mips: '', mips64: '' };
    const name = (v: Record<string, string>) => renderTemplate(template, { ...base, ...v }, {});
    // As goreleaser.com/customization/archive names them: tool_1.2.3_linux_armv7, …_amd64v3, no v1.
    expect(name({ os: 'linux', arch: 'arm', arm: '7' })).toBe('tool_1.2.3_linux_armv7');
    expect(name({ os: 'linux', arch: 'amd64', amd64: 'v3' })).toBe('tool_1.2.3_linux_amd64v3');
    expect(name({ os: 'linux', arch: 'amd64', amd64: 'v1' })).toBe('tool_1.2.3_linux_amd64');
    expect(name({ os: 'darwin', arch: 'arm64' })).toBe('tool_1.2.3_darwin_arm64');
    expect(name({ os: 'linux', arch: 'mips64', mips64: 'softfloat' })).toBe(
      'tool_1.2.3_linux_mips64_softfloat',
    );
  });

  const refused: [go: string, why: string][] = [
    ['{{ incpatch .Version }}-next', 'the function incpatch has no crossgo equivalent'],
    ['{{ .Now.Format "2006" }}', '.Now is the wall clock, which crossgo never stamps (use .CommitDate)'],
    ['{{ time "2006" }}', 'the function time has no crossgo equivalent'],
    ['{{ range .Env }}x{{ end }}', '{{ range }} has no crossgo equivalent'],
    ['{{ .Foo }}', '.Foo has no crossgo equivalent'],
    ['{{ $x := .Os }}', 'template variables ($x) have no crossgo equivalent'],
    [
      '{{ if eq .Version "1.0.0" }}old{{ end }}',
      '{{ if eq .Version "1.0.0" … end }}: crossgo\'s filters can test .Version only for being empty',
    ],
    [
      '{{ if eq .Os "linux" }}{{ .Arch }}{{ end }}',
      '{{ if eq .Os "linux" … end }} depends on .Os and .Arch: crossgo\'s filters read one placeholder',
    ],
    [
      '{{ if eq .Os "linux" }}penguin{{ end }}',
      '{{ if eq .Os "linux" … end }} has no equal crossgo filter chain',
    ],
    ['a{b}{{ .Os }}', 'the text "a{b}" holds a brace, which crossgo templates cannot write'],
    ['{{ .Os ', 'a "{{" without its "}}"'],
    ['{{ if .Arm }}v', 'an {{ if }} or {{ with }} without its {{ end }}'],
    // GoReleaser's trimprefix is strings.TrimPrefix(s, prefix): this trims .Tag off "v".
    [
      '{{ .Tag | trimprefix "v" }}',
      'GoReleaser\'s trimprefix takes the value first: {{ trimprefix .Tag "v" }}',
    ],
  ];
  for (const [go, why] of refused) {
    it(`refuses ${go}`, () => {
      expect(translateGoTemplate(go, 'target')).toEqual({ ok: false, why });
    });
  }

  it("refuses a target's field in a value made once per release", () => {
    expect(translateGoTemplate('{{ .ProjectName }}_{{ .Os }}', 'project')).toEqual({
      ok: false,
      why: "{os} is a target's here: crossgo makes this value once for the whole release",
    });
  });
});

describe('GoReleaser configs become crossgo configs', () => {
  it("a matrix with ignore, title/replace names, format overrides and hooks (GoReleaser's init example)", () => {
    const { config, notes } = translate(
      `
version: 2
before:
  hooks:
    - go mod tidy
    - go generate ./...
builds:
  - env:
      - CGO_ENABLED=0
    goos: [linux, windows, darwin]
    goarch: [amd64, arm, arm64]
    goarm: [6, 7]
    ignore:
      - goos: windows
        goarch: arm
      - goos: linux
        goarch: arm
        goarm: 6
archives:
  - formats: [tar.gz]
    name_template: >-
      {{ .ProjectName }}_
      {{- title .Os }}_
      {{- if eq .Arch "amd64" }}x86_64
      {{- else if eq .Arch "386" }}i386
      {{- else }}{{ .Arch }}{{ end }}
      {{- if .Arm }}v{{ .Arm }}{{ end }}
    format_overrides:
      - goos: windows
        formats: [zip]
changelog:
  sort: asc
  filters:
    exclude:
      - "^docs:"
      - "^test:"
release:
  footer: "made with love"
`,
      'tool',
    );
    const want: CrossgoConfig = {
      project: 'tool',
      targets: {
        goos: ['linux', 'windows', 'darwin'],
        goarch: ['amd64', 'arm', 'arm64'],
        goarm: ['6', '7'],
        ignore: [
          { goos: 'windows', goarch: 'arm' },
          { goos: 'linux', goarch: 'arm', goarm: '6' },
        ],
      },
      ldflags: DEFAULT_LDFLAGS,
      before: ['go mod tidy', 'go generate ./...'],
      trimpath: false,
      strip: false,
      snapshot: { version: '{version}-SNAPSHOT-{short_commit}' },
      changelog: { groups: [], abbrev: 40, sort: 'asc', exclude: ['^docs:', '^test:'] },
      package: {
        format: 'tar.gz',
        name: '{project}_{os|title}_{arch|replace:amd64=x86_64,386=i386}{arm|prefix:v}',
        formats: { windows: 'zip' },
        wrap: false,
        files: DEFAULT_FILES,
        checksum: { name: '{project}_{version}_checksums.txt' },
      },
    };
    expect(config).toEqual(want);
    expect(compilesAll(config)).toBeGreaterThan(3);
    expect(notes).toEqual([
      'project_name: null: absent: set to "tool", the module\'s name (GoReleaser infers it from the git remote, go.mod or the folder)',
      LDFLAGS_NOTE,
      'changelog.sort: "asc": GoReleaser sorts by message, crossgo by commit time (oldest first)',
      'release: {"footer":"made with love"}: not translated: crossgo makes release files and does not publish them (upload them with gh release create or your CI)',
    ]);
  });

  it('two builds with their own main, binary, flags, ldflags, env, tags and per-target hooks', () => {
    const { config, notes } = translate(`
version: 2
project_name: suite
env:
  - GOPROXY=https://proxy.golang.org
builds:
  - id: server
    main: ./cmd/server
    binary: suite-server
    flags: [-trimpath, -v]
    ldflags:
      - -s -w -X main.version={{.Version}} -X main.revision={{.ShortCommit}}
    tags: [netgo]
    targets: [linux_amd64_v1, linux_arm64, darwin_arm64_v8.0, linux_arm_7]
    hooks:
      pre: go run ./tools/gen {{ .Os }}
      post:
        - cmd: ./scripts/post.sh {{ .Binary }}
          dir: scripts
          env: [STAGE=post]
          output: true
  - id: client
    main: ./cmd/client/main.go
    binary: "{{ .ProjectName }}-client"
    flags: [-trimpath]
    ldflags: -X main.Version={{ .Version }}
    env:
      - CGO_ENABLED=1
      - GOARCH=amd64
    goos: [linux]
    goarch: [amd64]
    mod_timestamp: "{{ .CommitTimestamp }}"
archives:
  - formats: [zip]
    name_template: "{{ .ProjectName }}-{{ .Version }}-{{ .Os }}-{{ .Arch }}"
    wrap_in_directory: true
    files: [none*]
  - id: second
    formats: [binary]
`);
    const want: CrossgoConfig = {
      project: 'suite',
      builds: [
        {
          id: 'server',
          main: './cmd/server',
          binary: 'suite-server',
          targets: ['linux/amd64/v1', 'linux/arm64', 'darwin/arm64/v8.0', 'linux/arm/7'],
          flags: ['-v'],
          ldflags: '-s -w -X main.version={version} -X main.revision={short_commit}',
          tags: ['netgo'],
          env: { GOPROXY: 'https://proxy.golang.org' },
          hooks: {
            pre: ['go run ./tools/gen {os}'],
            post: [
              { cmd: './scripts/post.sh {binary}', dir: 'scripts', env: { STAGE: 'post' }, output: true },
            ],
          },
        },
        {
          id: 'client',
          main: './cmd/client',
          binary: '{project}-client',
          targets: { goos: ['linux'], goarch: ['amd64'] },
          ldflags: '-X main.Version={version}',
          env: { GOPROXY: 'https://proxy.golang.org' },
          cgo: 'on',
        },
      ],
      trimpath: true,
      strip: false,
      snapshot: { version: '{version}-SNAPSHOT-{short_commit}' },
      changelog: { groups: [], abbrev: 40 },
      package: {
        format: 'zip',
        name: '{project}-{version}-{os}-{arch}',
        wrap: true,
        files: ['none*'],
        checksum: { name: '{project}_{version}_checksums.txt' },
      },
    };
    expect(config).toEqual(want);
    expect(compilesAll(config)).toBeGreaterThan(3);
    expect(notes).toEqual([
      'builds[1].main: "./cmd/client/main.go": a file: crossgo builds its package, "./cmd/client"',
      'builds[1].env[1]: "GOARCH=amd64": crossgo sets it from the target; left out',
      'builds[1].mod_timestamp: "{{ .CommitTimestamp }}": not translated: crossgo has no equivalent',
      'archives[1:]: "1 more": crossgo makes one archive per target: only archives[0] translated',
    ]);
  });

  it('snapshot, checksum, changelog groups and a source archive', () => {
    const { config, notes } = translate(`
version: 2
project_name: tool
dist: out
builds:
  - ldflags: ["-X main.version={{ .Version }}"]
    goos: [linux]
    goarch: [arm]
archives:
  - format: tar.gz
    wrap_in_directory: "{{ .ProjectName }}-{{ .Version }}"
    files:
      - README.md
      - src: docs/*.md
        dst: docs
        strip_parent: true
checksum:
  name_template: "{{ .ProjectName }}-{{ .Version }}-checksums.txt"
  algorithm: sha512
snapshot:
  name_template: "{{ .Version }}-next-{{ .ShortCommit }}"
changelog:
  use: github
  abbrev: 10
  filters:
    include: ["^feat", "^fix"]
  groups:
    - title: Features
      regexp: '^.*?feat(\\([[:word:]]+\\))??!?:.+$'
      order: 0
    - title: Others
      order: 999
source:
  enabled: true
  name_template: "{{ .ProjectName }}-{{ .Version }}-source"
  prefix_template: "{{ .ProjectName }}-{{ .Version }}/"
`);
    expect(config).toEqual({
      project: 'tool',
      targets: { goos: ['linux'], goarch: ['arm'], goarm: ['6'] },
      ldflags: '-X main.version={version}',
      trimpath: false,
      strip: false,
      out: 'out',
      snapshot: { version: '{version}-next-{short_commit}' },
      changelog: {
        abbrev: 10,
        include: ['^feat', '^fix'],
        groups: [
          { title: 'Features', regexp: '^.*?feat(\\([[:word:]]+\\))??!?:.+$', order: 0 },
          { title: 'Others', order: 999 },
        ],
      },
      package: {
        format: 'tar.gz',
        name: DEFAULT_NAME,
        wrap: '{project}-{version}',
        files: ['README.md', 'docs/*.md'],
        checksum: { name: '{project}-{version}-checksums.txt', algorithm: 'sha512' },
        source: { name: '{project}-{version}-source', prefix: '{project}-{version}' },
      },
    } satisfies CrossgoConfig);
    expect(compilesAll(config)).toBeGreaterThan(2);
    expect(notes).toEqual([
      'changelog.use: "github": crossgo reads the changelog from git only',
      'archives[0].files[1]: {"src":"docs/*.md","dst":"docs","strip_parent":true}: only src translated (crossgo keeps the file\'s path; dst, strip_parent lost)',
    ]);
  });

  it('an empty v2 config gets every GoReleaser default written out', () => {
    const { config, notes } = translate('version: 2\n', 'tool');
    expect(config).toEqual({
      project: 'tool',
      targets: { goos: ['darwin', 'linux', 'windows'], goarch: ['386', 'amd64', 'arm64'] },
      ldflags: DEFAULT_LDFLAGS,
      trimpath: false,
      strip: false,
      snapshot: { version: '{version}-SNAPSHOT-{short_commit}' },
      changelog: { groups: [], abbrev: 40 },
      package: {
        format: 'tar.gz',
        name: DEFAULT_NAME,
        wrap: false,
        files: DEFAULT_FILES,
        checksum: { name: '{project}_{version}_checksums.txt' },
      },
    } satisfies CrossgoConfig);
    expect(compilesAll(config)).toBeGreaterThan(2);
    expect(notes).toEqual([
      'project_name: null: absent: set to "tool", the module\'s name (GoReleaser infers it from the git remote, go.mod or the folder)',
      'builds (default).ldflags (GoReleaser\'s default): "-s -w -X main.version={{.Version}} -X main.commit={{.Commit}} -X main.date={{.Date}} -X main.builtBy=goreleaser": ' +
        DATE_NOTE,
    ]);
  });

  it('what cannot be translated is one note each, and the key is left out', () => {
    const { config, notes } = translate(`
version: 1
project_name: tool
builds:
  - builder: rust
  - binary: "bin/{{ .ProjectName }}"
    goos: [linux]
    goarch: [amd64]
    ldflags: ["-X main.built={{ .Now.Format \\"2006\\" }}", "-X main.v={{ .Version }}"]
    env: ["NOEQUALS", "__proto__=x", "X={{ .Env.HOME }}"]
    skip: "{{ .IsSnapshot }}"
archives:
  - formats: [tar.xz]
    format_overrides: [{goos: windows, format: 7z}]
    name_template: "{{ .ProjectName }}_{{ time \\"2006\\" }}"
checksum:
  disable: true
snapshot:
  version_template: "{{ incpatch .Version }}-next"
dockers: [{image_templates: ["x"]}]
`);
    expect(config).toEqual({
      project: 'tool',
      targets: { goos: ['linux'], goarch: ['amd64'] },
      ldflags: '-X main.v={version}',
      env: { X: '{env:HOME}' },
      trimpath: false,
      strip: false,
      changelog: { groups: [], abbrev: 40 },
      package: { wrap: false, files: DEFAULT_FILES, checksum: { name: '{project}_{version}_checksums.txt' } },
    } satisfies CrossgoConfig);
    expect(compilesAll(config)).toBeGreaterThan(2);
    expect(notes).toEqual([
      'version: 1: translated as a GoReleaser v2 config',
      'builds[0].builder: "rust": crossgo builds Go only; build left out',
      'builds[1].binary: "bin/{{ .ProjectName }}": a path: crossgo names the binary only (its folder comes from template); left out',
      'builds[1].skip: "{{ .IsSnapshot }}": a template: crossgo takes true or false; left out',
      'builds[1].ldflags[0]: "-X main.built={{ .Now.Format \\"2006\\" }}": .Now is the wall clock, which crossgo never stamps (use .CommitDate); left out',
      'builds[1].env[0]: "NOEQUALS": expected NAME=value; left out',
      'builds[1].env[1]: "__proto__=x": not a variable name; left out',
      'snapshot.version_template: "{{ incpatch .Version }}-next": the function incpatch has no crossgo equivalent; left out',
      'archives[0].formats: "tar.xz": crossgo writes tar.gz, zip or binary; left out',
      'archives[0].name_template: "{{ .ProjectName }}_{{ time \\"2006\\" }}": the function time has no crossgo equivalent; left out',
      'archives[0].format_overrides[0].format: "7z": crossgo writes tar.gz, zip or binary; left out',
      'checksum.disable: true: crossgo always writes the checksums file: it is the proof of the release',
      'dockers: [{"image_templates":["x"]}]: not translated: crossgo does not build container images',
    ]);
  });

  it('a key of a section the translation does not read is one note each, never dropped silently', () => {
    const { notes } = translate(`
version: 2
project_name: tool
before: {hooks: [{cmd: make, if: x}], extra: 1}
builds:
  - goos: [linux]
    goarch: [amd64]
    no_main_check: true
    hooks: {pre: [make], during: [x]}
archives:
  - replacements: {amd64: x86_64}
    format_overrides: [{goos: windows, formats: [zip], extra: true}]
checksum: {split: true}
snapshot: {version_template: "{{ .Version }}", extra: 1}
changelog: {format: "{{ .SHA }}", filters: {exclude: ["^docs:"], other: 1}, groups: [{title: A, divider: "-"}]}
source: {enabled: true, rlcp: true, prefix_template: "{{ .ProjectName }}/"}
`);
    expect(notes).toEqual([
      'builds[0].ldflags (GoReleaser\'s default): "-s -w -X main.version={{.Version}} -X main.commit={{.Commit}} -X main.date={{.Date}} -X main.builtBy=goreleaser": ' +
        DATE_NOTE,
      'builds[0].hooks.during: ["x"]: not translated: crossgo has no equivalent',
      'builds[0].no_main_check: true: not translated: crossgo has no equivalent',
      'before.hooks[0].if: "x": not translated: crossgo has no equivalent',
      'before.extra: 1: not translated: crossgo has no equivalent',
      'snapshot.extra: 1: not translated: crossgo has no equivalent',
      'changelog.filters.other: 1: not translated: crossgo has no equivalent',
      'changelog.groups[0].divider: "-": not translated: crossgo has no equivalent',
      'changelog.format: "{{ .SHA }}": not translated: crossgo has no equivalent',
      'archives[0].format_overrides[0].extra: true: not translated: crossgo has no equivalent',
      'archives[0].replacements: {"amd64":"x86_64"}: not translated: crossgo has no equivalent',
      'checksum.split: true: not translated: crossgo has no equivalent',
      'source.rlcp: true: not translated: crossgo has no equivalent',
    ]);
  });

  it('hostile input: an alias bomb and an oversized file are refused; nothing in it runs', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 8; i++)
      bomb.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    expect(() => parseGoReleaserYaml(bomb.join('\n'), '.goreleaser.yaml')).toThrow(
      /\.goreleaser\.yaml: not valid YAML: its aliases copy their anchors more than 100 times/,
    );
    expect(() => parseGoReleaserYaml(`x: "${'a'.repeat(1024 * 1024 + 1)}"`, '.goreleaser.yaml')).toThrow(
      /over the 1 MiB limit/,
    );
    expect(() => parseGoReleaserYaml('a: [', '.goreleaser.yaml')).toThrow(
      /\.goreleaser\.yaml: not valid YAML/,
    );
    // A tag that would build an object in another parser stays data.
    const { notes } = translate('project_name: !!js/function "function(){}"\n');
    expect(notes[0]).toMatch(/^project_name: /);
  });
});

describe('the file crossgo init writes', () => {
  it('loads with loadConfig, notes as comments, a newline in a value kept out of the comment lines', async () => {
    const translation = translate(`
version: 2
project_name: tool
builds: [{goos: [linux], goarch: [amd64], ldflags: ["-X main.x={{ nope }}\\n# injected: true"]}]
`);
    const text = translatedConfigText(translation, '.goreleaser.yaml');
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      '# crossgo.yaml translated from .goreleaser.yaml by crossgo init --from .goreleaser.yaml.',
    );
    expect(lines.filter((l) => l.startsWith('# note: '))).toEqual(
      translation.notes.map((n) => `# note: ${n}`),
    );
    expect(lines.some((l) => l.startsWith('# injected'))).toBe(false);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'crossgo-init-'));
    temps.push(dir);
    await writeFile(path.join(dir, 'crossgo.yaml'), text);
    const loaded = await loadConfig(dir);
    expect(loaded.config).toEqual(translation.config);
  });

  it('a starter config loads, and names the project and main package', async () => {
    const text = starterConfigText({ module: 'example.com/tool/v2', project: 'tool', main: './cmd/tool' });
    const config = parseConfig(text, 'crossgo.yaml');
    expect(config).toEqual({
      project: 'tool',
      main: './cmd/tool',
      targets: ['linux/amd64', 'linux/arm64', 'darwin/arm64', 'windows/amd64'],
      package: { format: 'auto' },
    });
    expect(parseConfig(starterConfigText({ module: 'm', project: null, main: '.' }), 'crossgo.yaml')).toEqual(
      {
        targets: ['linux/amd64', 'linux/arm64', 'darwin/arm64', 'windows/amd64'],
        package: { format: 'auto' },
      },
    );
  });

  it('--config .goreleaser.yml is refused in one line naming crossgo init --from', () => {
    for (const text of [
      'version: 2\nbuilds: [{main: .}]\n',
      'project_name: x\n',
      'builds:\n  - goos: [linux]\n',
      'before:\n  hooks: [go mod tidy]\n',
    ]) {
      expect(() => parseConfig(text, '/some/where/.goreleaser.yml')).toThrow(
        /^\.goreleaser\.yml is a GoReleaser config \([^)]+\): translate it with crossgo init --from \.goreleaser\.yml$/,
      );
    }
  });

  it('a translated value past a crossgo limit is one line naming --from and the key', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'crossgo-init-'));
    temps.push(dir);
    await writeFile(path.join(dir, 'go.mod'), 'module example.com/tool\n\ngo 1.21\n');
    await writeFile(path.join(dir, 'g.yaml'), `archives: [{name_template: "${'x'.repeat(2000)}"}]\n`);
    await expect(init({ cwd: dir, from: 'g.yaml' })).rejects.toThrow(
      "--from g.yaml: its translation breaks a limit of crossgo's config (package.name: longer than 1024 characters: crossgo accepts at most 1024 here): shorten that value in g.yaml",
    );
    const written = await init({ cwd: dir, from: 'g.yaml', stdout: true }).catch((e: Error) => e.message);
    expect(written).toMatch(/^--from g.yaml: /);
    expect(() => parseGoReleaserYaml(`x: ${'['.repeat(100000)}`, 'g.yaml')).toThrow(
      'g.yaml: not valid YAML: nested too deeply for a config file',
    );
  });
});
