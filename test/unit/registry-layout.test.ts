import { createHash } from 'node:crypto';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IntegrityError, UsageError } from '../../src/errors.js';
import { parseManifest, readTree } from '../../src/registry/layout.js';
import type { Descriptor } from '../../src/registry/types.js';
import { cleanupTemps, tempDir } from '../helpers/cli.js';

/** The push reads its OCI layout as hostile input: shapes, digests, sizes, links. */
afterAll(cleanupTemps);

const INDEX = 'application/vnd.oci.image.index.v1+json';
const MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const D = `sha256:${'c'.repeat(64)}`;

async function layoutWith(blobs: Buffer[]): Promise<{ dir: string; descriptors: Descriptor[] }> {
  const dir = await tempDir('crossgo-registry-layout-');
  await mkdir(path.join(dir, 'blobs/sha256'), { recursive: true });
  const descriptors: Descriptor[] = [];
  for (const bytes of blobs) {
    const hex = createHash('sha256').update(bytes).digest('hex');
    await writeFile(path.join(dir, 'blobs/sha256', hex), bytes);
    descriptors.push({ mediaType: MANIFEST, digest: `sha256:${hex}`, size: bytes.length });
  }
  return { dir, descriptors };
}

describe('parseManifest', () => {
  const parse =
    (json: unknown, type = MANIFEST) =>
    () =>
      parseManifest(Buffer.from(JSON.stringify(json)), type, 'm');
  it.each([
    ['not schemaVersion 2', { schemaVersion: 1 }, /schemaVersion is 1, not 2/],
    [
      'a mediaType other than claimed',
      { schemaVersion: 2, mediaType: INDEX },
      /its mediaType .*index.* is not the .*manifest.* its descriptor says/,
    ],
    [
      'a digest that is not sha256',
      { schemaVersion: 2, config: { mediaType: 'a/b', digest: 'md5:x', size: 1 }, layers: [] },
      /config: descriptor digest "md5:x" is not sha256/,
    ],
    [
      'a negative size',
      { schemaVersion: 2, config: { mediaType: 'a/b', digest: D, size: -1 }, layers: [] },
      /has size -1/,
    ],
    [
      'layers not an array',
      { schemaVersion: 2, config: { mediaType: 'a/b', digest: D, size: 1 }, layers: {} },
      /layers is not an array/,
    ],
    [
      'a media type with a newline',
      { schemaVersion: 2, config: { mediaType: 'a/b\nc', digest: D, size: 1 } },
      /is not a media type/,
    ],
  ])('refuses %s', (_what, json, why) => {
    expect(parse(json)).toThrow(UsageError);
    expect(parse(json)).toThrow(why);
  });

  it('refuses a media type that is neither index nor manifest', () => {
    expect(parse({ schemaVersion: 2 }, 'text/plain')).toThrow(/neither an image index nor an image manifest/);
  });
});

describe('readTree', () => {
  it('walks an index, children before parents, blobs once', async () => {
    const config = { mediaType: 'application/vnd.oci.image.config.v1+json', digest: D, size: 2 };
    const a = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MANIFEST, config, layers: [config] }),
    );
    const { dir, descriptors } = await layoutWith([a]);
    const index = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: [descriptors[0], descriptors[0]] }),
    );
    const hex = createHash('sha256').update(index).digest('hex');
    await writeFile(path.join(dir, 'blobs/sha256', hex), index);
    const tree = await readTree(dir, { mediaType: INDEX, digest: `sha256:${hex}`, size: index.length });
    expect(tree.manifests.map((m) => m.parsed.kind)).toEqual(['manifest', 'index']);
    expect(tree.blobs.map((b) => b.digest)).toEqual([D]);
  });

  it('refuses a manifest whose bytes are not its digest, or whose size is not the descriptor', async () => {
    const { dir, descriptors } = await layoutWith([Buffer.from('{"schemaVersion":2}')]);
    const d = descriptors[0] as Descriptor;
    await writeFile(path.join(dir, 'blobs/sha256', d.digest.slice(7)), '{"schemaVersion":3}');
    await expect(readTree(dir, d)).rejects.toThrow(IntegrityError);
    await writeFile(path.join(dir, 'blobs/sha256', d.digest.slice(7)), '{"schemaVersion":2}');
    await expect(readTree(dir, { ...d, size: d.size + 1 })).rejects.toThrow(
      /is 19 bytes, its descriptor says 20/,
    );
  });

  it('refuses a blob that is a symbolic link', async () => {
    const { dir, descriptors } = await layoutWith([Buffer.from('{}')]);
    const d = descriptors[0] as Descriptor;
    const other = await tempDir('crossgo-registry-elsewhere-');
    await writeFile(path.join(other, 'x'), '{}');
    const file = path.join(dir, 'blobs/sha256', d.digest.slice(7));
    await rm(file);
    await symlink(path.join(other, 'x'), file);
    await expect(readTree(dir, d)).rejects.toThrow(/is a symbolic link/);
  });
});
