import type { Artifact, BinaryArtifact, Manifest, ReleaseKind, ReleaseRecord } from './manifest.js';

/**
 * A manifest of schemaVersion 1 (schema/manifest.v1.schema.json), as crossgo wrote it before the
 * one artifact list: the binaries in `artifacts`, what `crossgo package` made in `release.files`
 * (with `of` for what v2 calls `from`). crossgo reads it and never writes it.
 */
export interface ManifestV1 extends Omit<Manifest, 'schemaVersion' | 'artifacts' | 'release'> {
  schemaVersion: 1;
  artifacts: Omit<BinaryArtifact, 'from' | 'inputs'>[];
  release?: ReleaseRecord & { files: ReleaseFileV1[] };
}

export interface ReleaseFileV1 {
  kind: ReleaseKind;
  path: string;
  size: number;
  sha256: string;
  target?: string;
  of: string[];
}

/** The same facts in schemaVersion 2: the binaries, then the release files, in one list. */
export function fromV1(v1: ManifestV1): Manifest {
  const binaries: Artifact[] = v1.artifacts.map((a) => ({ ...a, from: [] }));
  const made: Artifact[] = (v1.release?.files ?? []).map(({ of, ...f }) => ({ ...f, from: of }));
  const manifest: Manifest = {
    schemaVersion: 2,
    crossgo: v1.crossgo,
    complete: v1.complete,
    verified: v1.verified,
    project: v1.project,
    toolchain: v1.toolchain,
    source: v1.source,
    settings: v1.settings,
    artifacts: [...binaries, ...made],
    failures: v1.failures,
  };
  if (v1.release) {
    const { files: _, ...facts } = v1.release;
    manifest.release = facts;
  }
  return manifest;
}
