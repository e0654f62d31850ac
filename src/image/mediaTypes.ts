/**
 * The media types crossgo's images use, from the OCI image spec v1.1 (media-types.md) and the
 * Docker manifest v2 schema 2 types registries still serve for older images.
 */
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
/** The empty descriptor's type (image-spec manifest.md "Guidance for an Empty Descriptor"): `{}`. */
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
/** The artifactType of the SBOM referrer (CycloneDX's registered media type). */
export const CYCLONEDX_JSON = 'application/vnd.cyclonedx+json';
