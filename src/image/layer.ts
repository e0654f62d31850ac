import { createHash } from 'node:crypto';
import { gzipSync } from 'fflate';
import { pack } from 'tar-stream';

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
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on('data', (chunk: unknown) => {
    chunks.push(chunk as Buffer);
  });
  const done = new Promise<void>((resolve, reject) => {
    tar.on('end', resolve);
    tar.on('error', reject);
  });
  // tar-stream floors the mtime to whole seconds; the header has no finer field.
  const seconds = new Date(Math.floor(mtime.getTime() / 1000) * 1000);
  for (const name of names) {
    const entry = byPath.get(name) as LayerEntry;
    const header = {
      name: entry.data ? name : `${name}/`,
      mode: entry.mode,
      mtime: seconds,
      uid: 0,
      gid: 0,
      uname: '',
      gname: '',
      type: entry.data ? ('file' as const) : ('directory' as const),
      size: entry.data ? entry.data.length : 0,
    };
    const data = entry.data ? Buffer.from(entry.data.buffer, entry.data.byteOffset, entry.data.length) : '';
    await new Promise<void>((resolve, reject) => {
      tar.entry(header, data, (error) => (error ? reject(error) : resolve()));
    });
  }
  tar.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** The gzip header's OS byte (RFC 1952 §2.3.1): 255, "unknown", as Go's compress/gzip writes it. */
const OS_UNKNOWN = 255;

/**
 * Gzip bytes that depend only on the input, on every machine. Not node's zlib: node bundles
 * Chromium's zlib, whose deflate hashes with the CPU's CRC32C instruction when it has one
 * (deps/zlib/contrib/optimizations/insert_string.h: insert_string_simd when x86_cpu_enable_simd
 * or arm_cpu_enable_crc32) and with canonical zlib's rolling hash otherwise, so one input gives
 * other bytes on a CPU without SSE4.2 (or without arm's crc extension), and a node release may
 * change them. fflate is deflate in plain JavaScript — integer arithmetic the same on every
 * engine and CPU — pinned to one exact version in package.json, with every parameter fixed
 * (level 9, memory level 8). The header carries no file name and a zero mtime, and its OS byte is
 * 255 ("unknown") rather than the writer's platform. The diff_id (sha256 of the tar) does not
 * depend on the compressor at all.
 */
/**
 * Names the deflate that made crossgo's layers (and its parameters), as an annotation of each
 * layer's descriptor: the bytes of a layer are a function of its tar *and* of this, so a layout
 * says which deflate to run to get them again, and a later run reuses an earlier run's blob only
 * when the annotation is this one. Must change with the fflate version in package.json (a unit
 * test checks it) or a parameter below.
 */
export const GZIP_ANNOTATION = 'crossgo.layer.gzip';
export const GZIP_IMPLEMENTATION = 'fflate 0.8.3 level 9 mem 8';

export function deterministicGzip(data: Uint8Array): Buffer {
  const gz = Buffer.from(gzipSync(data, { level: 9, mem: 8, mtime: 0 }));
  // Bytes 0-9: ID1 ID2 CM FLG MTIME(4) XFL OS; FLG 0 (no name, no FHCRC), so the OS byte is free to set.
  if (gz[0] !== 0x1f || gz[1] !== 0x8b || gz[3] !== 0 || gz.readUInt32LE(4) !== 0) {
    throw new Error('bug: unexpected gzip header from fflate');
  }
  gz[9] = OS_UNKNOWN;
  return gz;
}

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
