/**
 * The registry client's contract (OCI distribution spec v1.1, spec.md): what `crossgo image`
 * asks of it. The client itself is in this folder: references, auth, blobs, manifests, referrers.
 */

/** A content descriptor (image-spec descriptor.md): what a manifest or index points at. */
export interface Descriptor {
  mediaType: string;
  /** sha256:<64 hex>: crossgo makes and accepts sha256 only. */
  digest: string;
  size: number;
  platform?: { os: string; architecture: string; variant?: string };
  artifactType?: string;
  annotations?: Record<string, string>;
}

/** A parsed image reference: registry host[:port], repository path, and a tag or digest. */
export interface ImageReference {
  /** As written, e.g. localhost:5000 or ghcr.io; docker.io for a reference without a host. */
  registry: string;
  /** e.g. app, library/alpine. */
  repository: string;
  tag?: string;
  digest?: string;
}

/** Where crossgo pushes one OCI layout's root (its index) and the referrers of its manifests. */
export interface PushOptions {
  /** An OCI layout folder (oci-layout, index.json, blobs/sha256/…): every blob comes from here, checked against its digest. */
  layout: string;
  /** The image index (or a single manifest) in the layout that the tags name. */
  root: Descriptor;
  /** Manifests in the layout with a `subject` (the SBOMs), pushed after every image they refer to. */
  referrers: Descriptor[];
  registry: string;
  repository: string;
  /** Tags set to `root` only after every blob and manifest below it is in the registry. */
  tags: string[];
  /** Blobs another repository of the same registry holds, to mount instead of upload: digest → repository. */
  mountFrom?: Record<string, string>;
  /** Registry hosts allowed over plain HTTP besides localhost/127.0.0.1/[::1] (--insecure-registry). */
  insecure?: string[];
  /** Credentials and DOCKER_CONFIG are read from here (the process's environment by default). */
  env?: NodeJS.ProcessEnv;
  /** Progress lines (never credentials). */
  log?: (line: string) => void;
  signal?: AbortSignal;
}

export interface PushResult {
  /** Blobs the registry already had (HEAD 200): nothing sent. */
  existing: number;
  uploaded: number;
  mounted: number;
  bytesUploaded: number;
  /** Manifests and indexes PUT (existing ones are checked with HEAD and skipped). */
  manifests: number;
  /** How referrers are found: the referrers API, or the tag-schema fallback (sha256-<hex> tags). */
  referrers: 'api' | 'tag-schema' | 'none';
  /** The digest every tag now names. */
  digest: string;
}
