import type { RegistryClient } from './client.js';
import { parseManifest } from './layout.js';
import { getManifest, putManifest } from './manifests.js';
import { isIndexType, MAX_MANIFEST_BYTES, OCI_INDEX } from './mediaTypes.js';
import type { Descriptor } from './types.js';

/**
 * Referrers (distribution spec v1.1 "Listing Referrers" and "Referrers Tag Schema"). A registry
 * with the referrers API answers the PUT of a manifest with a `subject` with an OCI-Subject
 * header, and GET /v2/<name>/referrers/<digest> with an index; one without it (distribution 2.8
 * among them: its router has no such route, so 404) needs the client to keep an index of the
 * subject's referrers under the tag sha256-<hex of the subject's digest>.
 */

/** True when the registry answers the referrers API for this subject (200 with an index). */
export async function referrersApi(
  client: RegistryClient,
  subject: string,
  putHeaders: Headers,
): Promise<boolean> {
  if (putHeaders.get('oci-subject')) return true;
  const response = await client.request('GET', client.path(`referrers/${subject}`), {
    ok: [200, 404, 400, 405],
    what: `GET referrers of ${subject}`,
    headers: { accept: OCI_INDEX },
  });
  if (response.status !== 200) {
    await response.body?.cancel();
    return false;
  }
  const type = (response.headers.get('content-type') ?? '').split(';')[0]?.trim();
  await response.body?.cancel();
  return type === OCI_INDEX;
}

/** The fallback tag of a subject: sha256-<hex>. */
export function fallbackTag(subject: string): string {
  return subject.replace(':', '-');
}

/**
 * Adds a referrer's descriptor to the subject's fallback index (creating it), unless it is
 * there already. Returns true when the index was written.
 */
export async function addToFallback(
  client: RegistryClient,
  subject: string,
  referrer: Descriptor,
): Promise<boolean> {
  const tag = fallbackTag(subject);
  const current = await getManifest(client, tag, true);
  let manifests: Descriptor[] = [];
  let extra: Record<string, unknown> = {};
  if (current) {
    const type = current.contentType || OCI_INDEX;
    if (isIndexType(type)) {
      const parsed = parseManifest(
        current.bytes,
        type,
        `registry ${client.registry} ${client.repository}:${tag}`,
      );
      manifests = parsed.manifests;
      extra = parsed.json;
    }
    // Something else under the tag is not the schema's: replaced by a proper index.
  }
  if (manifests.some((m) => m.digest === referrer.digest)) return false;
  const index = {
    ...extra,
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [...manifests, referrer],
  };
  const bytes = Buffer.from(JSON.stringify(index));
  if (bytes.length > MAX_MANIFEST_BYTES) return false;
  await putManifest(client, tag, bytes, OCI_INDEX);
  return true;
}
