import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../src/binary/errors.js';
import { peFacts } from '../../src/binary/pe/facts.js';
import { type PeFile, readPe, sectionAt } from '../../src/binary/pe/read.js';
import { BufferSource, type ByteSource } from '../../src/binary/source.js';
import type { GoBuildInfo, GoModule } from '../../src/binary/types.js';
import { FIXTURES, runTool, tempDir } from '../helpers/cli.js';
import { type CorpusSpec, corpusBinary } from '../helpers/corpus.js';
import {
  CAMPAIGN_TEST_TIMEOUT_MS,
  describeCampaign,
  type Mutation as HelperMutation,
  type Input,
  runMutationCampaign,
  runParseCampaign,
} from '../helpers/mutation.js';
import { fileType } from '../helpers/oracles.js';
import { mulberry32 } from '../helpers/prng.js';

// ---------------------------------------------------------------------------------------------
// The corpus: real Go binaries for Windows, built with the toolchain on the machine.

interface Case {
  label: string;
  spec: CorpusSpec;
}

const windows = (goarch: string, extra: Partial<CorpusSpec> = {}): CorpusSpec => ({
  goos: 'windows',
  goarch,
  ...extra,
});
const CASES: Case[] = [
  { label: 'windows/386', spec: windows('386') },
  { label: 'windows/386 stripped', spec: windows('386', { strip: true }) },
  { label: 'windows/amd64', spec: windows('amd64') },
  { label: 'windows/amd64 stripped', spec: windows('amd64', { strip: true }) },
  { label: 'windows/arm64', spec: windows('arm64') },
  { label: 'windows/arm64 stripped', spec: windows('arm64', { strip: true }) },
  { label: 'windows/amd64 GUI', spec: windows('amd64', { ldflags: ['-H', 'windowsgui'] }) },
  { label: 'windows/amd64 pie', spec: windows('amd64', { buildmode: 'pie' }) },
];

/** Built binaries by label; a case whose build fails (pie, on a toolchain without it) is left out. */
const built = new Map<string, string>();

beforeAll(async () => {
  await Promise.all(
    CASES.map(async (c) => {
      try {
        built.set(c.label, await corpusBinary(c.spec));
      } catch (error) {
        if (!c.spec.buildmode) throw error;
      }
    }),
  );
});

function binary(label: string): string {
  const file = built.get(label);
  if (!file) throw new Error(`${label} was not built`);
  return file;
}

async function load(label: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(binary(label)));
}

const GOARCH_OF_MACHINE: Record<number, string> = { 332: '386', 34404: 'amd64', 43620: 'arm64' };
const FILE_MACHINE: Record<string, RegExp> = {
  '386': /Intel 80386|Intel i386/,
  amd64: /x86-64/,
  arm64: /Aarch64|ARM64/i,
};
const hex = (n: number | bigint) => `0x${n.toString(16)}`;

// ---------------------------------------------------------------------------------------------
// Oracles: llvm-readobj, file, go version -m, go tool buildid.

interface ReadobjSection {
  name: string;
  virtualSize: number;
  virtualAddress: number;
  rawDataSize: number;
  pointerToRawData: number;
  characteristics: number;
}

interface Readobj {
  machine: number;
  sectionCount: number;
  pointerToSymbolTable: number;
  symbolCount: number;
  characteristics: number;
  magic: number;
  entryRva: number;
  imageBase: bigint;
  subsystem: number;
  dllCharacteristics: number;
  numberOfRvaAndSizes: number;
  importRva: number;
  importSize: number;
  sections: ReadobjSection[];
  imports: string[];
}

async function readobj(file: string): Promise<Readobj> {
  const result = await runTool('llvm-readobj', ['--file-headers', '--sections', '--coff-imports', file]);
  if (result.code !== 0) throw new Error(`llvm-readobj ${file}: ${result.stderr}`);
  const out = result.stdout;
  const fileHeader = block(out, 'ImageFileHeader {');
  const optional = block(out, 'ImageOptionalHeader {');
  const sectionsText = out.slice(out.indexOf('\nSections ['));
  return {
    machine: num(field(fileHeader, 'Machine', /\((0x[0-9A-F]+)\)/i)),
    sectionCount: num(field(fileHeader, 'SectionCount')),
    pointerToSymbolTable: num(field(fileHeader, 'PointerToSymbolTable')),
    symbolCount: num(field(fileHeader, 'SymbolCount')),
    characteristics: num(field(fileHeader, 'Characteristics', /\[ \((0x[0-9A-F]+)\)/i)),
    magic: num(field(optional, 'Magic')),
    entryRva: num(field(optional, 'AddressOfEntryPoint')),
    imageBase: BigInt(field(optional, 'ImageBase')),
    subsystem: num(field(optional, 'Subsystem', /\((0x[0-9A-F]+)\)/i)),
    dllCharacteristics: num(field(optional, 'Characteristics', /\[ \((0x[0-9A-F]+)\)/i)),
    numberOfRvaAndSizes: num(field(optional, 'NumberOfRvaAndSize')),
    importRva: num(field(optional, 'ImportTableRVA')),
    importSize: num(field(optional, 'ImportTableSize')),
    sections: sectionsText
      .split(/\n {2}Section \{/)
      .slice(1)
      .map((s) => ({
        name: field(s, 'Name', /^(\S+)/),
        virtualSize: num(field(s, 'VirtualSize')),
        virtualAddress: num(field(s, 'VirtualAddress')),
        rawDataSize: num(field(s, 'RawDataSize')),
        pointerToRawData: num(field(s, 'PointerToRawData')),
        characteristics: num(field(s, 'Characteristics', /\[ \((0x[0-9A-F]+)\)/i)),
      })),
    imports: [...out.matchAll(/^Import \{\n\s+Name: (.+)$/gm)].map((m) => m[1] as string),
  };
}

/** The text of a `Name {` … `}` block at the top level of llvm-readobj's output. */
function block(text: string, opener: string): string {
  const start = text.indexOf(`\n${opener}`);
  if (start === -1) throw new Error(`llvm-readobj: no ${opener}`);
  return text.slice(start, text.indexOf('\n}', start));
}

/** The first `Key: value` line of a block (its value, or the first group of `pick` on it). */
function field(text: string, key: string, pick?: RegExp): string {
  const line = new RegExp(`^\\s*${key}(?:: | )(.*)$`, 'm').exec(text);
  if (!line) throw new Error(`llvm-readobj: no ${key}`);
  const value = line[1] as string;
  if (!pick) return value.trim();
  const match = pick.exec(value);
  if (!match) throw new Error(`llvm-readobj: ${key}: unexpected "${value}"`);
  return match[1] as string;
}

/** A decimal or 0x-prefixed number. */
function num(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`llvm-readobj: not a number: ${text}`);
  return n;
}

/** `go version -m`: every line, decoded on its own (runtime/debug BuildInfo.String's format). */
async function goVersionAll(file: string): Promise<GoBuildInfo> {
  const result = await runTool('go', ['version', '-m', file]);
  if (result.code !== 0) throw new Error(`go version -m ${file}: ${result.stderr}`);
  const [first, ...lines] = result.stdout.split('\n');
  const info: GoBuildInfo = {
    version: (first ?? '').replace(/^.*: /, ''),
    path: '',
    main: null,
    deps: [],
    settings: {},
  };
  let last: GoModule | null = null;
  for (const line of lines) {
    const [, kind, ...rest] = line.split('\t');
    const module = (): GoModule => ({
      path: rest[0] ?? '',
      version: rest[1] ?? '',
      sum: rest[2] ?? '',
      replace: null,
    });
    if (kind === 'path') info.path = rest[0] ?? '';
    else if (kind === 'mod') {
      info.main = module();
      last = info.main;
    } else if (kind === 'dep') {
      last = module();
      info.deps.push(last);
    } else if (kind === '=>' && last) last.replace = module();
    else if (kind === 'build') {
      const setting = rest.join('\t');
      const eq = setting.indexOf('=');
      const value = setting.slice(eq + 1);
      info.settings[setting.slice(0, eq)] = value.startsWith('"') ? (JSON.parse(value) as string) : value;
    }
  }
  return info;
}

async function goBuildId(file: string): Promise<string> {
  const result = await runTool('go', ['tool', 'buildid', file]);
  if (result.code !== 0) throw new Error(`go tool buildid ${file}: ${result.stderr}`);
  return result.stdout.trim();
}

// ---------------------------------------------------------------------------------------------

describe('readPe and peFacts on real Go binaries', () => {
  it.each(CASES.map((c) => c.label))(
    '%s: headers, sections and imports match llvm-readobj',
    async (label) => {
      if (!built.has(label)) return; // -buildmode=pie did not build with this toolchain
      const file = binary(label);
      const bytes = await load(label);
      const pe = readPe(new BufferSource(bytes));
      const facts = peFacts(new BufferSource(bytes));
      const oracle = await readobj(file);

      expect(pe.machine).toBe(oracle.machine);
      expect(facts.goarch).toBe(GOARCH_OF_MACHINE[oracle.machine]);
      expect(pe.characteristics).toBe(oracle.characteristics);
      expect(pe.is64).toBe(oracle.magic === 0x20b);
      expect(facts.bits).toBe(oracle.magic === 0x20b ? 64 : 32);
      expect(pe.imageBase).toBe(oracle.imageBase);
      expect(pe.entryRva).toBe(oracle.entryRva);
      expect(facts.entry).toBe(hex(oracle.imageBase + BigInt(oracle.entryRva)));
      expect(pe.subsystem).toBe(oracle.subsystem);
      expect(facts.subsystem).toBe(
        oracle.subsystem === 2 ? 'gui' : oracle.subsystem === 3 ? 'console' : 'other',
      );
      expect(pe.dllCharacteristics).toBe(oracle.dllCharacteristics);
      expect(pe.dataDirectories).toHaveLength(Math.min(16, oracle.numberOfRvaAndSizes));
      expect(pe.dataDirectories[1]).toMatchObject({ rva: oracle.importRva, size: oracle.importSize });
      expect(pe.pointerToSymbolTable).toBe(oracle.pointerToSymbolTable);
      expect(pe.numberOfSymbols).toBe(oracle.symbolCount);
      expect(pe.hasSymbolTable).toBe(
        oracle.pointerToSymbolTable !== 0 || oracle.sections.some((s) => s.name === '.symtab'),
      );
      expect(facts.symbols).toBe(oracle.symbolCount);
      expect(facts.stripped).toBe(oracle.symbolCount === 0);

      expect(pe.sections).toHaveLength(oracle.sectionCount);
      expect(pe.sections).toEqual(
        oracle.sections.map((s) => ({
          name: s.name,
          virtualSize: s.virtualSize,
          virtualAddress: s.virtualAddress,
          sizeOfRawData: s.rawDataSize,
          pointerToRawData: s.pointerToRawData,
          characteristics: s.characteristics,
        })),
      );
      expect(facts.sections).toEqual(
        oracle.sections.map((s) => ({
          name: s.name,
          address: hex(oracle.imageBase + BigInt(s.virtualAddress)),
          size: s.virtualSize,
          offset: s.pointerToRawData,
        })),
      );
      const names = oracle.sections.map((s) => s.name);
      expect(facts.dwarf).toBe(names.includes('.debug_info') || names.includes('.zdebug_info'));

      expect(pe.imports).toEqual(oracle.imports);
      expect(facts.libraries).toEqual(oracle.imports);
      expect(facts.static).toBe(oracle.imports.every((dll) => dll.toLowerCase() === 'kernel32.dll'));

      expect(facts.format).toBe('pe');
      expect(facts.endian).toBe('little');
      expect(facts.interpreter).toBeNull();
      expect(facts.type).toBe(oracle.characteristics & 0x2000 ? 'shared' : 'exec');
    },
  );

  it.each(CASES.map((c) => c.label))(
    '%s: bits, subsystem, machine and section count match file -b',
    async (label) => {
      if (!built.has(label)) return;
      const facts = peFacts(new BufferSource(await load(label)));
      const description = await fileType(binary(label));
      expect(description).toMatch(/^PE32\+? executable/);
      expect(facts.bits).toBe(description.startsWith('PE32+') ? 64 : 32);
      expect(facts.subsystem).toBe(
        /\(GUI\)/.test(description) ? 'gui' : /\(console\)/.test(description) ? 'console' : 'other',
      );
      expect(description).toMatch(FILE_MACHINE[facts.goarch ?? ''] ?? /^$/);
      const count = /(\d+) sections/.exec(description);
      if (count) expect(facts.sections).toHaveLength(Number(count[1]));
    },
  );

  it.each(CASES.map((c) => c.label))(
    '%s: build info matches go version -m, build ID matches go tool buildid',
    async (label) => {
      if (!built.has(label)) return;
      const file = binary(label);
      const facts = peFacts(new BufferSource(await load(label)));
      const [info, id] = await Promise.all([goVersionAll(file), goBuildId(file)]);
      expect(facts.go).toEqual(info);
      expect(facts.goos).toBe(info.settings.GOOS);
      expect(facts.goos).toBe('windows');
      expect(facts.goarch).toBe(info.settings.GOARCH);
      expect(facts.goBuildId).toBe(id);
      expect(facts.goBuildId).toMatch(/^[\w-]{20}\/[\w-]{20}\/[\w-]{20}\/[\w-]{20}$/);
    },
  );

  it('tells the build variants apart: strip, GUI, pie', async () => {
    const amd64 = peFacts(new BufferSource(await load('windows/amd64')));
    const stripped = peFacts(new BufferSource(await load('windows/amd64 stripped')));
    const gui = peFacts(new BufferSource(await load('windows/amd64 GUI')));
    expect(amd64).toMatchObject({
      stripped: false,
      dwarf: true,
      subsystem: 'console',
      type: 'exec',
      static: true,
    });
    expect(amd64.symbols).toBeGreaterThan(100);
    expect(amd64.libraries).toEqual(['kernel32.dll']);
    expect(stripped).toMatchObject({ stripped: true, dwarf: false, symbols: 0, subsystem: 'console' });
    expect(gui).toMatchObject({ subsystem: 'gui', stripped: false });
    if (built.has('windows/amd64 pie')) {
      const pie = peFacts(new BufferSource(await load('windows/amd64 pie')));
      expect(pie.go?.settings['-buildmode']).toBe('pie');
      expect(pie.type).toBe('exec');
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Hand edits of a real binary: what the corpus cannot show.

/** Offsets of the headers of a parsed image, for edits and mutations. */
interface Layout {
  size: number;
  coff: number;
  optional: number;
  optionalSize: number;
  sectionTable: number;
  sectionCount: number;
  importOffset: number | null;
}

function layoutOf(bytes: Uint8Array, pe: PeFile): Layout {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const coff = dv.getUint32(0x3c, true) + 4;
  const optionalSize = dv.getUint16(coff + 16, true);
  const imports = pe.dataDirectories[1];
  const section = imports ? sectionAt(pe.sections, imports.rva) : undefined;
  return {
    size: bytes.length,
    coff,
    optional: coff + 20,
    optionalSize,
    sectionTable: coff + 20 + optionalSize,
    sectionCount: pe.sections.length,
    importOffset: imports && section ? section.pointerToRawData + imports.rva - section.virtualAddress : null,
  };
}

describe('peFacts on edited binaries', () => {
  it('reports IMAGE_FILE_DLL as a shared library and the subsystem as other when it is neither console nor GUI', async () => {
    const bytes = (await load('windows/amd64 stripped')).slice();
    const layout = layoutOf(bytes, readPe(new BufferSource(bytes)));
    const dv = new DataView(bytes.buffer);
    dv.setUint16(layout.coff + 18, dv.getUint16(layout.coff + 18, true) | 0x2000, true);
    dv.setUint16(layout.optional + 68, 10, true); // IMAGE_SUBSYSTEM_EFI_APPLICATION
    const facts = peFacts(new BufferSource(bytes));
    expect(facts.type).toBe('shared');
    expect(facts.subsystem).toBe('other');
  });

  it('is not static when it imports a DLL other than kernel32.dll (in any case)', async () => {
    const bytes = (await load('windows/386')).slice();
    const pe = readPe(new BufferSource(bytes));
    const layout = layoutOf(bytes, pe);
    const nameRva = new DataView(bytes.buffer).getUint32((layout.importOffset as number) + 12, true);
    const section = sectionAt(pe.sections, nameRva);
    if (!section) throw new Error('the DLL name is not mapped');
    const at = section.pointerToRawData + nameRva - section.virtualAddress;
    bytes.set(new TextEncoder().encode('KERNEL32.DLL\0'), at);
    expect(peFacts(new BufferSource(bytes))).toMatchObject({ static: true, libraries: ['KERNEL32.DLL'] });
    bytes.set(new TextEncoder().encode('msvcrt.dll\0\0\0'), at);
    expect(peFacts(new BufferSource(bytes))).toMatchObject({ static: false, libraries: ['msvcrt.dll'] });
  });

  it('has no build ID and no build info when they are wiped, without failing', async () => {
    const bytes = (await load('windows/arm64 stripped')).slice();
    const pe = readPe(new BufferSource(bytes));
    const text = pe.sections.find((s) => s.name === '.text');
    const data = pe.sections.find((s) => s.name === '.data');
    if (!text || !data) throw new Error('no .text or .data');
    bytes.fill(0, text.pointerToRawData, text.pointerToRawData + 256);
    bytes.fill(0, data.pointerToRawData, data.pointerToRawData + 256);
    const facts = peFacts(new BufferSource(bytes));
    expect(facts.goBuildId).toBeNull();
    expect(facts.go).toBeNull();
    expect(facts.goos).toBe('windows');
    expect(facts.goarch).toBe('arm64');
  });
});

// ---------------------------------------------------------------------------------------------
// Broken fixtures: each file is named after the message it must produce.

const BROKEN = path.join(FIXTURES, 'broken', 'pe');

describe('broken PE fixtures', () => {
  it('are what make.mjs writes', async () => {
    const dir = await tempDir('crossgo-pe-fixtures-');
    const result = await runTool(process.execPath, [path.join(BROKEN, 'make.mjs'), dir]);
    expect(result.code, result.stderr).toBe(0);
    const made = (await readdir(dir)).sort();
    expect(made.length).toBeGreaterThanOrEqual(4);
    expect(made).toEqual((await readdir(BROKEN)).filter((f) => f.endsWith('.exe')).sort());
    for (const name of made) {
      expect(await readFile(path.join(dir, name)), name).toEqual(await readFile(path.join(BROKEN, name)));
    }
  });

  it('each ends in the FormatError its name says', async () => {
    const names = (await readdir(BROKEN)).filter((f) => f.endsWith('.exe'));
    expect(names.length).toBeGreaterThanOrEqual(4);
    for (const name of names) {
      const bytes = await readFile(path.join(BROKEN, name));
      expect(bytes.length, name).toBeLessThan(4096);
      const error = catchError(() => peFacts(new BufferSource(bytes)));
      expect(error, name).toBeInstanceOf(FormatError);
      expect((error as FormatError).format).toBe('pe');
      expect((error as FormatError).message).toContain(name.replace(/\.exe$/, '').replaceAll('-', ' '));
    }
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Mutations: every damaged input ends in facts or a FormatError('pe'), within the read budget.

const SEED = 0x5eed0e01;
const PER_BINARY = 5000;

interface Patch {
  at: number;
  bytes: Uint8Array;
}

/** A mutation before it is applied: the patches, and where the file is cut. */
interface Mutation {
  what: string;
  size: number;
  patches: Patch[];
}

/** What the mutator aims at in one corpus binary (its working copy, patched in place). */
interface Target {
  label: string;
  bytes: Uint8Array;
  /** Byte ranges where damage is most telling: headers, section table, import directory, build ID, build info. */
  hot: [number, number][];
  fields32: number[];
  fields16: number[];
  /** File offsets where structures start or end, for truncations. */
  edges: number[];
  sectionTable: number;
  sectionCount: number;
}

function targetOf(label: string, bytes: Uint8Array): Target {
  const pe = readPe(new BufferSource(bytes));
  const l = layoutOf(bytes, pe);
  const fixed = pe.is64 ? 112 : 96;
  const fields32 = [
    0x3c,
    l.coff + 4,
    l.coff + 8,
    l.coff + 12,
    l.optional + 16,
    l.optional + 60,
    l.optional + fixed - 4,
  ];
  fields32.push(pe.is64 ? l.optional + 24 : l.optional + 28);
  for (let i = 0; i < 16; i++) fields32.push(l.optional + fixed + i * 8, l.optional + fixed + i * 8 + 4);
  for (let i = 0; i < l.sectionCount; i++) {
    for (const f of [8, 12, 16, 20, 36]) fields32.push(l.sectionTable + i * 40 + f);
  }
  const hot: [number, number][] = [
    [0, Math.min(4096, l.size)],
    [l.sectionTable, l.sectionTable + l.sectionCount * 40],
  ];
  const edges = [0x3c, l.coff, l.optional, l.sectionTable, l.sectionTable + l.sectionCount * 40];
  if (l.importOffset !== null) {
    hot.push([l.importOffset, Math.min(l.size, l.importOffset + 0x600)]);
    for (let i = 0; i < 3; i++)
      fields32.push(l.importOffset + i * 20, l.importOffset + i * 20 + 12, l.importOffset + i * 20 + 16);
    edges.push(l.importOffset);
  }
  for (const s of pe.sections) {
    if (s.pointerToRawData === 0) continue;
    edges.push(s.pointerToRawData, s.pointerToRawData + s.sizeOfRawData);
    if (s.name === '.text' || s.name === '.data') hot.push([s.pointerToRawData, s.pointerToRawData + 512]);
  }
  if (pe.pointerToSymbolTable !== 0) {
    const strtab = pe.pointerToSymbolTable + pe.numberOfSymbols * 18;
    fields32.push(strtab);
    hot.push([strtab, Math.min(l.size, strtab + 256)]);
    edges.push(pe.pointerToSymbolTable, strtab);
  }
  const fields16 = [l.coff, l.coff + 2, l.coff + 16, l.coff + 18, l.optional, l.optional + 68];
  return {
    label,
    bytes,
    hot,
    fields32,
    fields16,
    edges,
    sectionTable: l.sectionTable,
    sectionCount: l.sectionCount,
  };
}

const KINDS = ['truncate', 'flip-head', 'flip-hot', 'u32', 'u32', 'u16', 'lfanew', 'name', 'combo'] as const;
type Kind = (typeof KINDS)[number];

/** One mutation of a target, from the campaign's seeded stream. */
function plan(target: Target, rand: () => number): Mutation {
  const m: Mutation = { what: '', size: target.bytes.length, patches: [] };
  const kind = KINDS[Math.floor(rand() * KINDS.length)] as Kind;
  if (kind === 'combo') {
    const n = 2 + Math.floor(rand() * 3);
    for (let i = 0; i < n; i++)
      apply(target, m, KINDS[Math.floor(rand() * (KINDS.length - 1))] as Kind, rand);
  } else {
    apply(target, m, kind, rand);
  }
  return m;
}

function apply(target: Target, m: Mutation, kind: Kind, rand: () => number): void {
  const size = target.bytes.length;
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const u32 = (at: number, value: number) => {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, value >>> 0, true);
    m.patches.push({ at, bytes });
    m.what += `u32 @${hex(at)}=${hex(value >>> 0)}; `;
  };
  const u16 = (at: number, value: number) => {
    m.patches.push({ at, bytes: new Uint8Array([value & 0xff, (value >>> 8) & 0xff]) });
    m.what += `u16 @${hex(at)}=${hex(value & 0xffff)}; `;
  };
  const flips = (from: number, to: number) => {
    for (let n = 1 + int(16); n > 0; n--) {
      const at = from + int(Math.max(1, to - from));
      const value = int(256);
      m.patches.push({ at, bytes: new Uint8Array([value]) });
      m.what += `byte @${hex(at)}=${hex(value)}; `;
    }
  };
  switch (kind) {
    case 'truncate': {
      const edge = pick(target.edges) + int(64) - 32;
      const cut = Math.max(0, Math.min(size - 1, pick([int(4096), int(size), edge])));
      m.size = Math.min(m.size, cut);
      m.what += `truncate to ${hex(cut)}; `;
      break;
    }
    case 'flip-head':
      flips(0, Math.min(4096, size));
      break;
    case 'flip-hot': {
      const [from, to] = pick(target.hot);
      flips(from, to);
      break;
    }
    case 'u32':
      for (let n = 1 + int(3); n > 0; n--) {
        u32(
          pick(target.fields32),
          pick([
            0,
            0xffffffff,
            0x7fffffff,
            0x80000000,
            size,
            size - 1,
            size + 1,
            0x10000000,
            0x40,
            int(2 ** 32),
            int(size),
          ]),
        );
      }
      break;
    case 'u16':
      for (let n = 1 + int(2); n > 0; n--)
        u16(pick(target.fields16), pick([0, 0xffff, 0x8000, 1, 0x10b, 0x20b, int(0x10000)]));
      break;
    case 'lfanew':
      u32(
        0x3c,
        pick([0x3c, 0, size, size + 100, size - 4, size - 2, 0xffffffff, 0x80000000, int(size), int(4096)]),
      );
      break;
    case 'name': {
      const at = target.sectionTable + int(Math.max(1, target.sectionCount)) * 40;
      const text = pick([
        '/',
        '/0',
        '/4',
        '/-4',
        '/+4',
        '/9999999',
        '/99999999',
        '/ 4',
        `/${int(10_000_000)}`,
        `/${int(200)}`,
        '\xff\xff',
      ]);
      const bytes = new Uint8Array(8);
      bytes.set([...text].slice(0, 8).map((c) => c.charCodeAt(0)));
      m.patches.push({ at, bytes });
      m.what += `name @${hex(at)}=${JSON.stringify(text)}; `;
      break;
    }
    case 'combo':
      break;
  }
}

/** Applies a mutation to the working copy in place; the saved bytes undo it. */
function mutate(target: Target, rand: () => number): HelperMutation<Patch[]> {
  const m = plan(target, rand);
  const saved: Patch[] = [];
  for (const p of m.patches) {
    const bytes = p.bytes.subarray(0, Math.max(0, target.bytes.length - p.at));
    saved.push({ at: p.at, bytes: target.bytes.slice(p.at, p.at + bytes.length) });
    target.bytes.set(bytes, p.at);
  }
  return { what: m.what, input: target.bytes.subarray(0, m.size), patches: saved };
}

function undo(target: Target, saved: Patch[]): void {
  // In reverse: patches of one mutation may overlap.
  for (const p of saved.toReversed()) target.bytes.set(p.bytes, p.at);
}

/** Any other format's error would be an inner reader's error leaking out of the PE reader. */
const acceptPe = (error: FormatError) => error.format === 'pe';
/** The facts, serialised as the CLI does (a BigInt left in them would throw). */
const parsePe = (src: ByteSource) => JSON.stringify(peFacts(src));

function* randomFiles(count: number, seedBase: number): Generator<Input> {
  yield { label: 'empty file', input: new Uint8Array(0) };
  for (let i = 0; i < count; i++) {
    const seed = (seedBase + i) >>> 0;
    const rand = mulberry32(seed);
    const bytes = new Uint8Array(Math.floor(rand() * 4096));
    for (let k = 0; k < bytes.length; k++) bytes[k] = Math.floor(rand() * 256);
    // Half of them get far enough to parse headers: "MZ", e_lfanew 0x40, "PE\0\0", random after.
    if (i % 2 === 1 && bytes.length >= 0x44) {
      bytes.set([0x4d, 0x5a], 0);
      bytes.set([0x40, 0, 0, 0], 0x3c);
      bytes.set([0x50, 0x45, 0, 0], 0x40);
    }
    yield { label: `random file seed ${hex(seed)} (${bytes.length} bytes)`, input: bytes };
  }
}

/** A per-binary offset for the seeds, so each binary gets its own sequence. */
function hashLabel(label: string): number {
  let h = 0;
  for (const c of label) h = (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0;
  return h;
}

describe('peFacts on mutated input (seed 0x5eed0e01)', () => {
  let total = 0;

  it.each(['windows/amd64', 'windows/386 stripped', 'windows/arm64'])(
    `%s: ${PER_BINARY} mutations end in facts or FormatError('pe'), within the read budget`,
    async (label) => {
      const original = await load(label);
      const target = targetOf(label, original.slice());
      const r = runMutationCampaign({
        seed: (SEED + hashLabel(label)) >>> 0,
        perTarget: PER_BINARY,
        parse: parsePe,
        accept: acceptPe,
        targets: [{ name: label, target, bytes: target.bytes, original, mutate, undo }],
      });
      console.log(describeCampaign(label, r));
      total += r.count;
      expect(r.failures).toEqual([]);
      expect(r.notRestored).toEqual([]);
      expect(r.count).toBe(PER_BINARY);
      expect(r.refused).toBeGreaterThan(PER_BINARY / 10);
      expect(r.parsed.length).toBeGreaterThan(PER_BINARY / 10);
    },
    CAMPAIGN_TEST_TIMEOUT_MS,
  );

  it('empty and random files end in FormatError', () => {
    const r = runParseCampaign({
      inputs: randomFiles(1000, SEED + 0x200000),
      parse: parsePe,
      accept: acceptPe,
    });
    console.log(describeCampaign('random files', r));
    total += r.count;
    expect(r.failures).toEqual([]);
    expect(r.parsed).toEqual([]);
    expect(r.refused).toBe(1001);
    expect(total).toBeGreaterThanOrEqual(10_000);
  });
});
