import {
  type Argument,
  type Copy,
  DockerfileParser,
  type Env,
  type Flag,
  type From,
  type Instruction,
  type JSONInstruction,
} from 'dockerfile-ast';
import type { Finding, TrapId } from './traps.js';

/*
 * The lint of any Dockerfile's Go build traps, over dockerfile-ast's syntax tree (rcjsuen's
 * parser, the one VS Code's Docker language server uses): it handles continuation lines, comments
 * between them, heredocs, JSON-form RUN, parser directives, lower-case instructions and the
 * escape directive, so this file only reads meaning off the tree.
 *
 * A stage is a builder when one of its RUNs runs `go build` or `go install`. The rules, each a
 * trap id of traps.ts:
 * - no-build-platform: a builder whose FROM (or, for FROM <stage>, that stage's) has no
 *   --platform=$BUILDPLATFORM (${BUILDPLATFORM} too): BuildKit runs go under emulation.
 * - hardcoded-goarch: GOOS/GOARCH/GOARM/GOAMD64/GOARM64 given a literal value by ENV or an ARG
 *   default (every later RUN builds for that one platform); a builder on $BUILDPLATFORM whose go
 *   build sets no GOOS/GOARCH at all (every platform gets the build machine's binary), unless the
 *   stage uses tonistiigi/xx's xx-go (`xx-go build`, `xx-go --wrap`), which sets them; a
 *   $TARGETOS/$TARGETARCH/$TARGETVARIANT read in a stage that declares no ARG of it (it is empty).
 * - one-run-goarch: one of those variables set inside a RUN (`GOARCH=amd64 go build`, `export
 *   GOARCH=arm64`, `go env -w`) to a literal value (unless that RUN builds and maps the target in
 *   a `case` on $TARGETARCH/$TARGETVARIANT/$TARGETPLATFORM, as crossgo's own Dockerfile does), or set from the target in a RUN that runs no
 *   go build (an export ends with its RUN, so the next RUN's build has lost it). `ENV
 *   GOARCH=$TARGETARCH` and `GOARCH=$TARGETARCH go build` in the same RUN are the right forms.
 * - no-cache-mount: a go build/install RUN without --mount=type=cache on GOMODCACHE (/go/pkg/mod
 *   unless ENV GOMODCACHE/GOPATH moves it) and GOCACHE (/root/.cache/go-build unless ENV GOCACHE).
 * - cgo-static-base: a builder whose build does not set CGO_ENABLED=0 (ENV, ARG default or the
 *   RUN) feeding a final stage on scratch or a static distroless/chainguard image: a binary that
 *   links libc dynamically cannot start there. On an alpine builder cgo counts as on only when
 *   CGO_ENABLED=1 is set or a C compiler is installed (apk add gcc, build-base): go turns it off
 *   when no compiler is found.
 * - musl-to-glibc: a golang:*-alpine builder with cgo on feeding a glibc final base (debian,
 *   ubuntu, distroless base or cc, fedora, ubi, …): the binary wants musl's loader.
 * - foreign-binary: a COPY or ADD without --from, into the final stage, of a path that looks like
 *   a Go binary built outside (under dist/, bin/, build/, out/, or named like *_linux_amd64,
 *   app-linux-arm64, *_amd64): it was built for one platform and lands in every platform's image.
 */

const PLATFORM_VARS = ['GOOS', 'GOARCH', 'GOARM', 'GOAMD64', 'GOARM64', 'GO386'];
const TARGET_ARGS = ['TARGETOS', 'TARGETARCH', 'TARGETVARIANT', 'TARGETPLATFORM'];
const GO_BUILD = /(?:^|[\s;&|(`"'/])(?:xx-)?go\s+(?:build|install)\b/;
// tonistiigi/xx: `xx-go build`, or `xx-go --wrap` once, sets GOOS/GOARCH/GOARM from TARGETPLATFORM.
const XX_GO = /(?:^|[\s;&|(`"'/])xx-go\b/;
// One assignment of a platform variable in a shell script: NAME=value, after a word boundary.
const ASSIGNMENT =
  /(?:^|[\s;&|(`])(?:export\s+)?(GOOS|GOARCH|GOARM|GOAMD64|GOARM64|GO386)=("[^"\n]*"|'[^'\n]*'|[^\s;&|)`]*)/g;
const GO_ENV_W = /go\s+env\s+-w\s+([^;&|\n]*)/g;
const CGO = /(?:^|[\s;&|(`])(?:export\s+)?CGO_ENABLED=["']?([01])/g;

const STATIC_BASES = [
  /^scratch$/,
  /(^|\/)distroless\/static/,
  /(^|\/)chainguard\/static/,
  /(^|\/)wolfi-base/,
];
const GLIBC_BASES = [
  /(^|\/)(debian|ubuntu|fedora|centos|rockylinux|almalinux|amazonlinux|oraclelinux|archlinux|opensuse\/[a-z]+)(:|@|$)/,
  /(^|\/)distroless\/(base|cc|java|python|nodejs)/,
  /(^|\/)(ubi[0-9]*|ubi-minimal|ubi-micro)(:|@|$)/,
  /(^|\/)busybox:.*glibc/,
  /(^|\/)(golang|node|python|ruby|openjdk|eclipse-temurin)(:(?![^@]*alpine)|$)/,
];

const BINARY_DIRS = /(^|\/)(dist|bin|build|out|_output|release|target)\//;
const BINARY_NAME =
  /[_-](linux|darwin|windows|freebsd)[_-]|[_-](amd64|arm64|386|armv?[5-7]|ppc64le|s390x|riscv64|x86_64|aarch64)(\.exe)?$/;
const NOT_BINARY =
  /\.(ya?ml|json|toml|conf|cfg|ini|txt|md|html?|css|js|map|pem|crt|key|sh|sql|png|svg|ico|tmpl|tpl|go|mod|sum|tar|gz|tgz|zip)$/i;

interface Stage {
  index: number;
  from: From;
  /** The FROM's image after expanding global ARGs; for FROM <stage>, that stage's root image. */
  image: string;
  name: string | null;
  parent: Stage | null;
  /** The --platform value (own, or the parent stage's). */
  platform: string | null;
  instructions: Instruction[];
  /** Variables set by ENV and ARG defaults, the parent's first. */
  env: Map<string, { value: string | null; line: number; kind: 'ENV' | 'ARG' }>;
  /** Names declared by ARG in this stage (an ARG's scope is its stage). */
  args: Set<string>;
  builds: BuildRun[];
  /** A RUN of the stage uses xx-go, which takes the target from TARGETPLATFORM. */
  xx: boolean;
  /** Stages this one reads (COPY --from, RUN --mount from=, its parent). */
  reads: Set<Stage>;
}

interface BuildRun {
  instruction: Instruction;
  /** 1-based line of the `go build`/`go install` words. */
  line: number;
  script: string;
  cgo: '0' | '1' | null;
}

/** Reads one Dockerfile; `file` names it in the findings. */
export function lintDockerfile(text: string, file: string): Finding[] {
  const dockerfile = DockerfileParser.parse(text);
  const findings: Finding[] = [];
  const add = (line: number, trap: TrapId, message: string, fix: string) =>
    findings.push({ file, line, trap, message, fix });
  const globals = new Map<string, string>();
  for (const arg of dockerfile.getInitialARGs()) {
    for (const p of argDeclarations(arg)) globals.set(p.name, p.value ?? '');
  }
  const stages: Stage[] = [];
  let current: Stage | null = null;
  for (const instruction of dockerfile.getInstructions()) {
    const keyword = instruction.getKeyword();
    if (keyword === 'FROM') {
      const from = instruction as From;
      const raw = expandGlobals(from.getImage() ?? '', globals);
      const parent = stages.find((s) => s.name !== null && s.name === raw.toLowerCase()) ?? null;
      const own = from.getPlatformFlag()?.getValue() ?? null;
      current = {
        index: stages.length,
        from,
        image: parent ? parent.image : raw,
        name: from.getBuildStage()?.toLowerCase() ?? null,
        parent,
        platform: own ?? parent?.platform ?? null,
        instructions: [],
        env: new Map(),
        args: new Set(),
        builds: [],
        xx: false,
        reads: new Set(parent ? [parent] : []),
      };
      stages.push(current);
      continue;
    }
    if (current === null) continue; // ARGs before the first FROM: read above
    current.instructions.push(instruction);
  }
  for (const stage of stages) readStage(stage, stages, add);
  const final = stages.at(-1);
  if (final === undefined) return findings;
  const feeding = reachable(final);
  const finalKind = baseKind(final.image);
  for (const stage of stages) {
    if (stage.builds.length === 0) continue;
    if (!isBuildPlatform(stage.platform)) {
      add(
        line(stage.from),
        'no-build-platform',
        `stage ${stageName(stage)} runs go build on the target's platform, so BuildKit emulates the compiler for every other platform`,
        `FROM --platform=$BUILDPLATFORM ${stage.from.getImage() ?? ''}${stage.name ? ` AS ${stage.name}` : ''}, and GOOS=$TARGETOS GOARCH=$TARGETARCH on the go build`,
      );
    }
    if (!feeding.has(stage)) continue;
    const alpine = /alpine/.test(stage.image);
    const compiler = lineage(stage).some((s) =>
      s.instructions.some(
        (i) =>
          i.getKeyword() === 'RUN' &&
          /apk\s+add[^\n]*\b(gcc|build-base|clang)\b/.test(runScript(i as JSONInstruction)),
      ),
    );
    for (const run of stage.builds) {
      const cgo = run.cgo ?? envCgo(stage);
      const on = cgo === '1' || (cgo === null && (!alpine || compiler));
      if (!on) continue;
      if (finalKind === 'static') {
        add(
          run.line,
          'cgo-static-base',
          `go build ${cgo === '1' ? 'with CGO_ENABLED=1' : 'leaves cgo on (no CGO_ENABLED=0)'} and the final stage is ${final.image}: a binary linked to libc cannot start in an image without it`,
          'CGO_ENABLED=0 on the go build (or a base with libc, e.g. gcr.io/distroless/base-debian12)',
        );
      } else if (alpine && finalKind === 'glibc') {
        add(
          run.line,
          'musl-to-glibc',
          `an alpine (musl) builder with cgo on feeds ${final.image}, a glibc image: the binary asks for musl's loader, which is not there`,
          'CGO_ENABLED=0, or build on a Debian golang image (golang:<version>-bookworm) for a glibc base, or use an alpine base',
        );
      }
    }
  }
  for (const instruction of final.instructions) {
    const keyword = instruction.getKeyword();
    if (keyword !== 'COPY' && keyword !== 'ADD') continue;
    const flags = (instruction as Copy).getFlags();
    if (flags.some((f) => f.getName().toLowerCase() === 'from')) continue;
    const sources = copySources(instruction as JSONInstruction);
    const binary = sources.find((s) => looksLikeBinary(s));
    if (binary === undefined) continue;
    add(
      line(instruction),
      'foreign-binary',
      `${keyword} ${binary} puts a binary built outside the Dockerfile, for one platform, into every platform's image`,
      "build it in a stage on $BUILDPLATFORM and COPY --from=<that stage>, or let crossgo image put each target's binary in its own image",
    );
  }
  const seen = new Set<string>();
  return findings
    .filter((f) => {
      const key = `${f.line}\0${f.trap}\0${f.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.line - b.line || a.trap.localeCompare(b.trap));
}

/** ENV, ARG and RUN of one stage, in order: platform variables, cgo and the go build RUNs. */
function readStage(
  stage: Stage,
  stages: Stage[],
  add: (line: number, trap: TrapId, message: string, fix: string) => void,
) {
  // The parent (an earlier stage) is read already: its ENV carries over (it is in the image's
  // config); its ARGs end with it, as BuildKit scopes an ARG to its stage.
  for (const [k, v] of stage.parent?.env ?? []) if (v.kind === 'ENV') stage.env.set(k, v);
  for (const instruction of stage.instructions) {
    const keyword = instruction.getKeyword();
    if (keyword === 'ENV' || keyword === 'ARG') {
      const declared =
        keyword === 'ARG'
          ? argDeclarations(instruction)
          : (instruction as Env).getProperties().map((p) => ({ name: p.getName(), value: p.getValue() }));
      for (const { name, value } of declared) {
        if (keyword === 'ARG') stage.args.add(name);
        if (keyword === 'ARG' && value === null) continue;
        stage.env.set(name, { value, line: line(instruction), kind: keyword });
        if (PLATFORM_VARS.includes(name) && value !== null && value !== '' && !value.includes('$')) {
          add(
            line(instruction),
            'hardcoded-goarch',
            `${keyword} ${name}=${value} builds every platform's binary for ${value}`,
            `${keyword === 'ARG' ? 'ARG TARGETARCH (no default) and ' : ''}${name}=$${targetFor(name)} (declare ARG ${targetFor(name)} in the stage)`,
          );
        }
        if (PLATFORM_VARS.includes(name) && value?.includes('$'))
          checkTargetArgs(stage, instruction, value, add);
      }
      continue;
    }
    if (keyword === 'COPY' || keyword === 'ADD') {
      const from = (instruction as Copy).getFlags().find((f) => f.getName().toLowerCase() === 'from');
      const source = from?.getValue();
      if (source) addRead(stage, stages, source);
      continue;
    }
    if (keyword !== 'RUN') continue;
    const flags = (instruction as JSONInstruction).getFlags();
    for (const mount of flags.filter((f) => f.getName().toLowerCase() === 'mount')) {
      const from = mount.getOption('from')?.getValue();
      if (from) addRead(stage, stages, from);
    }
    const script = runScript(instruction as JSONInstruction);
    const assignments = platformAssignments(script);
    const builds = GO_BUILD.test(script);
    if (XX_GO.test(script)) stage.xx = true;
    // A `case "$TARGETARCH/$TARGETVARIANT" in arm/v6) GOARM=6 ;;` maps the target: its literals are derived.
    const mapsTarget = /\bcase\b/.test(script) && /\$\{?TARGET(OS|ARCH|VARIANT|PLATFORM)\b/.test(script);
    for (const { name, value } of assignments) {
      if (!value.includes('$') && !(mapsTarget && builds)) {
        add(
          line(instruction),
          'one-run-goarch',
          `${name}=${value} in this RUN builds for ${value} whatever platform BuildKit builds`,
          `${name}="$${targetFor(name)}" (with ARG ${targetFor(name)} in the stage)`,
        );
      } else if (!builds) {
        add(
          line(instruction),
          'one-run-goarch',
          `${name} is set in a RUN that runs no go build: it ends with that RUN, and the next one's go build has lost the target`,
          `ENV ${name}=$${targetFor(name)}, or set it on the go build's own RUN`,
        );
      } else checkTargetArgs(stage, instruction, value, add);
    }
    if (!builds) continue;
    const buildLine = goBuildLine(instruction) ?? line(instruction);
    const cgoValues = [...script.matchAll(CGO)].map((m) => m[1] as '0' | '1');
    const run: BuildRun = { instruction, line: buildLine, script, cgo: cgoValues.at(-1) ?? null };
    stage.builds.push(run);
    if (isBuildPlatform(stage.platform) && !lineage(stage).some((s) => s.xx)) {
      const set = new Set([...assignments.map((a) => a.name), ...[...stage.env.keys()]]);
      const missing = ['GOOS', 'GOARCH'].filter((n) => !set.has(n));
      if (missing.length === 2 || (missing.length === 1 && missing[0] === 'GOARCH')) {
        add(
          buildLine,
          'hardcoded-goarch',
          `go build on $BUILDPLATFORM without ${missing.join('/')} from the target: every platform's image gets a binary for the build machine`,
          'ARG TARGETOS TARGETARCH in the stage, and GOOS=$TARGETOS GOARCH=$TARGETARCH on the go build',
        );
      }
    }
    const missing = missingCaches(flags, stage);
    if (missing.length > 0) {
      add(
        buildLine,
        'no-cache-mount',
        `go build without a cache mount for ${missing.map((m) => `${m.name} (${m.dir})`).join(' and ')}: every build compiles and downloads from scratch`,
        `${missing.map((m) => `--mount=type=cache,target=${m.dir}`).join(' ')} on this RUN`,
      );
    }
  }
}

/** ARG NAME[=value] NAME…: dockerfile-ast's properties read only the first, so the words are split here. */
function argDeclarations(instruction: Instruction): { name: string; value: string | null }[] {
  return instruction.getArguments().map((a) => {
    const word = a.getValue();
    const eq = word.indexOf('=');
    return eq < 0
      ? { name: word, value: null }
      : { name: word.slice(0, eq), value: unquote(word.slice(eq + 1)) };
  });
}

function addRead(stage: Stage, stages: Stage[], source: string) {
  const lower = source.toLowerCase();
  const byName = stages.find((s) => s.name === lower);
  const byIndex = /^\d+$/.test(source) ? stages[Number(source)] : undefined;
  const read = byName ?? byIndex;
  if (read !== undefined && read !== stage) stage.reads.add(read);
}

/** A stage and the stages it is built FROM, nearest first. */
function lineage(stage: Stage): Stage[] {
  const chain: Stage[] = [];
  for (let s: Stage | null = stage; s !== null; s = s.parent) chain.push(s);
  return chain;
}

/** The stages whose output reaches `final`. */
function reachable(final: Stage): Set<Stage> {
  const seen = new Set<Stage>([final]);
  const queue = [final];
  for (let s = queue.pop(); s !== undefined; s = queue.pop()) {
    for (const read of s.reads) {
      if (!seen.has(read)) {
        seen.add(read);
        queue.push(read);
      }
    }
  }
  return seen;
}

/** A $TARGET… variable read where the stage has no ARG of it: BuildKit leaves it empty there. */
function checkTargetArgs(
  stage: Stage,
  instruction: Instruction,
  value: string,
  add: (line: number, trap: TrapId, message: string, fix: string) => void,
) {
  for (const name of TARGET_ARGS) {
    if (!new RegExp(`\\$\\{?${name}\\b`).test(value) || stage.args.has(name)) continue;
    add(
      line(instruction),
      'hardcoded-goarch',
      `$${name} is read but the stage declares no ARG ${name}: it is empty there, and go builds for the build machine`,
      `ARG ${name} in the stage, before this line`,
    );
  }
}

/** Which target argument a platform variable should come from. */
function targetFor(name: string): string {
  return name === 'GOOS' ? 'TARGETOS' : name === 'GOARCH' ? 'TARGETARCH' : 'TARGETVARIANT';
}

/** GOOS/GOARCH/… assignments of a RUN's script (inline, export, env, go env -w). */
function platformAssignments(script: string): { name: string; value: string }[] {
  const found: { name: string; value: string }[] = [];
  for (const m of script.matchAll(ASSIGNMENT))
    found.push({ name: m[1] as string, value: unquote(m[2] ?? '') });
  for (const m of script.matchAll(GO_ENV_W)) {
    for (const word of (m[1] ?? '').split(/\s+/)) {
      const eq = word.indexOf('=');
      const name = word.slice(0, eq);
      if (eq > 0 && PLATFORM_VARS.includes(name) && !found.some((f) => f.name === name))
        found.push({ name, value: unquote(word.slice(eq + 1)) });
    }
  }
  return found;
}

function unquote(value: string): string {
  return /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
}

/** A RUN's command: the JSON form's words, else the shell text (heredoc bodies included). */
/** Each RUN's script, read once: dockerfile-ast rebuilds the text on every call. */
const scripts = new WeakMap<Instruction, string>();

function runScript(run: JSONInstruction): string {
  const known = scripts.get(run);
  if (known !== undefined) return known;
  const script = readScript(run);
  scripts.set(run, script);
  return script;
}

function readScript(run: JSONInstruction): string {
  const content = run.getArgumentsContent() ?? '';
  if (run.getJSONStrings().length > 0) {
    // The content as JSON: dockerfile-ast's own JSON words lose spaces under `# escape=\``.
    try {
      const words: unknown = JSON.parse(content);
      if (Array.isArray(words)) return words.map(String).join(' ');
    } catch {
      // not JSON after all: the shell form
    }
  }
  return content;
}

/** The 1-based line of the words `go build`/`go install` in a RUN, when the parser gives them. */
function goBuildLine(run: Instruction): number | null {
  const args: Argument[] = run.getArguments();
  for (let i = 0; i + 1 < args.length; i++) {
    const word = (args[i] as Argument).getValue().replace(/^["'[]+/, '');
    const next = (args[i + 1] as Argument).getValue().replace(/^["']|["',\]]+$/g, '');
    if (/(^|\/)go$/.test(word.replace(/["',]+$/, '')) && (next === 'build' || next === 'install'))
      return (args[i] as Argument).getRange().start.line + 1;
  }
  return null;
}

/** The cache mounts go needs that the RUN lacks. */
function missingCaches(flags: Flag[], stage: Stage): { name: string; dir: string }[] {
  const targets = flags
    .filter((f) => f.getName().toLowerCase() === 'mount')
    .filter((f) => (f.getOption('type')?.getValue() ?? 'bind') === 'cache')
    .map(
      (f) =>
        f.getOption('target')?.getValue() ??
        f.getOption('dst')?.getValue() ??
        f.getOption('destination')?.getValue() ??
        '',
    )
    .map((t) => expandStage(t, stage).replace(/\/+$/, ''));
  const gopath = expandStage(stage.env.get('GOPATH')?.value ?? '/go', stage);
  const need = [
    {
      name: 'GOMODCACHE',
      dir: expandStage(stage.env.get('GOMODCACHE')?.value ?? `${gopath}/pkg/mod`, stage),
    },
    { name: 'GOCACHE', dir: expandStage(stage.env.get('GOCACHE')?.value ?? '/root/.cache/go-build', stage) },
  ];
  return need.filter(({ dir }) => !targets.some((t) => t !== '' && (dir === t || dir.startsWith(`${t}/`))));
}

function envCgo(stage: Stage): '0' | '1' | null {
  const value = stage.env.get('CGO_ENABLED')?.value;
  return value === '0' || value === '1' ? value : null;
}

function isBuildPlatform(platform: string | null): boolean {
  if (platform === null) return false;
  return /^\$\{?BUILDPLATFORM\}?$/.test(platform) || /^\$\{?BUILDOS\}?\/\$\{?BUILDARCH\}?/.test(platform);
}

/** $VAR and ${VAR} (with :-default) from the ARGs before the first FROM. */
function expandGlobals(text: string, globals: Map<string, string>): string {
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_, a, d, b) => {
      const value = globals.get(a ?? b);
      return value === undefined || value === '' ? (d ?? '') : value;
    },
  );
}

/** ${VAR} and $VAR from the stage's ENV and ARG defaults. */
function expandStage(text: string, stage: Stage): string {
  const values = new Map([...stage.env].map(([k, v]) => [k, v.value ?? '']));
  return expandGlobals(text, values);
}

/** What the final image's base offers a dynamically linked binary. */
function baseKind(image: string): 'static' | 'glibc' | 'other' {
  const ref = image.toLowerCase();
  if (STATIC_BASES.some((re) => re.test(ref))) return 'static';
  if (GLIBC_BASES.some((re) => re.test(ref))) return 'glibc';
  return 'other';
}

/** The sources of a COPY/ADD (all words but the last), heredocs aside. */
function copySources(instruction: JSONInstruction): string[] {
  const json = instruction.getJSONStrings();
  const words =
    json.length > 0
      ? json.map((s) => s.getValue().replace(/^"|"$/g, ''))
      : instruction.getArguments().map((a) => a.getValue());
  return words.slice(0, -1).filter((w) => !w.startsWith('<<'));
}

function looksLikeBinary(source: string): boolean {
  const path = source.replace(/^\.\//, '');
  if (NOT_BINARY.test(path) || path.endsWith('/') || path === '.') return false;
  const base = path.split('/').at(-1) ?? '';
  return BINARY_NAME.test(base) || (BINARY_DIRS.test(path) && !base.includes('*.') && base !== '*');
}

function stageName(stage: Stage): string {
  return stage.name ?? `#${stage.index}`;
}

function line(instruction: Instruction): number {
  return instruction.getRange().start.line + 1;
}
