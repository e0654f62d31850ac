import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';
import { type FixedValues, mapTemplate, shellLiteral } from './templates.js';

/*
 * The Dockerfile `crossgo dockerfile` writes: a builder on the build machine's platform
 * (`FROM --platform=$BUILDPLATFORM`, so BuildKit never emulates the compiler) that cross-compiles
 * with go's own GOOS/GOARCH from TARGETOS/TARGETARCH/TARGETVARIANT, with the module and build
 * caches as cache mounts, and crossgo's flags (-trimpath, -s -w, the ldflags templates as build
 * arguments); then a final stage like the one `crossgo image` makes (scratch with the CA bundle
 * and a nonroot passwd/group, or the configured base). A pure text generator over a plan.
 */

/** A value of the config, with the key it was read from (for notes and template errors). */
export interface Sourced {
  text: string;
  file: string;
  key: string;
}

/** Everything the Dockerfile says, decided by `crossgo dockerfile` from the config and go.mod. */
export interface DockerfilePlan {
  crossgoVersion: string;
  /** The command that writes the file again (the first lines say it). */
  regenerate: string;
  /** The golang image's tag: go.mod's toolchain or go line (1.24, 1.24.3). */
  goVersion: string;
  /** The main package, relative to the module root ("." or "./cmd/tool"). */
  pkg: string;
  /** org.opencontainers.image.source, as crossgo image sets it (moduleSource); null for none. */
  source: string | null;
  fixed: FixedValues;
  /** go.sum is there (bound into the download step). */
  goSum: boolean;
  trimpath: boolean;
  strip: boolean;
  /** The config's ldflags, or crossgo's default stamps (each entry one template). */
  ldflags: Sourced[];
  tags: string[];
  gcflags: string[];
  /** The config's further go build flags, as given. */
  goFlags: string[];
  env: { name: string; value: Sourced }[];
  /** The linux platforms of the build, for the comment that shows the buildx command. */
  platforms: string[];
  image: {
    /** null: scratch, with the CA bundle and passwd/group. */
    base: string | null;
    path: Sourced;
    entrypoint: Sourced[] | null;
    cmd: Sourced[] | null;
    workdir: string | null;
    env: { name: string; value: Sourced }[] | null;
    user: string;
    ports: string[];
    labels: { name: string; value: Sourced }[];
  };
}

export interface GeneratedDockerfile {
  text: string;
  /** One line per value that could not be carried into the file, naming its key. */
  notes: string[];
}

export const DOCKERFILE_NAME = 'Dockerfile';

const SYNTAX = '# syntax=docker/dockerfile:1';
const DIGEST_PREFIX = '# crossgo-digest: sha256:';
export const GOMODCACHE = '/go/pkg/mod';
export const GOCACHE = '/root/.cache/go-build';
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** distroless's nonroot passwd and group (uid and gid 65532), as crossgo image writes them for scratch. */
export const PASSWD = [
  'root:x:0:0:root:/root:/sbin/nologin',
  'nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin',
  'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin',
];
export const GROUP = ['root:x:0:', 'nobody:x:65534:', 'nonroot:x:65532:'];

/** How each variant becomes go's level variable; anything else leaves go's default. */
export const VARIANT_CASES: [string, string][] = [
  ['arm/v5', 'export GOARM=5'],
  ['arm/v6', 'export GOARM=6'],
  ['arm/v7', 'export GOARM=7'],
  ['amd64/v2|amd64/v3|amd64/v4', 'export GOAMD64="$TARGETVARIANT"'],
  ['arm64/v8.[0-9]|arm64/v9.[0-5]', 'export GOARM64="$TARGETVARIANT"'],
  ['arm64/v9', 'export GOARM64=v9.0'],
];

/** The file: the syntax line, crossgo's two marker lines, then the body. */
export function dockerfileText(plan: DockerfilePlan): GeneratedDockerfile {
  const notes: string[] = [];
  const body = dockerfileBody(plan, notes);
  const header = `# Written by crossgo ${plan.crossgoVersion}; regenerate it with \`${plan.regenerate}\` (an edited file is kept unless --force).`;
  return { text: `${SYNTAX}\n${header}\n${DIGEST_PREFIX}${sha256(body)}\n${body}`, notes };
}

/** What an existing file is: crossgo's and unedited, crossgo's but edited, or someone else's. */
export function dockerfileMarkerState(text: string): 'crossgo' | 'edited' | 'foreign' {
  const lines = text.split('\n', 3);
  if (lines.length < 3 || lines[0] !== SYNTAX || !lines[1]?.startsWith('# Written by crossgo '))
    return 'foreign';
  const digestLine = lines[2] as string;
  if (!digestLine.startsWith(DIGEST_PREFIX)) return 'edited';
  const start = (lines[0] as string).length + (lines[1] as string).length + digestLine.length + 3;
  return digestLine.slice(DIGEST_PREFIX.length) === sha256(text.slice(start)) ? 'crossgo' : 'edited';
}

function dockerfileBody(plan: DockerfilePlan, notes: string[]): string {
  const out: string[] = [];
  const note = (where: Sourced | { file: string; key: string }, why: string) =>
    notes.push(`${where.file}: ${where.key}: ${why}`);
  const buildArgs = new Set<string>();
  const shellValue = (value: Sourced): string | null => {
    const mapped = mapTemplate(value.text, { file: value.file, key: value.key }, plan.fixed, 'shell');
    if ('problem' in mapped) {
      note(value, `${JSON.stringify(value.text)}: ${mapped.problem}; left out of the Dockerfile`);
      return null;
    }
    for (const arg of mapped.args) buildArgs.add(arg);
    return mapped.text;
  };
  const instructionValue = (value: Sourced): string | null => {
    const mapped = mapTemplate(value.text, { file: value.file, key: value.key }, plan.fixed, 'instruction');
    if ('problem' in mapped) {
      note(value, `${JSON.stringify(value.text)}: ${mapped.problem}; left out of the Dockerfile`);
      return null;
    }
    return mapped.text;
  };

  // The go build command, worked out first: its build arguments are declared before it.
  const ldflags = [...(plan.strip ? ['-s', '-w'] : [])];
  for (const word of plan.ldflags) {
    const text = shellValue(word);
    if (text !== null) ldflags.push(text);
  }
  const goArgs = ['build'];
  if (plan.trimpath) goArgs.push('-trimpath');
  goArgs.push(`"-ldflags=${ldflags.join(' ')}"`);
  if (plan.tags.length > 0) goArgs.push(`"-tags=${shellLiteral(plan.tags.join(','))}"`);
  if (plan.gcflags.length > 0) goArgs.push(`"-gcflags=${shellLiteral(plan.gcflags.join(' '))}"`);
  for (const flag of plan.goFlags) goArgs.push(`"${shellLiteral(flag)}"`);
  goArgs.push('-o', `"/out/${shellLiteral(plan.fixed.binary)}"`, `"${shellLiteral(plan.pkg)}"`);
  const envWords: string[] = [];
  for (const { name, value } of plan.env) {
    const text = shellValue(value);
    if (text !== null) envWords.push(`${name}="${text}"`);
  }
  const stampArgs = [...buildArgs].sort();

  // The final stage's values: the labels and env read build arguments of their own.
  const image = plan.image;
  const finalArgSet = new Set(['VERSION', 'COMMIT', 'COMMIT_DATE']);
  const instructionWithArgs = (value: Sourced): string | null => {
    const mapped = mapTemplate(value.text, { file: value.file, key: value.key }, plan.fixed, 'instruction');
    if ('problem' in mapped) {
      note(value, `${JSON.stringify(value.text)}: ${mapped.problem}; left out of the Dockerfile`);
      return null;
    }
    for (const arg of mapped.args) finalArgSet.add(arg);
    return mapped.text;
  };
  const labels: string[] = [
    `org.opencontainers.image.version="\${VERSION}"`,
    `org.opencontainers.image.revision="\${COMMIT}"`,
    `org.opencontainers.image.created="\${COMMIT_DATE}"`,
    ...(plan.source ? [`org.opencontainers.image.source=${JSON.stringify(plan.source)}`] : []),
  ];
  for (const { name, value } of image.labels) {
    const text = instructionWithArgs(value);
    if (text !== null) labels.push(`${JSON.stringify(name)}="${text}"`);
  }
  const env =
    image.env ??
    (image.base === null
      ? [
          { name: 'PATH', value: { text: DEFAULT_PATH, file: 'crossgo', key: 'image.env' } },
          { name: 'SSL_CERT_FILE', value: { text: CA_BUNDLE, file: 'crossgo', key: 'image.env' } },
        ]
      : []);
  const envLines = env.flatMap(({ name, value }) => {
    const text = instructionWithArgs(value);
    return text === null ? [] : [`${name}="${text}"`];
  });
  const finalArgs = [...finalArgSet].sort();
  const shownArgs = [...new Set([...stampArgs, ...finalArgs])].sort();

  out.push('');
  out.push(
    `# Builds ${plan.fixed.binary} for every platform on the build machine, without emulation:`,
    `#   docker buildx build --platform ${plan.platforms.join(',') || 'linux/amd64,linux/arm64'}`,
    ...buildArgExamples(shownArgs),
    '#     -t IMAGE .',
    '# The go build flags are crossgo build\'s (-trimpath, -ldflags "-s -w" and the config\'s stamps).',
  );
  out.push(`FROM --platform=$BUILDPLATFORM golang:${plan.goVersion} AS build`);
  out.push('WORKDIR /src');
  out.push('# The modules first, in their own cached step: a source change does not download them again.');
  out.push(
    `RUN --mount=type=cache,target=${GOMODCACHE} \\`,
    '    --mount=type=bind,source=go.mod,target=go.mod \\',
    ...(plan.goSum ? ['    --mount=type=bind,source=go.sum,target=go.sum \\'] : []),
    '    go mod download',
  );
  out.push('ARG TARGETOS TARGETARCH TARGETVARIANT');
  if (stampArgs.length > 0) out.push(`ARG ${stampArgs.join(' ')}`);
  out.push(
    "# TARGETVARIANT becomes go's level: arm v5-v7 GOARM, amd64 v2-v4 GOAMD64, arm64 v8.x/v9.x GOARM64.",
  );
  out.push(
    `RUN --mount=type=cache,target=${GOMODCACHE} \\`,
    `    --mount=type=cache,target=${GOCACHE} \\`,
    '    --mount=type=bind,target=. \\',
    '    set -eu; \\',
    // go stamps VCS facts with git, which refuses a checkout owned by another uid (the context's
    // files keep theirs): "error obtaining VCS status: exit status 128". The build stage only.
    '    if command -v git >/dev/null; then git config --global --add safe.directory "$PWD"; fi; \\',
    '    case "$TARGETARCH/$TARGETVARIANT" in \\',
    ...VARIANT_CASES.map(([pattern, action]) => `      ${pattern}) ${action} ;; \\`),
    '    esac; \\',
    `    ${['CGO_ENABLED=0', 'GOOS="$TARGETOS"', 'GOARCH="$TARGETARCH"', ...envWords].join(' ')} \\`,
    `    go ${goArgs.join(' ')}`,
  );

  const mappedPath = instructionValue(image.path);
  const fallback = `/usr/local/bin/${plan.fixed.binary}`;
  if (mappedPath?.includes('$'))
    note(
      image.path,
      `${JSON.stringify(image.path.text)}: the path is the same for every build here ({binary}, {project}, {id}); ${fallback} instead`,
    );
  const path = mappedPath === null || mappedPath.includes('$') ? fallback : mappedPath;
  out.push('');
  if (image.base === null) {
    out.push('FROM scratch');
    out.push(`COPY --from=build ${CA_BUNDLE} ${CA_BUNDLE}`);
    out.push('COPY <<EOF /etc/passwd', ...PASSWD, 'EOF');
    out.push('COPY <<EOF /etc/group', ...GROUP, 'EOF');
  } else {
    out.push(`FROM ${image.base}`);
  }
  out.push(`COPY --from=build /out/${plainPath(plan.fixed.binary)} ${plainPath(path)}`);
  out.push(`ARG ${finalArgs.join(' ')}`);
  out.push(`LABEL ${labels.join(' \\\n      ')}`);
  if (envLines.length > 0) out.push(`ENV ${envLines.join(' \\\n    ')}`);
  if (image.workdir !== null) out.push(`WORKDIR ${image.workdir}`);
  if (image.ports.length > 0) out.push(`EXPOSE ${image.ports.join(' ')}`);
  out.push(`USER ${image.user}`);
  const execForm = (values: Sourced[], key: string): string | null => {
    const words: string[] = [];
    for (const value of values) {
      if (value.text.includes('{')) {
        note(
          value,
          `${JSON.stringify(value.text)}: the ${key} is exec form, which expands no variables; left out`,
        );
        continue;
      }
      words.push(value.text);
    }
    return words.length === 0 ? null : JSON.stringify(words);
  };
  const entrypoint = image.entrypoint === null ? null : execForm(image.entrypoint, 'entrypoint');
  out.push(`ENTRYPOINT ${entrypoint ?? JSON.stringify([path])}`);
  const cmd = image.cmd === null ? null : execForm(image.cmd, 'cmd');
  if (cmd !== null) out.push(`CMD ${cmd}`);
  return `${out.join('\n')}\n`;
}

/** A path written unquoted into COPY: crossgo's names are plain (letters, digits, . _ / + - and ${VAR}). */
function plainPath(text: string): string {
  if (!/^[A-Za-z0-9._/+${}-]+$/.test(text))
    throw new UsageError(
      `${JSON.stringify(text)}: the Dockerfile's COPY takes plain paths (letters, digits, . _ / + -): rename the binary or change image.path`,
    );
  return text;
}

/** How to pass each build argument the stamps read, as the comment at the top shows it. */
function buildArgExamples(args: readonly string[]): string[] {
  const known: Record<string, string> = {
    VERSION: '"$(git describe --tags | sed s/^v//)"',
    RAW_VERSION: '"$(git describe --tags)"',
    TAG: '"$(git describe --tags --abbrev=0)"',
    COMMIT: '"$(git rev-parse HEAD)"',
    SHORT_COMMIT: '"$(git rev-parse --short=7 HEAD)"',
    COMMIT_DATE: '"$(TZ=UTC git log -1 --date=format-local:%Y-%m-%dT%H:%M:%SZ --format=%cd)"',
    COMMIT_TIMESTAMP: '"$(git log -1 --format=%ct)"',
    BRANCH: '"$(git branch --show-current)"',
  };
  return args.map((arg) => `#     --build-arg ${arg}=${known[arg] ?? '…'}`);
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
