import { IntegrityError } from '../errors.js';
import { digestFile } from '../fs/hash.js';
import { openRegular } from '../fs/open.js';
import type { RegistryClient } from './client.js';
import { RegistryError } from './errors.js';
import { blobPath, checkBytes } from './layout.js';
import type { Descriptor } from './types.js';

/**
 * Blobs (distribution spec.md "Pushing blobs"): HEAD for existence, a cross-repository mount
 * (POST …/uploads/?mount=&from=, 201 mounted, 202 an upload session instead), else an upload:
 * monolithic (POST, then PUT ?digest= with the bytes) up to `chunkThreshold`, chunked above it
 * (PATCH each chunk with Content-Range, then PUT ?digest=). The bytes are read from the layout
 * and checked against the digest before the first byte is sent.
 */
export interface BlobOptions {
  /** Blobs up to this many bytes go in one PUT. Default 16 MiB. */
  chunkThreshold?: number;
  /** Chunk size of a chunked upload. Default 8 MiB. */
  chunkSize?: number;
  /** Whole-upload tries after a 5xx or a lost connection mid-upload. Default 3. */
  uploadAttempts?: number;
}

export type BlobOutcome = { kind: 'existing' | 'mounted' } | { kind: 'uploaded'; bytes: number };

export const DEFAULT_CHUNK_THRESHOLD = 16 * 1024 * 1024;
export const DEFAULT_CHUNK_SIZE = 8 * 1024 * 1024;

/** HEAD /v2/<name>/blobs/<digest>: 200 there, 404 not. */
export async function blobExists(client: RegistryClient, digest: string): Promise<boolean> {
  const response = await client.request('HEAD', client.path(`blobs/${digest}`), {
    ok: [200, 404],
    what: `HEAD blob ${digest}`,
  });
  await response.body?.cancel();
  return response.status === 200;
}

function withDigest(url: URL, digest: string): URL {
  const out = new URL(url);
  out.searchParams.set('digest', digest);
  return out;
}

function locationOf(client: RegistryClient, response: Response, what: string): URL {
  const location = response.headers.get('location');
  if (!location)
    throw new RegistryError(
      client.registry,
      `registry ${client.registry}: ${what} answered ${response.status} without a Location`,
    );
  return client.resolve(location, `${what} Location`);
}

async function startUpload(
  client: RegistryClient,
  descriptor: Descriptor,
  from: string | undefined,
): Promise<URL | null> {
  const query = from
    ? `?mount=${encodeURIComponent(descriptor.digest)}&from=${encodeURIComponent(from)}`
    : '';
  const what = from ? `mount of ${descriptor.digest} from ${from}` : `upload start of ${descriptor.digest}`;
  const response = await client.request('POST', client.path(`blobs/uploads/${query}`), {
    ok: [201, 202],
    what,
  });
  await response.body?.cancel();
  if (response.status === 201) return null;
  return locationOf(client, response, what);
}

async function finishUpload(
  client: RegistryClient,
  location: URL,
  descriptor: Descriptor,
  body: Uint8Array | undefined,
): Promise<void> {
  const response = await client.request('PUT', withDigest(location, descriptor.digest).toString(), {
    ok: [201],
    what: `upload of ${descriptor.digest}`,
    headers: { 'content-type': 'application/octet-stream' },
    body: body ?? new Uint8Array(0),
    retry: false,
  });
  await response.body?.cancel();
}

async function uploadChunks(
  client: RegistryClient,
  start: URL,
  file: string,
  descriptor: Descriptor,
  chunkSize: number,
): Promise<void> {
  let location = start;
  const { handle } = await openRegular(file, { follow: false });
  try {
    for (let offset = 0; offset < descriptor.size; ) {
      const length = Math.min(chunkSize, descriptor.size - offset);
      const chunk = Buffer.alloc(length);
      const { bytesRead } = await handle.read(chunk, 0, length, offset);
      if (bytesRead !== length)
        throw new IntegrityError(`OCI layout blob ${descriptor.digest} became shorter while it was sent`);
      const response = await client.request('PATCH', location.toString(), {
        ok: [202],
        what: `chunk ${offset}-${offset + length - 1} of ${descriptor.digest}`,
        headers: {
          'content-type': 'application/octet-stream',
          'content-range': `${offset}-${offset + length - 1}`,
        },
        body: chunk,
        retry: false,
      });
      await response.body?.cancel();
      location = locationOf(client, response, `chunk of ${descriptor.digest}`);
      offset += length;
    }
  } finally {
    await handle.close();
  }
  // The registry hashes what it got: a file changed since it was checked fails this PUT.
  await finishUpload(client, location, descriptor, undefined);
}

function retryableUpload(error: unknown): boolean {
  return (
    error instanceof RegistryError &&
    !(error.status !== undefined && error.status < 500 && error.status !== 429)
  );
}

/** Puts one blob of the layout into the registry: existing, mounted or uploaded. */
export async function pushBlob(
  client: RegistryClient,
  layout: string,
  descriptor: Descriptor,
  mountFrom: string | undefined,
  options: BlobOptions = {},
): Promise<BlobOutcome> {
  if (await blobExists(client, descriptor.digest)) return { kind: 'existing' };
  const threshold = options.chunkThreshold ?? DEFAULT_CHUNK_THRESHOLD;
  const file = await blobPath(layout, descriptor.digest);
  const where = `OCI layout ${layout}`;
  // Checked before the first byte goes out: a small blob is sent from the very bytes checked.
  let bytes: Buffer | undefined;
  const { handle, info } = await openRegular(file, {
    follow: false,
    shown: `${where} blob ${descriptor.digest}`,
  });
  try {
    if (info.size !== descriptor.size) {
      throw new IntegrityError(
        `${where}: blob ${descriptor.digest.slice(0, 19)}… is ${info.size} bytes, its descriptor says ${descriptor.size}; nothing was tagged; build the layout again`,
      );
    }
    if (info.size <= threshold) bytes = await handle.readFile();
  } finally {
    await handle.close();
  }
  if (bytes) checkBytes(bytes, descriptor, where);
  else {
    const { digest } = await digestFile(file, 'sha256', { follow: false });
    if (`sha256:${digest}` !== descriptor.digest) {
      throw new IntegrityError(
        `${where}: blob ${descriptor.digest.slice(0, 19)}… holds bytes of sha256:${digest.slice(0, 12)}…: it changed after it was written; nothing was tagged; build the layout again`,
      );
    }
  }
  const attempts = options.uploadAttempts ?? 3;
  let from = mountFrom;
  for (let attempt = 1; ; attempt++) {
    try {
      const location = await startUpload(client, descriptor, from);
      if (location === null) return { kind: 'mounted' };
      if (bytes) await finishUpload(client, location, descriptor, bytes);
      else await uploadChunks(client, location, file, descriptor, options.chunkSize ?? DEFAULT_CHUNK_SIZE);
      return { kind: 'uploaded', bytes: descriptor.size };
    } catch (error) {
      if (attempt >= attempts || !retryableUpload(error)) throw error;
      // A mount the registry could not do is not tried again: upload the bytes.
      from = undefined;
    }
  }
}
