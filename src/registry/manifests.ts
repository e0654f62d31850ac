import { createHash } from 'node:crypto';
import { IntegrityError } from '../errors.js';
import type { RegistryClient } from './client.js';
import { RegistryError } from './errors.js';
import { MANIFEST_ACCEPT, MAX_MANIFEST_BYTES } from './mediaTypes.js';
import { isDigest } from './reference.js';

/**
 * Manifests (spec.md "Pushing manifests", "Pulling manifests"): HEAD for existence, PUT of the
 * exact bytes with their media type, GET size-bounded with the answer's digest checked against
 * the one asked for (by digest) or the one the registry states (Docker-Content-Digest).
 */

export function sha256Digest(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** HEAD /v2/<name>/manifests/<reference>: the digest the registry names, or null when it has none. */
export async function headManifest(client: RegistryClient, reference: string): Promise<string | null> {
  const response = await client.request('HEAD', client.path(`manifests/${reference}`), {
    ok: [200, 404],
    what: `HEAD manifest ${reference}`,
    headers: { accept: MANIFEST_ACCEPT },
  });
  await response.body?.cancel();
  if (response.status === 404) return null;
  const digest = response.headers.get('docker-content-digest');
  if (isDigest(reference)) return reference;
  return isDigest(digest) ? digest : '';
}

/** PUT /v2/<name>/manifests/<reference> with the bytes as they are in the layout; returns the response's headers. */
export async function putManifest(
  client: RegistryClient,
  reference: string,
  bytes: Uint8Array,
  mediaType: string,
): Promise<Headers> {
  const response = await client.request('PUT', client.path(`manifests/${reference}`), {
    ok: [201],
    what: `PUT manifest ${reference}`,
    headers: { 'content-type': mediaType },
    body: bytes,
  });
  await response.body?.cancel();
  const stated = response.headers.get('docker-content-digest');
  const ours = sha256Digest(bytes);
  if (stated && stated !== ours) {
    throw new RegistryError(
      client.registry,
      `registry ${client.registry} stored manifest ${reference} as ${stated}, not its digest ${ours}`,
    );
  }
  return response.headers;
}

export interface FetchedManifest {
  bytes: Buffer;
  digest: string;
  /** The Content-Type the registry sent (OCI indexes may lack a mediaType field). */
  contentType: string;
}

/** GET a manifest by tag or digest, bounded and digest-checked. null on 404 when `missingOk`. */
export async function getManifest(
  client: RegistryClient,
  reference: string,
  missingOk = false,
): Promise<FetchedManifest | null> {
  const response = await client.request('GET', client.path(`manifests/${reference}`), {
    ok: missingOk ? [200, 404] : [200],
    what: `GET manifest ${reference}`,
    headers: { accept: MANIFEST_ACCEPT },
  });
  if (response.status === 404) {
    await response.body?.cancel();
    return null;
  }
  const bytes = await client.readBody(response, MAX_MANIFEST_BYTES, `manifest ${reference}`);
  const digest = sha256Digest(bytes);
  const expected = isDigest(reference) ? reference : response.headers.get('docker-content-digest');
  if (expected && expected !== digest) {
    throw new IntegrityError(
      `registry ${client.registry}: manifest ${client.repository}:${reference} has digest ${digest}, not the ${expected} ${isDigest(reference) ? 'asked for' : 'the registry states'}: refusing it`,
    );
  }
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '';
  return { bytes, digest, contentType };
}
