import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readFacts } from '../../binary/read.js';
import { BufferSource } from '../../binary/source.js';
import { UsageError } from '../../errors.js';
import { confine } from '../../fs/confine.js';
import { readRegular } from '../../fs/open.js';
import { buildImageSet, type PlatformImageInput } from '../../image/build.js';
import { blobPath } from '../../image/layout.js';
import { CYCLONEDX_JSON, OCI_INDEX, OCI_MANIFEST } from '../../image/mediaTypes.js';
import { CA_BUNDLE_PATH, scratchEntries } from '../../image/scratch.js';
import { artifactsOfKind, type BinaryArtifact, type ImageArtifact } from '../../pipeline/manifest.js';
import { readVerified } from '../../pipeline/releaseOutput.js';
import type { Stage } from '../../pipeline/stage.js';
import { cycloneDx } from '../../release/sbom.js';
import { CROSSGO_VERSION } from '../../version.js';
import { pullBase } from './base.js';
import { type ImageContext, LAYOUT_PREFIX } from './context.js';
import { previousLayers } from './reuse.js';

/** The host's CA bundle, which a scratch image carries (the same path in the image). */
export const HOST_CA_BUNDLE = CA_BUNDLE_PATH;

/**
 * Makes every platform's image in memory: the binary (checked against its sha256), its SBOM
 * (crossgo package's, else made from the binary's build info), the base (scratch's files or the
 * pulled base image), then the index; and records each in the manifest's artifact list.
 */
export const imageStage: Stage<ImageContext> = {
  name: 'image',
  async run(ctx) {
    const { plan } = ctx;
    const scratch = plan.base === null ? await hostCaBundle(ctx) : null;
    // A base is pulled into a temporary layout, read into memory, and the folder removed.
    let pulled: string | null = null;
    const pullDir = async () => {
      pulled ??= await mkdtemp(path.join(os.tmpdir(), 'crossgo-base-'));
      return pulled;
    };
    try {
      await makeImages(ctx, scratch, pullDir);
    } finally {
      if (pulled) await rm(pulled, { recursive: true, force: true });
    }
  },
};

async function makeImages(
  ctx: ImageContext,
  scratch: { bytes: Buffer; sha256: string } | null,
  pullDir: () => Promise<string>,
): Promise<void> {
  const { plan } = ctx;
  const inputs: PlatformImageInput[] = [];
  /** Per binary, what its referrer is made from: the package's SBOM file, else the binary. */
  const sbomFrom = new Map<string, string>();
  for (const image of plan.images) {
    const binary = await readVerified(
      await confine(ctx.outDir, image.binary.path, {
        what: 'artifact path in the manifest',
        shownRoot: ctx.shown,
      }),
      image.binary.sha256,
      path.join(ctx.shown, image.binary.path),
    );
    const sbom = plan.sbom ? await sbomOf(ctx, image.binary, binary) : null;
    const base = plan.base === null ? null : await pullBase(ctx, plan.base, image.platform, await pullDir());
    inputs.push({
      target: image.binary.target,
      platform: image.platform,
      binary,
      binaryPath: image.path,
      sbom: sbom?.bytes ?? null,
      sbomName: sbom?.name ?? '',
      base,
      scratch: scratch ? scratchEntries(scratch.bytes) : [],
      scratchNote: scratch ? `the host's ${HOST_CA_BUNDLE}, sha256:${scratch.sha256}` : '',
      settings: image,
    });
    sbomFrom.set(image.binary.path, sbom?.from ?? image.binary.path);
  }
  const made = await buildImageSet({
    images: inputs,
    created: plan.created,
    annotations: plan.annotations,
    reuse: await previousLayers(ctx.outDir, ctx.previousImages),
  });
  ctx.made = made;
  const record = (
    digest: string,
    size: number,
    fields: Omit<ImageArtifact, 'kind' | 'path' | 'size' | 'sha256' | 'digest' | 'pushed'>,
  ): ImageArtifact => ({
    kind: 'image',
    path: `${LAYOUT_PREFIX}/${blobPath(digest)}`,
    size,
    sha256: digest.slice('sha256:'.length),
    ...fields,
    digest,
    pushed: [],
  });
  ctx.records.push(
    record(made.index.digest, made.index.size, {
      role: 'index',
      mediaType: OCI_INDEX,
      from: plan.images.map((i) => i.binary.path),
    }),
  );
  for (const [i, image] of made.images.entries()) {
    const binary = plan.images[i]?.binary as BinaryArtifact;
    ctx.records.push(
      record(image.manifest.digest, image.manifest.size, {
        target: image.target,
        role: 'manifest',
        mediaType: OCI_MANIFEST,
        platform: image.platform,
        from: [binary.path],
      }),
    );
    if (image.referrer) {
      ctx.records.push(
        record(image.referrer.digest, image.referrer.size, {
          target: image.target,
          role: 'referrer',
          mediaType: OCI_MANIFEST,
          subject: image.manifest.digest,
          artifactType: CYCLONEDX_JSON,
          from: [sbomFrom.get(binary.path) ?? binary.path],
        }),
      );
    }
  }
  ctx.manifest.artifacts.push(...ctx.records);
}

/** Bounds for the host's CA bundle (Debian's is ~220 KB). */
const MAX_CA_BUNDLE = 16 * 1024 * 1024;

/**
 * The host's CA bundle: a scratch image carries it so the program's TLS works. It is the one
 * input of an image not from the commit: two machines give the same digests when their bundles
 * are equal (the same ca-certificates release); its sha256 is in the layer's history.
 */
async function hostCaBundle(ctx: ImageContext): Promise<{ bytes: Buffer; sha256: string }> {
  const file = ctx.env.CROSSGO_CA_BUNDLE || HOST_CA_BUNDLE;
  let bytes: Buffer;
  try {
    bytes = await readRegular(file, { maxBytes: MAX_CA_BUNDLE, shown: file });
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(
      `${file}: cannot read the CA bundle a scratch image carries (${(error as NodeJS.ErrnoException).code ?? 'error'}): install ca-certificates, set CROSSGO_CA_BUNDLE=FILE, or use --base`,
    );
  }
  if (bytes.length === 0 || !bytes.includes('-----BEGIN CERTIFICATE-----')) {
    throw new UsageError(`${file}: not a PEM CA bundle: set CROSSGO_CA_BUNDLE=FILE to one, or use --base`);
  }
  return { bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}

/** crossgo package's SBOM of the binary (checked against its record), else one made now from its build info. */
async function sbomOf(
  ctx: ImageContext,
  binary: BinaryArtifact,
  bytes: Buffer,
): Promise<{ bytes: Buffer; name: string; from: string }> {
  const recorded = artifactsOfKind(ctx.manifest, 'sbom').find((s) => s.from[0] === binary.path);
  if (recorded) {
    const sbom = await readVerified(
      await confine(ctx.outDir, recorded.path, {
        what: 'artifact path in the manifest',
        shownRoot: ctx.shown,
      }),
      recorded.sha256,
      path.join(ctx.shown, recorded.path),
    );
    return { bytes: sbom, name: path.posix.basename(recorded.path), from: recorded.path };
  }
  const bom = cycloneDx({
    facts: readFacts(new BufferSource(bytes)),
    fileName: path.posix.basename(binary.path),
    sha256: binary.sha256,
    target: binary.target,
    timestamp: ctx.plan.created,
    toolVersion: CROSSGO_VERSION,
  });
  return {
    bytes: Buffer.from(`${JSON.stringify(bom, null, 2)}\n`),
    name: `${path.posix.basename(binary.path)}.sbom.cdx.json`,
    from: binary.path,
  };
}
