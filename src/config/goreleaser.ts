import { parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';
import type { TemplateScope } from '../template/engine.js';
import { translateGoTemplate } from './goTemplate.js';
import { MAX_CONFIG_BYTES } from './load.js';
import { MAX_ALIAS_COUNT } from './parse.js';
import type {
  BuildSpec,
  ChangelogConfig,
  CrossgoConfig,
  HookCommand,
  HookSpec,
  PackageConfig,
  PackageFormatName,
  TargetMatrix,
  TargetMatrixIgnore,
} from './types.js';

/*
 * `crossgo init --from .goreleaser.yaml`: a GoReleaser v2 config as a crossgo config. Each key
 * is translated where crossgo has its meaning, with GoReleaser's documented defaults written
 * out where crossgo's differ (so the release files keep their names); everything else is one
 * note "key path: value: why", and the key is left out. The input is untrusted: its size and
 * aliases are bounded as for crossgo.yaml, and nothing in it runs.
 */

export interface GoReleaserTranslation {
  config: CrossgoConfig;
  /** One line per key or template not translated (or translated with a loss). */
  notes: string[];
}

/** Parses GoReleaser YAML with crossgo.yaml's limits (size, aliases); errors name the file. */
export function parseGoReleaserYaml(text: string, shown: string): unknown {
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) {
    throw new ConfigError(
      shown,
      '',
      `is over the ${MAX_CONFIG_BYTES / 1024 / 1024} MiB limit for a config file`,
    );
  }
  try {
    const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false });
    const first = doc.errors[0];
    if (first) {
      const what = /call stack/i.test(first.message)
        ? 'nested too deeply for a config file'
        : first.message.split('\n')[0];
      throw new ConfigError(shown, '', `not valid YAML: ${what}`);
    }
    return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    if (error instanceof RangeError)
      throw new ConfigError(shown, '', 'not valid YAML: nested too deeply for a config file');
    const message = (error as Error).message;
    throw new ConfigError(
      shown,
      '',
      /alias count/i.test(message)
        ? `not valid YAML: its aliases copy their anchors more than ${MAX_ALIAS_COUNT} times (an alias bomb?)`
        : `not valid YAML: ${message.split('\n')[0]}`,
    );
  }
}

/** GoReleaser's defaults crossgo's differ from, written out by the translation. */
export const GORELEASER_DEFAULTS = {
  // https://goreleaser.com/customization/builds/go/ ("Default: [ 'darwin', 'linux', 'windows' ]", …)
  goos: ['darwin', 'linux', 'windows'],
  goarch: ['386', 'amd64', 'arm64'],
  goarm: ['6'],
  ldflags:
    '-s -w -X main.version={{.Version}} -X main.commit={{.Commit}} -X main.date={{.Date}} -X main.builtBy=goreleaser',
  // https://goreleaser.com/customization/archive/
  archiveName:
    '{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}{{ with .Arm }}v{{ . }}{{ end }}{{ with .Mips }}_{{ . }}{{ end }}{{ if not (eq .Amd64 "v1") }}{{ .Amd64 }}{{ end }}',
  binaryName:
    '{{ .Binary }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}{{ with .Arm }}v{{ . }}{{ end }}{{ with .Mips }}_{{ . }}{{ end }}{{ if not (eq .Amd64 "v1") }}{{ .Amd64 }}{{ end }}',
  files: ['LICENSE*', 'README*', 'CHANGELOG*', 'license*', 'readme*', 'changelog*'],
  // https://goreleaser.com/customization/checksum/
  checksumName: '{{ .ProjectName }}_{{ .Version }}_checksums.txt',
  // https://goreleaser.com/customization/snapshots/
  snapshotVersion: '{{ .Version }}-SNAPSHOT-{{ .ShortCommit }}',
  // https://goreleaser.com/customization/source/
  sourceName: '{{ .ProjectName }}-{{ .Version }}',
} as const;

/** Keys GoReleaser has and crossgo does not, with why. */
const NOT_TRANSLATED: Record<string, string> = {
  release:
    'crossgo makes release files and does not publish them (upload them with gh release create or your CI)',
  brews: 'crossgo does not write package-manager recipes',
  homebrew_casks: 'crossgo does not write package-manager recipes',
  scoops: 'crossgo does not write package-manager recipes',
  winget: 'crossgo does not write package-manager recipes',
  nix: 'crossgo does not write package-manager recipes',
  aurs: 'crossgo does not write package-manager recipes',
  aur_sources: 'crossgo does not write package-manager recipes',
  krews: 'crossgo does not write package-manager recipes',
  chocolateys: 'crossgo does not write package-manager recipes',
  snapcrafts: 'crossgo does not make Linux packages',
  nfpms: 'crossgo does not make Linux packages',
  flatpaks: 'crossgo does not make Linux packages',
  dockers: 'crossgo does not build container images',
  dockers_v2: 'crossgo does not build container images',
  docker_manifests: 'crossgo does not build container images',
  docker_signs: 'crossgo does not build container images',
  kos: 'crossgo does not build container images',
  blobs: 'crossgo does not publish',
  uploads: 'crossgo does not publish',
  artifactories: 'crossgo does not publish',
  publishers: 'crossgo does not publish',
  furies: 'crossgo does not publish',
  announce: 'crossgo does not publish',
  milestones: 'crossgo does not publish',
  signs: 'set package.sign: gpg (or ssh) for a detached signature of the checksums file',
  binary_signs: 'set package.sign and package.signAll to sign every release file',
  notarize: 'crossgo does not notarize macOS binaries',
  upx: 'crossgo does not compress binaries',
  sboms: 'crossgo writes a CycloneDX SBOM per binary by default (package.sbom)',
  gomod: 'crossgo builds the module as checked out',
  git: 'crossgo reads the version from git describe (its tag sort and ignores are not translated)',
  metadata: 'crossgo has no metadata section',
  report_sizes: 'crossgo prints every binary size in its summary',
  env_files: 'crossgo reads no token files',
  github_urls: 'crossgo does not publish',
  gitlab_urls: 'crossgo does not publish',
  gitea_urls: 'crossgo does not publish',
  force_token: 'crossgo does not publish',
  nightly: 'build a snapshot: crossgo build --package --snapshot',
  includes: 'GoReleaser Pro: merge the included files first',
  variables: 'GoReleaser Pro: write the values out',
  template_files: 'crossgo has no templated files',
  partial: 'split a crossgo build with -t per machine instead',
  monorepo: 'run crossgo in each module',
  universal_binaries: 'set package.universal: true for a universal macOS binary',
};

const KNOWN = new Set([
  'version',
  'project_name',
  'dist',
  'env',
  'before',
  'after',
  'builds',
  'archives',
  'checksum',
  'snapshot',
  'changelog',
  'source',
]);

/** Environment variables crossgo sets from the target itself. */
const TARGET_ENV = new Set([
  'GOOS',
  'GOARCH',
  'GOARM',
  'GOARM64',
  'GOAMD64',
  'GO386',
  'GOMIPS',
  'GOMIPS64',
  'GOPPC64',
  'GORISCV64',
]);

/** The keys of a build, an archive, … that the translation reads; the others get a note each. */
const BUILD_KEYS = [
  'id',
  'builder',
  'main',
  'dir',
  'binary',
  'skip',
  'targets',
  'goos',
  'goarch',
  'goarm',
  'goarm64',
  'goamd64',
  'go386',
  'gomips',
  'goppc64',
  'goriscv64',
  'ignore',
  'flags',
  'buildmode',
  'ldflags',
  'tags',
  'gcflags',
  'env',
  'hooks',
];
const ARCHIVE_KEYS = [
  'id',
  'ids',
  'builds',
  'formats',
  'format',
  'name_template',
  'format_overrides',
  'wrap_in_directory',
  'files',
];

const LEVEL_KEYS = ['goarm', 'goarm64', 'goamd64', 'go386', 'gomips', 'goppc64', 'goriscv64'] as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: Obj, key: string): unknown => (Object.hasOwn(o, key) ? o[key] : undefined);
const scalar = (v: unknown): v is string | number | boolean =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

/** Translates a parsed GoReleaser config. `project` names the project when the file does not. */
export function translateGoReleaser(
  data: unknown,
  options: { project?: string } = {},
): GoReleaserTranslation {
  const t = new Translator();
  return t.run(data, options.project);
}

class Translator {
  readonly notes: string[] = [];

  note(key: string, value: unknown, why: string): void {
    this.notes.push(`${key}: ${shown(value)}: ${why}`);
  }

  /** One note for each key of `o` the translation does not read. */
  others(key: string, o: Obj, known: readonly string[]): void {
    for (const k of Object.keys(o)) {
      if (!known.includes(k))
        this.note(`${key}.${k}`, own(o, k), 'not translated: crossgo has no equivalent');
    }
  }

  /** A template value translated, or undefined with a note. */
  template(key: string, value: unknown, scope: TemplateScope, fileName = false): string | undefined {
    if (!scalar(value)) {
      this.note(key, value, 'expected a string; left out');
      return undefined;
    }
    const result = translateGoTemplate(String(value), scope, { fileName });
    if (!result.ok) {
      this.note(key, value, `${result.why}; left out`);
      return undefined;
    }
    for (const lossy of result.notes) this.note(key, value, lossy);
    return result.text;
  }

  /** A project-scope name template, or GoReleaser's documented default when the key is absent. */
  templateOrDefault(key: string, raw: unknown, fallback: string): string | undefined {
    return this.template(
      raw === undefined ? `${key} (GoReleaser's default)` : key,
      raw ?? fallback,
      'project',
      true,
    );
  }

  run(data: unknown, fallbackProject: string | undefined): GoReleaserTranslation {
    if (!isObj(data)) {
      this.note('(top level)', data, 'not a mapping: nothing translated');
      return { config: {}, notes: this.notes };
    }
    const config: CrossgoConfig = {};
    const version = own(data, 'version');
    if (version !== undefined && version !== 2)
      this.note('version', version, 'translated as a GoReleaser v2 config');

    const projectName = own(data, 'project_name');
    if (projectName !== undefined) {
      if (typeof projectName === 'string' && /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/.test(projectName))
        config.project = projectName;
      else
        this.note(
          'project_name',
          projectName,
          "crossgo's project is a plain name (letters, digits, . _ + -); left out",
        );
    } else if (fallbackProject) {
      config.project = fallbackProject;
      this.note(
        'project_name',
        null,
        `absent: set to ${JSON.stringify(fallbackProject)}, the module's name (GoReleaser infers it from the git remote, go.mod or the folder)`,
      );
    }

    const globalEnv = this.env('env', own(data, 'env'), 'project');
    const builds = this.builds(data, globalEnv, config);
    Object.assign(config, builds);

    const before = own(data, 'before');
    if (before !== undefined) {
      const hooks = isObj(before) ? this.hookList('before.hooks', own(before, 'hooks'), 'project') : [];
      if (!isObj(before)) this.note('before', before, 'expected a mapping with hooks; left out');
      else this.others('before', before, ['hooks']);
      if (hooks.length > 0) config.before = hooks;
    }
    const after = own(data, 'after');
    if (after !== undefined) {
      const hooks = isObj(after) ? this.hookList('after.hooks', own(after, 'hooks'), 'project') : [];
      if (isObj(after)) this.others('after', after, ['hooks']);
      if (hooks.length > 0) config.after = hooks;
    }

    const dist = own(data, 'dist');
    if (dist !== undefined) {
      if (typeof dist === 'string' && dist !== '' && !dist.includes('{{')) config.out = dist;
      else this.note('dist', dist, 'expected a folder name; left out (crossgo writes dist/)');
    }

    const snapshot = this.snapshot(own(data, 'snapshot'));
    if (snapshot) config.snapshot = snapshot;
    const changelog = this.changelog(own(data, 'changelog'));
    if (changelog) config.changelog = changelog;
    config.package = this.package(data, builds.builds ? builds.builds.length : 1);

    for (const key of Object.keys(data)) {
      if (KNOWN.has(key)) continue;
      this.note(key, own(data, key), `not translated: ${NOT_TRANSLATED[key] ?? 'crossgo has no equivalent'}`);
      if (key === 'universal_binaries' && Array.isArray(own(data, key))) config.package.universal = true;
    }
    return { config: ordered(config), notes: this.notes };
  }

  // ---- builds -------------------------------------------------------------------------------

  builds(
    data: Obj,
    globalEnv: Record<string, string> | undefined,
    config: CrossgoConfig,
  ): Partial<CrossgoConfig> {
    const raw = own(data, 'builds');
    const list = raw === undefined ? [{}] : Array.isArray(raw) ? raw : null;
    if (list === null || list.length === 0) {
      if (raw !== undefined)
        this.note('builds', raw, "expected a list of builds; GoReleaser's default build used");
    }
    const entries = list && list.length > 0 ? list : [{}];
    const out: BuildSpec[] = [];
    const trimpaths: boolean[] = [];
    entries.slice(0, 64).forEach((entry, i) => {
      const key = raw === undefined ? 'builds (default)' : `builds[${i}]`;
      if (!isObj(entry)) {
        this.note(key, entry, 'expected a mapping; left out');
        return;
      }
      const { build, trimpath } = this.build(key, entry, globalEnv);
      if (build) {
        out.push(build);
        trimpaths.push(trimpath);
      }
    });
    if (entries.length > 64)
      this.note('builds', `${entries.length} builds`, 'crossgo takes 64 builds at most; the rest left out');
    // crossgo's -trimpath and -s -w are the whole run's: GoReleaser's flags and ldflags say them.
    config.trimpath = trimpaths.some(Boolean);
    if (trimpaths.some(Boolean) && !trimpaths.every(Boolean))
      this.note(
        'builds[].flags',
        '-trimpath',
        'only some builds have it, and crossgo sets it for all: set for all',
      );
    config.strip = false;
    if (out.length === 1 && !out[0]?.skip) {
      const { id: _id, ...only } = out[0] as BuildSpec;
      return only;
    }
    if (out.length === 0) return {};
    const ids = new Set<string>();
    for (const build of out) {
      if (build.id && ids.has(build.id))
        this.note('builds[].id', build.id, 'repeated: crossgo needs unique ids');
      if (build.id) ids.add(build.id);
    }
    return { builds: out };
  }

  build(
    key: string,
    b: Obj,
    globalEnv: Record<string, string> | undefined,
  ): { build: BuildSpec | null; trimpath: boolean } {
    const build: BuildSpec = {};
    let trimpath = false;
    const builder = own(b, 'builder');
    if (builder !== undefined && builder !== 'go') {
      this.note(`${key}.builder`, builder, 'crossgo builds Go only; build left out');
      return { build: null, trimpath };
    }
    const id = own(b, 'id');
    if (id !== undefined) {
      if (typeof id === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id)) build.id = id;
      else this.note(`${key}.id`, id, 'expected a plain name; left out');
    }
    const main = own(b, 'main');
    if (main !== undefined) {
      if (typeof main === 'string' && main !== '' && !main.includes('{{')) {
        if (main.endsWith('.go')) {
          const dir = main.includes('/') ? main.slice(0, main.lastIndexOf('/')) : '.';
          build.main = dir === '' ? '.' : dir;
          this.note(`${key}.main`, main, `a file: crossgo builds its package, ${JSON.stringify(build.main)}`);
        } else build.main = main;
      } else this.note(`${key}.main`, main, 'expected a package path; left out');
    }
    const dir = own(b, 'dir');
    if (dir !== undefined && dir !== '.' && dir !== '')
      this.note(`${key}.dir`, dir, 'crossgo builds from the module root: give main as a path from there');
    const binary = own(b, 'binary');
    if (binary !== undefined) {
      const text = this.template(`${key}.binary`, binary, 'project', true);
      if (text?.includes('/'))
        this.note(
          `${key}.binary`,
          binary,
          'a path: crossgo names the binary only (its folder comes from template); left out',
        );
      else if (text !== undefined) build.binary = text;
    }
    const skip = own(b, 'skip');
    if (skip !== undefined) {
      if (typeof skip === 'boolean') build.skip = skip;
      else this.note(`${key}.skip`, skip, 'a template: crossgo takes true or false; left out');
    }

    build.targets = this.targets(key, b);

    const flags: string[] = [];
    const tags: string[] = [];
    for (const [i, flag] of asList(own(b, 'flags')).entries()) {
      const k = `${key}.flags[${i}]`;
      if (!scalar(flag)) {
        this.note(k, flag, 'expected a string; left out');
        continue;
      }
      const text = String(flag).trim();
      if (text === '-trimpath' || text === '-trimpath=true') trimpath = true;
      else if (/^-?-tags[= ]/.test(text))
        tags.push(
          ...text
            .replace(/^-?-tags[= ]/, '')
            .split(/[, ]+/)
            .filter(Boolean),
        );
      else if (/^-?-(o|ldflags|gcflags)([= ]|$)/.test(text))
        this.note(k, flag, 'crossgo sets it itself (use ldflags, gcflags or template); left out');
      else if (!text.startsWith('-')) this.note(k, flag, 'not a flag; left out');
      else {
        const translated = this.template(k, text, 'target');
        if (translated !== undefined) flags.push(translated);
      }
    }
    const buildmode = own(b, 'buildmode');
    if (typeof buildmode === 'string' && /^[a-z-]+$/.test(buildmode)) flags.push(`-buildmode=${buildmode}`);
    if (flags.length > 0) build.flags = flags;

    const ldflagsRaw = own(b, 'ldflags');
    const ldflags = ldflagsRaw === undefined ? [GORELEASER_DEFAULTS.ldflags] : asList(ldflagsRaw);
    const lds: string[] = [];
    ldflags.forEach((entry, i) => {
      const k = ldflagsRaw === undefined ? `${key}.ldflags (GoReleaser's default)` : `${key}.ldflags[${i}]`;
      const text = this.template(k, entry, 'target');
      if (text !== undefined && text.trim() !== '') lds.push(text);
    });
    // An empty list still replaces crossgo's -X stamps, as GoReleaser's empty ldflags would.
    build.ldflags = lds.length === 1 ? (lds[0] as string) : lds;

    const tagList = asList(own(b, 'tags'));
    for (const [i, tag] of tagList.entries()) {
      if (typeof tag === 'string' && /^[A-Za-z0-9_.,-]+$/.test(tag)) tags.push(tag);
      else this.note(`${key}.tags[${i}]`, tag, 'expected a build tag; left out');
    }
    if (tags.length > 0) build.tags = tags;
    const gcflags = own(b, 'gcflags');
    if (gcflags !== undefined) {
      const texts = asList(gcflags)
        .map((g, i) => this.template(`${key}.gcflags[${i}]`, g, 'target'))
        .filter((g): g is string => g !== undefined);
      if (texts.length > 0) build.gcflags = texts;
    }

    const env = { ...(globalEnv ?? {}), ...(this.env(`${key}.env`, own(b, 'env'), 'target', build) ?? {}) };
    if (Object.keys(env).length > 0) build.env = env;

    const hooks = own(b, 'hooks');
    if (hooks !== undefined) {
      if (!isObj(hooks)) this.note(`${key}.hooks`, hooks, 'expected {pre, post}; left out');
      else {
        this.others(`${key}.hooks`, hooks, ['pre', 'post']);
        const pre = this.hookList(`${key}.hooks.pre`, own(hooks, 'pre'), 'target');
        const post = this.hookList(`${key}.hooks.post`, own(hooks, 'post'), 'target');
        if (pre.length > 0 || post.length > 0)
          build.hooks = { ...(pre.length > 0 ? { pre } : {}), ...(post.length > 0 ? { post } : {}) };
      }
    }
    this.others(key, b, BUILD_KEYS);
    return { build, trimpath };
  }

  /** `targets:` (GoReleaser's linux_amd64_v1 spelling), or the goos × goarch matrix with defaults. */
  targets(key: string, b: Obj): BuildSpec['targets'] {
    const targets = own(b, 'targets');
    if (targets !== undefined) {
      const list: string[] = [];
      for (const [i, entry] of asList(targets).entries()) {
        if (typeof entry !== 'string' || !/^[a-z0-9_.]+$/.test(entry)) {
          this.note(`${key}.targets[${i}]`, entry, 'expected goos_goarch[_level]; left out');
          continue;
        }
        if (entry === 'go_first_class' || entry === 'go_118_first_class') {
          list.push('first-class');
          if (entry === 'go_118_first_class')
            this.note(`${key}.targets[${i}]`, entry, "the toolchain's first-class ports, not Go 1.18's");
          continue;
        }
        const [goos, goarch, ...level] = entry.split('_');
        if (!goos || !goarch) {
          this.note(`${key}.targets[${i}]`, entry, 'expected goos_goarch[_level]; left out');
          continue;
        }
        list.push([goos, goarch, level.join('_')].filter(Boolean).join('/'));
      }
      return list;
    }
    const strings = (k: string): string[] | undefined => {
      const v = own(b, k);
      if (v === undefined) return undefined;
      const out = asList(v)
        .filter((x, i) => {
          const ok = scalar(x) && /^[a-z0-9.]{1,64}$/.test(String(x));
          if (!ok) this.note(`${key}.${k}[${i}]`, x, 'expected a name; left out');
          return ok;
        })
        .map(String);
      return out.length > 0 ? out : undefined;
    };
    const matrix: TargetMatrix = {
      goos: strings('goos') ?? [...GORELEASER_DEFAULTS.goos],
      goarch: strings('goarch') ?? [...GORELEASER_DEFAULTS.goarch],
    };
    for (const level of LEVEL_KEYS) {
      const values = strings(level);
      if (values) matrix[level] = values;
    }
    // GoReleaser builds arm at GOARM 6 by default, go at 7.
    if (!matrix.goarm && matrix.goarch.includes('arm')) matrix.goarm = [...GORELEASER_DEFAULTS.goarm];
    const ignore = own(b, 'ignore');
    if (ignore !== undefined) {
      const entries: TargetMatrixIgnore[] = [];
      for (const [i, entry] of asList(ignore).entries()) {
        if (!isObj(entry)) {
          this.note(`${key}.ignore[${i}]`, entry, 'expected a mapping; left out');
          continue;
        }
        const out: TargetMatrixIgnore = {};
        let ok = true;
        for (const [field, value] of Object.entries(entry)) {
          if (
            !['goos', 'goarch', ...LEVEL_KEYS].includes(field) ||
            !scalar(value) ||
            !/^[a-z0-9.]{1,64}$/.test(String(value))
          ) {
            this.note(
              `${key}.ignore[${i}].${field}`,
              value,
              'not translated: crossgo ignores by goos, goarch and level',
            );
            ok = false;
            continue;
          }
          out[field as keyof TargetMatrixIgnore] = String(value);
        }
        if (ok && Object.keys(out).length > 0) entries.push(out);
      }
      if (entries.length > 0) matrix.ignore = entries;
    }
    return matrix;
  }

  /** GoReleaser's env list (K=V) as a map; the target's own variables and CGO_ENABLED go elsewhere. */
  env(
    key: string,
    value: unknown,
    scope: TemplateScope,
    build?: BuildSpec,
  ): Record<string, string> | undefined {
    if (value === undefined || value === null) return undefined;
    const entries: [string, string][] = [];
    for (const [i, entry] of asList(value).entries()) {
      const k = `${key}[${i}]`;
      const text = typeof entry === 'string' ? entry : null;
      const eq = text?.indexOf('=') ?? -1;
      if (text === null || eq <= 0) {
        this.note(k, entry, 'expected NAME=value; left out');
        continue;
      }
      const name = text.slice(0, eq);
      const raw = text.slice(eq + 1);
      if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(name) || name === '__proto__') {
        this.note(k, entry, 'not a variable name; left out');
        continue;
      }
      if (name === 'CGO_ENABLED') {
        if (raw === '0' || raw === '1') {
          if (build && raw === '1') build.cgo = 'on';
          if (!build && raw === '1') this.note(k, entry, 'set cgo: on in the builds that need it');
        } else this.note(k, entry, 'crossgo takes cgo: off, on or auto; left out');
        continue;
      }
      if (TARGET_ENV.has(name)) {
        this.note(k, entry, 'crossgo sets it from the target; left out');
        continue;
      }
      const translated = this.template(k, raw, scope);
      if (translated !== undefined) entries.push([name, translated]);
    }
    return entries.length > 0 ? Object.fromEntries(entries) : undefined;
  }

  hookList(key: string, value: unknown, scope: TemplateScope): HookCommand[] {
    const out: HookCommand[] = [];
    for (const [i, entry] of asList(value).entries()) {
      const hook = this.hook(`${key}[${i}]`, entry, scope);
      if (hook !== undefined) out.push(hook);
    }
    return out;
  }

  hook(key: string, entry: unknown, scope: TemplateScope): HookCommand | undefined {
    if (typeof entry === 'string') {
      if (entry.trim() === '') return undefined;
      return this.template(key, entry, scope);
    }
    if (!isObj(entry)) {
      this.note(key, entry, 'expected a command; left out');
      return undefined;
    }
    this.others(key, entry, ['cmd', 'dir', 'env', 'output']);
    const cmd = this.template(`${key}.cmd`, own(entry, 'cmd'), scope);
    if (cmd === undefined || cmd.trim() === '') return undefined;
    const spec: HookSpec = { cmd };
    const dir = own(entry, 'dir');
    if (dir !== undefined && dir !== '' && dir !== '.') {
      if (typeof dir === 'string' && !dir.includes('{{')) spec.dir = dir;
      else this.note(`${key}.dir`, dir, 'expected a folder; left out');
    }
    const env = this.env(`${key}.env`, own(entry, 'env'), scope);
    if (env) spec.env = env;
    const output = own(entry, 'output');
    if (typeof output === 'boolean') spec.output = output;
    return Object.keys(spec).length === 1 ? cmd : spec;
  }

  // ---- release files ------------------------------------------------------------------------

  package(data: Obj, buildCount: number): PackageConfig {
    const pkg: PackageConfig = {};
    const raw = own(data, 'archives');
    const list = Array.isArray(raw) ? raw : raw === undefined ? [{}] : null;
    if (list === null) this.note('archives', raw, "expected a list; GoReleaser's default archive used");
    const archives = list && list.length > 0 ? list : [{}];
    if (archives.length > 1)
      this.note(
        'archives[1:]',
        `${archives.length - 1} more`,
        'crossgo makes one archive per target: only archives[0] translated',
      );
    const a = isObj(archives[0]) ? archives[0] : {};
    const key = raw === undefined ? 'archives (default)' : 'archives[0]';

    const format = this.formats(`${key}`, a);
    const isBinary = format === 'binary';
    if (format) pkg.format = format;
    const nameRaw = own(a, 'name_template');
    const name = this.template(
      nameRaw === undefined ? `${key}.name_template (GoReleaser's default)` : `${key}.name_template`,
      nameRaw ?? (isBinary ? GORELEASER_DEFAULTS.binaryName : GORELEASER_DEFAULTS.archiveName),
      'target',
      true,
    );
    if (name !== undefined) pkg.name = name;
    const overrides = own(a, 'format_overrides');
    if (overrides !== undefined) {
      const formats: Record<string, PackageFormatName> = {};
      for (const [i, o] of asList(overrides).entries()) {
        const k = `${key}.format_overrides[${i}]`;
        if (
          !isObj(o) ||
          typeof own(o, 'goos') !== 'string' ||
          !/^[a-z0-9]+$/.test(own(o, 'goos') as string)
        ) {
          this.note(k, o, 'expected {goos, formats}; left out');
          continue;
        }
        this.others(k, o, ['goos', 'formats', 'format']);
        const f = this.formats(k, o);
        if (f) formats[own(o, 'goos') as string] = f;
      }
      if (Object.keys(formats).length > 0) pkg.formats = formats;
    }
    const wrap = own(a, 'wrap_in_directory');
    // GoReleaser's default is no folder, crossgo's the archive's name: written out either way.
    if (wrap === undefined || wrap === false || wrap === 'false') pkg.wrap = false;
    else if (wrap === true || wrap === 'true') pkg.wrap = true;
    else {
      const text = this.template(`${key}.wrap_in_directory`, wrap, 'target', true);
      pkg.wrap = text ?? false;
    }
    const filesRaw = own(a, 'files');
    if (filesRaw === undefined) pkg.files = [...GORELEASER_DEFAULTS.files];
    else {
      const files: string[] = [];
      for (const [i, f] of asList(filesRaw).entries()) {
        const k = `${key}.files[${i}]`;
        const src = typeof f === 'string' ? f : isObj(f) ? own(f, 'src') : undefined;
        if (typeof src !== 'string' || src === '' || src.length > 1024) {
          this.note(k, f, 'expected a glob; left out');
          continue;
        }
        if (src.includes('{{')) {
          this.note(k, f, 'a template: crossgo files are plain globs; left out');
          continue;
        }
        if (isObj(f)) {
          const lost = ['dst', 'strip_parent', 'info'].filter((x) => own(f, x) !== undefined);
          if (lost.length > 0)
            this.note(k, f, `only src translated (crossgo keeps the file's path; ${lost.join(', ')} lost)`);
        }
        files.push(src);
      }
      pkg.files = files;
    }
    const ids = own(a, 'ids') ?? own(a, 'builds');
    if (ids !== undefined && buildCount > 1)
      this.note(`${key}.ids`, ids, "crossgo's archive of a target holds every build's binary for it");
    this.others(key, a, ARCHIVE_KEYS);

    const checksum = this.checksum(own(data, 'checksum'));
    if (checksum) pkg.checksum = checksum;
    const source = this.source(own(data, 'source'));
    if (source !== undefined) pkg.source = source;
    return pkg;
  }

  /** `formats: [..]` (v2.6+) or `format:`; GoReleaser's default tar.gz (crossgo's zips windows). */
  formats(key: string, o: Obj): PackageFormatName | undefined {
    const plural = own(o, 'formats');
    const singular = own(o, 'format');
    const values = plural !== undefined ? asList(plural) : singular !== undefined ? [singular] : ['tar.gz'];
    const k = plural !== undefined ? `${key}.formats` : `${key}.format`;
    if (values.length > 1)
      this.note(k, plural, `crossgo makes one format per target: ${shown(values[0])} kept`);
    const first = values[0];
    const map: Record<string, PackageFormatName> = {
      'tar.gz': 'tar.gz',
      tgz: 'tar.gz',
      zip: 'zip',
      binary: 'binary',
    };
    const format = typeof first === 'string' ? map[first] : undefined;
    if (format === undefined) {
      this.note(k, first, 'crossgo writes tar.gz, zip or binary; left out');
      return undefined;
    }
    return format;
  }

  checksum(value: unknown): PackageConfig['checksum'] | undefined {
    const c = isObj(value) ? value : {};
    if (value !== undefined && !isObj(value)) this.note('checksum', value, 'expected a mapping; left out');
    const out: { algorithm?: 'sha256' | 'sha512'; name?: string } = {};
    const nameRaw = own(c, 'name_template');
    const name = this.templateOrDefault('checksum.name_template', nameRaw, GORELEASER_DEFAULTS.checksumName);
    if (name !== undefined) out.name = name;
    const algorithm = own(c, 'algorithm');
    if (algorithm === 'sha256' || algorithm === 'sha512') out.algorithm = algorithm;
    else if (algorithm !== undefined)
      this.note('checksum.algorithm', algorithm, 'crossgo writes sha256 or sha512; sha256 kept');
    const disable = own(c, 'disable');
    if (disable !== undefined && disable !== false)
      this.note(
        'checksum.disable',
        disable,
        'crossgo always writes the checksums file: it is the proof of the release',
      );
    this.others('checksum', c, ['name_template', 'algorithm', 'disable']);
    return out;
  }

  source(value: unknown): PackageConfig['source'] | undefined {
    if (value === undefined) return undefined;
    if (!isObj(value)) {
      this.note('source', value, 'expected a mapping; left out');
      return undefined;
    }
    this.others('source', value, ['enabled', 'name_template', 'prefix_template', 'format', 'files']);
    const enabled = own(value, 'enabled');
    if (enabled !== true) {
      if (enabled !== undefined && enabled !== false)
        this.note('source.enabled', enabled, 'expected true or false; left out');
      return undefined;
    }
    const out: { name?: string; prefix?: string } = {};
    const nameRaw = own(value, 'name_template');
    const name = this.templateOrDefault('source.name_template', nameRaw, GORELEASER_DEFAULTS.sourceName);
    if (name !== undefined) out.name = name;
    const prefix = own(value, 'prefix_template');
    if (prefix === undefined || prefix === '')
      this.note(
        'source.prefix_template',
        prefix ?? null,
        `absent: crossgo's source archive has a top folder ({project}-{version}), GoReleaser's none`,
      );
    else {
      const text = this.template('source.prefix_template', prefix, 'project', true);
      const folder = text?.replace(/\/+$/, '');
      if (folder) out.prefix = folder;
    }
    const format = own(value, 'format');
    if (format !== undefined && format !== 'tar.gz' && format !== 'tgz')
      this.note('source.format', format, 'crossgo writes the source archive as tar.gz');
    if (own(value, 'files') !== undefined)
      this.note(
        'source.files',
        own(value, 'files'),
        'crossgo archives the commit as git archive does, nothing added',
      );
    return out;
  }

  snapshot(value: unknown): CrossgoConfig['snapshot'] | undefined {
    const s = isObj(value) ? value : {};
    this.others('snapshot', s, ['version_template', 'name_template']);
    const key =
      own(s, 'version_template') !== undefined ? 'snapshot.version_template' : 'snapshot.name_template';
    const raw = own(s, 'version_template') ?? own(s, 'name_template');
    const text = this.templateOrDefault(
      raw === undefined ? 'snapshot.version_template' : key,
      raw,
      GORELEASER_DEFAULTS.snapshotVersion,
    );
    return text === undefined ? undefined : { version: text };
  }

  changelog(value: unknown): ChangelogConfig | undefined {
    // goreleaser.com/customization/changelog: no groups (one flat list) and abbrev 0, "whatever
    // the changelog implementation gives you", which for git is the full hash. crossgo's defaults
    // are conventional-commit groups and 7 digits: written out, so CHANGELOG.md keeps its layout.
    const defaults: ChangelogConfig = { groups: [], abbrev: 40 };
    if (value === undefined) return defaults;
    if (!isObj(value)) {
      this.note('changelog', value, 'expected a mapping; left out');
      return defaults;
    }
    const out: ChangelogConfig = { ...defaults };
    const disable = own(value, 'disable') ?? own(value, 'skip');
    if (disable === true || disable === 'true') out.disable = true;
    else if (disable !== undefined && disable !== false && disable !== 'false')
      this.note('changelog.disable', disable, 'a template: crossgo takes true or false; left out');
    const use = own(value, 'use');
    if (use !== undefined && use !== 'git')
      this.note('changelog.use', use, 'crossgo reads the changelog from git only');
    const sort = own(value, 'sort');
    if (sort === 'asc' || sort === 'desc') {
      out.sort = sort;
      this.note(
        'changelog.sort',
        sort,
        `GoReleaser sorts by message, crossgo by commit time (${sort === 'asc' ? 'oldest' : 'newest'} first)`,
      );
    } else if (sort !== undefined && sort !== '')
      this.note('changelog.sort', sort, 'expected asc or desc; left out');
    const abbrev = own(value, 'abbrev');
    if (typeof abbrev === 'number' && Number.isInteger(abbrev) && abbrev >= 4 && abbrev <= 40)
      out.abbrev = abbrev;
    else if (abbrev !== undefined && abbrev !== 0)
      this.note('changelog.abbrev', abbrev, 'crossgo shows 4 to 40 hex digits; the full hash (40) written');
    const filters = own(value, 'filters');
    if (isObj(filters)) {
      this.others('changelog.filters', filters, ['exclude', 'include']);
      for (const which of ['exclude', 'include'] as const) {
        const list = this.regexps(`changelog.filters.${which}`, own(filters, which));
        if (list.length > 0) out[which] = list;
      }
    }
    const groups = own(value, 'groups');
    if (groups !== undefined) {
      const out2: NonNullable<ChangelogConfig['groups']> = [];
      for (const [i, g] of asList(groups).entries()) {
        const k = `changelog.groups[${i}]`;
        const title = isObj(g) ? own(g, 'title') : undefined;
        if (!isObj(g) || typeof title !== 'string' || title === '' || title.length > 256) {
          this.note(k, g, 'expected {title, regexp, order}; left out');
          continue;
        }
        this.others(k, g, ['title', 'regexp', 'order', 'groups']);
        const group: { title: string; regexp?: string; order?: number } = { title };
        const [regexp] = this.regexps(`${k}.regexp`, own(g, 'regexp'));
        if (regexp) group.regexp = regexp;
        const order = own(g, 'order');
        if (typeof order === 'number' && Number.isInteger(order) && Math.abs(order) <= 1000)
          group.order = order;
        if (own(g, 'groups') !== undefined)
          this.note(`${k}.groups`, own(g, 'groups'), 'crossgo has no subgroups');
        out2.push(group);
      }
      out.groups = out2;
    }
    this.others('changelog', value, ['disable', 'skip', 'use', 'sort', 'abbrev', 'filters', 'groups']);
    return out;
  }

  regexps(key: string, value: unknown): string[] {
    const out: string[] = [];
    for (const [i, r] of asList(value).entries()) {
      if (typeof r === 'string' && r !== '' && r.length <= 1024) out.push(r);
      else this.note(Array.isArray(value) ? `${key}[${i}]` : key, r, 'expected a regexp; left out');
    }
    return out;
  }
}

/** A list, or one value as a list of one (GoReleaser takes both), or none. */
function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** A value as a note shows it: JSON, cut short (no newline of a hostile file reaches a line). */
function shown(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}

/** The keys in the order crossgo's README shows them. */
function ordered(config: CrossgoConfig): CrossgoConfig {
  const order = [
    'project',
    'main',
    'binary',
    'targets',
    'flags',
    'tags',
    'ldflags',
    'gcflags',
    'env',
    'cgo',
    'hooks',
    'skip',
    'builds',
    'before',
    'after',
    'trimpath',
    'strip',
    'out',
    'snapshot',
    'changelog',
    'package',
  ];
  const entries = Object.entries(config).sort((a, b) => order.indexOf(a[0]) - order.indexOf(b[0]));
  return Object.fromEntries(entries) as CrossgoConfig;
}
