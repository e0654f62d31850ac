import { UsageError } from '../errors.js';
import { relativePathProblem } from '../fs/confine.js';
import { releaseVersionOf } from '../template/version.js';

/**
 * Release file names, GoReleaser's convention: `<name>_<version>_<goos>_<goarch>[_<variant>]`
 * with the version's leading "v" dropped (v1.2.3 → 1.2.3).
 *
 * The name and version come from the manifest, which anyone may have edited: every name made
 * here is checked to be one plain file name (no "/", no control character, no "." or ".."), so
 * a version like "x\n<hash>  evil" cannot forge a line of the signed checksums file and
 * "sub/v1.2.3" cannot point an archive into a folder that does not exist.
 */
export function releaseVersion(version: string): string {
  return releaseVersionOf(version);
}

export function releaseBase(
  name: string,
  version: string,
  target: { goos: string; goarch: string; variant?: string | null },
): string {
  const variant = target.variant ? `_${target.variant}` : '';
  return checkReleaseName(
    `${name}_${releaseVersion(version)}_${target.goos}_${target.goarch}${variant}`,
    name,
    version,
  );
}

export function checksumsName(name: string, version: string): string {
  return checkReleaseName(`${name}_${releaseVersion(version)}_checksums.txt`, name, version);
}

/** The binary's name inside an archive: the command's name, with the platform's extension. */
export function binaryNameInArchive(name: string, goos: string, goarch: string): string {
  const ext = goos === 'windows' ? '.exe' : goarch === 'wasm' ? '.wasm' : '';
  return checkReleaseName(`${name}${ext}`, name, null);
}

/** Why `name` cannot be one file name inside the output folder, or null when it can. */
export function fileNameProblem(name: string): string | null {
  if (name.includes('/')) return 'holds a "/"';
  if (name === '.' || name === '..') return `is "${name}"`;
  return relativePathProblem(name);
}

function checkReleaseName(file: string, name: string, version: string | null): string {
  const problem = fileNameProblem(file);
  if (problem) {
    const from =
      version === null
        ? `name ${JSON.stringify(name)}`
        : `name ${JSON.stringify(name)}, version ${JSON.stringify(version)}`;
    throw new UsageError(
      `release file name ${JSON.stringify(file)} (from the manifest's ${from}) ${problem}: rebuild with a name-safe version (--app-version)`,
    );
  }
  return file;
}
