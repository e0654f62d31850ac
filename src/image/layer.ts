import { createHash } from 'node:crypto';
import { deterministicGzip, tarBytes } from '../fs/deterministic.js';

export { deterministicGzip };

/** One file or folder of a layer; paths are absolute in the image (`/etc/passwd`). */
export interface LayerEntry {
  path: string;
  /** null: a folder. */
  data: Uint8Array | null;
  /** Permission bits (and the sticky bit for /tmp): 0o755, 0o644, 0o1777. */
  mode: number;
}

/** A layer's two digests: of its tar (the config's rootfs.diff_ids) and of its gzip (the manifest's descriptor). */
export interface Layer {
  /** The gzip-compressed tar: the blob. */
  blob: Buffer;
  /** sha256:<hex> of `blob`. */
  digest: string;
  /** sha256:<hex> of the uncompressed tar. */
  diffId: string;
}

/** Folders crossgo adds for the parents of an entry: root-owned, 0755, as in distroless. */
const FOLDER_MODE = 0o755;

/**
 * A layer whose bytes depend only on the entries and the time: every parent folder is added,
 * entries are sorted by path (byte order, so a folder comes before what is in it), every entry
 * has uid/gid 0, empty user and group names and the one mtime (the commit's), and the modes given
 * (nothing from the umask or the file system). tar-stream writes ustar headers and a PAX header
 * only for what ustar cannot hold (a path over 100 bytes), the same for the same input.
 */
export async function deterministicLayer(
  entries: readonly LayerEntry[],
  mtime: Date,
  reuse?: ReuseLayer,
): Promise<Layer> {
  const tar = await layerTar(entries, mtime);
  const diffId = sha256Digest(tar);
  // The same tar compresses to the same bytes: an earlier run's blob of it saves the deflate.
  const blob = (await reuse?.(diffId)) ?? deterministicGzip(tar);
  return { blob, digest: sha256Digest(blob), diffId };
}

/**
 * An earlier run's compressed blob of the tar with this diff_id, or null. It must be what
 * deterministicGzip makes of that tar (an earlier crossgo's layout, checked by its caller: the
 * blob's digest, and that it decompresses to the diff_id).
 */
export type ReuseLayer = (diffId: string) => Promise<Buffer | null>;

/** The uncompressed tar of deterministicLayer. */
export async function layerTar(entries: readonly LayerEntry[], mtime: Date): Promise<Buffer> {
  const byPath = new Map<string, LayerEntry>();
  for (const entry of entries) {
    const rel = layerPath(entry.path);
    if (byPath.has(rel)) throw new Error(`bug: ${entry.path} is twice in one layer`);
    byPath.set(rel, entry);
    for (let dir = parentOf(rel); dir !== ''; dir = parentOf(dir)) {
      if (!byPath.has(dir)) byPath.set(dir, { path: `/${dir}`, data: null, mode: FOLDER_MODE });
    }
  }
  // A folder named explicitly (say /tmp 1777) keeps its mode even when added as a parent first.
  for (const entry of entries) byPath.set(layerPath(entry.path), entry);
  const names = [...byPath.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return tarBytes(
    names.map((name) => {
      const entry = byPath.get(name) as LayerEntry;
      return { name, data: entry.data, mode: entry.mode };
    }),
    mtime,
  );
}

/**
 * Names the deflate that made crossgo's layers (and its parameters), as an annotation of each
 * layer's descriptor: the bytes of a layer are a function of its tar *and* of this, so a layout
 * says which deflate to run to get them again, and a later run reuses an earlier run's blob only
 * when the annotation is this one. Must change with the fflate version in package.json (a unit
 * test checks it) or a parameter below.
 */
export const GZIP_ANNOTATION = 'crossgo.layer.gzip';
export const GZIP_IMPLEMENTATION = 'fflate 0.8.3 level 9 mem 8';

export function sha256Digest(data: Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** An image path as a tar member name: no leading slash, no `.`/`..` or empty parts. */
function layerPath(file: string): string {
  const parts = file.split('/').filter((p) => p !== '');
  if (parts.length === 0 || parts.some((p) => p === '.' || p === '..')) {
    throw new Error(`bug: ${JSON.stringify(file)} is not a path crossgo puts into an image`);
  }
  return parts.join('/');
}

function parentOf(rel: string): string {
  const slash = rel.lastIndexOf('/');
  return slash < 0 ? '' : rel.slice(0, slash);
}
