import type { LayerEntry } from './layer.js';

/** distroless's nonroot user and group (GoogleContainerTools/distroless base/base.bzl: NONROOT = 65532). */
export const NONROOT_ID = 65532;
export const CA_BUNDLE_PATH = '/etc/ssl/certs/ca-certificates.crt';
export const DEFAULT_PATH_ENV = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The files a Go program expects of a system that a scratch image lacks: a CA bundle (crypto/x509
 * reads /etc/ssl/certs/ca-certificates.crt first on linux: root_linux.go), a passwd and group that
 * name root and nonroot (os/user, and tools that map the uid to a name; their home folders are
 * not made: every entry is root's, and a nonroot home owned by root would mislead), and a /tmp anyone may
 * write (os.TempDir), sticky like every /tmp (1777). The same lines distroless's static image has.
 */
export function scratchEntries(caBundle: Uint8Array): LayerEntry[] {
  const passwd = [
    'root:x:0:0:root:/root:/sbin/nologin',
    `nonroot:x:${NONROOT_ID}:${NONROOT_ID}:nonroot:/home/nonroot:/sbin/nologin`,
    '',
  ].join('\n');
  const group = ['root:x:0:', `nonroot:x:${NONROOT_ID}:`, ''].join('\n');
  return [
    { path: CA_BUNDLE_PATH, data: caBundle, mode: 0o644 },
    { path: '/etc/passwd', data: Buffer.from(passwd), mode: 0o644 },
    { path: '/etc/group', data: Buffer.from(group), mode: 0o644 },
    { path: '/tmp', data: null, mode: 0o1777 },
  ];
}
