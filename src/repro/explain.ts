import { FormatError } from '../binary/errors.js';
import { readFacts } from '../binary/read.js';
import { BufferSource } from '../binary/source.js';
import type { BinaryFacts } from '../binary/types.js';

/**
 * Why two builds of one target differ: where (sections, the first differing offset with an
 * excerpt) and the likely cause, from evidence in the bytes and the build info.
 */

export interface SectionDifference {
  name: string;
  /** File offset and size of the section in the first build. */
  offset: number;
  size: number;
  /** How many bytes differ (size changes count as all of the longer one's bytes). */
  differingBytes: number;
}

export interface Excerpt {
  offset: number;
  section: string | null;
  hexA: string;
  hexB: string;
  /** Printable text around the offset ('.' for other bytes). */
  textA: string;
  textB: string;
}

export type CauseKind =
  | 'leaked-path'
  | 'build-info'
  | 'c-timestamp'
  | 'string-value'
  | 'build-id-only'
  | 'size'
  /** What the build info does not record, so a rebuild from it cannot repeat (crossgo rebuild). */
  | 'not-recorded';

export interface Cause {
  kind: CauseKind;
  detail: string;
}

export interface Difference {
  sizes: [number, number];
  sections: SectionDifference[];
  first: Excerpt | null;
  causes: Cause[];
}

/** A path that may leak into a binary: each build's own value (module copy, HOME, TMPDIR). */
export interface PathCandidate {
  label: string;
  a: string;
  b: string;
}

export function explainDifference(
  a: Uint8Array,
  b: Uint8Array,
  candidates: readonly PathCandidate[],
): Difference {
  const factsA = safeFacts(a);
  const factsB = safeFacts(b);
  const sections = factsA && factsB ? differingSections(a, b, factsA, factsB) : [];
  const offset = firstDifference(a, b);
  const first = offset === null ? null : excerpt(a, b, offset, sectionAt(factsA, offset));
  const causes: Cause[] = [];
  if (a.length !== b.length)
    causes.push({ kind: 'size', detail: `sizes differ: ${a.length} and ${b.length} bytes` });
  causes.push(...leakedPaths(a, b, candidates));
  if (factsA && factsB) causes.push(...buildInfoChanges(factsA, factsB));
  const cgo = factsA?.go?.settings.CGO_ENABLED === '1';
  const stamp = /\b[A-Z][a-z]{2} [ \d]\d \d{4}\b|\b\d{2}:\d{2}:\d{2}\b/;
  // With cgo, a run that reads as a date is the likely cause: looked for before the first run
  // that differs (other data bytes that differ may happen to be printable, and come first).
  const strings = stringChange(
    maskBuildIds(a, factsA),
    maskBuildIds(b, factsB),
    factsA,
    factsB,
    cgo ? (text) => stamp.test(text) : undefined,
  );
  if (strings) {
    if (cgo && (stamp.test(strings.a) || stamp.test(strings.b))) {
      causes.push({
        kind: 'c-timestamp',
        detail: `a C compiler's __DATE__/__TIME__: "${strings.a}" in one build, "${strings.b}" in the other (cgo code stamps the time it was compiled)`,
      });
    } else if (!causes.some((c) => c.kind === 'leaked-path')) {
      causes.push({
        kind: 'string-value',
        detail: `the string "${strings.a}" is "${strings.b}" in the other build${strings.section ? ` (${strings.section})` : ''}: a -X value or another string set at build time`,
      });
    }
  }
  if (
    offset !== null &&
    causes.length === 0 &&
    factsA &&
    factsB &&
    onlyBuildIdDiffers(a, b, factsA, factsB)
  ) {
    causes.push({
      kind: 'build-id-only',
      detail: `only the Go build ID differs (${factsA.goBuildId} vs ${factsB.goBuildId}): go saw different inputs (a toolchain, flag or file that changed nothing else)`,
    });
  }
  return { sizes: [a.length, b.length], sections, first, causes };
}

function safeFacts(bytes: Uint8Array): BinaryFacts | null {
  try {
    return readFacts(new BufferSource(bytes));
  } catch (error) {
    if (error instanceof FormatError) return null;
    throw error;
  }
}

function differingSections(
  a: Uint8Array,
  b: Uint8Array,
  fa: BinaryFacts,
  fb: BinaryFacts,
): SectionDifference[] {
  const inB = new Map(fb.sections.map((s) => [s.name, s]));
  const out: SectionDifference[] = [];
  for (const s of fa.sections) {
    const t = inB.get(s.name);
    if (!t || s.offset === 0 || t.offset === 0) continue;
    const x = a.subarray(s.offset, s.offset + s.size);
    const y = b.subarray(t.offset, t.offset + t.size);
    let differing = Math.abs(x.length - y.length);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) differing++;
    if (differing > 0) out.push({ name: s.name, offset: s.offset, size: s.size, differingBytes: differing });
  }
  return out;
}

function firstDifference(a: Uint8Array, b: Uint8Array): number | null {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? null : n;
}

function sectionAt(facts: BinaryFacts | null, offset: number): string | null {
  const s = facts?.sections.find((x) => x.offset > 0 && offset >= x.offset && offset < x.offset + x.size);
  return s?.name ?? null;
}

const HEX_SPAN = 16;

function excerpt(a: Uint8Array, b: Uint8Array, offset: number, section: string | null): Excerpt {
  const from = Math.max(0, offset - 4);
  const hex = (x: Uint8Array) =>
    Buffer.from(x.subarray(from, from + HEX_SPAN))
      .toString('hex')
      .replace(/(..)/g, '$1 ')
      .trim();
  const text = (x: Uint8Array) =>
    Array.from(x.subarray(from, from + HEX_SPAN), (c) =>
      c >= 0x20 && c < 0x7f ? String.fromCharCode(c) : '.',
    ).join('');
  return { offset, section, hexA: hex(a), hexB: hex(b), textA: text(a), textB: text(b) };
}

function leakedPaths(a: Uint8Array, b: Uint8Array, candidates: readonly PathCandidate[]): Cause[] {
  const causes: Cause[] = [];
  for (const c of candidates) {
    const at = Buffer.from(a).indexOf(c.a);
    const bt = Buffer.from(b).indexOf(c.b);
    if (at === -1 && bt === -1) continue;
    const where =
      at !== -1
        ? `at 0x${at.toString(16)} of the first build`
        : `at 0x${bt.toString(16)} of the second build`;
    causes.push({
      kind: 'leaked-path',
      detail: `the ${c.label} (${at !== -1 ? c.a : c.b}) is in the binary ${where}: build with -trimpath, and keep build paths out of -X values and C code`,
    });
  }
  return causes;
}

function buildInfoChanges(fa: BinaryFacts, fb: BinaryFacts): Cause[] {
  const ga = fa.go;
  const gb = fb.go;
  if (!ga || !gb) return [];
  const changes: string[] = [];
  if (ga.version !== gb.version) changes.push(`Go ${ga.version} → ${gb.version}`);
  const keys = new Set([...Object.keys(ga.settings), ...Object.keys(gb.settings)]);
  for (const key of [...keys].sort()) {
    const x = ga.settings[key];
    const y = gb.settings[key];
    if (x !== y) changes.push(`${key}=${x ?? '(unset)'} → ${y ?? '(unset)'}`);
  }
  // With their go.sum hashes: the same version from another source (a proxy, a replace) differs too.
  const deps = (g: NonNullable<BinaryFacts['go']>) =>
    g.deps.map((d) => `${d.path}@${d.version} ${d.sum}`).join(' ');
  if (deps(ga) !== deps(gb)) changes.push('the dependency list');
  if (ga.main?.version !== gb.main?.version)
    changes.push(`main module version ${ga.main?.version} → ${gb.main?.version}`);
  else if (ga.main?.sum !== gb.main?.sum)
    changes.push(`main module sum ${ga.main?.sum || '(none)'} → ${gb.main?.sum || '(none)'}`);
  if (changes.length === 0) return [];
  const hint = changes.some((c) => c.startsWith('vcs.modified'))
    ? ' (vcs.modified: one tree had uncommitted or untracked files)'
    : '';
  return [{ kind: 'build-info', detail: `the build info differs: ${changes.join(', ')}${hint}` }];
}

/**
 * The first changed string: printable runs in the data sections of one build that the other
 * does not have. By content, not offset: a string of another length shifts everything after it.
 * Build IDs are masked first (they differ whenever anything does).
 */
function stringChange(
  a: Uint8Array,
  b: Uint8Array,
  fa: BinaryFacts | null,
  fb: BinaryFacts | null,
  prefer?: (text: string) => boolean,
): { a: string; b: string; section: string | null } | null {
  if (!fa || !fb) return null;
  const runsA = textRuns(a, fa);
  const runsB = textRuns(b, fb);
  const byOffset = (x: [string, { offset: number }], y: [string, { offset: number }]) =>
    x[1].offset - y[1].offset;
  const onlyA = [...runsA].filter(([text]) => !runsB.has(text)).sort(byOffset);
  const onlyB = [...runsB].filter(([text]) => !runsA.has(text)).sort(byOffset);
  if (onlyA.length === 0 || onlyB.length === 0) return null;
  // The first run that differs, or the first `prefer` picks when both builds have one.
  const pickA = prefer ? onlyA.find(([text]) => prefer(text)) : undefined;
  const pickB = prefer ? onlyB.find(([text]) => prefer(text)) : undefined;
  const [textA, where] = (pickA && pickB ? pickA : onlyA[0]) as [string, { offset: number; section: string }];
  const [textB] = (pickA && pickB ? pickB : onlyB[0]) as [string, unknown];
  return { ...trimCommon(textA, textB), section: where.section };
}

/** Printable runs of 6 or more bytes in a file's data sections, with where each first appears. */
function textRuns(x: Uint8Array, facts: BinaryFacts): Map<string, { offset: number; section: string }> {
  const runs = new Map<string, { offset: number; section: string }>();
  for (const s of facts.sections) {
    if (s.offset === 0 || CODE_SECTION.test(s.name)) continue;
    const end = Math.min(x.length, s.offset + s.size);
    let start = -1;
    for (let i = s.offset; i <= end; i++) {
      const c = i < end ? (x[i] as number) : 0;
      const printable = c >= 0x20 && c < 0x7f;
      if (printable && start === -1) start = i;
      else if (!printable && start !== -1) {
        if (i - start >= 6) {
          const text = Buffer.from(x.subarray(start, i)).toString('latin1');
          if (!runs.has(text)) runs.set(text, { offset: start, section: s.name });
        }
        start = -1;
      }
    }
  }
  return runs;
}

/** Sections of code and tables whose bytes may happen to be printable. */
const CODE_SECTION = /text|pclntab|symtab|gopclntab|typelink|itablink|reloc|plt|got/i;

/** The two strings with their common head and tail cut to a little context. */
function trimCommon(a: string, b: string): { a: string; b: string } {
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const from = Math.max(0, head - 12);
  return {
    a: a.slice(from, Math.min(a.length, a.length - tail + 12)),
    b: b.slice(from, Math.min(b.length, b.length - tail + 12)),
  };
}

/** A copy with every occurrence of the Go build ID zeroed. */
function maskBuildIds(x: Uint8Array, facts: BinaryFacts | null): Uint8Array {
  if (!facts?.goBuildId) return x;
  const copy = Buffer.from(x);
  const needle = Buffer.from(facts.goBuildId);
  for (let at = copy.indexOf(needle); at !== -1; at = copy.indexOf(needle, at + 1))
    copy.fill(0, at, at + needle.length);
  return copy;
}

/** True when masking every occurrence of each build's Go build ID makes the files equal. */
function onlyBuildIdDiffers(a: Uint8Array, b: Uint8Array, fa: BinaryFacts, fb: BinaryFacts): boolean {
  if (!fa.goBuildId || !fb.goBuildId || a.length !== b.length || fa.goBuildId.length !== fb.goBuildId.length)
    return false;
  const mask = (x: Uint8Array, id: string) => {
    const copy = Buffer.from(x);
    const needle = Buffer.from(id);
    for (let at = copy.indexOf(needle); at !== -1; at = copy.indexOf(needle, at + 1))
      copy.fill(0, at, at + needle.length);
    return copy;
  };
  return mask(a, fa.goBuildId).equals(mask(b, fb.goBuildId));
}
