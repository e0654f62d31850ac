import { existsSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { loadConfig } from '../config/load.js';
import type { ChecksumCovers, LoadedConfig, PackageConfig, PackageFormatName } from '../config/types.js';
import { asIoError, UsageError } from '../errors.js';
import { runPool } from '../exec/pool.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { confine } from '../fs/confine.js';
import { checkRecordedSha256 } from '../fs/hash.js';
import { isInside } from '../fs/paths.js';
import { type Logger, silentLogger } from '../log.js';
import type { BuildEvent } from '../pipeline/events.js';
import {
  type Artifact,
  artifactsOfKind,
  binaries,
  MANIFEST_FILE,
  type Manifest,
} from '../pipeline/manifest.js';
import { type OutputFolder, openOutputFolder } from '../pipeline/outputFolder.js';
import { readManifest } from '../pipeline/readManifest.js';
import type { PackageContext, PackageSettings } from '../pipeline/release.js';
import {
  COVERED_KINDS,
  DEFAULT_COVERS,
  planReleaseLayout,
  type ReleaseTemplates,
} from '../pipeline/releaseLayout.js';
import { commitRelease, discardStaged, madeByRelease } from '../pipeline/releaseOutput.js';
import { runStages, type Stage } from '../pipeline/stage.js';
import { archiveStage } from '../stages/archive/stage.js';
import type { ArchiveFormat } from '../stages/archive/write.js';
import { changelogSettings, changelogStage } from '../stages/changelog/stage.js';
import { releaseChecksumsStage } from '../stages/checksum/release.js';
import { linuxPackageSettings } from '../stages/linuxpkg/settings.js';
import { linuxPackagesStage } from '../stages/linuxpkg/stage.js';
import { sbomStage } from '../stages/sbom/stage.js';
import type { SignMethod } from '../stages/sign/sign.js';
import { signStage } from '../stages/sign/stage.js';
import { sourceStage } from '../stages/source/stage.js';
import { universalStage } from '../stages/universal/stage.js';
import { compileTemplate, type Template, type TemplateScope } from '../template/engine.js';
import { prepareAfterHooks } from './afterHooks.js';
import { refuseDirtyManifest } from './dirtyTree.js';

export type PackageFormat = ArchiveFormat | 'binary' | 'auto';

export interface PackageOptions {
  cwd?: string;
  /** The output folder the build wrote (relative to cwd); default dist. */
  out?: string;
  /** The build's manifest; default <out>/manifest.json. */
  manifest?: string;
  /** The config file whose `package:` block gives the defaults (relative to cwd); default the module root's crossgo.yaml. */
  configFile?: string;
  /** auto (default: zip for windows, tar.gz for the rest), tar.gz, zip, or binary (each binary bare, under the archive name); over the config's format and formats. */
  format?: PackageFormat;
  /** Globs of extra files for every archive, relative to the module root; default README*, LICENSE*, CHANGELOG*; one that matches nothing is left out. */
  files?: string[];
  checksum?: 'sha256' | 'sha512';
  sign?: SignMethod;
  key?: string;
  /** Sign every file, not only the checksums file. */
  signAll?: boolean;
  /** A CycloneDX SBOM per binary (default true). */
  sbom?: boolean;
  /** Merge darwin/amd64 and darwin/arm64 into <name>-darwin-universal. */
  universal?: boolean;
  /** How long to wait for another crossgo run writing the output folder (ms); default 0: refuse. */
  waitMs?: number;
  /** Do not run the config's after: commands. */
  skipHooks?: boolean;
  /** Package a build of a dirty tree anyway, under the build's own version (with a warning). */
  snapshot?: boolean;
  environment?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  log?: Logger;
  onEvent?: (event: BuildEvent) => void;
}

export interface PackageResult {
  /** The manifest as written: the build's binaries, then the records of `made`. */
  manifest: Manifest;
  outDir: string;
  /** What this run made (archives, SBOMs, checksums, signatures, universal binary), in order. */
  made: Artifact[];
}

/** The release stages, in order: each later one may use what the earlier ones made. */
export const PACKAGE_STAGES: readonly Stage<PackageContext>[] = [
  changelogStage,
  universalStage,
  archiveStage,
  linuxPackagesStage,
  sourceStage,
  sbomStage,
  releaseChecksumsStage,
  signStage,
];

const DEFAULT_EXTRAS = [
  'README*',
  'readme*',
  'LICENSE*',
  'license*',
  'LICENCE*',
  'COPYING*',
  'CHANGELOG*',
  'changelog*',
];
const FORMATS: readonly PackageFormat[] = ['auto', 'tar.gz', 'zip', 'binary'];

/**
 * Turns a build's artifacts into release files: archives, SBOMs, a checksums file and
 * signatures (and a universal macOS binary), all recorded in the manifest with their sha256.
 * Works from the manifest only, so it can run after `crossgo build` in another step.
 */
export async function packageRelease(options: PackageOptions = {}): Promise<PackageResult> {
  const cwd = path.resolve(options.cwd ?? process.cwd());
  const env = options.environment ?? process.env;
  const log = options.log ?? silentLogger;
  const signal = options.signal ?? new AbortController().signal;
  const manifestArg = options.manifest ?? path.join(options.out ?? 'dist', MANIFEST_FILE);
  const manifestFile = path.resolve(cwd, manifestArg);
  if (!(await lstat(manifestFile).catch(() => null))) {
    throw new UsageError(
      `${manifestArg}: no such file: run crossgo build first, or name the manifest with --manifest`,
    );
  }
  const outDir = path.dirname(manifestFile);
  const shown = path.relative(cwd, outDir) || '.';
  const folder = await openOutputFolder(outDir, shown, {
    command: 'crossgo package',
    waitMs: options.waitMs,
    signal,
    log,
  });
  let ctx: PackageContext | undefined;
  try {
    const built = await manifestOf(folder, manifestFile, manifestArg);
    if (binaries(built).length === 0)
      throw new UsageError(`${manifestArg} lists no binaries: nothing to package`);
    // Nothing is packed, hashed or signed that is not byte for byte what the build recorded.
    await checkArtifacts(folder, built, signal);
    const moduleRoot = findModuleRoot(cwd) ?? cwd;
    const snapshot = options.snapshot ?? false;
    await refuseDirtyManifest(built, { moduleRoot, outDir, shown, snapshot, env, signal, log });
    const configFile = options.configFile ? path.resolve(cwd, options.configFile) : undefined;
    const loaded = await loadConfig(moduleRoot, configFile);
    const config = loaded.config.package ?? {};
    const skip = options.skipHooks === true;
    const after = await prepareAfterHooks({
      moduleRoot,
      loaded,
      manifest: built,
      env,
      signal,
      log,
      skip,
    });
    // The stages start from the build's binaries: the previous release's records (and files,
    // by the ownership journal) are replaced by what this run makes. The images crossgo image
    // made from these binaries are kept (commitRelease).
    const { release: _previous, ...facts } = built;
    const manifest: Manifest = {
      ...facts,
      artifacts: [...binaries(built), ...artifactsOfKind(built, 'image')],
    };
    const settings: PackageSettings = {
      ...(await resolveSettings(options, manifest, {
        config,
        file: configName(loaded),
        moduleRoot,
        outDir: folder.dir,
        env,
        log,
      })),
      changelog: await changelogSettings(loaded, moduleRoot, env),
    };
    // Every name, rendered and checked (one plain file name, no two alike) before anything is written.
    const layout = planReleaseLayout(
      manifest,
      {
        names: settings.names,
        formatFor: settings.formatFor,
        extras: settings.extras.map((e) => e.name),
        sbom: settings.sbom,
        universal: settings.universal,
      },
      env,
    );
    // deb, rpm and apk (linux_packages:): planned beside the layout, their names checked against it.
    const linuxPackages = await linuxPackageSettings({
      loaded,
      file: configName(loaded),
      manifest,
      layout,
      moduleRoot,
      cwd,
      sign: settings.sign,
      mtime: settings.mtime,
      env,
      log,
    });
    ctx = {
      outDir: folder.dir,
      shown,
      manifest,
      settings: { ...settings, linuxPackages },
      layout,
      moduleRoot,
      env,
      signal,
      log,
      owned: folder.owned,
      staged: new Map(),
      emit: (event) => options.onEvent?.(event),
      interrupted: null,
    };
    await runStages(PACKAGE_STAGES, ctx);
    if (ctx.interrupted) throw ctx.interrupted;
    // Every stage succeeded: only now does the new release replace the old one.
    await commitRelease(ctx);
    manifest.release = {
      mtime: settings.mtime.toISOString(),
      mtimeSource: settings.mtimeSource,
      checksum: settings.checksum,
      signature: settings.sign?.method ?? null,
    };
    await writeFileAtomic(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
    await folder.owned.compact();
    // The release files exist and are recorded: the config's after: commands (uploads, notices).
    await after();
    return { manifest, outDir: folder.dir, made: madeByRelease(ctx) };
  } finally {
    if (ctx) await discardStaged(ctx);
    await folder.release();
  }
}

/** The manifest to package: the folder's own, or the one --manifest names beside it. */
async function manifestOf(folder: OutputFolder, file: string, shown: string): Promise<Manifest> {
  const manifest = path.basename(file) === MANIFEST_FILE ? folder.previous : await readManifest(file, shown);
  if (!manifest) {
    throw new UsageError(
      `${shown}: not a crossgo manifest: run crossgo build first, or name it with --manifest`,
    );
  }
  return manifest;
}

/** Each binary confined to the output folder and holding the bytes the manifest records. */
async function checkArtifacts(folder: OutputFolder, manifest: Manifest, signal: AbortSignal): Promise<void> {
  const outcomes = await runPool(
    binaries(manifest),
    4,
    async (a) => {
      const file = await confine(folder.dir, a.path, {
        what: 'artifact path in the manifest',
        shownRoot: folder.shown,
      });
      const shown = path.join(folder.shown, a.path);
      await checkRecordedSha256(file, a.sha256, shown, { follow: false }).catch((error: unknown) => {
        throw asIoError(error, 'read', shown, 'nothing was packaged: build again');
      });
    },
    signal,
  );
  for (const outcome of outcomes) if (!outcome.ok) throw outcome.error;
}

/** Where the settings come from besides the options: the config's package block and the module. */
interface SettingsSources {
  config: PackageConfig;
  /** The config file's name, for messages. */
  file: string;
  moduleRoot: string;
  outDir: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
}

async function resolveSettings(
  options: PackageOptions,
  manifest: Manifest,
  { config, file, moduleRoot, outDir, env, log }: SettingsSources,
): Promise<PackageSettings> {
  const format = options.format ?? config.format ?? 'auto';
  if (!FORMATS.includes(format)) {
    throw new UsageError(
      `--format "${format}": expected auto, tar.gz, zip or binary (tar.xz and tar.zst: no well-kept library for Node 20)`,
    );
  }
  const checksumConfig = typeof config.checksum === 'object' ? config.checksum : {};
  const checksum =
    options.checksum ??
    (typeof config.checksum === 'string' ? config.checksum : checksumConfig.algorithm) ??
    'sha256';
  if (checksum !== 'sha256' && checksum !== 'sha512') {
    throw new UsageError(`--checksum "${checksum}": expected sha256 or sha512`);
  }
  const method = options.sign ?? config.sign;
  if (method !== undefined && method !== 'gpg' && method !== 'ssh') {
    throw new UsageError(`--sign "${method}": expected gpg or ssh`);
  }
  const key = options.key ?? config.key;
  if (method === 'ssh' && !key)
    throw new UsageError(
      '--sign ssh needs --key FILE: the private key (or its .pub, with the key in ssh-agent)',
    );
  const { mtime, source } = archiveTime(manifest, env);
  // --format names one format for every target; else the config's per-goos formats, then its format.
  const formats: Record<string, PackageFormatName> = options.format ? {} : (config.formats ?? {});
  const covers = checksumConfig.covers ?? DEFAULT_COVERS;
  return {
    formatFor: (goos) => {
      const chosen = formats[goos] ?? format;
      return chosen === 'auto' ? (goos === 'windows' ? 'zip' : 'tar.gz') : chosen;
    },
    extras: await extraFiles(options.files ?? config.files, moduleRoot, outDir, log),
    names: releaseTemplates(config, file),
    checksum,
    checksumKinds: new Set(covers.flatMap((c: ChecksumCovers) => COVERED_KINDS[c])),
    sign: method
      ? { method, ...(key ? { key } : {}), all: options.signAll ?? config.signAll ?? false }
      : null,
    sbom: options.sbom ?? config.sbom ?? true,
    universal: options.universal ?? config.universal ?? false,
    mtime,
    mtimeSource: source,
  };
}

/** The config file's name for messages ("crossgo.yaml"), or "config" when there is none. */
function configName(loaded: LoadedConfig): string {
  return loaded.file ? path.basename(loaded.file) : 'config';
}

/** Today's names, GoReleaser's: the version without its v, the variant after the arch. */
const DEFAULT_NAMES = {
  archive: '{project}_{version}_{os}_{arch}{variant|prefix:_}',
  // GoReleaser's default for format binary starts with the binary's name: two builds, two files.
  binary: '{binary}_{version}_{os}_{arch}{variant|prefix:_}',
  checksums: '{project}_{version}_checksums.txt',
  // GoReleaser's source archive: {{ .ProjectName }}-{{ .Version }}, no prefix.
  source: '{project}-{version}',
};

/**
 * The release's name templates, each compiled once with its key path, so a wrong placeholder is
 * one line (file, key, the nearest spelling) before anything is read or written.
 */
function releaseTemplates(config: PackageConfig, file: string): ReleaseTemplates {
  const compile = (
    text: string | undefined,
    key: string,
    fallback: string,
    scope: TemplateScope,
  ): Template =>
    text === undefined
      ? compileTemplate(
          fallback,
          { file: 'crossgo package', key: `default ${key}` },
          { scope, fileName: true },
        )
      : compileTemplate(text, { file, key }, { scope, fileName: true });
  const checksum = typeof config.checksum === 'object' ? config.checksum : {};
  const source = config.source === true ? {} : config.source || null;
  return {
    archive: compile(config.name, 'package.name', DEFAULT_NAMES.archive, 'target'),
    binary: compile(config.name, 'package.name', DEFAULT_NAMES.binary, 'target'),
    wrap:
      typeof config.wrap === 'string'
        ? compileTemplate(config.wrap, { file, key: 'package.wrap' }, { scope: 'target', fileName: true })
        : (config.wrap ?? true),
    checksums: compile(checksum.name, 'package.checksum.name', DEFAULT_NAMES.checksums, 'project'),
    source: source
      ? {
          name: compile(source.name, 'package.source.name', DEFAULT_NAMES.source, 'project'),
          prefix:
            source.prefix === undefined
              ? null
              : compileTemplate(
                  source.prefix,
                  { file, key: 'package.source.prefix' },
                  { scope: 'project', fileName: true },
                ),
        }
      : null,
  };
}

/** SOURCE_DATE_EPOCH, else the commit time the build recorded, else 1970 (never the clock). */
function archiveTime(
  manifest: Manifest,
  env: NodeJS.ProcessEnv,
): { mtime: Date; source: PackageSettings['mtimeSource'] } {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && epoch !== '') {
    if (!/^\d+$/.test(epoch))
      throw new UsageError(`SOURCE_DATE_EPOCH="${epoch}": expected whole seconds since 1970`);
    return { mtime: new Date(Number(epoch) * 1000), source: 'SOURCE_DATE_EPOCH' };
  }
  const commit = Date.parse(manifest.source.date);
  if (manifest.source.dateSource !== 'none' && !Number.isNaN(commit))
    return { mtime: new Date(commit), source: 'commit' };
  return { mtime: new Date(0), source: 'none' };
}

/**
 * The extra files, by glob from the module root, sorted; each keeps its relative path inside the
 * archive. A glob that matches nothing is left out, as GoReleaser does (`files: [none*]` is its
 * idiom for an archive of the binary alone): one info line, except for that idiom.
 */
async function extraFiles(
  globs: string[] | undefined,
  root: string,
  outDir: string,
  log: Logger,
): Promise<PackageSettings['extras']> {
  const patterns = globs ?? DEFAULT_EXTRAS;
  const options = {
    cwd: root,
    onlyFiles: true,
    dot: false,
    followSymbolicLinks: false,
    expandDirectories: false,
  };
  const found: string[] = [];
  const unmatched: string[] = [];
  for (const pattern of patterns) {
    const matched = await glob([pattern], options);
    if (matched.length === 0 && globs !== undefined && !/^none\b/i.test(pattern)) unmatched.push(pattern);
    found.push(...matched);
  }
  // Not an error (GoReleaser's files: [none*] idiom; its default globs rarely all match): one line.
  if (unmatched.length > 0) {
    log.info(
      `package files: no file matches ${unmatched.map((p) => JSON.stringify(p)).join(', ')} (relative to the module root): left out`,
    );
  }
  // Never the output folder itself (`--files '**'` would pack the release into its own archives).
  const names = [...new Set(found)].filter((name) => !isInside(outDir, path.join(root, name))).sort();
  for (const name of names) {
    if (name.startsWith('../') || path.isAbsolute(name)) {
      throw new UsageError(
        `package files: ${name} is outside the module: only files of the module go into archives`,
      );
    }
    // A link among them could pack any file of the machine: only real files of the module.
    await confine(root, name, { what: 'package files:', shownRoot: '.', leaf: 'file' });
  }
  return names.map((name) => ({ file: path.join(root, name), name }));
}

/** The nearest folder at or above `dir` with a go.mod (where the config and the extra files are). */
function findModuleRoot(dir: string): string | null {
  for (let current = dir; ; current = path.dirname(current)) {
    if (existsSync(path.join(current, 'go.mod'))) return current;
    if (path.dirname(current) === current) return null;
  }
}
