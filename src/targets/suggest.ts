import { distance } from 'fastest-levenshtein';

/** Common spellings from other ecosystems, mapped to Go's. */
const ALIASES = new Map<string, string>(
  Object.entries({
    x86_64: 'amd64',
    x64: 'amd64',
    x86: '386',
    i386: '386',
    i686: '386',
    aarch64: 'arm64',
    armv7: 'arm',
    armhf: 'arm',
    macos: 'darwin',
    osx: 'darwin',
    mac: 'darwin',
    win: 'windows',
    win32: 'windows',
    win64: 'windows',
    ppc64el: 'ppc64le',
  }),
);

/** The closest candidate to `input` (aliases first, then edit distance), or undefined when nothing is close. */
export function nearest(input: string, candidates: readonly string[]): string | undefined {
  const aliased = input
    .split('/')
    .map((part) => ALIASES.get(part.toLowerCase()) ?? part.toLowerCase())
    .join('/');
  if (candidates.includes(aliased)) return aliased;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const d = distance(aliased, candidate);
    if (d < bestDistance || (d === bestDistance && best !== undefined && closer(aliased, candidate, best))) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(aliased.length / 3)) ? best : undefined;
}

/** Tie-break between equally distant candidates: the one whose first differing character is nearer (v5 → v4, not v1). */
function closer(input: string, a: string, b: string): boolean {
  const gap = (candidate: string) => {
    let i = 0;
    while (i < input.length && i < candidate.length && input[i] === candidate[i]) i++;
    return i;
  };
  const ia = gap(a);
  const ib = gap(b);
  if (ia !== ib) return ia > ib;
  const da = Math.abs((input.charCodeAt(ia) || 0) - (a.charCodeAt(ia) || 0));
  const db = Math.abs((input.charCodeAt(ib) || 0) - (b.charCodeAt(ib) || 0));
  return da < db;
}
