import type { Descriptor } from '../registry/types.js';
import type { BlobSet } from './blob.js';
import { layerTar } from './layer.js';
import { blobPath, OCI_LAYOUT_CONTENT, OCI_LAYOUT_FILE } from './layout.js';

/**
 * One tar that `docker load`, `podman load` and skopeo (docker-archive: and oci-archive:) read:
 * the OCI layout (oci-layout, index.json, blobs/sha256/…) — every platform — plus docker's
 * manifest.json (moby image/tarexport) naming one image, `loaded`: docker's store keeps one
 * platform per tag, so the archive says which one `docker load` tags; the others stay reachable
 * through index.json (docker 25+ and podman read it). Blobs are shared, so nothing is stored twice;
 * Config and Layers are paths of blobs in the same tar, as docker 25+'s `docker save` writes them.
 * Deterministic like a layer: sorted entries, uid/gid 0, the commit time.
 */
export async function imageTarball(
  blobs: BlobSet,
  index: Buffer,
  loaded: Descriptor,
  repoTags: string[],
  mtime: Date,
): Promise<Buffer> {
  const manifestBlob = blobs.get(loaded.digest);
  if (!manifestBlob) throw new Error(`bug: ${loaded.digest} is not in the image's blobs`);
  const manifest = JSON.parse(manifestBlob.bytes.toString('utf8')) as {
    config: Descriptor;
    layers: Descriptor[];
  };
  const docker = [
    {
      Config: blobPath(manifest.config.digest),
      RepoTags: repoTags,
      Layers: manifest.layers.map((l) => blobPath(l.digest)),
    },
  ];
  return layerTar(
    [
      { path: `/${OCI_LAYOUT_FILE}`, data: Buffer.from(OCI_LAYOUT_CONTENT), mode: 0o644 },
      { path: '/index.json', data: index, mode: 0o644 },
      { path: '/manifest.json', data: Buffer.from(`${JSON.stringify(docker)}\n`), mode: 0o644 },
      ...[...blobs].map(([digest, blob]) => ({
        path: `/${blobPath(digest)}`,
        data: blob.bytes,
        mode: 0o644,
      })),
    ],
    mtime,
  );
}
