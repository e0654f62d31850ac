/**
 * Release file names, GoReleaser's convention: `<name>_<version>_<goos>_<goarch>[_<variant>]`
 * with the version's leading "v" dropped (v1.2.3 → 1.2.3).
 */
export function releaseVersion(version: string): string {
  return /^v\d/.test(version) ? version.slice(1) : version;
}

export function releaseBase(
  name: string,
  version: string,
  target: { goos: string; goarch: string; variant?: string | null },
): string {
  const variant = target.variant ? `_${target.variant}` : '';
  return `${name}_${releaseVersion(version)}_${target.goos}_${target.goarch}${variant}`;
}

export function checksumsName(name: string, version: string): string {
  return `${name}_${releaseVersion(version)}_checksums.txt`;
}

/** The binary's name inside an archive: the command's name, with the platform's extension. */
export function binaryNameInArchive(name: string, goos: string, goarch: string): string {
  if (goos === 'windows') return `${name}.exe`;
  if (goarch === 'wasm') return `${name}.wasm`;
  return name;
}
