/** An OCI platform (image-spec image-index.md `platform`): GOOS, GOARCH and the CPU variant. */
export interface OciPlatform {
  os: string;
  architecture: string;
  variant?: string;
}

/**
 * The OCI platform of a linux target. image-index.md names the variants of arm (v6, v7, v8) and
 * arm64 (v8); containerd's platforms package (normalize.go) adds amd64's levels v2–v4 and treats
 * amd64/v1 as plain amd64, and arm without a variant as v7 — Go's default GOARM when cross
 * compiling (internal/buildcfg: goarm() defaults to 7 off an arm host), so a target without a
 * variant gets the one go built for.
 */
export function ociPlatform(target: { goos: string; goarch: string; variant: string | null }): OciPlatform {
  const { goos: os, goarch: architecture, variant } = target;
  switch (architecture) {
    case 'arm':
      return { os, architecture, variant: `v${variant ?? '7'}` };
    case 'arm64':
      // GOARM64 v8.x and v9.x: the spec's variants are whole versions.
      return { os, architecture, variant: variant?.startsWith('v9') ? 'v9' : 'v8' };
    case 'amd64':
      return variant && variant !== 'v1' ? { os, architecture, variant } : { os, architecture };
    default:
      return { os, architecture };
  }
}

/** os/architecture[/variant], as docker and skopeo print a platform. */
export function platformText(platform: OciPlatform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}
