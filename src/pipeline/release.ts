import type { ChangelogConfig } from '../config/types.js';
import type { InterruptedError } from '../errors.js';
import type { Ownership } from '../fs/ownership.js';
import type { LinuxPackagesPlan } from '../linuxpkg/plan.js';
import type { Logger } from '../log.js';
import type { BuildEvent } from './events.js';
import type { Manifest } from './manifest.js';
import type { ArchiveFormat, ReleaseLayout, ReleaseTemplates } from './releaseLayout.js';

export type { ArchiveFormat };
export type SignMethod = 'gpg' | 'ssh';

/** How `crossgo package` packages, once flags, config and defaults are merged. */
export interface PackageSettings {
  /** Per goos: an archive format, or 'binary' (the bare binary under the archive's name). */
  formatFor(goos: string): ArchiveFormat | 'binary';
  /** Extra files for every archive: absolute path → name inside the archive's top folder. */
  extras: { file: string; name: string }[];
  /** The release's names (archives, top folders, checksums file, source archive). */
  names: ReleaseTemplates;
  checksum: 'sha256' | 'sha512';
  /** The manifest kinds the checksums file lists (package.checksum.covers). */
  checksumKinds: ReadonlySet<string>;
  sign: { method: SignMethod; key?: string; all: boolean } | null;
  sbom: boolean;
  universal: boolean;
  /** One time for every archive member, and its source. */
  mtime: Date;
  mtimeSource: 'SOURCE_DATE_EPOCH' | 'commit' | 'none';
  /** What the changelog stage reads: the module root (where git runs) and whether it is in a repository, the config's block and its file name, package.changelog. */
  changelog?: { root: string; repository: boolean; config: ChangelogConfig; file: string; write: boolean };
  /** The deb, rpm and apk packages of the config's linux_packages: (null or absent: none). */
  linuxPackages?: LinuxPackagesPlan | null;
}

/**
 * What the release stages share. Each stage appends the records of what it makes to
 * `manifest.artifacts` (the one list: the build's binaries first) and selects its inputs from it;
 * a record's file stays staged until commitRelease.
 */
export interface PackageContext {
  /** The output folder (real path) and as the user named it. */
  readonly outDir: string;
  readonly shown: string;
  /** The manifest being packaged: the build's binaries, then the records this run adds. */
  readonly manifest: Manifest;
  readonly settings: PackageSettings;
  /** Every name this run makes, decided and checked before any stage runs. */
  readonly layout: ReleaseLayout;
  /** The module root: where the extra files and the git repository (source archive) are. */
  readonly moduleRoot: string;
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** What crossgo made in the output folder and may replace. */
  readonly owned: Ownership;
  /** Files made by this run, not yet in place: path → temporary file (see releaseOutput.ts). */
  readonly staged: Map<string, string>;
  emit(event: BuildEvent): void;
  interrupted: InterruptedError | null;
}
