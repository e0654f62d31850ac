import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../src/binary/errors.js';
import { FileSource } from '../../src/binary/fileSource.js';
import { BufferSource } from '../../src/binary/source.js';
import type { BinaryFacts } from '../../src/binary/types.js';
import { wasmFacts } from '../../src/binary/wasm/facts.js';
import { readDataSegments, readWasm } from '../../src/binary/wasm/read.js';
import { expectBrokenFixtures } from '../helpers/broken.js';
import { cleanupTemps, runTool, tempDir } from '../helpers/cli.js';
import { type CorpusSpec, corpusBinary } from '../helpers/corpus.js';
import {
  CAMPAIGN_TEST_TIMEOUT_MS,
  describeCampaign,
  type Input,
  runMutationCampaign,
  runParseCampaign,
} from '../helpers/mutation.js';
import { fileType } from '../helpers/oracles.js';
import { mulberry32 } from '../helpers/prng.js';

/**
 * The WebAssembly reader against llvm-readobj, file, go tool buildid, go env GOVERSION and
 * (as `go version -m` cannot read a .wasm) go version -m of the same fixture built for
 * linux/amd64; then against mutated copies.
 */

interface Case {
  name: string;
  spec: CorpusSpec;
  /** The host module Go's port imports from (runtime/sys_wasm.s for js, WASI preview 1). */
  host: string;
}

const CASES: Case[] = [
  { name: 'js/wasm', spec: { goos: 'js', goarch: 'wasm' }, host: 'gojs' },
  { name: 'js/wasm stripped', spec: { goos: 'js', goarch: 'wasm', strip: true }, host: 'gojs' },
  { name: 'wasip1/wasm', spec: { goos: 'wasip1', goarch: 'wasm' }, host: 'wasi_snapshot_preview1' },
  {
    name: 'wasip1/wasm stripped',
    spec: { goos: 'wasip1', goarch: 'wasm', strip: true },
    host: 'wasi_snapshot_preview1',
  },
];

async function tool(command: string, args: string[]): Promise<string> {
  const result = await runTool(command, args);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

// ---------------------------------------------------------------- a little wasm, for the test's own use

/** "\xff Go buildinf:" (debug/buildinfo buildInfoMagic). */
const BUILDINFO_MAGIC = [0xff, 0x20, 0x47, 0x6f, 0x20, 0x62, 0x75, 0x69, 0x6c, 0x64, 0x69, 0x6e, 0x66, 0x3a];

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

/** Reads an unsigned LEB128 at `at`: [value, bytes taken]. */
function readUleb(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  for (let i = 0; i < 5; i++) {
    const b = bytes[at + i] as number;
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return [value, i + 1];
  }
  throw new Error('LEB128 too long');
}

/** Section header positions straight from the bytes: {start of the id byte, payload start, payload end}. */
function sectionSpans(bytes: Uint8Array): { id: number; header: number; start: number; end: number }[] {
  const spans = [];
  let at = 8;
  while (at < bytes.length) {
    const [size, n] = readUleb(bytes, at + 1);
    spans.push({ id: bytes[at] as number, header: at, start: at + 1 + n, end: at + 1 + n + size });
    at += 1 + n + size;
  }
  return spans;
}

/**
 * LLVM 14's reader wants "producers" after "name" (its custom-section order check), Go writes
 * it before: llvm-readobj refuses Go's unstripped modules ("out of order section type: 0"). The
 * oracle then reads a copy with the producers section moved to the end.
 */
function producersLast(bytes: Uint8Array): Uint8Array | null {
  const spans = sectionSpans(bytes);
  const producers = spans.find((s) => {
    if (s.id !== 0) return false;
    const [length, n] = readUleb(bytes, s.start);
    return new TextDecoder().decode(bytes.subarray(s.start + n, s.start + n + length)) === 'producers';
  });
  if (!producers || producers === spans.at(-1)) return null;
  const out = new Uint8Array(bytes.length);
  out.set(bytes.subarray(0, producers.header), 0);
  out.set(bytes.subarray(producers.end), producers.header);
  out.set(bytes.subarray(producers.header, producers.end), bytes.length - (producers.end - producers.header));
  return out;
}

// ---------------------------------------------------------------- llvm-readobj --sections

interface LlvmSection {
  type: string;
  /** llvm: the file offset of the section's id byte. */
  offset: number;
  /** llvm: the payload size, without the name for a custom section. */
  size: number;
  name: string | null;
  segments: { address: number; size: number }[];
}

function parseLlvmSections(text: string): LlvmSection[] {
  return text
    .split(/\n {2}Section \{\n/)
    .slice(1)
    .map((block) => ({
      type: /Type: (\w+) \(0x[0-9A-F]+\)/.exec(block)?.[1] ?? '?',
      size: Number(/Size: (\d+)/.exec(block)?.[1]),
      offset: Number(/Offset: (\d+)/.exec(block)?.[1]),
      name: /^ {4}Name: (.*)$/m.exec(block)?.[1] ?? null,
      // DATA: each segment's size and, as "Offset", its i32.const linear-memory address.
      segments: [...block.matchAll(/Segment \{\n\s+Size: (\d+)\n\s+Offset: (\d+)/g)].map((m) => ({
        size: Number(m[1]),
        address: Number(m[2]),
      })),
    }));
}

const STANDARD_NAMES: Record<string, string> = {
  TYPE: 'type',
  IMPORT: 'import',
  FUNCTION: 'function',
  TABLE: 'table',
  MEMORY: 'memory',
  GLOBAL: 'global',
  EXPORT: 'export',
  START: 'start',
  ELEM: 'element',
  CODE: 'code',
  DATA: 'data',
  DATACOUNT: 'datacount',
};

/**
 * Our sections against llvm's: same order and names; llvm's offset is the id byte, ours the
 * payload (1 id byte and a 1–5 byte size before it); ours ends where llvm's next section
 * starts; a custom section's size is llvm's plus its name field.
 */
function expectSameSections(facts: BinaryFacts, llvm: LlvmSection[], fileSize: number): void {
  expect(facts.sections.map((s) => s.name)).toEqual(
    llvm.map((s) => (s.type === 'CUSTOM' ? s.name : STANDARD_NAMES[s.type])),
  );
  facts.sections.forEach((ours, i) => {
    const theirs = llvm[i] as LlvmSection;
    const label = `section ${i} ${ours.name}`;
    expect(ours.offset - theirs.offset, label).toBeGreaterThanOrEqual(2);
    expect(ours.offset - theirs.offset, label).toBeLessThanOrEqual(6);
    expect(ours.offset + ours.size, label).toBe(llvm[i + 1]?.offset ?? fileSize);
    const nameField =
      theirs.type === 'CUSTOM' ? uleb((theirs.name ?? '').length).length + (theirs.name ?? '').length : 0;
    expect(ours.size, label).toBe(theirs.size + nameField);
    expect(ours.address).toBe('0x0');
  });
}

// ---------------------------------------------------------------- go version -m of the linux/amd64 twin

/** Lines of `go version -m` after the first, without their tab; the version from the first. */
function parseGoVersionM(text: string, file: string): { version: string; body: string[] } {
  const lines = text.split('\n').filter((l) => l !== '');
  expect(lines[0]?.startsWith(`${file}: `)).toBe(true);
  return { version: (lines[0] ?? '').slice(file.length + 2), body: lines.slice(1).map((l) => l.slice(1)) };
}

/** strconv.Quote for printable ASCII is JSON.stringify (see binary-elf.test.ts); refuse the rest. */
function goQuote(s: string): string {
  if (!/^[\x20-\x7e]*$/.test(s)) throw new Error(`goQuote: not printable ASCII: ${s}`);
  return JSON.stringify(s);
}

function renderSetting(key: string, value: string): string {
  const k = key === '' || /[= \t\r\n"`]/.test(key) ? goQuote(key) : key;
  const v = /[ \t\r\n"`]/.test(value) ? goQuote(value) : value;
  return `build\t${k}=${v}`;
}

/** Keys that name the target, which a linux/amd64 twin cannot share. */
const TARGET_KEYS = /^build\t(GOOS|GOARCH|GOAMD64|GOWASM)=/;

// ---------------------------------------------------------------- the corpus

interface Built {
  file: string;
  bytes: Uint8Array;
  facts: BinaryFacts;
  llvm: LlvmSection[];
  /** The copy llvm-readobj read (producers moved last), or null when it read the file itself. */
  reordered: Uint8Array | null;
  file_: string;
  buildId: string;
  native: { version: string; body: string[] };
}

const built = new Map<string, Built>();
let goVersion = '';

beforeAll(async () => {
  goVersion = (await tool('go', ['env', 'GOVERSION'])).trim();
  for (const c of CASES) {
    const file = await corpusBinary(c.spec);
    const native = await corpusBinary({ goos: 'linux', goarch: 'amd64', strip: c.spec.strip });
    const bytes = new Uint8Array(await readFile(file));
    const reordered = producersLast(bytes);
    let readobjFile = file;
    if (reordered) {
      readobjFile = path.join(await tempDir('crossgo-wasm-'), `${path.basename(file)}.wasm`);
      await writeFile(readobjFile, reordered);
    }
    const [llvm, file_, buildId, nativeVersion] = await Promise.all([
      tool('llvm-readobj', ['--sections', readobjFile]),
      fileType(file),
      tool('go', ['tool', 'buildid', file]),
      tool('go', ['version', '-m', native]),
    ]);
    const src = FileSource.open(file);
    try {
      built.set(c.name, {
        file,
        bytes,
        facts: wasmFacts(src),
        llvm: parseLlvmSections(llvm),
        reordered,
        file_,
        buildId: buildId.trim(),
        native: parseGoVersionM(nativeVersion, native),
      });
    } finally {
      src.close();
    }
  }
}, 600_000);

afterAll(cleanupTemps);

function get(name: string): Built {
  const b = built.get(name);
  if (!b) throw new Error(`${name} was not built`);
  return b;
}

describe.each(CASES)('$name', ({ name, spec, host }) => {
  it('matches llvm-readobj: every section, in order, with its offset and size', () => {
    const { facts, llvm, reordered, bytes } = get(name);
    if (!reordered) {
      expectSameSections(facts, llvm, bytes.length);
      return;
    }
    // llvm read the reordered copy: ours on that copy must match it exactly…
    expectSameSections(wasmFacts(new BufferSource(reordered)), llvm, reordered.length);
    // …and ours on the original must be the same sections with producers back in place,
    // laid end to end over the whole file.
    const moved = facts.sections.findIndex((s) => s.name === 'producers');
    const fromLlvm = llvm.map((s) => `${s.type === 'CUSTOM' ? s.name : STANDARD_NAMES[s.type]}`);
    const producers = fromLlvm.pop() as string;
    fromLlvm.splice(moved, 0, producers);
    expect(facts.sections.map((s) => s.name)).toEqual(fromLlvm);
    const spans = sectionSpans(bytes);
    expect(facts.sections.map((s) => [s.offset, s.size])).toEqual(
      spans.map((s) => [s.start, s.end - s.start]),
    );
    expect(spans.at(-1)?.end).toBe(bytes.length);
  });

  it('matches llvm-readobj: every data segment address and size', () => {
    const { bytes, llvm } = get(name);
    const ours = readDataSegments(new BufferSource(bytes), readWasm(new BufferSource(bytes)));
    const theirs = llvm.find((s) => s.type === 'DATA')?.segments ?? [];
    expect(theirs.length).toBeGreaterThan(100);
    // Joined: tens of thousands of segments, and toEqual on that many objects is slow.
    expect(ours.map((s) => `${s.address}+${s.size}`).join(',')).toBe(
      theirs.map((s) => `${s.address}+${s.size}`).join(','),
    );
  });

  it('matches file(1) and what the format fixes', () => {
    const { facts, file_ } = get(name);
    expect(file_).toBe('WebAssembly (wasm) binary module version 0x1 (MVP)');
    expect(facts).toMatchObject({
      format: 'wasm',
      bits: 32,
      endian: 'little',
      type: 'exec',
      entry: null,
      static: true,
      interpreter: null,
      libraries: [],
    });
  });

  it('stripped, symbols and DWARF follow the custom sections', () => {
    const { facts, llvm, bytes } = get(name);
    const names = llvm.filter((s) => s.type === 'CUSTOM').map((s) => s.name);
    expect(facts.stripped).toBe(!names.includes('name'));
    expect(facts.stripped).toBe(spec.strip === true);
    expect(facts.dwarf).toBe(names.includes('.debug_info'));
    // Go's name section names every function the module defines (wasm/asm.go writeNameSec),
    // so its count is the function section's.
    const fn = sectionSpans(bytes).find((s) => s.id === 3);
    const [functions] = readUleb(bytes, fn?.start ?? 0);
    expect(functions).toBeGreaterThan(1000);
    expect(facts.symbols).toBe(facts.stripped ? 0 : functions);
  });

  it('matches go tool buildid and go env GOVERSION', () => {
    const { facts, buildId } = get(name);
    expect(facts.goBuildId).toBe(buildId);
    expect(facts.go?.version).toBe(goVersion);
  });

  it('matches go version -m of the same program built for linux/amd64, but for the target keys', () => {
    const { facts, native } = get(name);
    const go = facts.go;
    if (!go) throw new Error('no build info');
    expect(go.version).toBe(native.version);
    expect(go.path).toBe(native.body.find((l) => l.startsWith('path\t'))?.slice('path\t'.length));
    const mod = native.body.find((l) => l.startsWith('mod\t'))?.split('\t');
    expect(go.main).toEqual({ path: mod?.[1], version: mod?.[2], sum: mod?.[3] ?? '', replace: null });
    expect(go.deps).toEqual([]);
    const ours = Object.entries(go.settings).map(([k, v]) => renderSetting(k, v));
    expect(ours.filter((l) => !TARGET_KEYS.test(l))).toEqual(
      native.body.filter((l) => l.startsWith('build\t') && !TARGET_KEYS.test(l)),
    );
    expect(go.settings.GOOS).toBe(spec.goos);
    expect(go.settings.GOARCH).toBe('wasm');
    expect(facts.goos).toBe(spec.goos);
    expect(facts.goarch).toBe('wasm');
  });

  it('without build info, takes GOOS from the host module it imports', () => {
    const { bytes } = get(name);
    const copy = bytes.slice();
    // Rename the "producers" section (same length): no Go version, so no build info.
    const at = Buffer.from(copy.buffer).indexOf('\x09producers', 0, 'latin1');
    expect(at).toBeGreaterThan(0);
    copy.set(new TextEncoder().encode('producerz'), at + 1);
    const facts = wasmFacts(new BufferSource(copy));
    expect(facts.go).toBeNull();
    expect(facts.goos).toBe(spec.goos);
    expect(Buffer.from(copy).includes(host)).toBe(true);
  });
});

describe('the build-info header in linear memory', () => {
  /** A module with one memory and the given active data segments, and nothing else. */
  function moduleWithData(segments: { address: number; bytes: number[] }[]): Uint8Array {
    const data = [
      ...uleb(segments.length),
      ...segments.flatMap((s) => [0, 0x41, ...sleb(s.address), 0x0b, ...uleb(s.bytes.length), ...s.bytes]),
    ];
    return Uint8Array.from([
      0x00,
      0x61,
      0x73,
      0x6d,
      1,
      0,
      0,
      0,
      5,
      3,
      1,
      0,
      2, // memory section: one memory, min 2 pages
      11,
      ...uleb(data.length),
      ...data,
    ]);
  }

  function sleb(n: number): number[] {
    const out: number[] = [];
    for (;;) {
      const b = n & 0x7f;
      n >>= 7;
      if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
        out.push(b);
        return out;
      }
      out.push(b | 0x80);
    }
  }

  const text = (s: string) => [...new TextEncoder().encode(s)];
  const INFO_START = [
    0x30, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02, 0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6,
  ];
  const INFO_END = [
    0xf9, 0x32, 0x43, 0x31, 0x86, 0x18, 0x20, 0x72, 0x00, 0x82, 0x42, 0x10, 0x41, 0x16, 0xd8, 0xf2,
  ];
  const mod = [...INFO_START, ...text('path\tx\nbuild\tGOOS=wasip1\n'), ...INFO_END];
  const blob = [
    ...BUILDINFO_MAGIC,
    4,
    2,
    ...new Array(16).fill(0),
    ...uleb(8),
    ...text('go1.99.0'),
    ...uleb(mod.length),
    ...mod,
  ];

  it('is read through the segments, with the zeros between them filled in', () => {
    // As Go's linker would split it (runs of 8+ zeros are left out, wasm/asm.go writeDataSec):
    // magic, pointer size and flags in one segment, the 16 zero bytes of the header skipped,
    // the strings in the next; the segments out of address order in the file.
    const facts = wasmFacts(
      new BufferSource(
        moduleWithData([
          { address: 4096 + 32, bytes: blob.slice(32) },
          { address: 1024, bytes: [1, 2, 3] },
          { address: 4096, bytes: blob.slice(0, 16) },
          { address: 65536, bytes: [9, 9, 9] },
        ]),
      ),
    );
    expect(facts.go).toMatchObject({ version: 'go1.99.0', path: 'x', settings: { GOOS: 'wasip1' } });
    expect(facts.goos).toBe('wasip1');
  });

  it('refuses strings that run past the last segment', () => {
    const cut = moduleWithData([{ address: 4096, bytes: blob.slice(0, 50) }]);
    expect(() => wasmFacts(new BufferSource(cut))).toThrow(/runs past the mapped data/);
  });

  it('skips a header at an address that is not a multiple of 16', () => {
    const facts = wasmFacts(new BufferSource(moduleWithData([{ address: 4104, bytes: blob }])));
    expect(facts.go).toBeNull();
  });
});

describe('hand-built modules', () => {
  const HEADER = [0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
  const name = (text: string) => {
    const bytes = [...new TextEncoder().encode(text)];
    return [...uleb(bytes.length), ...bytes];
  };
  const section = (id: number, payload: number[]) => [id, ...uleb(payload.length), ...payload];
  const facts = (...sections: number[][]) =>
    wasmFacts(new BufferSource(Uint8Array.from([...HEADER, ...sections.flat()])));

  it('reads a custom section whose name is longer than 64 bytes', () => {
    const long = `.custom.${'x'.repeat(120)}`;
    const f = facts(section(0, [...name(long), 1, 2, 3]));
    // 133 bytes of payload: a 2-byte size, so the payload starts at 8 + 1 + 2.
    expect(f.sections).toEqual([{ name: long, address: '0x0', size: 3 + name(long).length, offset: 11 }]);
  });

  it('skips tag imports and 64-bit memory limits', () => {
    const imports = [
      3,
      ...name('env'),
      ...name('tag'),
      4,
      0,
      0, // tag: attribute 0, type 0
      ...name('env'),
      ...name('mem'),
      2,
      0x05,
      ...[0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], // memory64 with max: min 2^42 (a 7-byte LEB128)
      0x80,
      0x80,
      0x80,
      0x80,
      0x80,
      0x80,
      0x02,
      ...name('gojs'),
      ...name('debug'),
      0,
      0, // function, type 0
    ];
    expect(facts(section(2, imports)).goos).toBe('js');
  });

  it('treats "__proto__" and "constructor" as plain names', () => {
    const producers = [1, ...name('__proto__'), 1, ...name('Go'), ...name('go1.0')];
    const imports = [1, ...name('constructor'), ...name('f'), 0, 0];
    const f = facts(section(2, imports), section(0, [...name('producers'), ...producers]));
    expect(f.goos).toBeNull();
    expect(f.go).toBeNull();
  });
});

// ---------------------------------------------------------------- mutation

interface Patch {
  at: number;
  old: Uint8Array;
}

interface Target {
  name: string;
  bytes: Uint8Array;
  spans: { id: number; header: number; start: number; end: number }[];
}

function patchBytes(t: Target, at: number, bytes: number[], patches: Patch[]): void {
  if (at < 0 || at + bytes.length > t.bytes.length) return;
  patches.push({ at, old: t.bytes.slice(at, at + bytes.length) });
  t.bytes.set(bytes, at);
}

function undo(t: Target, patches: Patch[]): void {
  for (let i = patches.length - 1; i >= 0; i--) {
    const p = patches[i] as Patch;
    t.bytes.set(p.old, p.at);
  }
}

const LEBS: [string, number[]][] = [
  ['0', [0x00]],
  ['5-byte max u32', [0xff, 0xff, 0xff, 0xff, 0x0f]],
  ['5-byte past u32', [0xff, 0xff, 0xff, 0xff, 0x7f]],
  ['unterminated', [0x80, 0x80, 0x80, 0x80, 0x80]],
  ['padded 1', [0x81, 0x80, 0x80, 0x80, 0x00]],
  ['127', [0x7f]],
  ['16384', [0x80, 0x80, 0x01]],
];

function mutate(t: Target, rand: () => number): { what: string; input: Uint8Array; patches: Patch[] } {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const int = (n: number) => Math.floor(rand() * n);
  const patches: Patch[] = [];
  const kind = int(100);
  const span = pick(t.spans);
  if (kind < 15) {
    const length =
      rand() < 0.5 ? span.header + int(Math.min(64, span.end - span.header + 1)) : int(t.bytes.length);
    return { what: `truncate to ${length}`, input: t.bytes.subarray(0, length), patches };
  }
  let what: string;
  if (kind < 35) {
    // A section header: its id byte or its size LEB128.
    if (rand() < 0.3) {
      const id = int(20);
      patchBytes(t, span.header, [id], patches);
      what = `section at ${span.header}: id = ${id}`;
    } else {
      const [label, leb] = pick(LEBS);
      patchBytes(t, span.header + 1, leb, patches);
      what = `section at ${span.header}: size LEB128 = ${label}`;
    }
  } else if (kind < 65) {
    // Byte flips at the start of a section's payload: counts, names, kinds, LEB128s.
    const flips = 1 + int(3);
    const at: number[] = [];
    for (let i = 0; i < flips; i++) {
      const o = span.start + int(Math.max(1, Math.min(96, span.end - span.start)));
      at.push(o);
      patchBytes(t, o, [int(256)], patches);
    }
    what = `flip section ${span.id} payload bytes at ${at.join(',')}`;
  } else if (kind < 80) {
    // A LEB128 written over a payload position (a count, a name length, a segment size).
    const o = span.start + int(Math.max(1, Math.min(256, span.end - span.start)));
    const [label, leb] = pick(LEBS);
    patchBytes(t, o, leb, patches);
    what = `section ${span.id} LEB128 at ${o} = ${label}`;
  } else if (kind < 90) {
    // The build-info magic planted in the data section: makes the reader rebuild linear memory
    // from the (possibly damaged) segments and decode whatever follows.
    const data = t.spans.find((s) => s.id === 11);
    const o = (data?.start ?? 8) + int(Math.max(1, (data?.end ?? 9) - (data?.start ?? 8) - 64));
    const flags = pick([0, 1, 2, 3]);
    const ptr = pick([4, 8, int(256)]);
    const rest = Array.from({ length: 16 + int(24) }, () => (rand() < 0.5 ? 0 : int(256)));
    patchBytes(t, o, [...BUILDINFO_MAGIC, ptr, flags, ...rest], patches);
    if (rand() < 0.5) {
      const [, leb] = pick(LEBS);
      patchBytes(t, (data?.start ?? 8) + int(64), leb, patches);
    }
    what = `build-info magic at ${o} (ptr ${ptr}, flags ${flags})`;
  } else {
    // Random bytes anywhere in the first 4 KiB (all the small sections) and the custom sections.
    const custom = t.spans.filter((s) => s.id === 0);
    const at: number[] = [];
    for (let i = 0; i < 4; i++) {
      const c = pick(custom);
      const o = rand() < 0.5 ? int(4096) : c.start + int(Math.max(1, Math.min(128, c.end - c.start)));
      at.push(o);
      patchBytes(t, o, [int(256)], patches);
    }
    what = `random bytes at ${at.join(',')}`;
  }
  return { what, input: t.bytes, patches };
}

describe('mutation', () => {
  const SEED = Number(process.env.CROSSGO_MUTATION_SEED ?? 0x5eed_3a5);
  const PER_TARGET = 3_400;
  const TARGETS = ['js/wasm stripped', 'wasip1/wasm', 'js/wasm'];

  it(
    `${TARGETS.length * PER_TARGET} mutated modules end in a result or a FormatError, within the read budget`,
    () => {
      const r = runMutationCampaign({
        seed: SEED,
        perTarget: PER_TARGET,
        parse: (src) => wasmFacts(src),
        targets: TARGETS.map((name) => {
          const b = get(name);
          const t = { name, bytes: b.bytes.slice(), spans: sectionSpans(b.bytes) } as Target;
          return { name, target: t, bytes: t.bytes, original: b.bytes, mutate, undo };
        }),
      });
      console.log(describeCampaign('wasm', r));
      expect(r.failures).toEqual([]);
      // Every working copy is intact again after all the undos.
      expect(r.notRestored).toEqual([]);
      expect(r.count).toBe(TARGETS.length * PER_TARGET);
    },
    CAMPAIGN_TEST_TIMEOUT_MS,
  );

  it('empty, tiny and random files end in a FormatError', () => {
    const seed = SEED ^ 0xabcdef;
    const rand = mulberry32(seed);
    const inputs: Input[] = [
      { label: 'empty', input: new Uint8Array(0) },
      { label: 'magic only', input: Uint8Array.from([0x00, 0x61, 0x73, 0x6d]) },
    ];
    for (let i = 0; i < 300; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(rand() * 2048) }, () => Math.floor(rand() * 256));
      if (i % 2 === 0 && bytes.length >= 8) bytes.set([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
      inputs.push({
        label: `seed 0x${seed.toString(16)} random ${i} (${bytes.length} bytes${i % 2 === 0 ? ', wasm header' : ''})`,
        input: bytes,
      });
    }
    const r = runParseCampaign({ inputs, parse: (src) => wasmFacts(src) });
    expect(r.failures).toEqual([]);
    // A header and nothing else is a valid (empty) module; random sections almost never are.
    expect(r.parsed.length).toBeLessThan(10);
    expect(() => wasmFacts(new BufferSource(new Uint8Array(0)))).toThrow(FormatError);
  });
});

// ---------------------------------------------------------------- broken fixtures

describe('broken fixtures', () => {
  it('each fails with the error its name says, and make.mjs rebuilds them byte for byte', async () => {
    await expectBrokenFixtures({ folder: 'wasm', ext: '.wasm', parse: wasmFacts, min: 4, max: 6 });
  });
});
