import type { Descriptor } from '../registry/types.js';
import { sha256Digest } from './layer.js';

/** A blob of an image being made: its bytes and the descriptor that names it. */
export interface Blob {
  descriptor: Descriptor;
  bytes: Buffer;
}

/** The blobs of one run, by digest (a blob two images share is kept once). */
export type BlobSet = Map<string, Blob>;

/**
 * JSON bytes of a config, manifest or index: compact (no spaces), keys in the order the object
 * was built (crossgo builds each in one fixed order), UTF-8. The digest is of exactly these bytes,
 * so the same inputs give the same digest.
 */
export function jsonBlob(mediaType: string, value: unknown, extra: Partial<Descriptor> = {}): Blob {
  const bytes = Buffer.from(JSON.stringify(value), 'utf8');
  return { bytes, descriptor: { mediaType, digest: sha256Digest(bytes), size: bytes.length, ...extra } };
}

export function rawBlob(mediaType: string, bytes: Buffer): Blob {
  return { bytes, descriptor: { mediaType, digest: sha256Digest(bytes), size: bytes.length } };
}

export function addBlob(set: BlobSet, blob: Blob): Descriptor {
  if (!set.has(blob.descriptor.digest)) set.set(blob.descriptor.digest, blob);
  return blob.descriptor;
}

/** A descriptor without the fields only an index entry carries (platform, annotations). */
export function plainDescriptor(d: Descriptor): Descriptor {
  return { mediaType: d.mediaType, digest: d.digest, size: d.size };
}
