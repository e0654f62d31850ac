import { createHash } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { tempPathFor } from '../fs/atomic.js';
import { confine, makeParents } from '../fs/confine.js';
import { sha256File } from '../fs/hash.js';
import { readRegular } from '../fs/open.js';
import type { Descriptor } from '../registry/types.js';
import type { BlobSet } from './blob.js';
import { OCI_INDEX } from './mediaTypes.js';

/** The oci-layout file (image-spec image-layout.md): its one field. */
export const OCI_LAYOUT_FILE = 'oci-layout';
export const OCI_LAYOUT_CONTENT = '{"imageLayoutVersion":"1.0.0"}';
export const REF_NAME = 'org.opencontainers.image.ref.name';

/** Where a layout is written: a folder, and the layout's place in it ("image" inside the output folder, "" for its own). */
export interface LayoutTarget {
  /** The real folder every path is confined to. */
  root: string;
  /** The layout's folder relative to root, forward slashes; "" for root itself. */
  prefix: string;
  /** root as the user named it, for messages. */
  shown: string;
  /** Called with each file's path (relative to root) and sha256 before it is renamed into place: the ownership journal. */
  record(rel: string, sha256: string): Promise<void>;
}

export function blobPath(digest: string): string {
  return `blobs/sha256/${digest.slice('sha256:'.length)}`;
}

/** The layout's index.json: its entries (each a descriptor; a tag as its ref.name annotation). */
export function layoutIndex(entries: readonly Descriptor[]): Buffer {
  return Buffer.from(
    `${JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: entries }, null, 2)}\n`,
  );
}

/**
 * Writes an OCI image layout: every blob under a temporary name, checked against its digest,
 * recorded, then renamed into place (a blob already there with the right bytes is kept: blobs
 * are named by their content); then oci-layout and index.json the same way, index.json last,
 * so a reader never sees an index naming a blob that is not yet there.
 */
export async function writeLayout(target: LayoutTarget, blobs: BlobSet, index: Buffer): Promise<string[]> {
  const written: string[] = [];
  const made = new Set<string>();
  for (const [digest, blob] of blobs) {
    const rel = join(target.prefix, blobPath(digest));
    await putFile(target, rel, blob.bytes, digest.slice('sha256:'.length), made);
    written.push(rel);
  }
  const marker = join(target.prefix, OCI_LAYOUT_FILE);
  const content = Buffer.from(OCI_LAYOUT_CONTENT);
  await putFile(target, marker, content, sha256Hex(content), made);
  const indexRel = join(target.prefix, 'index.json');
  await putFile(target, indexRel, index, sha256Hex(index), made);
  return [...written, marker, indexRel];
}

/** `made`: the folders made (and checked) by this write; the file's own confine re-checks its whole path anyway. */
async function putFile(
  target: LayoutTarget,
  rel: string,
  bytes: Buffer,
  sha256: string,
  made: Set<string>,
): Promise<void> {
  const options = { what: 'OCI layout file', shownRoot: target.shown };
  const folder = path.posix.dirname(rel);
  if (!made.has(folder)) {
    await makeParents(target.root, rel, options);
    made.add(folder);
  }
  const final = await confine(target.root, rel, { ...options, leaf: 'any' });
  const present = await sha256File(final, { follow: false }).catch(() => null);
  await target.record(rel, sha256);
  if (present === sha256) return;
  const temp = tempPathFor(final);
  try {
    await writeFile(temp, bytes, { mode: 0o644, flag: 'wx' });
    // Read back: what is renamed into place is what the digest names (a full disk truncates silently on some file systems).
    const back = await readRegular(temp, { follow: false, shown: path.join(target.shown, rel) });
    if (sha256Hex(back) !== sha256)
      throw new Error(`${path.join(target.shown, rel)}: written bytes differ from their digest`);
    await confine(target.root, rel, { ...options, leaf: 'any' });
    await rename(temp, final);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function join(prefix: string, rel: string): string {
  return prefix === '' ? rel : `${prefix}/${rel}`;
}
