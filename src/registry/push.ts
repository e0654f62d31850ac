import { UsageError } from '../errors.js';
import { runPool } from '../exec/pool.js';
import { type BlobOptions, pushBlob } from './blobs.js';
import { RegistryClient } from './client.js';
import { RegistryError } from './errors.js';
import { type LayoutTree, readTree } from './layout.js';
import { headManifest, putManifest } from './manifests.js';
import { isRegistryHost, isRepository, isTag } from './reference.js';
import { addToFallback, referrersApi } from './referrers.js';
import type { Descriptor, PushOptions, PushResult } from './types.js';

/**
 * Pushes an OCI layout's root and its whole tree, in the order that keeps a failed push from
 * leaving a tag on an incomplete image (distribution spec.md; a tag is the last request):
 *
 * 1. every blob (configs, layers, the referrers' too), at most `concurrency` at a time: HEAD,
 *    else a mount from `mountFrom`'s repository, else an upload — each checked against its
 *    digest before it is sent;
 * 2. the manifests below the root, children first, by digest (a HEAD skips the ones there);
 * 3. the root (an index or a single manifest) by digest;
 * 4. the referrers (manifests with a subject) by digest, and the sha256-<hex> fallback index of
 *    each subject when the registry has no referrers API;
 * 5. the tags, each a PUT of the root's bytes (skipped when the tag already names the root).
 */
export interface PushTuning extends BlobOptions {
  /** Blobs in flight at once. Default 4. */
  concurrency?: number;
  timeoutMs?: number;
  attempts?: number;
  retryBaseMs?: number;
}

export async function pushLayout(options: PushOptions & PushTuning): Promise<PushResult> {
  const { registry, repository, layout } = options;
  if (!isRegistryHost(registry)) throw new UsageError(`registry "${registry}" is not a host[:port]`);
  if (!isRepository(repository))
    throw new UsageError(`repository "${repository}" is not a repository name (lowercase path components)`);
  for (const tag of options.tags)
    if (!isTag(tag)) throw new UsageError(`tag "${tag}" is not a tag (letters, digits, _ . -, at most 128)`);
  for (const from of Object.values(options.mountFrom ?? {})) {
    if (!isRepository(from)) throw new UsageError(`mount source "${from}" is not a repository name`);
  }
  for (const host of options.insecure ?? []) {
    if (!isRegistryHost(host)) throw new UsageError(`--insecure-registry "${host}" is not a host[:port]`);
  }
  const log = options.log ?? (() => {});
  const mountFrom = options.mountFrom ?? {};
  const client = new RegistryClient({
    registry,
    repository,
    push: true,
    pullFrom: Object.values(mountFrom),
    insecure: options.insecure,
    env: options.env,
    signal: options.signal,
    log,
    timeoutMs: options.timeoutMs,
    attempts: options.attempts,
    retryBaseMs: options.retryBaseMs,
  });

  // Everything is read and checked from the layout before the first request.
  const tree = await readTree(layout, options.root);
  const referrerTrees: LayoutTree[] = [];
  const blobs = new Map(tree.blobs.map((b) => [b.digest, b]));
  for (const referrer of options.referrers) {
    const own = await readTree(layout, referrer);
    const top = own.manifests.at(-1);
    if (!top?.parsed.subject) {
      throw new UsageError(
        `OCI layout ${layout}: referrer ${referrer.digest} has no subject: only a manifest with a subject is a referrer`,
      );
    }
    referrerTrees.push(own);
    for (const blob of own.blobs) if (!blobs.has(blob.digest)) blobs.set(blob.digest, blob);
  }

  const result: PushResult = {
    existing: 0,
    uploaded: 0,
    mounted: 0,
    bytesUploaded: 0,
    manifests: 0,
    referrers: 'none',
    digest: options.root.digest,
  };

  // Auth is settled on the first request alone, so the parallel ones start with a token.
  const list = [...blobs.values()];
  const first = list.length > 0 ? 1 : 0;
  const sendBlob = async (blob: Descriptor) => {
    const outcome = await pushBlob(client, layout, blob, mountFrom[blob.digest], options);
    if (outcome.kind === 'existing') result.existing++;
    else if (outcome.kind === 'mounted') result.mounted++;
    else if (outcome.kind === 'uploaded') {
      result.uploaded++;
      result.bytesUploaded += outcome.bytes;
    }
  };
  for (const blob of list.slice(0, first)) await sendBlob(blob);
  // The first failure starts no further blob (those in flight finish): the push fails anyway.
  const stop = new AbortController();
  const poolSignal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const settled = await runPool(
    list.slice(first),
    options.concurrency ?? 4,
    (blob) =>
      sendBlob(blob).catch((error: unknown) => {
        stop.abort(error);
        throw error;
      }),
    poolSignal,
  );
  const failed = settled.find((s) => !s.ok);
  if (failed && !failed.ok) throw failed.error;
  log(
    `registry ${registry}/${repository}: blobs: ${result.uploaded} uploaded, ${result.mounted} mounted, ${result.existing} there already`,
  );

  const putOnce = async (descriptor: Descriptor, bytes: Buffer): Promise<Headers | null> => {
    if ((await headManifest(client, descriptor.digest)) !== null) return null;
    const headers = await putManifest(client, descriptor.digest, bytes, descriptor.mediaType);
    result.manifests++;
    return headers;
  };
  for (const manifest of tree.manifests) await putOnce(manifest.descriptor, manifest.bytes);

  let api: boolean | undefined;
  for (const own of referrerTrees) {
    let headers: Headers | null = null;
    for (const manifest of own.manifests)
      headers = (await putOnce(manifest.descriptor, manifest.bytes)) ?? headers;
    const top = own.manifests.at(-1);
    if (!top?.parsed.subject) continue;
    const subject = top.parsed.subject.digest;
    api ??= await referrersApi(client, subject, headers ?? new Headers());
    if (api) continue;
    const { parsed, descriptor } = top;
    await addToFallback(client, subject, {
      mediaType: descriptor.mediaType,
      digest: descriptor.digest,
      size: descriptor.size,
      artifactType: parsed.artifactType ?? parsed.config?.mediaType,
      ...(parsed.annotations ? { annotations: parsed.annotations } : {}),
    });
  }
  if (api !== undefined) result.referrers = api ? 'api' : 'tag-schema';

  const rootBytes = tree.manifests.at(-1)?.bytes;
  if (!rootBytes)
    throw new RegistryError(registry, `OCI layout ${layout}: the root ${options.root.digest} was not read`);
  for (const tag of options.tags) {
    if ((await headManifest(client, tag)) === options.root.digest) continue;
    await putManifest(client, tag, rootBytes, options.root.mediaType);
  }
  log(
    `registry ${registry}/${repository}: ${options.tags.map((t) => `:${t}`).join(' ') || 'no tags'} → ${options.root.digest}`,
  );
  return result;
}
