import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { confine } from '../../fs/confine.js';
import { readRegular } from '../../fs/open.js';
import { GZIP_ANNOTATION, GZIP_IMPLEMENTATION, type ReuseLayer } from '../../image/layer.js';
import { blobPath } from '../../image/layout.js';
import type { ImageArtifact } from '../../pipeline/manifest.js';
import { LAYOUT_PREFIX } from './context.js';

const gunzipAsync = promisify(gunzip);
const MAX_JSON_BYTES = 4 * 1024 * 1024;
/** A layer crossgo made holds one binary (and scratch's files): far below this. */
const MAX_LAYER_BYTES = 1024 * 1024 * 1024;

/**
 * The layers of the previous run's layout in the output folder, by diff_id, for reuse: only
 * layers this deflate made (their descriptor's GZIP_ANNOTATION), and each only after its blob
 * holds its digest and decompresses to a tar with that diff_id. Everything is read as hostile
 * (the folder is the user's): a record or blob that does not check out is simply not reused.
 */
export async function previousLayers(root: string, previous: readonly ImageArtifact[]): Promise<ReuseLayer> {
  const byDiffId = new Map<string, string>();
  for (const record of previous) {
    if (record.role !== 'manifest') continue;
    const manifest = await readJson(root, record.digest);
    const config = manifest?.config as { digest?: unknown } | undefined;
    const layers = manifest?.layers;
    if (!config || typeof config.digest !== 'string' || !Array.isArray(layers)) continue;
    const diffIds = ((await readJson(root, config.digest))?.rootfs as { diff_ids?: unknown } | undefined)
      ?.diff_ids;
    if (!Array.isArray(diffIds) || diffIds.length !== layers.length) continue;
    for (const [i, layer] of layers.entries()) {
      const d = layer as { digest?: unknown; annotations?: Record<string, unknown> };
      const diffId = diffIds[i];
      if (
        typeof d.digest === 'string' &&
        typeof diffId === 'string' &&
        d.annotations?.[GZIP_ANNOTATION] === GZIP_IMPLEMENTATION
      ) {
        byDiffId.set(diffId, d.digest);
      }
    }
  }
  return async (diffId) => {
    const digest = byDiffId.get(diffId);
    if (!digest) return null;
    const blob = await readBlob(root, digest, MAX_LAYER_BYTES);
    if (!blob) return null;
    try {
      // zlib's own thread pool: the layers of several platforms decompress side by side.
      const tar = await gunzipAsync(blob, { maxOutputLength: 4 * MAX_LAYER_BYTES });
      return `sha256:${hex(tar)}` === diffId ? blob : null;
    } catch {
      return null;
    }
  };
}

async function readJson(root: string, digest: string): Promise<Record<string, unknown> | null> {
  const bytes = await readBlob(root, digest, MAX_JSON_BYTES);
  if (!bytes) return null;
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** A blob of the output folder's layout, confined and checked against its digest; null when it is not there or not that. */
async function readBlob(root: string, digest: string, maxBytes: number): Promise<Buffer | null> {
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) return null;
  try {
    const file = await confine(root, `${LAYOUT_PREFIX}/${blobPath(digest)}`, { what: 'OCI layout blob' });
    const bytes = await readRegular(file, { follow: false, maxBytes });
    return `sha256:${hex(bytes)}` === digest ? bytes : null;
  } catch {
    return null;
  }
}

function hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
