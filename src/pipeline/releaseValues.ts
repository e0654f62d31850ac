import { levelFor } from '../targets/variants.js';
import type { TemplateValues } from '../template/engine.js';
import { projectValues, targetValues } from '../template/values.js';
import type { Manifest } from './manifest.js';

/**
 * The template values of `crossgo package`, from the manifest alone (package may run in another
 * step than the build): the version facts the build recorded, and per released binary its
 * platform, level and name. {branch} is "" — the manifest does not record it.
 */
export function releaseProjectValues(manifest: Pick<Manifest, 'source' | 'project'>): TemplateValues {
  const { source } = manifest;
  const millis = source.dateSource === 'none' ? Number.NaN : Date.parse(source.date);
  return projectValues(
    {
      version: source.version,
      tag: source.tag ?? '',
      commit: source.commit,
      date: source.date,
      epoch: Number.isNaN(millis) ? null : Math.floor(millis / 1000),
      branch: '',
      snapshot: source.snapshot ?? false,
    },
    manifest.project.name,
  );
}

/** What a released binary's templates need: its platform and variant, its name and build. */
export interface ReleaseTargetFacts {
  goos: string;
  goarch: string;
  variant: string | null;
  /** The binary's name, without extension. */
  name: string;
  /** The build that made it (builds[].id), its name when the config has no builds. */
  id: string;
}

/** A released binary's values: {arm}, {amd64}… hold the level it was built at (its variant, else the port's default). */
export function releaseTargetValues(project: TemplateValues, binary: ReleaseTargetFacts): TemplateValues {
  return targetValues(project, {
    goos: binary.goos,
    goarch: binary.goarch,
    variant: binary.variant,
    level: binary.variant ?? levelFor(binary.goarch)?.default ?? null,
    binary: binary.name,
    id: binary.id,
  });
}
