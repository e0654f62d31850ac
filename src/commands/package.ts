import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { loadConfig } from '../config/load.js';
import type { PackageConfig } from '../config/types.js';
import { asIoError, UsageError } from '../errors.js';
import { writeFileAtomic } from '../fs/atomic.js';
import { confine } from '../fs/confine.js';
import { checkRecordedSha256 } from '../fs/hash.js';
import { type Logger, silentLogger } from '../log.js';
import type { BuildEvent } from '../pipeline/events.js';
import { MANIFEST_FILE, type Manifest, type ReleaseFile, readManifest } from '../pipeline/manifest.js';
import { runStages, type Stage } from '../pipeline/stage.js';
import { archiveStage } from '../stages/archive/stage.js';
import type { ArchiveFormat } from '../stages/archive/write.js';
import { releaseChecksumsStage } from '../stages/checksum/release.js';
import type { PackageContext, PackageSettings } from '../stages/release/context.js';
import { sbomStage } from '../stages/sbom/stage.js';
import type { SignMethod } from '../stages/sign/sign.js';
import { signStage } from '../stages/sign/stage.js';
import { universalStage } from '../stages/universal/stage.js';

export type PackageFormat = ArchiveFormat | 'binary' | 'auto';

export interface PackageOptions {
  cwd?: string;
  /** The build's manifest; default dist/manifest.json. */
  manifest?: string;
  /** auto (default: zip for windows, tar.gz for the rest), tar.gz, zip, or binary (no archives). */
  format?: PackageFormat;
  /** Globs of extra files for every archive, relative to the module root; default README*, LICENSE*, CHANGELOG*. */
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
  environment?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  log?: Logger;
  onEvent?: (event: BuildEvent) => void;
}

export interface PackageResult {
  manifest: Manifest;
  outDir: string;
  files: ReleaseFile[];
}

/** The release stages, in order: each later one may use what the earlier ones made. */
export const PACKAGE_STAGES: readonly Stage<PackageContext>[] = [
  universalStage,
  archiveStage,
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
  const manifestArg = options.manifest ?? path.join('dist', MANIFEST_FILE);
  const manifestFile = path.resolve(cwd, manifestArg);
  const manifest = await readManifest(manifestFile, manifestArg);
  if (!manifest) {
    throw new UsageError(
      `${manifestArg}: not a crossgo manifest (or missing): run crossgo build first, or name it with --manifest`,
    );
  }
  if (manifest.artifacts.length === 0)
    throw new UsageError(`${manifestArg} lists no artifacts: nothing to package`);
  const outDir = path.dirname(manifestFile);
  await checkInputs(manifest, outDir, manifestArg);
  const moduleRoot = findModuleRoot(cwd) ?? cwd;
  const config = (await loadConfig(moduleRoot)).config.package ?? {};
  const settings = await resolveSettings(options, config, manifest, moduleRoot, env);

  const previous = manifest.release?.files ?? [];
  const ctx: PackageContext = {
    outDir,
    manifest,
    settings,
    env,
    signal: options.signal ?? new AbortController().signal,
    log: options.log ?? silentLogger,
    owned: new Set(previous.map((f) => f.path)),
    files: [],
    emit: (event) => options.onEvent?.(event),
    interrupted: null,
  };
  await runStages(PACKAGE_STAGES, ctx);
  // Files an earlier run made that this one did not (e.g. signatures no longer asked for) are
  // crossgo's own and stale: removed, so the folder holds what the manifest lists.
  const made = new Set(ctx.files.map((f) => f.path));
  for (const old of previous) {
    if (made.has(old.path)) continue;
    await rm(await confine(outDir, old.path, { what: `release file in ${manifestArg}` }), { force: true });
  }
  manifest.release = {
    mtime: settings.mtime.toISOString(),
    mtimeSource: settings.mtimeSource,
    checksum: settings.checksum,
    signature: settings.sign?.method ?? null,
    files: ctx.files,
  };
  await writeFileAtomic(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  return { manifest, outDir, files: ctx.files };
}

/**
 * Before anything is made from a manifest: each binary a plain file inside the output folder (no
 * symbolic link on the way) with the sha256 it records, and each earlier release file (which may
 * be replaced or removed) a plain file or gone.
 */
async function checkInputs(manifest: Manifest, outDir: string, manifestArg: string): Promise<void> {
  const shownRoot = path.dirname(manifestArg);
  for (const a of manifest.artifacts) {
    const shown = path.join(shownRoot, a.path);
    try {
      const file = await confine(outDir, a.path, { what: `artifact in ${manifestArg}`, shownRoot });
      await checkRecordedSha256(file, a.sha256, shown);
    } catch (error) {
      throw asIoError(error, 'read', shown);
    }
  }
  for (const f of manifest.release?.files ?? []) {
    await confine(outDir, f.path, { what: `release file in ${manifestArg}`, shownRoot }).catch((error) => {
      throw asIoError(error, 'inspect', path.join(shownRoot, f.path));
    });
  }
}

async function resolveSettings(
  options: PackageOptions,
  config: PackageConfig,
  manifest: Manifest,
  moduleRoot: string,
  env: NodeJS.ProcessEnv,
): Promise<PackageSettings> {
  const format = options.format ?? config.format ?? 'auto';
  if (!FORMATS.includes(format)) {
    throw new UsageError(
      `--format "${format}": expected auto, tar.gz, zip or binary (tar.xz and tar.zst: no well-kept library for Node 20)`,
    );
  }
  const checksum = options.checksum ?? config.checksum ?? 'sha256';
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
  return {
    formatFor: (goos) => (format === 'auto' ? (goos === 'windows' ? 'zip' : 'tar.gz') : format),
    extras: await extraFiles(options.files ?? config.files, moduleRoot),
    checksum,
    sign: method
      ? { method, ...(key ? { key } : {}), all: options.signAll ?? config.signAll ?? false }
      : null,
    sbom: options.sbom ?? config.sbom ?? true,
    universal: options.universal ?? config.universal ?? false,
    mtime,
    mtimeSource: source,
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

/** The extra files, by glob from the module root, sorted; each keeps its relative path inside the archive. */
async function extraFiles(globs: string[] | undefined, root: string): Promise<PackageSettings['extras']> {
  const patterns = globs ?? DEFAULT_EXTRAS;
  const found = await glob(patterns, {
    cwd: root,
    onlyFiles: true,
    dot: false,
    followSymbolicLinks: false,
    expandDirectories: false,
  });
  const names = [...new Set(found)].sort();
  for (const name of names) {
    if (name.startsWith('../') || path.isAbsolute(name)) {
      throw new UsageError(
        `package files: ${name} is outside the module: only files of the module go into archives`,
      );
    }
  }
  if (globs && names.length === 0) {
    throw new UsageError(`package files ${globs.join(', ')}: no file matches (relative to ${root})`);
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
