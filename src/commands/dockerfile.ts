import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { BuildFlags } from '../config/types.js';
import {
  DOCKERFILE_NAME,
  type DockerfilePlan,
  dockerfileMarkerState,
  dockerfileText,
  type Sourced,
} from '../dockerfile/generate.js';
import { ConfigError, UsageError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { confine, makeParents } from '../fs/confine.js';
import { readRegular } from '../fs/open.js';
import { moduleSource } from '../image/annotations.js';
import { ociPlatform, platformText } from '../image/platform.js';
import { planUnitSpecs } from '../stages/build/plan/units.js';
import { planBuild } from '../stages/build/plan.js';
import { CROSSGO_VERSION } from '../version.js';

export interface DockerfileOptions {
  /** The file to write, relative to cwd and inside the module; default Dockerfile in the module root. */
  file?: string;
  /** An explicit config file, relative to cwd. */
  configFile?: string;
  /** Replace a file crossgo did not write, or one edited since. */
  force?: boolean;
  /** Return the text without writing a file. */
  stdout?: boolean;
  cwd?: string;
  environment?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface DockerfileResult {
  /** The file (absolute), or null with `stdout`. */
  file: string | null;
  /** created, replaced (crossgo's own, or --force), unchanged (the same bytes were there), or printed. */
  outcome: 'created' | 'replaced' | 'unchanged' | 'printed';
  text: string;
  /** One line per config value that could not be carried into the Dockerfile. */
  notes: string[];
  plan: DockerfilePlan;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

/** The default stamps as templates: the same words crossgo build passes (flags.ts defaultStamps). */
const DEFAULT_STAMPS = ['-X main.version={version}', '-X main.commit={commit}', '-X main.date={commit_date}'];

/**
 * `crossgo dockerfile`: plans the build as `crossgo build` would (config, main package, binary
 * name, flags), turns the image's build and its flags into a BuildKit Dockerfile, and writes it
 * in the module root, refusing to replace a file crossgo did not write or one edited since.
 */
export async function dockerfile(options: DockerfileOptions = {}): Promise<DockerfileResult> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const build = await planBuild({
    cwd,
    environment: options.environment ?? process.env,
    signal: options.signal,
    configFile: options.configFile,
  });
  const cfg = build.config.config;
  const name = build.config.file ? path.basename(build.config.file) : 'config';
  const specs = planUnitSpecs(cfg, name, undefined, undefined);
  const wanted = cfg.image?.build;
  const index = wanted === undefined ? 0 : build.units.findIndex((u) => u.id === wanted);
  if (index < 0)
    throw new ConfigError(
      name,
      'image.build',
      `no build has the id ${JSON.stringify(wanted)} (builds: ${build.units.map((u) => u.id).join(', ')})`,
    );
  const unit = build.units[index];
  const spec = specs[index];
  if (unit === undefined || spec === undefined) throw new Error('bug: a planned build without its spec');
  const notes: string[] = [];
  const note = (key: string, why: string) => notes.push(`${name}: ${key}: ${why}`);
  if (wanted === undefined && build.units.length > 1)
    note('builds', `the Dockerfile builds the first build, ${unit.id}; set image.build to choose another`);

  const sets = spec.base;
  const ldflags: Sourced[] = [];
  const tags: string[] = [];
  const gcflags: string[] = [];
  const env = new Map<string, Sourced>();
  for (const { flags, source } of sets) {
    const at = (key: string) => (source.key ? `${source.key}.${key}` : key);
    if (flags.ldflags !== undefined) {
      const words = typeof flags.ldflags === 'string' ? [flags.ldflags] : flags.ldflags;
      words.forEach((text, i) => {
        const key = typeof flags.ldflags === 'string' ? at('ldflags') : at(`ldflags[${i}]`);
        if (text.trim() !== '') ldflags.push({ text, file: name, key });
      });
    }
    tags.push(...wordList(flags.tags, true).filter((t) => !tags.includes(t)));
    gcflags.push(...wordList(flags.gcflags, false));
    for (const [variable, text] of Object.entries(flags.env ?? {}))
      env.set(variable, { text, file: name, key: at(`env.${variable}`) });
    refuseCgo(flags, at('cgo'), note);
  }
  if (!spec.ownStamps)
    ldflags.unshift(...DEFAULT_STAMPS.map((text) => ({ text, file: name, key: 'ldflags' })));
  for (const { overrides, source } of spec.overrides) {
    for (const selector of Object.keys(overrides ?? {})) {
      if (!selector.startsWith('linux/') && !selector.startsWith('*')) continue;
      note(
        `${source.key}[${JSON.stringify(selector)}]`,
        'per-target flags are not carried into the Dockerfile (one build step serves every platform)',
      );
    }
  }

  const chosen = cfg.image?.targets;
  const linux = build.builds.filter(
    (b) =>
      b.unit.id === unit.id &&
      b.target.goos === 'linux' &&
      (chosen === undefined || chosen.includes(b.target.id)),
  );
  if (Array.isArray(cfg.go) && cfg.go.length > 1)
    note('go', `several Go releases: the Dockerfile builds with go.mod's (one golang image)`);
  const platforms = [
    ...new Set(
      linux.map((b) => platformText(ociPlatform(b.target)).replace(/^linux\/arm64\/v8$/, 'linux/arm64')),
    ),
  ];
  const image = cfg.image ?? {};
  const base = image.base === undefined || image.base === 'scratch' ? null : imageReference(image.base, name);
  const sourced = (text: string, key: string): Sourced => ({ text, file: name, key });
  const moduleRoot = build.moduleRoot;
  const relPkg = path.relative(moduleRoot, unit.pkg.dir).split(path.sep).join('/');
  const plan: DockerfilePlan = {
    crossgoVersion: CROSSGO_VERSION,
    regenerate: `crossgo dockerfile${options.configFile ? ` --config ${options.configFile}` : ''}${options.file ? ` --file ${options.file}` : ''}`,
    goVersion: await goImageTag(path.join(moduleRoot, 'go.mod'), cfg.go),
    pkg: relPkg === '' ? '.' : `./${relPkg}`,
    source: moduleSource(unit.pkg.module.path),
    fixed: { project: build.project, binary: unit.name, id: unit.id },
    goSum: (await stat(path.join(moduleRoot, 'go.sum')).catch(() => null))?.isFile() ?? false,
    trimpath: build.trimpath,
    strip: build.strip,
    ldflags,
    tags,
    gcflags,
    goFlags: spec.goFlags,
    env: [...env].map(([variable, value]) => ({ name: variable, value })),
    platforms,
    image: {
      base,
      path: sourced(image.path ?? '/usr/local/bin/{binary}', 'image.path'),
      entrypoint: image.entrypoint?.map((t, i) => sourced(t, `image.entrypoint[${i}]`)) ?? null,
      cmd: image.cmd?.map((t, i) => sourced(t, `image.cmd[${i}]`)) ?? null,
      workdir: image.workdir === undefined ? null : plainWord(image.workdir, name, 'image.workdir'),
      env:
        image.env === undefined
          ? null
          : Object.entries(image.env).map(([variable, text]) => ({
              name: variable,
              value: sourced(text, `image.env.${variable}`),
            })),
      user: plainWord(image.user ?? '65532:65532', name, 'image.user'),
      ports: (image.ports ?? []).map((p, i) => port(p, name, `image.ports[${i}]`)),
      labels: Object.entries(image.labels ?? {}).map(([label, text]) => ({
        name: label,
        value: sourced(text, `image.labels.${label}`),
      })),
    },
  };
  for (const [i, word] of [...plan.tags, ...plan.gcflags, ...plan.goFlags].entries())
    if (CONTROL.test(word))
      throw new ConfigError(
        name,
        'tags, gcflags, flags',
        `word ${i + 1} holds a control character: a Dockerfile line cannot carry it`,
      );
  for (const { name: label } of plan.image.labels)
    if (!/^[A-Za-z0-9][A-Za-z0-9._/-]*$/.test(label))
      throw new ConfigError(
        name,
        `image.labels.${label}`,
        'a label name is letters, digits and . _ / - (e.g. org.opencontainers.image.url)',
      );
  const generated = dockerfileText(plan);
  notes.push(...generated.notes);
  const text = generated.text;
  if (options.stdout) return { file: null, outcome: 'printed', text, notes, plan };

  const rel =
    options.file === undefined
      ? DOCKERFILE_NAME
      : path.relative(moduleRoot, path.resolve(cwd, options.file)).split(path.sep).join('/');
  if (rel === '' || rel.startsWith('../') || rel === '..' || path.isAbsolute(rel))
    throw new UsageError(`--file ${options.file}: the Dockerfile goes inside the module (${moduleRoot})`);
  const what = 'the Dockerfile';
  // Every existing component must be a real folder: a symbolic link could send the file anywhere.
  const file = await confine(moduleRoot, rel, { what, shownRoot: moduleRoot });
  const existing = await readRegular(file, { shown: rel, maxBytes: 1024 * 1024 }).catch(
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    },
  );
  let outcome: DockerfileResult['outcome'] = 'created';
  if (existing !== null) {
    const old = existing.toString('utf8');
    if (old === text) return { file, outcome: 'unchanged', text, notes, plan };
    const state = dockerfileMarkerState(old);
    if (state !== 'crossgo' && !options.force) {
      const why = state === 'edited' ? 'was edited since crossgo wrote it' : 'was not written by crossgo';
      throw new UsageError(
        `${rel} ${why}: crossgo dockerfile does not replace it (add --force to overwrite)`,
      );
    }
    outcome = 'replaced';
  }
  await makeParents(moduleRoot, rel, { what, shownRoot: moduleRoot });
  await confine(moduleRoot, rel, { what, shownRoot: moduleRoot });
  await writeFileAtomic(file, text);
  return { file, outcome, text, notes, plan };
}

function wordList(value: string | string[] | undefined, commas: boolean): string[] {
  const items = value === undefined ? [] : typeof value === 'string' ? [value] : value;
  return items
    .flatMap((item) => (commas ? item.split(',') : [item]))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** cgo on or auto: the Dockerfile builds with CGO_ENABLED=0 (a C cross compiler under BuildKit is not crossgo's to set up). */
function refuseCgo(flags: BuildFlags, key: string, note: (key: string, why: string) => void): void {
  if (flags.cgo === 'on' || flags.cgo === 'auto')
    note(key, `${flags.cgo}: the Dockerfile builds with CGO_ENABLED=0 (static binaries for scratch)`);
}

/** go.mod's `toolchain go1.X.Y`, else its `go 1.X[.Y]` line; the config's one `go` release wins. */
async function goImageTag(goMod: string, go: string | string[] | undefined): Promise<string> {
  const release = typeof go === 'string' ? go : go?.length === 1 ? go[0] : undefined;
  if (release !== undefined && /^(go)?\d+\.\d+(\.\d+)?$/.test(release)) return release.replace(/^go/, '');
  const text = (await readFile(goMod, 'utf8').catch(() => '')).slice(0, 1024 * 1024);
  const toolchain = /^toolchain\s+go(\d+\.\d+(?:\.\d+)?)\s*$/m.exec(text)?.[1];
  const line = /^go\s+(\d+\.\d+(?:\.\d+)?)\s*$/m.exec(text)?.[1];
  return toolchain ?? line ?? '1.24';
}

/** An image reference as FROM takes it: no spaces, quotes or variables. */
function imageReference(ref: string, file: string): string {
  if (!/^[a-z0-9][a-z0-9._/:@-]*$/.test(ref) || ref.length > 512)
    throw new ConfigError(
      file,
      'image.base',
      `${JSON.stringify(ref)} is not an image reference (e.g. gcr.io/distroless/static-debian12:nonroot)`,
    );
  return ref;
}

/** A value written into an instruction as it is: no spaces, quotes, variables or control characters. */
function plainWord(value: string, file: string, key: string): string {
  if (!/^[A-Za-z0-9._/:@+-]+$/.test(value))
    throw new ConfigError(
      file,
      key,
      `${JSON.stringify(value)}: crossgo dockerfile writes plain paths and names only (letters, digits, . _ / : @ + -)`,
    );
  return value;
}

/** An exposed port: 8080, "8080/tcp", "53/udp". */
function port(value: number | string, file: string, key: string): string {
  const text = String(value);
  const match = /^(\d{1,5})(\/(tcp|udp|sctp))?$/.exec(text);
  if (!match || Number(match[1]) < 1 || Number(match[1]) > 65535)
    throw new ConfigError(file, key, `${JSON.stringify(text)}: expected a port, e.g. 8080 or "53/udp"`);
  return text;
}
