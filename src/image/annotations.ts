/**
 * org.opencontainers.image.source (image-spec annotations.md) of a Go module: its path as an
 * https URL without the major-version suffix (github.com/acme/app/v2 → https://github.com/acme/app)
 * when its first element is a host name. It comes from the module path alone, the same on every
 * machine, where a git remote's URL differs between clones (ssh, https, a mirror); a module
 * without a host name (a local `example` module) has none.
 */
export function moduleSource(modulePath: string): string | null {
  const module = modulePath.replace(/\/v[0-9]+$/, '');
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+\//i.test(module) ? `https://${module}` : null;
}
