import type { Descriptor } from './types.js';

export type Platform = NonNullable<Descriptor['platform']>;

/**
 * containerd's platform normalisation (platforms/database.go normalizeArch, and the matcher in
 * platforms.go): architecture aliases, arm64 with no variant is v8, amd64 v1 is plain amd64,
 * arm with no variant is v7. Two platforms match when their normalised forms are equal.
 */
export function normalizePlatform(platform: Platform): { os: string; architecture: string; variant: string } {
  const os = platform.os.toLowerCase();
  let architecture = platform.architecture.toLowerCase();
  let variant = (platform.variant ?? '').toLowerCase();
  switch (architecture) {
    case 'i386':
      architecture = '386';
      variant = '';
      break;
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      architecture = 'amd64';
      if (variant === 'v1') variant = '';
      break;
    case 'aarch64':
    case 'arm64':
      architecture = 'arm64';
      if (variant === '8' || variant === 'v8') variant = '';
      break;
    case 'armhf':
      architecture = 'arm';
      variant = 'v7';
      break;
    case 'armel':
      architecture = 'arm';
      variant = 'v6';
      break;
    case 'arm':
      if (variant === '') variant = 'v7';
      else if (/^[5-8]$/.test(variant)) variant = `v${variant}`;
      break;
  }
  return { os, architecture, variant };
}

export function platformMatches(wanted: Platform, offered: Platform | undefined): boolean {
  if (!offered) return false;
  const a = normalizePlatform(wanted);
  const b = normalizePlatform(offered);
  return a.os === b.os && a.architecture === b.architecture && a.variant === b.variant;
}

export function platformText(platform: Platform): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}
