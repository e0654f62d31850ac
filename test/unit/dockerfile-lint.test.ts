import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerfileMarkerState, dockerfileText } from '../../src/dockerfile/generate.js';
import { lintDockerfile } from '../../src/dockerfile/lint.js';
import { mapTemplate } from '../../src/dockerfile/templates.js';
import { TRAPS } from '../../src/dockerfile/traps.js';
import { FIXTURES } from '../helpers/cli.js';

const DIR = path.join(FIXTURES, 'dockerfiles');
const expected = JSON.parse(readFileSync(path.join(DIR, 'expected.json'), 'utf8')) as Record<
  string,
  { trap: string; line: number } | null
>;

describe('crossgo lint dockerfile: one fixture per trap', () => {
  it('has a fixture for every trap, and lists every fixture', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.Dockerfile'));
    expect(files.sort()).toEqual(Object.keys(expected).sort());
    const traps = Object.values(expected).flatMap((e) => (e ? [e.trap] : []));
    expect(traps.sort()).toEqual(Object.keys(TRAPS).sort());
  });
  for (const [file, want] of Object.entries(expected)) {
    it(`${file}: ${want ? `${want.trap} at line ${want.line}, nothing else` : 'clean'}`, () => {
      const findings = lintDockerfile(readFileSync(path.join(DIR, file), 'utf8'), file);
      expect(findings.map((f) => ({ trap: f.trap, line: f.line }))).toEqual(want ? [want] : []);
      for (const f of findings) expect(f.fix.length).toBeGreaterThan(10);
    });
  }
});

const lint = (text: string) => lintDockerfile(text, 'Dockerfile').map((f) => `${f.line} ${f.trap}`);
const GOOD_RUN = [
  'RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \\',
  '    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app .',
];

describe('crossgo lint dockerfile: the finer rules', () => {
  it('an export of the target in a RUN without go build is lost for the next RUN', () => {
    expect(
      lint(
        [
          'FROM --platform=$BUILDPLATFORM golang:1.24 AS b',
          'ARG TARGETOS TARGETARCH',
          'RUN export GOARCH=$TARGETARCH',
          ...GOOD_RUN,
          'FROM scratch',
          'COPY --from=b /out/app /app',
        ].join('\n'),
      ),
    ).toEqual(['3 one-run-goarch']);
  });
  it('$TARGETARCH without ARG TARGETARCH in the stage is empty', () => {
    expect(
      lint(
        [
          'FROM --platform=$BUILDPLATFORM golang:1.24 AS b',
          'ARG TARGETOS',
          ...GOOD_RUN,
          'FROM scratch',
          'COPY --from=b /out/app /app',
        ].join('\n'),
      ),
    ).toEqual(['3 hardcoded-goarch']);
  });
  it('go build on $BUILDPLATFORM without GOOS/GOARCH builds for the build machine', () => {
    expect(
      lint(
        [
          'FROM --platform=$BUILDPLATFORM golang:1.24 AS b',
          'RUN --mount=type=cache,target=/go --mount=type=cache,target=/root/.cache \\',
          '    CGO_ENABLED=0 go build -o /out/app .',
          'FROM scratch',
          'COPY --from=0 /out/app /app',
        ].join('\n'),
      ),
    ).toEqual(['3 hardcoded-goarch']);
  });
  it("tonistiigi/xx's xx-go takes the target itself: no GOOS/GOARCH needed", () => {
    const text = (build: string) =>
      [
        'FROM --platform=$BUILDPLATFORM tonistiigi/xx AS xx',
        'FROM --platform=$BUILDPLATFORM golang:1.24-alpine AS b',
        'COPY --from=xx / /',
        'ARG TARGETPLATFORM',
        'RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \\',
        `    CGO_ENABLED=0 ${build} -o /out/app .`,
        'FROM scratch',
        'COPY --from=b /out/app /app',
      ].join('\n');
    expect(lint(text('xx-go build'))).toEqual([]);
    expect(lint(text('xx-go --wrap && go build'))).toEqual([]);
    expect(lint(text('go build'))).toEqual(['6 hardcoded-goarch']);
  });
  it('FROM <stage> inherits the platform and the ENV; ENV GOCACHE moves the cache', () => {
    expect(
      lint(
        [
          'FROM --platform=$BUILDPLATFORM golang:1.24 AS base',
          'ARG TARGETOS TARGETARCH',
          'ENV GOOS=$TARGETOS GOARCH=$TARGETARCH CGO_ENABLED=0 GOCACHE=/cache/go',
          'FROM base AS b',
          'RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/cache go build -o /out/app .',
          'FROM scratch',
          'COPY --from=b /out/app /app',
        ].join('\n'),
      ),
    ).toEqual([]);
  });
  it('an ARG ends with its stage: FROM <stage> must declare ARG TARGETARCH again; a compiler installed in the parent turns cgo on', () => {
    expect(
      lint(
        [
          'FROM --platform=$BUILDPLATFORM golang:1.24-alpine AS base',
          'RUN apk add --no-cache build-base',
          'ARG TARGETOS TARGETARCH',
          'FROM base AS b',
          ...GOOD_RUN.map((l) => l.replace('CGO_ENABLED=0 ', '')),
          'FROM scratch',
          'COPY --from=b /out/app /app',
        ].join('\n'),
      ),
    ).toEqual(['5 hardcoded-goarch', '5 hardcoded-goarch', '6 cgo-static-base']);
  });
  it('cgo on alpine without a compiler is off; a go build stage the final image never reads is not judged for cgo', () => {
    const text = [
      'FROM --platform=$BUILDPLATFORM golang:1.24-alpine AS b',
      'ARG TARGETOS TARGETARCH',
      ...GOOD_RUN.map((l) => l.replace('CGO_ENABLED=0 ', '')),
      'FROM --platform=$BUILDPLATFORM golang:1.24 AS unused',
      'ARG TARGETOS TARGETARCH',
      ...GOOD_RUN.map((l) => l.replace('CGO_ENABLED=0 ', '')),
      'FROM scratch',
      'COPY --from=b /out/app /app',
    ].join('\n');
    expect(lint(text)).toEqual([]);
  });
  it('an escape directive, a JSON-form sh -c, and a COPY of a config file are read right', () => {
    expect(
      lint(
        [
          '# escape=`',
          'FROM --platform=$BUILDPLATFORM golang:1.24 AS b',
          'ARG TARGETOS TARGETARCH',
          'RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build `',
          '    ["sh", "-c", "CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=ppc64le go build -o /out/app ."]',
          'FROM scratch',
          'COPY app.yaml /etc/app.yaml',
          'COPY --from=b /out/app /app',
        ].join('\n'),
      ),
    ).toEqual(['4 one-run-goarch']);
  });
  it('every truncation of every fixture ends in findings or none, never a throw', () => {
    for (const file of Object.keys(expected)) {
      const text = readFileSync(path.join(DIR, file), 'utf8');
      for (let end = 0; end < text.length; end += 3)
        expect(() => lintDockerfile(text.slice(0, end), file)).not.toThrow();
    }
  });
  it('hostile input: binary noise and a huge line end in findings or none, never a throw', () => {
    const noise = Array.from({ length: 20_000 }, (_, i) => String.fromCharCode((i * 7919) % 128)).join('');
    expect(() => lintDockerfile(noise, 'x')).not.toThrow();
    expect(() => lintDockerfile(`RUN ${'GOARCH='.repeat(50_000)} go build`, 'x')).not.toThrow();
  });
});

describe('crossgo dockerfile: templates as build arguments', () => {
  const fixed = { project: 'greet', binary: 'greet', id: 'greet' };
  const source = { file: 'crossgo.yaml', key: 'ldflags[0]' };
  it('maps project values to build arguments and target values to the build step', () => {
    expect(
      mapTemplate('-X main.v={version} -X main.p={project}/{os}-{arch}{-variant}', source, fixed, 'shell'),
    ).toEqual({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a JS template
      text: '-X main.v=${VERSION} -X main.p=greet/${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}',
      args: ['VERSION'],
    });
    expect(mapTemplate('{branch|default:main}{arm|prefix:v}', source, fixed, 'shell')).toEqual({
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a JS template
      text: '${BRANCH:-main}${GOARM:+v${GOARM}}',
      args: ['BRANCH'],
    });
  });
  it('says what cannot be mapped: a filter without a shell form, a secret, a target value outside the build', () => {
    expect(mapTemplate('{os|title}', source, fixed, 'shell')).toHaveProperty('problem');
    expect(mapTemplate('{env:GITHUB_TOKEN}', source, fixed, 'shell')).toHaveProperty('problem');
    expect(mapTemplate('{os}', source, fixed, 'instruction')).toHaveProperty('problem');
    expect(mapTemplate('a\nRUN x', source, fixed, 'shell')).toHaveProperty('problem');
  });
  it('escapes a literal for the shell', () => {
    expect(mapTemplate('-X "main.x=$HOME`', source, fixed, 'shell')).toEqual({
      text: '-X \\"main.x=\\$HOME\\`',
      args: [],
    });
  });
  it('knows its own file, an edited one and a foreign one', () => {
    const src = (text: string, key: string) => ({ text, file: 'crossgo.yaml', key });
    const { text, notes } = dockerfileText({
      crossgoVersion: '9.9.9',
      regenerate: 'crossgo dockerfile',
      goVersion: '1.24',
      pkg: './cmd/greet',
      source: null,
      fixed,
      goSum: false,
      trimpath: true,
      strip: true,
      ldflags: [src('-X main.version={version}', 'ldflags[0]'), src('-X main.t={os|upper}', 'ldflags[1]')],
      tags: [],
      gcflags: [],
      goFlags: [],
      env: [],
      platforms: ['linux/amd64'],
      image: {
        base: null,
        path: src('/usr/local/bin/{binary}', 'image.path'),
        entrypoint: null,
        cmd: [src('{version}', 'image.cmd[0]')],
        workdir: null,
        env: null,
        user: '65532:65532',
        ports: [],
        labels: [],
      },
    });
    expect(notes).toEqual([
      'crossgo.yaml: ldflags[1]: "-X main.t={os|upper}": the filter |upper has no shell equivalent; left out of the Dockerfile',
      'crossgo.yaml: image.cmd[0]: "{version}": the cmd is exec form, which expands no variables; left out',
    ]);
    expect(text.split('\n', 1)[0]).toBe('# syntax=docker/dockerfile:1');
    expect(text).not.toContain('--mount=type=bind,source=go.sum');
    expect(text).not.toContain('CMD');
    expect(dockerfileMarkerState(text)).toBe('crossgo');
    expect(dockerfileMarkerState(text.replace('WORKDIR /src', 'WORKDIR /x'))).toBe('edited');
    expect(dockerfileMarkerState(text.split('\n').slice(1).join('\n'))).toBe('foreign');
    expect(dockerfileMarkerState('FROM scratch\n')).toBe('foreign');
    expect(lintDockerfile(text, 'Dockerfile')).toEqual([]);
  });
});
