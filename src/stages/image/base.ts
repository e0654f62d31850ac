import path from 'node:path';
import { ManifestError } from '../../errors.js';
import type { BaseImage, ImageConfigJson } from '../../image/build.js';
import type { OciPlatform } from '../../image/platform.js';
import { readVerified } from '../../pipeline/releaseOutput.js';
import { ENV_HOST } from '../../registry/credentials.js';
import { pullPlatformImage } from '../../registry/pull.js';
import { parseReference } from '../../registry/reference.js';
import type { ImageContext } from './context.js';

/**
 * The environment for the base's registry. CROSSGO_REGISTRY_USER/PASSWORD without
 * CROSSGO_REGISTRY_HOST are meant for where the run pushes: they go to a base's registry only
 * when it is one of those (or nothing is pushed), so a base on another registry never receives
 * the push credentials. docker's config and credential helpers still answer for it.
 */
export function baseEnv(ctx: ImageContext, registry: string): NodeJS.ProcessEnv {
  if (ctx.env[ENV_HOST] || ctx.pushes.length === 0 || ctx.pushes.some((p) => p.registry === registry))
    return ctx.env;
  return Object.fromEntries(Object.entries(ctx.env).filter(([key]) => !key.startsWith('CROSSGO_REGISTRY_')));
}

/**
 * The base image for one platform, pulled from its registry into `dir` (a temporary layout: the
 * puller checks every blob against its digest) and read back, checked again; its layers are noted
 * for cross-repository mounts when the push goes to the same registry.
 */
export async function pullBase(
  ctx: ImageContext,
  ref: string,
  platform: OciPlatform,
  dir: string,
): Promise<BaseImage> {
  const pulled = await pullPlatformImage(ref, platform, dir, {
    insecure: ctx.insecure,
    env: baseEnv(ctx, parseReference(ref).registry),
    log: (line) => ctx.log.info(line),
    signal: ctx.signal,
  });
  const config = baseConfig(
    pulled.config,
    `base image ${ref} (${pulled.manifest.digest})`,
    pulled.layers.length,
  );
  const layers = [];
  for (const layer of pulled.layers) {
    const hex = layer.digest.slice('sha256:'.length);
    const bytes = await readVerified(
      path.join(dir, 'blobs', 'sha256', hex),
      hex,
      `${ref} layer ${layer.digest}`,
    );
    layers.push({ descriptor: layer, bytes });
  }
  ctx.bases.push(pulled);
  return { ref, config, layers };
}

/**
 * A base image's config, shape-checked before crossgo keeps any of it (a registry's answer is
 * hostile input): rootfs.diff_ids one sha256 per layer, and the runtime settings crossgo reads
 * (Env, Entrypoint, Cmd as lists of strings; User, WorkingDir strings; ExposedPorts and Labels
 * objects). Everything else is dropped.
 */
export function baseConfig(json: Record<string, unknown>, shown: string, layers: number): ImageConfigJson {
  const fail = (where: string, problem: string): never => {
    throw new ManifestError(shown, where, problem);
  };
  const rootfs = json.rootfs as { diff_ids?: unknown } | undefined;
  const diffIds = rootfs?.diff_ids;
  if (
    !Array.isArray(diffIds) ||
    !diffIds.every((d) => typeof d === 'string' && /^sha256:[0-9a-f]{64}$/.test(d))
  ) {
    fail('/rootfs/diff_ids', 'expected a list of sha256 digests');
  }
  if ((diffIds as string[]).length !== layers) {
    fail('/rootfs/diff_ids', `${(diffIds as string[]).length} diff_ids for ${layers} layers`);
  }
  const settings = (json.config ?? {}) as Record<string, unknown>;
  if (typeof settings !== 'object' || settings === null || Array.isArray(settings))
    fail('/config', 'not an object');
  const strings = (key: string): string[] | undefined => {
    const value = settings[key];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
      fail(`/config/${key}`, 'expected a list of strings');
    return value as string[];
  };
  const text = (key: string): string | undefined => {
    const value = settings[key];
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') fail(`/config/${key}`, 'expected a string');
    return value as string;
  };
  const record = <T>(key: string, check: (v: unknown) => boolean): Record<string, T> | undefined => {
    const value = settings[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value) || !Object.values(value).every(check)) {
      fail(`/config/${key}`, 'expected an object');
    }
    return value as Record<string, T>;
  };
  const history = Array.isArray(json.history)
    ? json.history.filter(
        (h): h is NonNullable<ImageConfigJson['history']>[number] => typeof h === 'object' && h !== null,
      )
    : [];
  const env = strings('Env');
  const user = text('User');
  const workdir = text('WorkingDir');
  const ports = record<Record<string, never>>('ExposedPorts', (v) => typeof v === 'object' && v !== null);
  const labels = record<string>('Labels', (v) => typeof v === 'string');
  return {
    architecture: String(json.architecture ?? ''),
    os: String(json.os ?? ''),
    config: {
      ...(env ? { Env: env } : {}),
      ...(user ? { User: user } : {}),
      ...(workdir ? { WorkingDir: workdir } : {}),
      ...(ports ? { ExposedPorts: ports } : {}),
      ...(labels ? { Labels: labels } : {}),
    },
    rootfs: { type: 'layers', diff_ids: diffIds as string[] },
    history: history.map((h) => ({
      ...(typeof h.created === 'string' ? { created: h.created } : {}),
      ...(typeof h.created_by === 'string' ? { created_by: h.created_by } : {}),
      ...(typeof h.comment === 'string' ? { comment: h.comment } : {}),
      ...(h.empty_layer === true ? { empty_layer: true } : {}),
    })),
  };
}
