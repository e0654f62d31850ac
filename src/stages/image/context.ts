import type { InterruptedError } from '../../errors.js';
import type { Ownership } from '../../fs/ownership.js';
import type { ImageSet } from '../../image/build.js';
import type { Logger } from '../../log.js';
import type { BuildEvent } from '../../pipeline/events.js';
import type { ImageArtifact, Manifest } from '../../pipeline/manifest.js';
import { IMAGE_LAYOUT } from '../../pipeline/releaseOutput.js';
import type { PulledImage } from '../../registry/pull.js';
import type { PushResult } from '../../registry/types.js';
import type { ImagePlan } from './settings.js';

/** A --push: where, and the tags (the reference's own, else the plan's). */
export interface PushTarget {
  /** As the user wrote it, for messages. */
  text: string;
  registry: string;
  repository: string;
  tags: string[];
  /** A reference without a tag was given for this repository: the plan's tags are added. */
  planTags: boolean;
}

/** What the image stages share: the plan, the images once made, and the manifest they are recorded in. */
export interface ImageContext {
  /** The output folder (real path) and as the user named it. */
  readonly outDir: string;
  readonly shown: string;
  /** The manifest being written: the previous records without its images, then this run's. */
  readonly manifest: Manifest;
  readonly plan: ImagePlan;
  /** The previous run's image records (their layers may be reused: reuse.ts). */
  readonly previousImages: readonly ImageArtifact[];
  readonly owned: Ownership;
  readonly pushes: PushTarget[];
  /** --oci-layout DIR and --tarball FILE (absolute), and as given. */
  readonly ociLayout: { dir: string; shown: string } | null;
  readonly tarball: { file: string; shown: string } | null;
  readonly insecure: string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** The base images pulled (one per platform), whose layers a push to their registry mounts. */
  readonly bases: PulledImage[];
  /** What each push did, in order. */
  readonly pushed: { target: PushTarget; result: PushResult }[];
  /** The images (set by the image stage). */
  made: ImageSet | null;
  /** Their records, in the manifest too: the index, then per platform its manifest and referrer. */
  records: ImageArtifact[];
  emit(event: BuildEvent): void;
  interrupted: InterruptedError | null;
}

/** The layout's folder inside the output folder (kept by crossgo package). */
export const LAYOUT_PREFIX = IMAGE_LAYOUT;
