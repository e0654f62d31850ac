import type { LinuxPackageFormat } from './arch.js';

/**
 * A crossgo version (the tag without its v, a git-describe past a tag, a snapshot, a Go
 * pseudo-version) as each format's version grammar wants it, sorting as the release it names:
 *
 *   1.2.3                          deb 1.2.3             rpm 1.2.3             apk 1.2.3
 *   1.2.3-rc.1 (a pre-release)     deb 1.2.3~rc.1        rpm 1.2.3~rc.1        apk 1.2.3_rc1
 *   1.2.3-4-gabc1234 (past a tag)  deb 1.2.3+4.gabc1234  rpm 1.2.3+4.gabc1234  apk 1.2.3_p4
 *   1.2.3-SNAPSHOT-abc1234         deb 1.2.3~SNAPSHOT.abc1234 (rpm alike)      apk 1.2.3_pre
 *   0.0.0-20240506070809-abcdef…   deb 0.0.0~20240506070809.abcdef…            apk 0.0.0_pre20240506070809
 *
 * `~` sorts before the release in dpkg (deb-version(7)) and rpm (>= 4.10, rpmvercmp), `+` after;
 * apk's grammar (apk-tools version.c) allows only digits after a suffix and knows the
 * pre-release suffixes _alpha _beta _pre _rc and the post-release _p, so what it cannot say
 * (a hash, build metadata) is left out of apk versions. A `+build` part is kept by deb and rpm.
 */
export interface FormatVersions {
  /** The upstream version per format, without epoch or release. */
  upstream: Record<LinuxPackageFormat, string>;
}

/** Why a version cannot be a package version at all, or null. */
export function versionProblem(version: string): string | null {
  if (version === '') return 'is empty';
  if (version.length > 128) return 'is longer than 128 characters';
  if (!/^[0-9]/.test(version)) return 'does not start with a digit, as deb, rpm and apk versions must';
  if (!/^[A-Za-z0-9.+~_-]+$/.test(version))
    return 'holds a character other than letters, digits and . + ~ _ -';
  return null;
}

interface VersionParts {
  core: string;
  pre: string[];
  post: { count: string; hash: string } | null;
  meta: string;
  dirty: boolean;
}

function parts(version: string): VersionParts {
  let rest = version;
  let meta = '';
  const plus = rest.indexOf('+');
  if (plus >= 0) {
    meta = rest.slice(plus + 1);
    rest = rest.slice(0, plus);
  }
  let dirty = false;
  if (rest.endsWith('-dirty')) {
    dirty = true;
    rest = rest.slice(0, -'-dirty'.length);
  }
  // git describe past a tag: <tag>-<commits since>-g<abbreviated hash>.
  let post: VersionParts['post'] = null;
  const described = /^(.*)-(\d+)-g([0-9a-f]{4,40})$/.exec(rest);
  if (described) {
    rest = described[1] as string;
    post = { count: described[2] as string, hash: described[3] as string };
  }
  const core = (/^\d+(?:\.\d+)*/.exec(rest) as RegExpExecArray)[0];
  const tail = rest.slice(core.length).replace(/^[-_.~]/, '');
  const pre = tail === '' ? [] : tail.split(/[-._~]+/).filter((p) => p !== '');
  return { core, pre, post, meta, dirty };
}

/** Only the characters a format keeps in a version part (others become "."). */
function clean(text: string, allowed: RegExp): string {
  return [...text].map((c) => (allowed.test(c) ? c : '.')).join('');
}

function debOrRpm(p: VersionParts, allowed: RegExp): string {
  let v = p.core;
  if (p.pre.length > 0) v += `~${clean(p.pre.join('.'), allowed)}`;
  if (p.post) v += `+${p.post.count}.g${p.post.hash}`;
  if (p.meta !== '') v += `+${clean(p.meta, allowed)}`;
  if (p.dirty) v += '+dirty';
  return v;
}

const APK_PRE = /^(alpha|beta|pre|rc)(\d*)$/i;

function apk(p: VersionParts): string {
  let v = p.core;
  if (p.pre.length > 0) {
    const first = p.pre[0] as string;
    const known = APK_PRE.exec(first);
    if (known) {
      const digits = known[2] || (/^\d+$/.test(p.pre[1] ?? '') ? (p.pre[1] as string) : '');
      v += `_${(known[1] as string).toLowerCase()}${digits}`;
    } else {
      // A snapshot or a pseudo-version's time stamp: apk's generic pre-release, with its number if it has one.
      const number = p.pre.find((x) => /^\d+$/.test(x)) ?? '';
      v += `_pre${number}`;
    }
  }
  if (p.post) v += `_p${p.post.count}`;
  return v;
}

/** The upstream version in each format (see the table above); call versionProblem first. */
export function formatVersions(version: string): FormatVersions {
  const p = parts(version);
  return {
    upstream: {
      // deb-version(7): upstream_version is alphanumerics and . + - ~ (crossgo keeps - out: it would read as the revision).
      deb: debOrRpm(p, /[A-Za-z0-9.+~]/),
      // rpm: no "-" in Version (it separates the release); _ is allowed.
      rpm: debOrRpm(p, /[A-Za-z0-9.+~_]/),
      apk: apk(p),
    },
  };
}

/** Why a release (deb revision, rpm release, apk -rN) does not fit a format, or null. */
export function releaseProblem(format: LinuxPackageFormat, release: string): string | null {
  if (format === 'apk' && !/^\d+$/.test(release)) return "is not a number, as apk's -rN release must be";
  if (format === 'deb' && !/^[A-Za-z0-9.+~]+$/.test(release))
    return 'holds a character a deb revision cannot (letters, digits and . + ~ only)';
  if (format === 'rpm' && !/^[A-Za-z0-9.+~_]+$/.test(release))
    return 'holds a character an rpm release cannot (letters, digits and . + ~ _ only)';
  return null;
}

/** The full version as the format writes it: deb [epoch:]upstream-revision, rpm [epoch:]version-release, apk pkgver-rN. */
export function fullVersion(
  format: LinuxPackageFormat,
  upstream: string,
  release: string,
  epoch: string | undefined,
): string {
  if (format === 'apk') return `${upstream}-r${release}`;
  return `${epoch ? `${epoch}:` : ''}${upstream}-${release}`;
}

/** Why a package name does not fit a format, or null (deb: Debian policy 5.6.1; rpm and apk: the same, with _). */
export function packageNameProblem(format: LinuxPackageFormat, name: string): string | null {
  if (name.length > 128) return 'is longer than 128 characters';
  if (format === 'deb') {
    return /^[a-z0-9][a-z0-9+.-]+$/.test(name)
      ? null
      : 'is not a Debian package name (at least two characters: lower-case letters, digits and + - ., starting with a letter or digit)';
  }
  return /^[a-z0-9][a-z0-9+._-]*$/.test(name)
    ? null
    : `is not an ${format === 'rpm' ? 'rpm' : 'apk'} package name crossgo makes (lower-case letters, digits and + - . _, starting with a letter or digit)`;
}

/** The distributions' (and nfpm's ConventionalFileName) file names; deb and rpm leave the epoch out. */
export function packageFileName(
  format: LinuxPackageFormat,
  name: string,
  upstream: string,
  release: string,
  arch: string,
): string {
  if (format === 'deb') return `${name}_${upstream}-${release}_${arch}.deb`;
  if (format === 'rpm') return `${name}-${upstream}-${release}.${arch}.rpm`;
  return `${name}_${upstream}-r${release}_${arch}.apk`;
}
