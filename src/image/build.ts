import type { Descriptor } from '../registry/types.js';
import { addBlob, type Blob, type BlobSet, jsonBlob, plainDescriptor, rawBlob } from './blob.js';
import {
  deterministicLayer,
  GZIP_ANNOTATION,
  GZIP_IMPLEMENTATION,
  type Layer,
  type LayerEntry,
  type ReuseLayer,
  sha256Digest,
} from './layer.js';
import {
  CYCLONEDX_JSON,
  DOCKER_LAYER_GZIP,
  OCI_CONFIG,
  OCI_EMPTY,
  OCI_INDEX,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
} from './mediaTypes.js';
import type { OciPlatform } from './platform.js';

/** The runtime settings of an image config (image-spec config.md `config`). */
export interface ContainerSettings {
  Entrypoint?: string[];
  Cmd?: string[];
  Env?: string[];
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: Record<string, Record<string, never>>;
  Labels?: Record<string, string>;
  [key: string]: unknown;
}

/** An OCI image config (image-spec config.md), as crossgo writes it and as a base image's is read. */
export interface ImageConfigJson {
  created?: string;
  architecture: string;
  os: string;
  variant?: string;
  config?: ContainerSettings;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: { created?: string; created_by?: string; comment?: string; empty_layer?: boolean }[];
  [key: string]: unknown;
}

/** A base image for one platform: its config and its layers (bytes checked against their digests by the puller). */
export interface BaseImage {
  /** The reference as the user wrote it, for the history. */
  ref: string;
  config: ImageConfigJson;
  layers: Blob[];
}

/** What one platform's image is made of. */
export interface PlatformImageInput {
  target: string;
  platform: OciPlatform;
  /** The binary's bytes (checked against the manifest's sha256) and where it goes in the image. */
  binary: Buffer;
  binaryPath: string;
  /** The binary's CycloneDX SBOM (JSON bytes), attached as a referrer; null: none. */
  sbom: Buffer | null;
  /** The SBOM's file name, for its layer's title annotation. */
  sbomName: string;
  /** null: scratch, with `scratch` files (CA bundle, passwd, group, /tmp) as its first layer. */
  base: BaseImage | null;
  scratch: LayerEntry[];
  /** Runtime settings from the config; an absent one keeps the base's (scratch: crossgo's default). */
  settings: {
    entrypoint: string[];
    cmd?: string[];
    env: Record<string, string>;
    workdir?: string;
    user?: string;
    ports: string[];
    labels: Record<string, string>;
  };
  /** Extra notes for the scratch layer's history (the CA bundle's origin). */
  scratchNote: string;
}

export interface ImageSetInput {
  images: PlatformImageInput[];
  /** The commit time (ISO 8601): every created field and every tar mtime. */
  created: string;
  /** org.opencontainers.image.* annotations of every manifest and the index (also labels of each config). */
  annotations: Record<string, string>;
  /** An earlier run's compressed layer for a diff_id (see ReuseLayer). */
  reuse?: ReuseLayer;
}

/** One platform's image as made: its manifest's descriptor (with platform) and its SBOM referrer's. */
export interface MadeImage {
  target: string;
  platform: OciPlatform;
  manifest: Descriptor;
  referrer: Descriptor | null;
}

export interface ImageSet {
  blobs: BlobSet;
  index: Descriptor;
  images: MadeImage[];
}

/** The empty JSON object, the config of an artifact manifest (image-spec manifest.md "Guidance for an Empty Descriptor"). */
const EMPTY_JSON = Buffer.from('{}');

/**
 * Every blob of a multi-platform image: per platform its layers (the base's, then crossgo's
 * deterministic ones), its config and manifest, its SBOM referrer; then the index over the
 * manifests. Pure: bytes in, bytes out; nothing written.
 */
export async function buildImageSet(input: ImageSetInput): Promise<ImageSet> {
  const blobs: BlobSet = new Map();
  const mtime = new Date(input.created);
  const images: MadeImage[] = [];
  // The scratch layer is the same for every platform: made once per distinct content.
  const scratchLayers = new Map<string, Layer>();
  // The binaries' layers side by side (a reused one waits on zlib's thread pool); added in order below.
  const binaryLayers = await Promise.all(
    input.images.map((image) =>
      deterministicLayer([{ path: image.binaryPath, data: image.binary, mode: 0o755 }], mtime, input.reuse),
    ),
  );
  for (const [position, image] of input.images.entries()) {
    const layers: Descriptor[] = [];
    const diffIds: string[] = [];
    const history: NonNullable<ImageConfigJson['history']> = [];
    if (image.base) {
      for (const layer of image.base.layers) {
        // A docker gzip layer is the same bytes as an OCI one; the OCI type keeps the manifest one kind.
        const mediaType =
          layer.descriptor.mediaType === DOCKER_LAYER_GZIP ? OCI_LAYER_GZIP : layer.descriptor.mediaType;
        layers.push(
          addBlob(blobs, {
            bytes: layer.bytes,
            descriptor: { ...plainDescriptor(layer.descriptor), mediaType },
          }),
        );
      }
      diffIds.push(...image.base.config.rootfs.diff_ids);
      history.push(...(image.base.config.history ?? []));
    } else {
      const key = image.scratch
        .map((e) => `${e.path}\0${e.mode}\0${e.data ? sha256Digest(e.data) : '-'}`)
        .join('\n');
      const scratch = scratchLayers.get(key) ?? (await deterministicLayer(image.scratch, mtime, input.reuse));
      scratchLayers.set(key, scratch);
      layers.push(gzipLayer(blobs, scratch.blob));
      diffIds.push(scratch.diffId);
      history.push({
        created: input.created,
        created_by: `crossgo image: scratch base (${image.scratchNote})`,
      });
    }
    const binary = binaryLayers[position] as Layer;
    layers.push(gzipLayer(blobs, binary.blob));
    diffIds.push(binary.diffId);
    history.push({
      created: input.created,
      created_by: `crossgo image: ${image.binaryPath} (${image.target})`,
    });

    const config = imageConfig(image, input, diffIds, history);
    const configDescriptor = addBlob(blobs, jsonBlob(OCI_CONFIG, config));
    const manifest = jsonBlob(OCI_MANIFEST, {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: configDescriptor,
      layers,
      annotations: input.annotations,
    });
    addBlob(blobs, manifest);
    const referrer = image.sbom ? sbomReferrer(blobs, image, manifest.descriptor, input.created) : null;
    images.push({
      target: image.target,
      platform: image.platform,
      manifest: { ...manifest.descriptor, platform: image.platform },
      referrer,
    });
  }
  const index = jsonBlob(OCI_INDEX, {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: images.map((i) => i.manifest),
    annotations: input.annotations,
  });
  addBlob(blobs, index);
  return { blobs, index: index.descriptor, images };
}

function imageConfig(
  image: PlatformImageInput,
  input: ImageSetInput,
  diffIds: string[],
  history: NonNullable<ImageConfigJson['history']>,
): ImageConfigJson {
  const base = image.base?.config.config ?? {};
  const { settings } = image;
  // The base's Env, with the config's variables replacing the same names and the rest appended.
  const env = new Map<string, string>();
  for (const line of base.Env ?? []) {
    const eq = line.indexOf('=');
    env.set(eq < 0 ? line : line.slice(0, eq), eq < 0 ? '' : line.slice(eq + 1));
  }
  for (const [name, value] of Object.entries(settings.env)) env.set(name, value);
  const ports: Record<string, Record<string, never>> = { ...(base.ExposedPorts ?? {}) };
  for (const port of settings.ports) ports[port] = {};
  // The config's labels last: a label of its own (say its source) wins over crossgo's.
  const labels = { ...(base.Labels ?? {}), ...input.annotations, ...settings.labels };
  const container: ContainerSettings = {};
  const user = settings.user ?? base.User;
  if (user) container.User = user;
  if (Object.keys(ports).length > 0) container.ExposedPorts = sortedRecord(ports);
  if (env.size > 0) container.Env = [...env].map(([name, value]) => `${name}=${value}`);
  container.Entrypoint = settings.entrypoint;
  // A new entrypoint drops the base's Cmd (its arguments were for the base's program), as docker does.
  if (settings.cmd && settings.cmd.length > 0) container.Cmd = settings.cmd;
  container.WorkingDir = settings.workdir ?? base.WorkingDir ?? '/';
  container.Labels = sortedRecord(labels);
  return {
    created: input.created,
    architecture: image.platform.architecture,
    os: image.platform.os,
    ...(image.platform.variant ? { variant: image.platform.variant } : {}),
    config: container,
    rootfs: { type: 'layers', diff_ids: diffIds },
    history,
  };
}

/**
 * The SBOM as an OCI artifact that refers to the image (image-spec manifest.md "Guidelines for
 * Artifact Usage"): artifactType CycloneDX, the empty config, one layer (the SBOM) and the image
 * manifest as its subject. Registries list it under the subject's referrers.
 */
function sbomReferrer(
  blobs: BlobSet,
  image: PlatformImageInput,
  subject: Descriptor,
  created: string,
): Descriptor {
  const empty = addBlob(blobs, rawBlob(OCI_EMPTY, EMPTY_JSON));
  const sbom = addBlob(blobs, rawBlob(CYCLONEDX_JSON, image.sbom as Buffer));
  const referrer = jsonBlob(
    OCI_MANIFEST,
    {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: CYCLONEDX_JSON,
      config: empty,
      layers: [{ ...sbom, annotations: { 'org.opencontainers.image.title': image.sbomName } }],
      subject: plainDescriptor(subject),
      annotations: { 'org.opencontainers.image.created': created },
    },
    { artifactType: CYCLONEDX_JSON },
  );
  addBlob(blobs, referrer);
  return referrer.descriptor;
}

/** A layer crossgo compressed: its descriptor says with what (GZIP_ANNOTATION). */
function gzipLayer(blobs: BlobSet, blob: Buffer): Descriptor {
  const descriptor = addBlob(blobs, rawBlob(OCI_LAYER_GZIP, blob));
  return { ...descriptor, annotations: { [GZIP_ANNOTATION]: GZIP_IMPLEMENTATION } };
}

function sortedRecord<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
