/**
 * {version}: the version without the "v" of its tag (v1.2.3 → 1.2.3), as GoReleaser's .Version;
 * a version that does not start with v and a digit is kept whole.
 */
export function releaseVersionOf(version: string): string {
  return /^v\d/.test(version) ? version.slice(1) : version;
}
