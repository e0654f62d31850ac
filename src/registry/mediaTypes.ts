/**
 * The manifest media types the client pushes and pulls (image-spec media-types.md, and Docker's
 * manifest v2 schema 2 that registries still serve). The image layer's own constants sit above
 * this layer; these are the registry's view: what is an index, what is a manifest.
 */
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

export const INDEX_TYPES: readonly string[] = [OCI_INDEX, DOCKER_MANIFEST_LIST];
export const MANIFEST_TYPES: readonly string[] = [OCI_MANIFEST, DOCKER_MANIFEST];
/** The Accept header of a manifest GET or HEAD: all four, so a registry never down-converts. */
export const MANIFEST_ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST].join(', ');

/** Manifests and indexes are small; distribution itself refuses bodies over 4 MiB (handlers/manifests.go maxManifestBodySize). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export function isIndexType(mediaType: unknown): boolean {
  return typeof mediaType === 'string' && INDEX_TYPES.includes(mediaType);
}

export function isManifestType(mediaType: unknown): boolean {
  return typeof mediaType === 'string' && MANIFEST_TYPES.includes(mediaType);
}
