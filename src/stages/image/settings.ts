import type { ImageConfig } from '../../config/types.js';
import { UsageError } from '../../errors.js';
import { moduleSource } from '../../image/annotations.js';
import { type OciPlatform, ociPlatform, platformText } from '../../image/platform.js';
import { CA_BUNDLE_PATH, DEFAULT_PATH_ENV, NONROOT_ID } from '../../image/scratch.js';
import { type BinaryArtifact, binaries, binaryOrigin, type Manifest } from '../../pipeline/manifest.js';
import { releaseProjectValues, releaseTargetValues } from '../../pipeline/releaseValues.js';
import { nearest } from '../../targets/suggest.js';
import { compileTemplate, renderTemplate, type Template, type TemplateScope } from '../../template/engine.js';

/** One platform's image, as the config and the manifest decide it. */
export interface PlannedImage {
  binary: BinaryArtifact;
  platform: OciPlatform;
  /** Where the binary goes, absolute and normalised. */
  path: string;
  entrypoint: string[];
  cmd?: string[];
  env: Record<string, string>;
  workdir?: string;
  user?: string;
  ports: string[];
  labels: Record<string, string>;
}

export interface ImagePlan {
  images: PlannedImage[];
  /** The base image reference, or null for scratch. */
  base: string | null;
  /** Tags for a --push repository given without one (rendered image.tags; default [{version}]). */
  tags: string[];
  sbom: boolean;
  /** The commit time (ISO 8601, whole seconds) and where it came from. */
  created: string;
  annotations: Record<string, string>;
}

export interface PlanInputs {
  manifest: Manifest;
  /** The manifest's name as the user knows it (dist/manifest.json). */
  manifestShown: string;
  config: ImageConfig;
  /** The config file's name for messages. */
  file: string;
  /** -t: target ids of the manifest (over image.targets). */
  targets?: string[];
  /** --base (over image.base). */
  base?: string;
  env: NodeJS.ProcessEnv;
}

/** The images to make: which binaries, what goes into each image's config, the tags and the time. Writes nothing. */
export function planImages(inputs: PlanInputs): ImagePlan {
  const { manifest, config, file, env } = inputs;
  const linux = selectBinaries(inputs);
  const project = releaseProjectValues(manifest);
  const compile = (text: string, key: string, scope: TemplateScope): Template =>
    compileTemplate(text, { file, key }, { scope, fileName: true });
  const pathTemplate = compile(config.path ?? '/usr/local/bin/{binary}', 'image.path', 'target');
  const entrypoint = config.entrypoint?.map((t, i) => compile(t, `image.entrypoint[${i}]`, 'target'));
  const cmd = config.cmd?.map((t, i) => compile(t, `image.cmd[${i}]`, 'target'));
  const envTemplates = Object.entries(config.env ?? {}).map(
    ([name, t]) => [name, compile(t, `image.env.${name}`, 'target')] as const,
  );
  const labelTemplates = Object.entries(config.labels ?? {}).map(
    ([name, t]) => [name, compile(t, `image.labels.${name}`, 'target')] as const,
  );
  const tags = (config.tags ?? ['{version}']).map((t, i) =>
    checkTag(
      renderTemplate(compile(t, `image.tags[${i}]`, 'project'), project, env),
      `${file}: image.tags[${i}]`,
    ),
  );
  const base = inputs.base ?? config.base ?? 'scratch';
  const scratch = base === 'scratch';
  const seen = new Map<string, string>();
  const images = linux.map((binary): PlannedImage => {
    const origin = binaryOrigin(manifest, binary);
    const values = releaseTargetValues(project, {
      ...binary,
      name: origin.name,
      id: binary.build ?? origin.name,
    });
    const platform = ociPlatform(binary);
    const key = platformText(platform);
    const other = seen.get(key);
    if (other) {
      throw new UsageError(
        `${binary.target} and ${other} are both the OCI platform ${key}: an image index holds one image per platform; choose one with -t`,
      );
    }
    seen.set(key, binary.target);
    const where = imagePath(
      renderTemplate(pathTemplate, values, env),
      config.path === undefined ? 'default image.path' : `${file}: image.path`,
    );
    const defaults: Record<string, string> = scratch
      ? { PATH: DEFAULT_PATH_ENV, SSL_CERT_FILE: CA_BUNDLE_PATH }
      : {};
    return {
      binary,
      platform,
      path: where,
      entrypoint: entrypoint ? entrypoint.map((t) => renderTemplate(t, values, env)) : [where],
      ...(cmd ? { cmd: cmd.map((t) => renderTemplate(t, values, env)) } : {}),
      env: {
        ...defaults,
        ...Object.fromEntries(envTemplates.map(([n, t]) => [n, renderTemplate(t, values, env)])),
      },
      ...(config.workdir ? { workdir: config.workdir } : {}),
      ...(config.user ? { user: config.user } : scratch ? { user: `${NONROOT_ID}:${NONROOT_ID}` } : {}),
      ports: (config.ports ?? []).map((p) => (typeof p === 'number' || !p.includes('/') ? `${p}/tcp` : p)),
      labels: Object.fromEntries(labelTemplates.map(([n, t]) => [n, renderTemplate(t, values, env)])),
    };
  });
  const created = commitTime(manifest, env);
  return {
    images,
    base: scratch ? null : base,
    tags,
    sbom: config.sbom ?? true,
    created,
    annotations: ociAnnotations(manifest, created),
  };
}

/** The linux binaries of the manifest the images are made of: image.build's, the targets asked for. */
function selectBinaries({ manifest, manifestShown, config, file, targets }: PlanInputs): BinaryArtifact[] {
  let linux = binaries(manifest).filter((b) => b.goos === 'linux');
  if (linux.length === 0) {
    throw new UsageError(
      `${manifestShown} lists no linux binaries: build linux targets first (crossgo build -t linux/amd64,linux/arm64)`,
    );
  }
  const buildOf = (b: BinaryArtifact) => b.build ?? binaryOrigin(manifest, b).name;
  const builds = [...new Set(linux.map(buildOf))];
  if (config.build !== undefined) {
    if (!builds.includes(config.build)) {
      throw new UsageError(
        `${file}: image.build "${config.build}" has no linux binaries in ${manifestShown} (builds: ${builds.join(', ')})`,
      );
    }
    linux = linux.filter((b) => buildOf(b) === config.build);
  } else if (builds.length > 1) {
    throw new UsageError(
      `${manifestShown} has linux binaries of several builds (${builds.join(', ')}): name the one for the image with image.build in ${file}`,
    );
  }
  const wanted = targets ?? config.targets;
  if (!wanted) return linux;
  const ids = linux.map((b) => b.target);
  for (const target of wanted) {
    if (!ids.includes(target)) {
      const guess = nearest(target, ids);
      throw new UsageError(
        `target "${target}" is not a linux binary of ${manifestShown}${guess ? `: did you mean ${guess}?` : ''} (it has ${ids.join(', ')})`,
      );
    }
  }
  return linux.filter((b) => wanted.includes(b.target));
}

/** A binary's place in the image: an absolute, normalised path of plain names. */
function imagePath(rendered: string, what: string): string {
  const parts = rendered.split('/');
  if (
    !rendered.startsWith('/') ||
    parts.slice(1).some((p) => p === '' || p === '.' || p === '..') ||
    rendered.length > 1024
  ) {
    throw new UsageError(
      `${what}: "${rendered}" is not an absolute path of plain names (e.g. /usr/local/bin/{binary})`,
    );
  }
  return rendered;
}

/** A tag as the distribution spec allows it: [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}. */
export function checkTag(tag: string, what: string): string {
  if (!/^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/.test(tag)) {
    throw new UsageError(
      `${what}: "${tag}" is not a valid tag (letters, digits, _ . -, at most 128, not starting with . or -)`,
    );
  }
  return tag;
}

/** SOURCE_DATE_EPOCH, else the commit time the build recorded, else 1970 (never the clock), in whole seconds. */
function commitTime(manifest: Manifest, env: NodeJS.ProcessEnv): string {
  const epoch = env.SOURCE_DATE_EPOCH;
  let millis = 0;
  if (epoch !== undefined && epoch !== '') {
    if (!/^\d+$/.test(epoch))
      throw new UsageError(`SOURCE_DATE_EPOCH="${epoch}": expected whole seconds since 1970`);
    millis = Number(epoch) * 1000;
  } else if (manifest.source.dateSource !== 'none') {
    const commit = Date.parse(manifest.source.date);
    if (!Number.isNaN(commit)) millis = commit;
  }
  return new Date(Math.floor(millis / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** org.opencontainers.image.* (image-spec annotations.md): source (moduleSource), revision, version, created. */
function ociAnnotations(manifest: Manifest, created: string): Record<string, string> {
  const annotations: Record<string, string> = { 'org.opencontainers.image.created': created };
  const source = moduleSource(manifest.project.module);
  if (source) annotations['org.opencontainers.image.source'] = source;
  if (manifest.source.commit) annotations['org.opencontainers.image.revision'] = manifest.source.commit;
  annotations['org.opencontainers.image.version'] = manifest.source.plainVersion ?? manifest.source.version;
  return Object.fromEntries(Object.entries(annotations).sort(([a], [b]) => (a < b ? -1 : 1)));
}
