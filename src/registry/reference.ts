import { UsageError } from '../errors.js';
import type { ImageReference } from './types.js';

/**
 * Docker's reference grammar (distribution/reference, reference.go):
 *
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [domain '/'] path-component ['/' path-component]*
 *   domain    := host [ ":" port ]   (a first component with "." or ":", or "localhost")
 *   path-component := [a-z0-9]+ (("." | "_" | "__" | "-"+) [a-z0-9]+)*
 *   tag       := [\w][\w.-]{0,127}
 *
 * A name without a domain is on docker.io, and a one-component name there is library/NAME
 * (normalize.go). crossgo accepts sha256 digests only.
 */
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const HOST_LABEL = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/;
const IPV6 = /^\[[0-9a-fA-F:.]+\]$/;
const PORT = /^[0-9]{1,5}$/;
/** reference.go NameTotalLengthMax. */
const NAME_MAX = 255;

export const DOCKER_HUB = 'docker.io';

function bad(text: string, why: string): UsageError {
  return new UsageError(
    `image reference ${JSON.stringify(text)}: ${why} (write HOST[:PORT]/PATH[:TAG][@sha256:DIGEST], e.g. localhost:5000/app:1.2.3)`,
  );
}

/** True when a registry host (with its port) is well formed. */
export function isRegistryHost(host: string): boolean {
  const colon = host.startsWith('[') ? host.indexOf(':', host.indexOf(']')) : host.lastIndexOf(':');
  const name = colon === -1 ? host : host.slice(0, colon);
  const port = colon === -1 ? null : host.slice(colon + 1);
  if (port !== null && (!PORT.test(port) || Number(port) > 65535)) return false;
  if (IPV6.test(name)) return true;
  return name.length > 0 && name.length <= 253 && name.split('.').every((label) => HOST_LABEL.test(label));
}

/** Parses an image reference such as `ghcr.io/org/app:1.2`, `alpine`, `localhost:5000/a@sha256:…`. */
export function parseReference(text: string): ImageReference {
  if (typeof text !== 'string' || text.length === 0) throw bad(String(text), 'it is empty');
  if (text.length > 1024) throw bad(`${text.slice(0, 40)}…`, 'it is longer than 1024 characters');
  if (/[^!-~]/.test(text))
    throw bad(text, 'it contains white space, a control character or a character outside ASCII');
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest))
      throw bad(text, `"${digest}" is not a sha256 digest (sha256: and 64 lowercase hex digits)`);
  }
  let tag: string | undefined;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag))
      throw bad(
        text,
        `"${tag}" is not a tag (letters, digits, _ . -, at most 128, not starting with . or -)`,
      );
  }
  const parts = rest.split('/');
  let registry = DOCKER_HUB;
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    parts.shift();
    if (!isRegistryHost(registry)) throw bad(text, `"${registry}" is not a registry host[:port]`);
  }
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB;
  for (const part of parts) {
    if (!COMPONENT.test(part)) {
      throw bad(
        text,
        part === ''
          ? 'it has an empty path component'
          : `"${part}" is not a path component (lowercase letters and digits, separated by . _ __ or -)`,
      );
    }
  }
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  const repository = parts.join('/');
  if (repository.length + registry.length + 1 > NAME_MAX)
    throw bad(text, `the name is longer than ${NAME_MAX} characters`);
  return {
    registry,
    repository,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
}

/** host/repository[:tag][@digest], the way docker prints a reference. */
export function referenceText(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** True for a sha256 digest crossgo accepts. */
export function isDigest(value: unknown): value is string {
  return typeof value === 'string' && DIGEST.test(value);
}

/** True for a tag the distribution spec accepts (spec.md "Pulling manifests": [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}). */
export function isTag(value: unknown): value is string {
  return typeof value === 'string' && TAG.test(value);
}

/** True for a repository name (path components joined by /). */
export function isRepository(value: unknown): value is string {
  return (
    typeof value === 'string' && value.length <= NAME_MAX && value.split('/').every((p) => COMPONENT.test(p))
  );
}
