/** The Linux package formats crossgo makes. */
export type LinuxPackageFormat = 'deb' | 'rpm' | 'apk';

/**
 * A GOARCH's name in each format: Debian's architecture table (dpkg-architecture -L), rpm's
 * (rpmrc's arch_canon; armv6hl/armv7hl for hard-float arm) and Alpine's (abuild's
 * arch_to_hostspec). null: the format has no such architecture. These are also nfpm's mappings
 * (nfpm deb/rpm/apk archToDebian, archToRPM, archToAlpine).
 */
export function packageArch(
  format: LinuxPackageFormat,
  target: { goarch: string; variant: string | null },
): string | null {
  const { goarch, variant } = target;
  const arm = variant ?? '7';
  const table: Record<LinuxPackageFormat, Record<string, string>> = {
    deb: {
      amd64: 'amd64',
      '386': 'i386',
      arm64: 'arm64',
      arm: arm === '5' ? 'armel' : 'armhf',
      ppc64le: 'ppc64el',
      ppc64: 'ppc64',
      s390x: 's390x',
      riscv64: 'riscv64',
      mips64le: 'mips64el',
      mipsle: 'mipsel',
      mips: 'mips',
      mips64: 'mips64',
      loong64: 'loong64',
    },
    rpm: {
      amd64: 'x86_64',
      '386': 'i386',
      arm64: 'aarch64',
      arm: arm === '5' ? 'armv5tel' : arm === '6' ? 'armv6hl' : 'armv7hl',
      ppc64le: 'ppc64le',
      ppc64: 'ppc64',
      s390x: 's390x',
      riscv64: 'riscv64',
      mips64le: 'mips64el',
      mipsle: 'mipsel',
      mips: 'mips',
      mips64: 'mips64',
      loong64: 'loongarch64',
    },
    apk: {
      amd64: 'x86_64',
      '386': 'x86',
      arm64: 'aarch64',
      arm: arm === '7' ? 'armv7' : 'armhf',
      ppc64le: 'ppc64le',
      s390x: 's390x',
      riscv64: 'riscv64',
      loong64: 'loongarch64',
    },
  };
  return table[format][goarch] ?? null;
}
