import os from 'node:os';
import { UsageError } from '../../errors.js';
import type { ArtifactRecord, Manifest } from '../../pipeline/manifest.js';
import { levelFor } from '../../targets/variants.js';
import type { Expectation } from './checks.js';
import type { LeakNeedle } from './leaks.js';

/** What a manifest says an artifact should be. */
export function expectationFromManifest(manifest: Manifest, artifact: ArtifactRecord): Expectation {
  const cgo = artifact.env.CGO_ENABLED === '1';
  const settings: Record<string, string> = {
    CGO_ENABLED: artifact.env.CGO_ENABLED ?? '0',
    GOOS: artifact.goos,
    GOARCH: artifact.goarch,
    '-trimpath': manifest.settings.trimpath ? 'true' : '',
  };
  const level = levelFor(artifact.goarch);
  if (level) settings[level.name] = artifact.variant ?? level.default;
  return {
    target: { goos: artifact.goos, goarch: artifact.goarch, variant: artifact.variant },
    cgo,
    static: artifact.cgo?.static === true,
    stripped: manifest.settings.strip,
    ...(artifact.goos === 'darwin' && artifact.cgo?.compiler?.kind === 'zig'
      ? { symbolsKept: "zig's Mach-O linker ignores -S -x" }
      : {}),
    ...(manifest.settings.trimpath ? {} : { buildPaths: 'built with --no-trimpath' }),
    settings,
  };
}

/** Parses --expect goos/goarch[/variant] without needing the go toolchain. */
export function parseExpectedTarget(spec: string): { goos: string; goarch: string; variant: string | null } {
  const [goos = '', goarch = '', variant, ...rest] = spec.split('/');
  if (goos === '' || goarch === '' || rest.length > 0 || variant === '') {
    throw new UsageError(
      `--expect "${spec}": expected goos/goarch[/variant], e.g. linux/amd64 or linux/amd64/v3`,
    );
  }
  if (variant !== undefined) {
    const level = levelFor(goarch);
    if (!level?.values.includes(variant)) {
      throw new UsageError(
        `--expect "${spec}": ${level ? `${level.name} takes ${level.values.join(', ')}` : `${goarch} has no variants`}`,
      );
    }
  }
  return { goos, goarch, variant: variant ?? null };
}

/** Parses sizes like 20MB, 20MiB, 1.5G, 123456. */
export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i.exec(text.trim());
  if (!match) throw new UsageError(`--max-size "${text}": expected a size such as 20MB, 15MiB or 123456`);
  const unit = (match[2] ?? 'b').toLowerCase();
  const scale = unit.startsWith('k')
    ? 1024
    : unit.startsWith('m')
      ? 1024 ** 2
      : unit.startsWith('g')
        ? 1024 ** 3
        : 1;
  return Math.round(Number(match[1]) * scale);
}

/** The build-machine paths that must not appear in a release binary. */
export function leakNeedles(paths: {
  moduleDir?: string;
  gopath?: string;
  goroot?: string;
  gomodcache?: string;
}): LeakNeedle[] {
  const needles: LeakNeedle[] = [];
  if (paths.moduleDir) needles.push({ label: 'module folder', value: paths.moduleDir });
  needles.push({ label: '$HOME', value: os.homedir() });
  for (const gopath of (paths.gopath ?? '').split(':').filter(Boolean))
    needles.push({ label: 'GOPATH', value: gopath });
  if (paths.goroot) needles.push({ label: 'GOROOT', value: paths.goroot });
  if (paths.gomodcache) needles.push({ label: 'GOMODCACHE', value: paths.gomodcache });
  return needles;
}
