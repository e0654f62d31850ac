import path from 'node:path';
import { type ImageResult, image } from '../../commands/image.js';
import { platformText } from '../../image/platform.js';
import type { CliContext } from '../context.js';
import { parseDuration } from '../duration.js';
import { formatBytes, formatTable } from '../render/format.js';
import { stderrLogger } from '../render/logger.js';

export interface ImageFlagsCli {
  out?: string;
  config?: string;
  targets?: string;
  push?: string[];
  ociLayout?: string;
  tarball?: string;
  base?: string;
  insecureRegistry?: string[];
  wait?: string;
  json?: boolean;
}

/** `crossgo image`: OCI images of the build's linux binaries. */
export async function imageCommand(flags: ImageFlagsCli, cli: CliContext): Promise<number> {
  const result = await image({
    cwd: cli.cwd,
    out: flags.out,
    configFile: flags.config,
    targets: flags.targets
      ?.split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    push: flags.push,
    ociLayout: flags.ociLayout,
    tarball: flags.tarball,
    base: flags.base,
    insecureRegistries: flags.insecureRegistry,
    waitMs: flags.wait === undefined ? undefined : parseDuration(flags.wait, '--wait'),
    signal: cli.signal,
    log: stderrLogger,
  });
  if (flags.json) {
    const pushed = result.pushed.map(({ target, result: r }) => ({
      repository: `${target.registry}/${target.repository}`,
      tags: target.tags,
      ...r,
    }));
    process.stdout.write(`${JSON.stringify({ images: result.images, pushed }, null, 2)}\n`);
  } else process.stdout.write(describeImages(result, cli));
  return 0;
}

export function describeImages(result: ImageResult, cli: CliContext): string {
  const rows = result.images.map((r) => [
    r.role === 'index'
      ? 'index'
      : r.role === 'referrer'
        ? `  sbom of ${r.target}`
        : platformText(r.platform ?? { os: '?', architecture: '?' }),
    r.digest,
    formatBytes(result.totals[r.digest] ?? r.size),
  ]);
  const where = path.relative(cli.cwd, result.outDir) || '.';
  const pushes = result.pushed.map(
    ({ target, result: r }) =>
      `pushed ${target.registry}/${target.repository}:${target.tags.join(',')} → ${r.digest}: ${r.uploaded} blobs uploaded (${formatBytes(r.bytesUploaded)}), ${r.mounted} mounted, ${r.existing} already there; SBOMs by ${r.referrers}\n`,
  );
  const count = result.images.filter((r) => r.role === 'manifest').length;
  return `${formatTable(['platform', 'digest', '>size'], rows)}\n\n${count} images → ${where}/image/ (OCI layout, listed in manifest.json)\n${pushes.join('')}`;
}
