import { gzipSync } from 'fflate';
import { pack } from 'tar-stream';

/**
 * Archive bytes that depend only on what goes in: crossgo's release archives, its image layers
 * and its packages' gzipped files are the same on every machine.
 */

/** One member of a tar; folders have no data and are written with a trailing slash. */
export interface TarEntry {
  /** Forward slashes, no trailing slash. */
  name: string;
  data: Uint8Array | null;
  mode: number;
}

/**
 * A tar of `entries` in the order given (callers sort them): uid/gid 0, no user or group names,
 * the given modes, one mtime for all (tar-stream floors it to whole seconds: the header has no
 * finer field). Nothing comes from the machine: not the umask, the time zone or the file system.
 */
export async function tarBytes(entries: readonly TarEntry[], mtime: Date): Promise<Buffer> {
  const tar = pack();
  const chunks: Buffer[] = [];
  tar.on('data', (chunk: unknown) => {
    chunks.push(chunk as Buffer);
  });
  const done = new Promise<void>((resolve, reject) => {
    tar.on('end', resolve);
    tar.on('error', reject);
  });
  const seconds = new Date(Math.floor(mtime.getTime() / 1000) * 1000);
  for (const entry of entries) {
    const header = {
      name: entry.data ? entry.name : `${entry.name}/`,
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
export function deterministicGzip(data: Uint8Array | string): Buffer {
  const gz = Buffer.from(
    gzipSync(typeof data === 'string' ? Buffer.from(data) : data, { level: 9, mem: 8, mtime: 0 }),
  );
  // Bytes 0-9: ID1 ID2 CM FLG MTIME(4) XFL OS; FLG 0 (no name, no FHCRC), so the OS byte is free to set.
  if (gz[0] !== 0x1f || gz[1] !== 0x8b || gz[3] !== 0 || gz.readUInt32LE(4) !== 0) {
    throw new Error('bug: unexpected gzip header from fflate');
  }
  gz[9] = OS_UNKNOWN;
  return gz;
}
