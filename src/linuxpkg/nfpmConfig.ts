import type { LinuxPackageFormat } from './arch.js';

/**
 * nfpm's config (nfpm.yaml, written as JSON, which YAML reads) for one package of one format, from
 * crossgo's resolved plan. Everything is spelled out so nothing comes from nfpm's defaults that
 * would vary between machines or runs: the version as the format writes it (version_schema none),
 * mtime (every file's time and the package's build time), the rpm build host, each file's mode,
 * owner and group, and no globbing (crossgo expands and confines globs itself and hands nfpm
 * only files it copied into its own private folder).
 */

/** One entry of the package: a file crossgo staged, a folder, or a symbolic link. */
export interface NfpmEntry {
  type: 'file' | 'config' | 'config|noreplace' | 'doc' | 'dir' | 'symlink';
  /** An absolute path in crossgo's private folder (file types), or the link's target (symlink); absent for dir. */
  src?: string;
  /** Absolute, normalised. */
  dst: string;
  mode: number;
  owner: string;
  group: string;
}

export interface Relations {
  depends: string[];
  recommends: string[];
  suggests: string[];
  conflicts: string[];
  provides: string[];
  replaces: string[];
}

export interface NfpmPackageSpec {
  format: LinuxPackageFormat;
  name: string;
  /** The format's own architecture name. */
  arch: string;
  upstream: string;
  release: string;
  epoch?: string;
  maintainer?: string;
  vendor?: string;
  description: string;
  license?: string;
  homepage?: string;
  section: string;
  priority: string;
  relations: Relations;
  entries: NfpmEntry[];
  /** Absolute paths of the maintainer scripts crossgo staged. */
  scripts: Partial<Record<'preinstall' | 'postinstall' | 'preremove' | 'postremove', string>>;
  mtime: Date;
  /** The signing key file crossgo wrote (a gpg secret key for deb and rpm, an RSA key for apk). */
  signature?: { keyFile: string; keyName?: string };
}

/** The variable crossgo sets to "$" for nfpm: see escapeDollars. */
export const DOLLAR_VARIABLE = 'CROSSGO_NFPM_DOLLAR';

/**
 * nfpm expands $VAR and ${VAR} from its environment in the name, version, maintainer, vendor,
 * description, homepage, relations and key file (nfpm.go expandEnvVars), which would put a
 * variable of nfpm's environment (a passphrase among them) into a package from a hostile config.
 * os.Expand has no escape for "$", so each one becomes ${CROSSGO_NFPM_DOLLAR}, which crossgo sets
 * to "$": the text arrives as written, and no variable is read.
 */
export function escapeDollars(text: string): string {
  return text.replaceAll('$', `\${${DOLLAR_VARIABLE}}`);
}

function byDestination(a: NfpmEntry, b: NfpmEntry): number {
  return a.dst < b.dst ? -1 : a.dst > b.dst ? 1 : 0;
}

export function nfpmConfig(spec: NfpmPackageSpec): Record<string, unknown> {
  const e = escapeDollars;
  const list = (items: string[]) => items.map(e);
  const contents = [...spec.entries].sort(byDestination).map((entry) => ({
    ...(entry.src !== undefined ? { src: entry.src } : {}),
    dst: entry.dst,
    type: entry.type,
    file_info: { mode: entry.mode, owner: entry.owner, group: entry.group },
  }));
  const signature = spec.signature ? { key_file: e(spec.signature.keyFile) } : undefined;
  const formatBlock: Record<string, unknown> = {};
  if (spec.format === 'deb') {
    formatBlock.deb = {
      arch: spec.arch,
      // debsigs' _gpgorigin: a detached signature of debian-binary, control and data, in that order.
      ...(signature ? { signature: { ...signature, method: 'debsign', type: 'origin' } } : {}),
    };
  } else if (spec.format === 'rpm') {
    formatBlock.rpm = {
      arch: spec.arch,
      // Else nfpm writes os.Hostname(): the one fact of the build machine in an rpm header.
      buildhost: 'crossgo',
      ...(signature ? { signature } : {}),
    };
  } else {
    formatBlock.apk = {
      arch: spec.arch,
      ...(signature
        ? {
            signature: {
              ...signature,
              ...(spec.signature?.keyName ? { key_name: spec.signature.keyName } : {}),
            },
          }
        : {}),
    };
  }
  return {
    name: e(spec.name),
    arch: spec.arch,
    platform: 'linux',
    version: spec.upstream,
    version_schema: 'none',
    release: spec.release,
    ...(spec.epoch && spec.format !== 'apk' ? { epoch: spec.epoch } : {}),
    section: spec.section,
    priority: spec.priority,
    ...(spec.maintainer ? { maintainer: e(spec.maintainer) } : {}),
    ...(spec.vendor ? { vendor: e(spec.vendor) } : {}),
    description: e(spec.description),
    ...(spec.license ? { license: e(spec.license) } : {}),
    ...(spec.homepage ? { homepage: e(spec.homepage) } : {}),
    mtime: spec.mtime.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    disable_globbing: true,
    umask: 0o022,
    depends: list(spec.relations.depends),
    recommends: list(spec.relations.recommends),
    suggests: list(spec.relations.suggests),
    conflicts: list(spec.relations.conflicts),
    provides: list(spec.relations.provides),
    replaces: list(spec.relations.replaces),
    contents,
    scripts: spec.scripts,
    ...formatBlock,
  };
}
