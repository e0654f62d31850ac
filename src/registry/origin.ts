import { UsageError } from '../errors.js';
import { DOCKER_HUB } from './reference.js';

/**
 * Where a registry is reached. Plain HTTP only for the loopback names (any port) and the hosts
 * the user lists with --insecure-registry; everything else is https, and a URL a registry hands
 * back (an upload Location, a token realm, a redirect) is held to the same rule.
 */
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The host without its port: `[::1]:5000` → `[::1]`, `localhost:5000` → `localhost`. */
export function hostName(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1);
  const colon = host.lastIndexOf(':');
  return colon === -1 ? host : host.slice(0, colon);
}

export function plainHttpAllowed(host: string, insecure: readonly string[] = []): boolean {
  const lower = host.toLowerCase();
  return LOOPBACK.has(hostName(lower)) || insecure.some((h) => h.toLowerCase() === lower);
}

/** docker.io's API is served at registry-1.docker.io (docker's registry/config.go). */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
}

/** The origin (scheme://host[:port]) of a registry's /v2/ API. */
export function registryOrigin(registry: string, insecure: readonly string[] = []): string {
  const host = apiHost(registry);
  return `${plainHttpAllowed(host, insecure) ? 'http' : 'https'}://${host}`;
}

/** URL.host of a registry host as written (`[::1]:5000` stays, default ports drop). */
function urlHost(url: URL): string {
  return url.host.toLowerCase();
}

/**
 * Refuses a URL the client must not use: anything but http(s), and plain http to a host that is
 * neither loopback nor listed as insecure. `what` names where it came from, for the message.
 */
export function checkUrl(url: URL, registry: string, insecure: readonly string[], what: string): void {
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && plainHttpAllowed(urlHost(url), insecure)) return;
  throw new UsageError(
    `registry ${registry}: ${what} ${url.protocol}//${url.host}${url.pathname} is not https: crossgo uses plain http only for localhost, 127.0.0.1 and [::1], or a host given to --insecure-registry`,
  );
}
