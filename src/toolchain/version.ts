/** Go release versions as `go env GOVERSION` prints them: go1.21.0, go1.22rc1, devel go1.27-abc… */
export interface GoVersion {
  major: number;
  minor: number;
  patch: number;
  /** rc/beta suffix, e.g. "rc1"; empty for a release. */
  pre: string;
  devel: boolean;
  raw: string;
}

const RELEASE = /^go(\d+)\.(\d+)(?:\.(\d+))?((?:rc|beta)\d+)?/;

export function parseGoVersion(raw: string): GoVersion | null {
  const text = raw.trim();
  const devel = text.startsWith('devel ');
  const match = RELEASE.exec(devel ? text.slice('devel '.length) : text);
  if (!match) return devel ? { major: 1, minor: 999, patch: 0, pre: '', devel, raw: text } : null;
  return {
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: Number(match[3] ?? 0),
    pre: match[4] ?? '',
    devel,
    raw: text,
  };
}

/** Orders two versions; a pre-release sorts before its release. */
export function compareGoVersions(a: GoVersion, b: GoVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch || preRank(a.pre) - preRank(b.pre);
}

function preRank(pre: string): number {
  if (pre === '') return 1_000_000;
  const n = Number(pre.replace(/^\D+/, ''));
  return (pre.startsWith('rc') ? 1000 : 0) + n;
}
