import { createHash } from 'node:crypto';
import { IntegrityError, UsageError } from '../errors.js';
import { confine } from '../fs/confine.js';
import { readRegular } from '../fs/open.js';
import { isIndexType, isManifestType, MAX_MANIFEST_BYTES } from './mediaTypes.js';
import { isDigest } from './reference.js';
import type { Descriptor } from './types.js';

/**
 * An OCI image layout (image-spec image-layout.md) as the push reads it: every blob is
 * blobs/sha256/<hex>, confined to the layout (no link, no folder, no `..`), and its bytes are
 * checked against the digest before anything trusts or sends them.
 */

/** blobs/sha256/<hex> of a digest, checked to be a real file inside the layout. */
export async function blobPath(layout: string, digest: string): Promise<string> {
  if (!isDigest(digest)) throw new UsageError(`OCI layout ${layout}: "${digest}" is not a sha256 digest`);
  return confine(layout, `blobs/sha256/${digest.slice('sha256:'.length)}`, { what: 'OCI layout blob' });
}

/** Throws unless bytes are the descriptor's digest and size. */
export function checkBytes(bytes: Uint8Array, descriptor: Descriptor, where: string): void {
  const got = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (got !== descriptor.digest) {
    throw new IntegrityError(
      `${where}: blob ${descriptor.digest.slice(0, 19)}… holds bytes of ${got.slice(0, 19)}…: it changed after it was written; nothing was tagged; build the layout again`,
    );
  }
  if (bytes.length !== descriptor.size) {
    throw new IntegrityError(
      `${where}: blob ${descriptor.digest.slice(0, 19)}… is ${bytes.length} bytes, its descriptor says ${descriptor.size}`,
    );
  }
}

/** A small blob (a manifest, a config) read whole, size-bounded and digest-checked. */
export async function readSmallBlob(
  layout: string,
  descriptor: Descriptor,
  maxBytes = MAX_MANIFEST_BYTES,
): Promise<Buffer> {
  const file = await blobPath(layout, descriptor.digest);
  const bytes = await readRegular(file, {
    maxBytes,
    follow: false,
    shown: `OCI layout ${layout} blob ${descriptor.digest}`,
  });
  checkBytes(bytes, descriptor, `OCI layout ${layout}`);
  return bytes;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a descriptor's shape (descriptor.md): mediaType, sha256 digest, a safe non-negative size. */
export function parseDescriptor(value: unknown, where: string): Descriptor {
  if (!isRecord(value)) throw new UsageError(`${where}: a descriptor is not an object`);
  const { mediaType, digest, size } = value;
  if (typeof mediaType !== 'string' || !/^[\w.+-]+\/[\w.+-]+$/.test(mediaType) || mediaType.length > 255) {
    throw new UsageError(
      `${where}: descriptor mediaType ${JSON.stringify(mediaType)?.slice(0, 80)} is not a media type`,
    );
  }
  if (!isDigest(digest))
    throw new UsageError(
      `${where}: descriptor digest ${JSON.stringify(digest)?.slice(0, 80)} is not sha256:<64 hex>`,
    );
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw new UsageError(
      `${where}: descriptor ${digest} has size ${JSON.stringify(size)}, not a non-negative integer`,
    );
  }
  const out: Descriptor = { mediaType, digest, size };
  if (isRecord(value.platform)) {
    const { os, architecture, variant } = value.platform;
    if (typeof os === 'string' && typeof architecture === 'string') {
      out.platform = { os, architecture, ...(typeof variant === 'string' ? { variant } : {}) };
    }
  }
  if (typeof value.artifactType === 'string') out.artifactType = value.artifactType;
  if (isRecord(value.annotations)) {
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(value.annotations)) if (typeof v === 'string') annotations[k] = v;
    out.annotations = annotations;
  }
  return out;
}

/** An image manifest or an index, parsed and shape-checked. */
export interface ParsedManifest {
  kind: 'index' | 'manifest';
  mediaType: string;
  /** index: its manifests; manifest: empty. */
  manifests: Descriptor[];
  config?: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  artifactType?: string;
  annotations?: Record<string, string>;
  json: Record<string, unknown>;
}

/** Parses manifest bytes against the media type its descriptor claims (hostile: shape-checked). */
export function parseManifest(bytes: Uint8Array, claimed: string, where: string): ParsedManifest {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    throw new UsageError(`${where}: is not JSON`);
  }
  if (!isRecord(json)) throw new UsageError(`${where}: is not a JSON object`);
  if (json.schemaVersion !== 2)
    throw new UsageError(`${where}: schemaVersion is ${JSON.stringify(json.schemaVersion)}, not 2`);
  const mediaType = typeof json.mediaType === 'string' ? json.mediaType : claimed;
  if (mediaType !== claimed)
    throw new UsageError(`${where}: its mediaType ${mediaType} is not the ${claimed} its descriptor says`);
  const list = (value: unknown, key: string): Descriptor[] => {
    if (value === undefined) return [];
    if (!Array.isArray(value)) throw new UsageError(`${where}: ${key} is not an array`);
    if (value.length > 10_000)
      throw new UsageError(`${where}: ${key} has ${value.length} entries, over crossgo's bound of 10000`);
    return value.map((d, i) => parseDescriptor(d, `${where} ${key}[${i}]`));
  };
  const base = {
    mediaType,
    json,
    ...(json.subject === undefined ? {} : { subject: parseDescriptor(json.subject, `${where} subject`) }),
    ...(typeof json.artifactType === 'string' ? { artifactType: json.artifactType } : {}),
    ...(isRecord(json.annotations) ? { annotations: json.annotations as Record<string, string> } : {}),
  };
  if (isIndexType(mediaType))
    return { ...base, kind: 'index', manifests: list(json.manifests, 'manifests'), layers: [] };
  if (isManifestType(mediaType)) {
    return {
      ...base,
      kind: 'manifest',
      manifests: [],
      config: parseDescriptor(json.config, `${where} config`),
      layers: list(json.layers, 'layers'),
    };
  }
  throw new UsageError(`${where}: media type ${mediaType} is neither an image index nor an image manifest`);
}

/** What a push sends: blobs (configs and layers) and manifests, children before the index that names them. */
export interface LayoutTree {
  blobs: Descriptor[];
  /** Post-order: every manifest after the ones it names. */
  manifests: { descriptor: Descriptor; bytes: Buffer; parsed: ParsedManifest }[];
}

/** Walks a manifest or index and all it names in the layout, checking every manifest's bytes on the way. */
export async function readTree(
  layout: string,
  root: Descriptor,
  tree: LayoutTree = { blobs: [], manifests: [] },
): Promise<LayoutTree> {
  const seenBlobs = new Set(tree.blobs.map((b) => b.digest));
  const seenManifests = new Set(tree.manifests.map((m) => m.descriptor.digest));
  const visit = async (descriptor: Descriptor, depth: number): Promise<void> => {
    if (seenManifests.has(descriptor.digest)) return;
    if (depth > 8)
      throw new UsageError(
        `OCI layout ${layout}: indexes nested deeper than 8 levels at ${descriptor.digest}`,
      );
    const bytes = await readSmallBlob(layout, descriptor);
    const parsed = parseManifest(
      bytes,
      descriptor.mediaType,
      `OCI layout ${layout} manifest ${descriptor.digest}`,
    );
    for (const child of parsed.manifests) await visit(child, depth + 1);
    for (const blob of [...(parsed.config ? [parsed.config] : []), ...parsed.layers]) {
      if (!seenBlobs.has(blob.digest)) {
        seenBlobs.add(blob.digest);
        tree.blobs.push(blob);
      }
    }
    if (!seenManifests.has(descriptor.digest)) {
      seenManifests.add(descriptor.digest);
      tree.manifests.push({ descriptor, bytes, parsed });
    }
  };
  await visit(root, 0);
  return tree;
}
