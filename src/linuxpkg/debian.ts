import { readElf } from '../binary/elf/read.js';
import { BufferSource } from '../binary/source.js';
import { deterministicGzip } from '../fs/deterministic.js';

/** e_type of an executable that is not position-independent (System V gABI). */
const ET_EXEC = 2;

/**
 * The files a binary .deb needs to pass lintian without errors, which crossgo writes unless the
 * config's contents already hold them: /usr/share/doc/NAME/copyright (lintian no-copyright-file),
 * /usr/share/doc/NAME/changelog.Debian.gz (no-changelog: a version with a revision is a
 * non-native package), and a lintian override for statically linked Go binaries (lintian
 * exempts Go binaries from statically-linked-binary only when it sees the source package's
 * Build-Depends on golang-go, which a binary package alone does not carry: Debian's own
 * mechanism for a deliberate exception is an override file in /usr/share/lintian/overrides/).
 */

/**
 * gzip without a name or time in its header, at the best compression (lintian
 * manpage-not-compressed-with-max-compression; package-contains-timestamped-gzip): the same bytes
 * on every machine (fs/deterministic.ts).
 */
export { deterministicGzip };

export interface DebianDocFacts {
  name: string;
  /** The full version as the control file writes it (epoch:upstream-revision). */
  version: string;
  maintainer: string;
  license: string;
  homepage?: string;
  /** The module's license file, when it has one. */
  licenseText?: string;
  /** The release time: the changelog entry's date. */
  date: Date;
  commit: string;
}

/** A DEP-5 copyright file: the license, its text from the module's license file, and its copyright lines. */
export function copyrightFile(facts: DebianDocFacts): string {
  const notices = (facts.licenseText ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => /^(copyright\b|\(c\)|©)/i.test(l))
    // DEP-5's Copyright field holds the years and holders: "Copyright (c) 2024 Jane" → "2024 Jane".
    .map((l) => l.replace(/^(copyright\b\s*)?(\(c\)|©)?\s*/i, ''))
    .filter((l) => l !== '');
  const lines = [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/',
    `Upstream-Name: ${facts.name}`,
    ...(facts.homepage ? [`Source: ${facts.homepage}`] : []),
    '',
    'Files: *',
    `Copyright: ${notices.length > 0 ? notices.map((n, i) => (i === 0 ? n : ` ${n}`)).join('\n') : facts.maintainer}`,
    `License: ${facts.license}`,
  ];
  if (facts.licenseText) {
    // deb822 continuation lines: one space in front, an empty line as " .".
    const text = facts.licenseText.replace(/\r\n/g, '\n').replace(/\s+$/, '');
    for (const line of text.split('\n')) lines.push(line.trim() === '' ? ' .' : ` ${line}`);
  }
  return `${lines.join('\n')}\n`;
}

/** RFC 5322 date as debian/changelog writes it: "Mon, 06 May 2024 07:08:09 +0000". */
function changelogDate(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

/** One changelog entry for this release (deb-changelog(5)), gzipped without name or time. */
export function changelogFile(facts: DebianDocFacts): Buffer {
  const commit = /^[0-9a-f]{7,64}$/.test(facts.commit) ? ` (commit ${facts.commit.slice(0, 12)})` : '';
  const text =
    `${facts.name} (${facts.version}) unstable; urgency=medium\n\n` +
    `  * Release ${facts.version}${commit}, packaged by crossgo.\n\n` +
    ` -- ${facts.maintainer}  ${changelogDate(facts.date)}\n`;
  return deterministicGzip(text);
}

/** The lintian override for the statically linked binaries (paths without the leading /). */
export function lintianOverrides(name: string, staticBinaries: readonly string[]): string {
  const lines = [
    '# Go binaries are statically linked by design; lintian exempts them only when it sees a',
    '# golang-go Build-Depends of the source package, which a binary package does not carry.',
    ...staticBinaries.map((p) => `${name}: statically-linked-binary [${p.replace(/^\//, '')}]`),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Whether lintian calls an ELF file statically linked (lintian Check/Binaries/Static.pm: not a
 * shared object or PIE, and no DT_NEEDED): a Go binary without cgo is.
 */
export function isStaticExecutable(bytes: Uint8Array): boolean {
  try {
    const elf = readElf(new BufferSource(bytes));
    return elf.type === ET_EXEC && elf.needed.length === 0;
  } catch {
    return false;
  }
}
