import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { IntegrityError, UsageError } from '../errors.js';
import { tempPathFor, writeFileAtomic } from '../fs/atomic.js';
import { digestFile } from '../fs/hash.js';
import { readRegular } from '../fs/open.js';
import { RegistryClient } from './client.js';
import { RegistryError } from './errors.js';
import { checkBytes, parseManifest } from './layout.js';
import { getManifest } from './manifests.js';
import { isIndexType, isManifestType } from './mediaTypes.js';
import { type Platform, platformMatches, platformText } from './platform.js';
import { parseReference, referenceText } from './reference.js';
import type { Descriptor, ImageReference } from './types.js';

/**
 * `--base REF`: resolves a tag or digest to an index or a manifest (OCI or Docker v2 schema 2),
 * picks the manifest of one platform, and fetches its config and layers into an OCI layout's
 * blobs/sha256/ (a temp name, then a rename once the digest and size are right). What comes back
 * is what the image builder stacks its layer on; `repository` lets a push on the same registry
 * mount the layers instead of uploading them.
 */
export interface PullOptions {
  insecure?: readonly string[];
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
  attempts?: number;
  retryBaseMs?: number;
  /** Bound on one layer. Default 8 GiB. */
  maxLayerBytes?: number;
  /** Bound on the config. Default 16 MiB. */
  maxConfigBytes?: number;
}

export interface PulledImage {
  /** The platform's manifest (by digest, with its platform). */
  manifest: Descriptor;
  /** The manifest as parsed (its exact bytes are blobs/sha256/<hex> in the layout). */
  manifestJson: Record<string, unknown>;
  config: Record<string, unknown>;
  /** Its layers, in order, each in the layout. */
  layers: Descriptor[];
  /** The repository on `registry` that holds them (for a mount). */
  registry: string;
  repository: string;
}

const MAX_CONFIG_BYTES = 16 * 1024 * 1024;
const MAX_LAYER_BYTES = 8 * 1024 * 1024 * 1024;

async function blobOnDisk(file: string, descriptor: Descriptor): Promise<boolean> {
  const info = await lstat(file).catch(() => null);
  if (!info?.isFile() || info.size !== descriptor.size) return false;
  const { digest } = await digestFile(file, 'sha256', { follow: false });
  return `sha256:${digest}` === descriptor.digest;
}

/** Streams a blob to a temp name beside its place, hashing on the way; renamed only when digest and size match. */
async function fetchBlob(
  client: RegistryClient,
  descriptor: Descriptor,
  dir: string,
  maxBytes: number,
): Promise<void> {
  const file = path.join(dir, descriptor.digest.slice('sha256:'.length));
  if (await blobOnDisk(file, descriptor)) return;
  if (descriptor.size > maxBytes) {
    throw new RegistryError(
      client.registry,
      `registry ${client.registry}: blob ${descriptor.digest} is ${descriptor.size} bytes, over crossgo's bound of ${maxBytes}`,
    );
  }
  const response = await client.request('GET', client.path(`blobs/${descriptor.digest}`), {
    ok: [200],
    what: `GET blob ${descriptor.digest}`,
  });
  const temp = tempPathFor(file);
  const hash = createHash('sha256');
  let size = 0;
  const out = createWriteStream(temp, { flags: 'wx', mode: 0o644 });
  try {
    for await (const chunk of (response.body ?? []) as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > descriptor.size) {
        await response.body?.cancel().catch(() => {});
        throw new IntegrityError(
          `registry ${client.registry}: blob ${descriptor.digest} is longer than the ${descriptor.size} bytes its descriptor says: refusing it`,
        );
      }
      hash.update(chunk);
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
    }
    await new Promise<void>((resolve, reject) =>
      out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    const got = `sha256:${hash.digest('hex')}`;
    if (got !== descriptor.digest || size !== descriptor.size) {
      throw new IntegrityError(
        `registry ${client.registry}: blob ${descriptor.digest} arrived as ${size} bytes of ${got}: refusing it`,
      );
    }
    await rename(temp, file);
  } catch (error) {
    out.destroy();
    await rm(temp, { force: true });
    throw error;
  }
}

export async function pullPlatformImage(
  reference: string | ImageReference,
  platform: Platform,
  layoutDir: string,
  options: PullOptions = {},
): Promise<PulledImage> {
  const ref = typeof reference === 'string' ? parseReference(reference) : reference;
  const shown = referenceText(ref);
  const client = new RegistryClient({
    ...options,
    registry: ref.registry,
    repository: ref.repository,
    push: false,
  });
  const blobs = path.join(layoutDir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });

  const top = await getManifest(client, ref.digest ?? ref.tag ?? 'latest');
  if (!top) throw new RegistryError(ref.registry, `registry ${ref.registry}: ${shown} not found`);
  const topType = top.contentType || 'application/vnd.oci.image.manifest.v1+json';
  let parsed = parseManifest(
    top.bytes,
    isIndexType(topType) || isManifestType(topType) ? topType : jsonType(top.bytes, topType),
    `registry ${shown}`,
  );
  let manifest: Descriptor = { mediaType: parsed.mediaType, digest: top.digest, size: top.bytes.length };
  let bytes = top.bytes;
  const fromIndex = parsed.kind === 'index';
  if (fromIndex) {
    const chosen = parsed.manifests.find(
      (m) => isManifestType(m.mediaType) && platformMatches(platform, m.platform),
    );
    if (!chosen) {
      const offered = parsed.manifests
        .flatMap((m) => (m.platform ? [platformText(m.platform)] : []))
        .join(', ');
      throw new UsageError(
        `base image ${shown} has no ${platformText(platform)} image (it has ${offered || 'none with a platform'}): choose another base or drop the target`,
      );
    }
    const child = await getManifest(client, chosen.digest);
    if (!child)
      throw new RegistryError(
        ref.registry,
        `registry ${ref.registry}: ${shown}'s ${platformText(platform)} manifest ${chosen.digest} is missing`,
      );
    checkBytes(child.bytes, chosen, `registry ${shown}`);
    parsed = parseManifest(child.bytes, chosen.mediaType, `registry ${shown}@${chosen.digest}`);
    manifest = chosen;
    bytes = child.bytes;
  } else {
    manifest = { ...manifest, platform };
  }
  const config = parsed.config;
  if (!config) throw new RegistryError(ref.registry, `registry ${shown}: the manifest has no config`);
  await fetchBlob(client, config, blobs, options.maxConfigBytes ?? MAX_CONFIG_BYTES);
  const configBytes = await readRegular(path.join(blobs, config.digest.slice(7)), {
    maxBytes: options.maxConfigBytes ?? MAX_CONFIG_BYTES,
    follow: false,
  });
  let configJson: unknown;
  try {
    configJson = JSON.parse(configBytes.toString('utf8'));
  } catch {
    throw new RegistryError(ref.registry, `registry ${shown}: the image config ${config.digest} is not JSON`);
  }
  if (typeof configJson !== 'object' || configJson === null || Array.isArray(configJson)) {
    throw new RegistryError(
      ref.registry,
      `registry ${shown}: the image config ${config.digest} is not a JSON object`,
    );
  }
  if (!fromIndex) {
    // A single-platform base names its platform in the config only (image-spec config.md).
    const { os, architecture, variant } = configJson as Record<string, unknown>;
    const offered = {
      os: typeof os === 'string' ? os : '',
      architecture: typeof architecture === 'string' ? architecture : '',
      ...(typeof variant === 'string' ? { variant } : {}),
    };
    if (!platformMatches(platform, offered)) {
      throw new UsageError(
        `base image ${shown} is a single ${platformText(offered) || 'unknown-platform'} image, not ${platformText(platform)}: choose a multi-platform base or drop the target`,
      );
    }
  }
  for (const layer of parsed.layers)
    await fetchBlob(client, layer, blobs, options.maxLayerBytes ?? MAX_LAYER_BYTES);
  await writeFileAtomic(path.join(blobs, manifest.digest.slice(7)), bytes);
  options.log?.(
    `base ${shown} ${platformText(platform)}: ${manifest.digest}, ${parsed.layers.length} layers`,
  );
  return {
    manifest,
    manifestJson: parsed.json,
    config: configJson as Record<string, unknown>,
    layers: parsed.layers,
    registry: ref.registry,
    repository: ref.repository,
  };
}

/** A manifest served with a vague Content-Type: its own mediaType field decides. */
function jsonType(bytes: Buffer, fallback: string): string {
  try {
    const mediaType = (JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown }).mediaType;
    return typeof mediaType === 'string' ? mediaType : fallback;
  } catch {
    return fallback;
  }
}

/**
 * PushOptions.mountFrom for bases pulled from the registry a push goes to: each base layer (and
 * config) digest → the base's repository, so the push mounts them instead of uploading.
 */
export function mountSources(bases: readonly PulledImage[], registry: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const base of bases) {
    if (base.registry !== registry) continue;
    for (const layer of base.layers) out[layer.digest] ??= base.repository;
  }
  return out;
}
