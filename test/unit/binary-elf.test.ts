import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findBuildInfo } from '../../src/binary/buildinfo/read.js';
import { elfFacts } from '../../src/binary/elf/facts.js';
import { type ElfFile, elfAddressSpace, readElf } from '../../src/binary/elf/read.js';
import { FormatError } from '../../src/binary/errors.js';
import { FileSource } from '../../src/binary/fileSource.js';
import { BufferSource } from '../../src/binary/source.js';
import type { BinaryFacts } from '../../src/binary/types.js';
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
 * The ELF reader against independent oracles (readelf, llvm-readobj, file, go version -m,
 * go tool buildid) on real Go binaries, then against mutated copies of them.
 */

interface Case {
  name: string;
  spec: CorpusSpec;
  /** What the binary is, known from how it was built. */
  want: {
    type: 'exec' | 'pie';
    static: boolean;
    interpreter?: string;
    libraries?: string[];
    osabi: number;
    bits: 32 | 64;
    endian: 'little' | 'big';
    machine: number;
    /** readelf's name for the machine. */
    readelfMachine: string;
  };
}

const X86_64 = { machine: 62, readelfMachine: 'Advanced Micro Devices X86-64' };
const AARCH64 = { machine: 183, readelfMachine: 'AArch64' };
const LE64 = { bits: 64, endian: 'little' } as const;
const BE64 = { bits: 64, endian: 'big' } as const;
const LE32 = { bits: 32, endian: 'little' } as const;
const BE32 = { bits: 32, endian: 'big' } as const;
const STATIC = { type: 'exec', static: true, osabi: 0 } as const;

/**
 * The greet fixture imports no package that needs cgo, so CGO_ENABLED=1 alone still links it
 * internally and statically; -linkmode=external makes the host gcc link it (libc, ld.so).
 */
const GOFLAGS_QUOTED = `-buildvcs=false -tags=fancy,netgo '-gcflags=-N -l' '-asmflags=-D "X=a b\\tc"'`;

const CASES: Case[] = [
  { name: 'linux/amd64', spec: { goos: 'linux', goarch: 'amd64' }, want: { ...STATIC, ...LE64, ...X86_64 } },
  {
    name: 'linux/amd64 stripped',
    spec: { goos: 'linux', goarch: 'amd64', strip: true },
    want: { ...STATIC, ...LE64, ...X86_64 },
  },
  { name: 'linux/arm64', spec: { goos: 'linux', goarch: 'arm64' }, want: { ...STATIC, ...LE64, ...AARCH64 } },
  {
    name: 'linux/arm64 stripped',
    spec: { goos: 'linux', goarch: 'arm64', strip: true },
    want: { ...STATIC, ...LE64, ...AARCH64 },
  },
  {
    name: 'linux/386 stripped',
    spec: { goos: 'linux', goarch: '386', strip: true },
    want: { ...STATIC, ...LE32, machine: 3, readelfMachine: 'Intel 80386' },
  },
  {
    name: 'linux/arm GOARM=7 stripped',
    spec: { goos: 'linux', goarch: 'arm', strip: true, env: { GOARM: '7' } },
    want: { ...STATIC, ...LE32, machine: 40, readelfMachine: 'ARM' },
  },
  {
    name: 'linux/ppc64 stripped',
    spec: { goos: 'linux', goarch: 'ppc64', strip: true },
    want: { ...STATIC, ...BE64, machine: 21, readelfMachine: 'PowerPC64' },
  },
  {
    name: 'linux/ppc64le stripped',
    spec: { goos: 'linux', goarch: 'ppc64le', strip: true },
    want: { ...STATIC, ...LE64, machine: 21, readelfMachine: 'PowerPC64' },
  },
  {
    name: 'linux/s390x stripped',
    spec: { goos: 'linux', goarch: 's390x', strip: true },
    want: { ...STATIC, ...BE64, machine: 22, readelfMachine: 'IBM S/390' },
  },
  {
    name: 'linux/mips stripped',
    spec: { goos: 'linux', goarch: 'mips', strip: true },
    want: { ...STATIC, ...BE32, machine: 8, readelfMachine: 'MIPS R3000' },
  },
  {
    name: 'linux/mipsle stripped',
    spec: { goos: 'linux', goarch: 'mipsle', strip: true },
    want: { ...STATIC, ...LE32, machine: 8, readelfMachine: 'MIPS R3000' },
  },
  {
    name: 'linux/mips64 stripped',
    spec: { goos: 'linux', goarch: 'mips64', strip: true },
    want: { ...STATIC, ...BE64, machine: 8, readelfMachine: 'MIPS R3000' },
  },
  {
    name: 'linux/riscv64 stripped',
    spec: { goos: 'linux', goarch: 'riscv64', strip: true },
    want: { ...STATIC, ...LE64, machine: 243, readelfMachine: 'RISC-V' },
  },
  {
    name: 'linux/loong64 stripped',
    spec: { goos: 'linux', goarch: 'loong64', strip: true },
    want: { ...STATIC, ...LE64, machine: 258, readelfMachine: 'LoongArch' },
  },
  {
    name: 'freebsd/amd64 stripped',
    spec: { goos: 'freebsd', goarch: 'amd64', strip: true },
    want: { ...STATIC, ...LE64, ...X86_64, osabi: 9 },
  },
  {
    name: 'netbsd/arm64 stripped',
    spec: { goos: 'netbsd', goarch: 'arm64', strip: true },
    want: { ...STATIC, ...LE64, ...AARCH64, osabi: 2 },
  },
  {
    // OpenBSD programs go through libc: Go's own linker makes them dynamic.
    name: 'openbsd/amd64 stripped',
    spec: { goos: 'openbsd', goarch: 'amd64', strip: true },
    want: {
      ...LE64,
      ...X86_64,
      type: 'exec',
      static: false,
      osabi: 12,
      interpreter: '/usr/libexec/ld.so',
      libraries: ['libc.so', 'libpthread.so'],
    },
  },
  {
    name: 'openbsd/386 stripped',
    spec: { goos: 'openbsd', goarch: '386', strip: true },
    want: {
      ...LE32,
      machine: 3,
      readelfMachine: 'Intel 80386',
      type: 'exec',
      static: false,
      osabi: 12,
      interpreter: '/usr/libexec/ld.so',
      libraries: ['libc.so', 'libpthread.so'],
    },
  },
  {
    name: 'openbsd/arm64 stripped',
    spec: { goos: 'openbsd', goarch: 'arm64', strip: true },
    want: {
      ...LE64,
      ...AARCH64,
      type: 'exec',
      static: false,
      osabi: 12,
      interpreter: '/usr/libexec/ld.so',
      libraries: ['libc.so', 'libpthread.so'],
    },
  },
  {
    name: 'netbsd/amd64 stripped',
    spec: { goos: 'netbsd', goarch: 'amd64', strip: true },
    want: { ...STATIC, ...LE64, ...X86_64, osabi: 2 },
  },
  {
    name: 'netbsd/arm stripped',
    spec: { goos: 'netbsd', goarch: 'arm', strip: true },
    want: { ...STATIC, ...LE32, machine: 40, readelfMachine: 'ARM', osabi: 2 },
  },
  {
    name: 'freebsd/386 stripped',
    spec: { goos: 'freebsd', goarch: '386', strip: true },
    want: { ...STATIC, ...LE32, machine: 3, readelfMachine: 'Intel 80386', osabi: 9 },
  },
  {
    // No OS ABI byte, no note, no stack header: the one Go ELF port with no mark of its own.
    name: 'dragonfly/amd64 stripped',
    spec: { goos: 'dragonfly', goarch: 'amd64', strip: true },
    want: { ...STATIC, ...LE64, ...X86_64 },
  },
  {
    // Solaris and illumos programs go through libc, and Solaris has no static executables.
    name: 'solaris/amd64 stripped',
    spec: { goos: 'solaris', goarch: 'amd64', strip: true },
    want: {
      ...LE64,
      ...X86_64,
      type: 'exec',
      static: false,
      osabi: 0,
      interpreter: '/lib/amd64/ld.so.1',
      libraries: ['libsendfile.so', 'libsocket.so', 'libc.so'],
    },
  },
  {
    name: 'illumos/amd64 stripped',
    spec: { goos: 'illumos', goarch: 'amd64', strip: true },
    want: {
      ...LE64,
      ...X86_64,
      type: 'exec',
      static: false,
      osabi: 0,
      interpreter: '/lib/amd64/ld.so.1',
      libraries: ['libsendfile.so', 'libsocket.so', 'libc.so'],
    },
  },
  {
    // Android executables are PIEs loaded by bionic's linker, with no library of their own.
    name: 'android/arm64 stripped',
    spec: { goos: 'android', goarch: 'arm64', strip: true },
    want: {
      ...LE64,
      ...AARCH64,
      type: 'pie',
      static: false,
      osabi: 0,
      interpreter: '/system/bin/linker64',
      libraries: [],
    },
  },
  {
    // Go's internal linker: ET_DYN with PT_INTERP and PT_DYNAMIC but no DT_NEEDED.
    name: 'linux/amd64 pie',
    spec: { goos: 'linux', goarch: 'amd64', buildmode: 'pie' },
    want: {
      ...LE64,
      ...X86_64,
      type: 'pie',
      static: false,
      osabi: 0,
      interpreter: '/lib64/ld-linux-x86-64.so.2',
      libraries: [],
    },
  },
  {
    name: 'linux/amd64 cgo (host gcc)',
    spec: { goos: 'linux', goarch: 'amd64', cgo: true, ldflags: ['-linkmode=external'] },
    want: {
      ...LE64,
      ...X86_64,
      type: 'exec',
      static: false,
      osabi: 0,
      interpreter: '/lib64/ld-linux-x86-64.so.2',
      libraries: ['libc.so.6'],
    },
  },
  {
    // Settings that cmd/go quotes: -gcflags and -asmflags with spaces, quotes and a backslash.
    name: 'linux/amd64 quoted settings',
    spec: { goos: 'linux', goarch: 'amd64', strip: true, env: { GOFLAGS: GOFLAGS_QUOTED } },
    want: { ...STATIC, ...LE64, ...X86_64 },
  },
];

/** Runs `fn` over `items`, `limit` at a time, keeping the order of the results. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return out;
}

async function tool(command: string, args: string[]): Promise<string> {
  const result = await runTool(command, args);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

// ---------------------------------------------------------------- readelf

interface ReadelfSection {
  name: string;
  type: string;
  address: bigint;
  offset: number;
  size: number;
}

interface Readelf {
  cls: string;
  data: string;
  osabi: string;
  type: string;
  machine: string;
  entry: bigint;
  sections: ReadelfSection[];
  interpreter: string | null;
  needed: string[];
  goNote: string | null;
  /** The Owner column of readelf -n, each once. */
  noteOwners: string[];
  symtabEntries: number | null;
}

function field(text: string, name: string): string {
  const match = new RegExp(`^\\s*${name}:\\s+(.*)$`, 'm').exec(text);
  if (!match) throw new Error(`readelf: no ${name}`);
  return (match[1] as string).trim();
}

/** The `Displaying notes found in:` blocks of readelf's output (up to the symbol tables, if they follow). */
function notesPart(text: string): string {
  const start = text.indexOf('Displaying notes found');
  if (start === -1) return '';
  const end = text.indexOf('Symbol table', start);
  return text.slice(start, end === -1 ? undefined : end);
}

/** `readelf -W -h -l -S -d -n -s`, parsed. */
function parseReadelf(text: string): Readelf {
  const sectionText = text.slice(text.indexOf('Section Headers:'), text.indexOf('Key to Flags:'));
  const sections: ReadelfSection[] = [];
  for (const line of sectionText.split('\n')) {
    const m = /^\s*\[\s*(\d+)\]\s+(.*)$/.exec(line);
    if (!m) continue;
    // [Nr] Name Type Address Off Size …: the name is empty for the null section.
    const tokens = (m[2] as string).trim().split(/\s+/);
    const k = tokens.findIndex((t) => /^([0-9a-f]{8}|[0-9a-f]{16})$/.test(t));
    if (k < 1 || k > 2) throw new Error(`readelf: cannot read section line ${line}`);
    sections.push({
      name: k === 2 ? (tokens[0] as string) : '',
      type: tokens[k - 1] as string,
      address: BigInt(`0x${tokens[k]}`),
      offset: Number.parseInt(tokens[k + 1] as string, 16),
      size: Number.parseInt(tokens[k + 2] as string, 16),
    });
  }
  const noteAt = text.indexOf('Displaying notes found in: .note.go.buildid');
  const noteHex = noteAt === -1 ? null : /description data:\s+([0-9a-f ]+)/.exec(text.slice(noteAt));
  const symtab = /Symbol table '\.symtab' contains (\d+) entries/.exec(text);
  return {
    cls: field(text, 'Class'),
    data: field(text, 'Data'),
    osabi: field(text, 'OS/ABI'),
    type: field(text, 'Type'),
    machine: field(text, 'Machine'),
    entry: BigInt(field(text, 'Entry point address')),
    sections,
    interpreter: /\[Requesting program interpreter: (.*)\]/.exec(text)?.[1] ?? null,
    needed: [...text.matchAll(/\(NEEDED\)\s+Shared library: \[(.*)\]/g)].map((m) => m[1] as string),
    goNote: noteHex
      ? String.fromCharCode(
          ...(noteHex[1] as string)
            .trim()
            .split(/\s+/)
            .map((h) => Number.parseInt(h, 16)),
        )
      : null,
    noteOwners: [
      ...new Set(
        [...notesPart(text).matchAll(/^ {2}(\S+)[ \t]+0x[0-9a-f]{8}\t/gm)].map((m) => m[1] as string),
      ),
    ],
    symtabEntries: symtab ? Number(symtab[1]) : null,
  };
}

// ---------------------------------------------------------------- llvm-readobj

interface LlvmProgram {
  type: number;
  offset: number;
  vaddr: bigint;
  filesz: number;
  memsz: bigint;
  flags: number;
  align: bigint;
}

interface LlvmReadobj {
  type: number;
  machine: number;
  osabi: number;
  entry: bigint;
  programs: LlvmProgram[];
  needed: string[];
}

/** A number llvm-readobj prints as "NAME (0x3E)", or bare "0x102" when it has no name for it. */
function llvmNumber(text: string, name: string): number {
  const m = new RegExp(`^\\s*${name}: (?:.*\\()?(0x[0-9A-Fa-f]+)\\)?$`, 'm').exec(text);
  if (!m) throw new Error(`llvm-readobj: no ${name}`);
  return Number(m[1]);
}

function parseLlvmReadobj(text: string): LlvmReadobj {
  const header = text.slice(text.indexOf('ElfHeader {'), text.indexOf('ProgramHeaders ['));
  const programs = text
    .slice(text.indexOf('ProgramHeaders ['))
    .split('ProgramHeader {')
    .slice(1)
    .map((block) => ({
      type: llvmNumber(block, 'Type'),
      offset: Number(/Offset: (0x[0-9A-F]+)/.exec(block)?.[1]),
      vaddr: BigInt(/VirtualAddress: (0x[0-9A-F]+)/.exec(block)?.[1] ?? 'x'),
      filesz: Number(/FileSize: (\d+)/.exec(block)?.[1]),
      memsz: BigInt(/MemSize: (\d+)/.exec(block)?.[1] ?? 'x'),
      flags: Number(/Flags \[ \((0x[0-9A-F]+)\)/.exec(block)?.[1]),
      align: BigInt(/Alignment: (\d+)/.exec(block)?.[1] ?? 'x'),
    }));
  const neededBlock = /NeededLibraries \[\n([^\]]*)\]/.exec(text)?.[1] ?? '';
  return {
    type: llvmNumber(header, 'Type'),
    machine: llvmNumber(header, 'Machine'),
    osabi: llvmNumber(header, 'OS/ABI'),
    entry: BigInt(/^\s*Entry: (0x[0-9A-F]+)$/m.exec(header)?.[1] ?? 'x'),
    programs,
    needed: neededBlock
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== ''),
  };
}

// ---------------------------------------------------------------- go version -m

interface GoVersionM {
  version: string;
  /** Every line after the first, without its leading tab. */
  body: string[];
}

function parseGoVersionM(text: string, file: string): GoVersionM {
  const lines = text.split('\n').filter((l) => l !== '');
  const first = lines[0] ?? '';
  expect(first.startsWith(`${file}: `)).toBe(true);
  return { version: first.slice(file.length + 2), body: lines.slice(1).map((l) => l.replace(/^\t/, '')) };
}

/**
 * strconv.Quote for the printable-ASCII strings in the corpus; JSON.stringify escapes them the
 * same way (\" \\ and no others). Anything else would need Go's full rules: refuse it.
 */
function goQuote(s: string): string {
  if (!/^[\x20-\x7e]*$/.test(s)) throw new Error(`goQuote: not printable ASCII: ${s}`);
  return JSON.stringify(s);
}

/** How `go version -m` prints one setting (runtime/debug/mod.go BuildInfo.String). */
function renderSetting(key: string, value: string): string {
  const k = key === '' || /[= \t\r\n"`]/.test(key) ? goQuote(key) : key;
  const v = /[ \t\r\n"`]/.test(value) ? goQuote(value) : value;
  return `build\t${k}=${v}`;
}

// ---------------------------------------------------------------- the corpus

interface Built {
  file: string;
  bytes: Uint8Array;
  facts: BinaryFacts;
  elf: ElfFile;
  rawModinfo: string;
  readelf: Readelf;
  llvm: LlvmReadobj;
  file_: string;
  goVersion: GoVersionM;
  buildId: string;
  /** The same binary with its section headers cut off (e_shoff, e_shnum, e_shstrndx = 0). */
  noSections: { facts: BinaryFacts; goVersion: GoVersionM | null; buildId: string };
}

/** A copy without section headers, as `strip --strip-section-headers` or sstrip leave it. */
function withoutSectionHeaders(bytes: Uint8Array, elf: ElfFile): Uint8Array {
  const copy = bytes.slice();
  const dv = new DataView(copy.buffer);
  if (elf.is64) {
    dv.setBigUint64(40, 0n, elf.littleEndian);
    dv.setUint16(60, 0, elf.littleEndian);
    dv.setUint16(62, 0, elf.littleEndian);
  } else {
    dv.setUint32(32, 0, elf.littleEndian);
    dv.setUint16(48, 0, elf.littleEndian);
    dv.setUint16(50, 0, elf.littleEndian);
  }
  return copy;
}

const built = new Map<string, Built>();

beforeAll(async () => {
  // Two builds at a time on two cores; a warm corpus (/tmp/crossgo-corpus) makes this instant.
  const files = await mapLimit(CASES, 2, (c) => corpusBinary(c.spec));
  await mapLimit(
    CASES.map((c, i) => ({ c, file: files[i] as string })),
    3,
    async ({ c, file }) => {
      const bytes = new Uint8Array(await readFile(file));
      const elf = readElf(new BufferSource(bytes));
      const blob = findBuildInfo(elfAddressSpace(new BufferSource(bytes), elf));
      const bare = withoutSectionHeaders(bytes, elf);
      const bareFile = path.join(await tempDir('crossgo-elf-bare-'), path.basename(file));
      await writeFile(bareFile, bare);
      const [readelf, llvm, file_, goVersion, buildId, bareGoVersion, bareBuildId] = await Promise.all([
        tool('readelf', ['-W', '-h', '-l', '-S', '-d', '-n', '-s', file]),
        tool('llvm-readobj', ['--file-headers', '--program-headers', '--needed-libs', file]),
        fileType(file),
        tool('go', ['version', '-m', file]),
        tool('go', ['tool', 'buildid', file]),
        // Exit 1 (and nothing printed) when Go finds no build info: see the test below.
        runTool('go', ['version', '-m', bareFile]),
        tool('go', ['tool', 'buildid', bareFile]),
      ]);
      built.set(c.name, {
        file,
        bytes,
        // Through the file reader, as crossgo inspects a path.
        facts: elfFactsOfFile(file),
        elf,
        rawModinfo: blob?.modinfo ?? '',
        readelf: parseReadelf(readelf),
        llvm: parseLlvmReadobj(llvm),
        file_,
        goVersion: parseGoVersionM(goVersion, file),
        buildId: buildId.trim(),
        noSections: {
          facts: elfFacts(new BufferSource(bare)),
          goVersion: bareGoVersion.code === 0 ? parseGoVersionM(bareGoVersion.stdout, bareFile) : null,
          buildId: bareBuildId.trim(),
        },
      });
    },
  );
}, 600_000);

afterAll(cleanupTemps);

function elfFactsOfFile(file: string): BinaryFacts {
  const src = FileSource.open(file);
  try {
    return elfFacts(src);
  } finally {
    src.close();
  }
}

function get(name: string): Built {
  const b = built.get(name);
  if (!b) throw new Error(`${name} was not built`);
  return b;
}

describe.each(CASES)('$name', ({ name, spec, want }) => {
  it('matches readelf: header, sections, interpreter, libraries, notes, symbols', () => {
    const { facts, readelf } = get(name);
    expect(readelf.cls).toBe(want.bits === 64 ? 'ELF64' : 'ELF32');
    expect(facts.bits).toBe(readelf.cls === 'ELF64' ? 64 : 32);
    expect(facts.endian).toBe(readelf.data.includes('little endian') ? 'little' : 'big');
    expect(facts.endian).toBe(want.endian);
    expect(readelf.type.startsWith(facts.type === 'exec' ? 'EXEC ' : 'DYN ')).toBe(true);
    expect(facts.type).toBe(readelf.type.startsWith('DYN ') && readelf.interpreter ? 'pie' : 'exec');
    expect(facts.type).toBe(want.type);
    expect(readelf.machine).toBe(want.readelfMachine);
    expect(facts.entry).toBe(`0x${readelf.entry.toString(16)}`);
    const osabiNames: Record<string, number> = {
      'UNIX - System V': 0,
      'UNIX - NetBSD': 2,
      'UNIX - FreeBSD': 9,
      'UNIX - OpenBSD': 12,
    };
    expect(osabiNames[readelf.osabi]).toBe(want.osabi);

    // Every section, in order; ours leaves out the null section (empty name) and gives
    // SHT_NOBITS sections offset 0, as they have no bytes in the file.
    expect(readelf.sections[0]?.type).toBe('NULL');
    expect(facts.sections).toEqual(
      readelf.sections
        .filter((s) => s.name !== '')
        .map((s) => ({
          name: s.name,
          address: `0x${s.address.toString(16)}`,
          size: s.size,
          offset: s.type === 'NOBITS' ? 0 : s.offset,
        })),
    );

    expect(facts.interpreter).toBe(readelf.interpreter);
    expect(facts.interpreter).toBe(want.interpreter ?? null);
    expect(facts.libraries).toEqual(readelf.needed);
    expect(facts.libraries).toEqual(want.libraries ?? []);
    expect(facts.static).toBe(readelf.interpreter === null && readelf.needed.length === 0);
    expect(facts.static).toBe(want.static);

    expect(facts.goBuildId).toBe(readelf.goNote);
    expect(facts.symbols).toBe(readelf.symtabEntries ?? 0);
    expect(facts.stripped).toBe(readelf.symtabEntries === null);
    expect(facts.stripped).toBe(spec.strip === true);
    expect(facts.dwarf).toBe(readelf.sections.some((s) => s.name === '.debug_info'));
    expect(facts.dwarf).toBe(spec.strip !== true);
  });

  it('matches llvm-readobj: type, machine, OS ABI, entry, program headers, needed libraries', () => {
    const { facts, elf, llvm } = get(name);
    expect(elf.type).toBe(llvm.type);
    expect(elf.machine).toBe(llvm.machine);
    expect(elf.machine).toBe(want.machine);
    expect(elf.osabi).toBe(llvm.osabi);
    expect(elf.entry).toBe(llvm.entry);
    expect(elf.programs).toEqual(llvm.programs);
    // llvm-readobj sorts them; readelf (above) keeps the file's order.
    expect([...facts.libraries].sort()).toEqual(llvm.needed);
  });

  it('matches file(1): bits, byte order, linking, stripping, debug info', () => {
    const { facts, file_ } = get(name);
    expect(file_).toMatch(new RegExp(`^ELF ${facts.bits}-bit ${facts.endian === 'little' ? 'LSB' : 'MSB'} `));
    expect(file_).toContain(facts.type === 'pie' ? 'pie executable' : ' executable');
    expect(file_).toContain(facts.static ? 'statically linked' : 'dynamically linked');
    expect(file_).toMatch(facts.stripped ? /, stripped$/ : /, not stripped$/);
    expect(file_.includes('with debug_info')).toBe(facts.dwarf);
    if (facts.interpreter) expect(file_).toContain(`interpreter ${facts.interpreter}`);
    // file(1) prints the Go build ID when it finds the note Go's linker writes (not after gcc).
    const goBuildId = /Go BuildID=([^,]+)/.exec(file_)?.[1];
    if (goBuildId) expect(facts.goBuildId).toBe(goBuildId);
  });

  it('matches go version -m: version, path, modules and every build setting', () => {
    const { facts, goVersion, rawModinfo } = get(name);
    const go = facts.go;
    if (!go) throw new Error('no build info');
    expect(go.version).toBe(goVersion.version);
    // cmd/go writes the module info with debug.BuildInfo.String() and go version -m prints it
    // back through the same function, so the raw text between the markers is, line for line,
    // what go version -m prints (without its "go" line and tabs).
    expect(rawModinfo.split('\n').filter((l) => l !== '')).toEqual(goVersion.body);

    const pathLine = goVersion.body.find((l) => l.startsWith('path\t'));
    expect(go.path).toBe(pathLine?.slice('path\t'.length));
    const modLine = goVersion.body.find((l) => l.startsWith('mod\t'))?.split('\t');
    expect(go.main).toEqual({
      path: modLine?.[1],
      version: modLine?.[2],
      sum: modLine?.[3] ?? '',
      replace: null,
    });
    expect(go.deps.map((d) => `dep\t${d.path}\t${d.version}\t${d.sum}`)).toEqual(
      goVersion.body.filter((l) => l.startsWith('dep\t')),
    );
    // Settings: ours are unquoted values; quoting them back the way Go prints them must
    // give go version -m's lines exactly, in the same order.
    expect(Object.entries(go.settings).map(([k, v]) => renderSetting(k, v))).toEqual(
      goVersion.body.filter((l) => l.startsWith('build\t')),
    );
  });

  it('takes GOOS from the build info and GOARCH from GOARCH', () => {
    const { facts } = get(name);
    expect(facts.goos).toBe(spec.goos);
    expect(facts.goos).toBe(facts.go?.settings.GOOS);
    expect(facts.goarch).toBe(spec.goarch);
    expect(facts.goarch).toBe(facts.go?.settings.GOARCH);
  });

  it('reads the notes readelf -n shows, and the OS notes Go writes', () => {
    const { elf, readelf } = get(name);
    expect([...elf.noteOwners].sort()).toEqual([...readelf.noteOwners].sort());
    const osNote = { openbsd: 'OpenBSD', netbsd: 'NetBSD', freebsd: 'FreeBSD' }[spec.goos];
    if (osNote && !spec.cgo) expect(readelf.noteOwners).toContain(osNote);
    expect(readelf.noteOwners).toContain('Go');
  });

  it('tells the OS and the machine without build info: from the ABI byte, notes, interpreter or stack header', () => {
    const { bytes, elf } = get(name);
    for (const [what, input] of [
      ['with section headers', bytes.slice()],
      ['without section headers', withoutSectionHeaders(bytes, elf)],
    ] as const) {
      const magic = Buffer.from(input.buffer).indexOf(Buffer.from('\xff Go buildinf:', 'latin1'));
      expect(magic).toBeGreaterThan(0);
      input[magic] = 0;
      const facts = elfFacts(new BufferSource(input));
      expect(facts.go, what).toBeNull();
      expect(facts.goarch, what).toBe(spec.goarch);
      expect(facts.goos, what).toBe(spec.goos);
      expect(facts.type, what).toBe(want.type);
    }
  });

  it('matches go tool buildid', () => {
    const { facts, buildId } = get(name);
    expect(facts.goBuildId).toBe(buildId);
  });

  it('without section headers: build ID from PT_NOTE, build info from the writable PT_LOAD', () => {
    const { facts: full, noSections } = get(name);
    const { facts, goVersion, buildId } = noSections;
    expect(facts.sections).toEqual([]);
    expect(facts.goBuildId).toBe(buildId);
    expect(facts.goBuildId).toBe(full.goBuildId);
    if (goVersion === null) {
      // debug/buildinfo searches only the first PT_LOAD that is writable and not executable.
      // Go's internal linker puts a PIE's .data.rel.ro in a writable segment of its own
      // (PT_GNU_RELRO) ahead of .go.buildinfo, so without sections neither Go nor we find it.
      expect(full.type).toBe('pie');
      expect(facts.go).toBeNull();
    } else {
      expect(facts.go?.version).toBe(goVersion.version);
      expect(Object.entries(facts.go?.settings ?? {}).map(([k, v]) => renderSetting(k, v))).toEqual(
        goVersion.body.filter((l) => l.startsWith('build\t')),
      );
      expect(facts.go).toEqual(full.go);
    }
    expect(facts.interpreter).toBe(full.interpreter);
    expect(facts.libraries).toEqual(full.libraries);
    expect(facts.type).toBe(full.type);
    expect(facts.stripped).toBe(true);
  });
});

describe('specific settings', () => {
  it('GOARM=7 is recorded', () => {
    expect(get('linux/arm GOARM=7 stripped').facts.go?.settings.GOARM).toBe('7');
  });

  it('unquotes the values cmd/go quoted', () => {
    const settings: Record<string, string> = get('linux/amd64 quoted settings').facts.go?.settings ?? {};
    expect(settings['-gcflags']).toBe('-N -l');
    expect(settings['-asmflags']).toBe('-D "X=a b\\tc"');
    expect(settings['-tags']).toBe('fancy,netgo');
    // As stored in the binary (and printed by go version -m): quoted, with escapes.
    expect(get('linux/amd64 quoted settings').rawModinfo).toContain(
      'build\t-asmflags="-D \\"X=a b\\\\tc\\""\n',
    );
  });

  it('the PIE is ET_DYN with DF_1_PIE, the cgo binary ET_EXEC with DT_NEEDED libc', () => {
    const pie = get('linux/amd64 pie').elf;
    expect(pie.type).toBe(3);
    expect(pie.flags1 & 0x08000000).toBe(0x08000000);
    expect(get('linux/amd64 cgo (host gcc)').elf.type).toBe(2);
  });
});

// ---------------------------------------------------------------- mutation

interface Region {
  name: string;
  start: number;
  end: number;
}

/** One mutable corpus binary and the places worth hitting. */
interface Target {
  name: string;
  bytes: Uint8Array;
  view: DataView;
  le: boolean;
  is64: boolean;
  phoff: number;
  phentsize: number;
  phnum: number;
  shoff: number;
  shentsize: number;
  shnum: number;
  regions: Region[];
  dynamic: Region | null;
  notes: Region[];
  buildinfo: Region | null;
}

function target(name: string, bytes: Uint8Array, elf: ElfFile): Target {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = elf.littleEndian;
  const is64 = elf.is64;
  const w = (o: number) => (is64 ? Number(view.getBigUint64(o, le)) : view.getUint32(o, le));
  const phoff = w(is64 ? 32 : 28);
  const shoff = w(is64 ? 40 : 32);
  const phentsize = view.getUint16(is64 ? 54 : 42, le);
  const phnum = view.getUint16(is64 ? 56 : 44, le);
  const shentsize = view.getUint16(is64 ? 58 : 46, le);
  const shnum = view.getUint16(is64 ? 60 : 48, le);
  const regions: Region[] = [
    { name: 'ELF header', start: 0, end: is64 ? 64 : 52 },
    { name: 'program headers', start: phoff, end: phoff + phnum * phentsize },
    { name: 'section headers', start: shoff, end: shoff + shnum * shentsize },
  ];
  for (const s of elf.sections) {
    if (['.dynamic', '.note.go.buildid', '.go.buildinfo', '.shstrtab', '.dynstr', '.interp'].includes(s.name))
      regions.push({ name: s.name, start: s.offset, end: s.offset + Math.min(s.size, 0x400) });
  }
  for (const p of elf.programs) {
    if (p.type === 4) regions.push({ name: 'PT_NOTE', start: p.offset, end: p.offset + p.filesz });
  }
  const find = (n: string) => regions.find((r) => r.name === n) ?? null;
  const notes = regions.filter((r) => r.name === 'PT_NOTE' || r.name === '.note.go.buildid');
  return {
    name,
    bytes,
    view,
    le,
    is64,
    phoff,
    phentsize,
    phnum,
    shoff,
    shentsize,
    shnum,
    regions,
    dynamic: find('.dynamic'),
    notes,
    buildinfo: find('.go.buildinfo'),
  };
}

interface Patch {
  at: number;
  old: Uint8Array;
}

/** A mutation applied in place (undone after the parse), or a truncation (a view, no copy). */
interface Mutation {
  what: string;
  input: Uint8Array;
  patches: Patch[];
}

function patchBytes(t: Target, at: number, bytes: number[], patches: Patch[]): void {
  if (at < 0 || at + bytes.length > t.bytes.length) return;
  patches.push({ at, old: t.bytes.slice(at, at + bytes.length) });
  t.bytes.set(bytes, at);
}

function setField(t: Target, at: number, width: 1 | 2 | 4 | 8, value: bigint, patches: Patch[]): void {
  const mask = (1n << BigInt(width * 8)) - 1n;
  const v = value & mask;
  const bytes: number[] = [];
  for (let i = 0; i < width; i++) bytes.push(Number((v >> BigInt(8 * i)) & 0xffn));
  patchBytes(t, at, t.le ? bytes : bytes.reverse(), patches);
}

function undo(t: Target, patches: Patch[]): void {
  for (let i = patches.length - 1; i >= 0; i--) {
    const p = patches[i] as Patch;
    t.bytes.set(p.old, p.at);
  }
}

const HEADER_FIELDS_64: [string, number, 1 | 2 | 4 | 8][] = [
  ['EI_CLASS', 4, 1],
  ['EI_DATA', 5, 1],
  ['EI_OSABI', 7, 1],
  ['e_type', 16, 2],
  ['e_machine', 18, 2],
  ['e_entry', 24, 8],
  ['e_phoff', 32, 8],
  ['e_shoff', 40, 8],
  ['e_phentsize', 54, 2],
  ['e_phnum', 56, 2],
  ['e_shentsize', 58, 2],
  ['e_shnum', 60, 2],
  ['e_shstrndx', 62, 2],
];
const HEADER_FIELDS_32: [string, number, 1 | 2 | 4 | 8][] = [
  ['EI_CLASS', 4, 1],
  ['EI_DATA', 5, 1],
  ['EI_OSABI', 7, 1],
  ['e_type', 16, 2],
  ['e_machine', 18, 2],
  ['e_entry', 24, 4],
  ['e_phoff', 28, 4],
  ['e_shoff', 32, 4],
  ['e_phentsize', 42, 2],
  ['e_phnum', 44, 2],
  ['e_shentsize', 46, 2],
  ['e_shnum', 48, 2],
  ['e_shstrndx', 50, 2],
];
/** Program header fields: [name, offset, width] for 64-bit and 32-bit. */
const PH_64: [string, number, 1 | 2 | 4 | 8][] = [
  ['p_type', 0, 4],
  ['p_flags', 4, 4],
  ['p_offset', 8, 8],
  ['p_vaddr', 16, 8],
  ['p_filesz', 32, 8],
  ['p_memsz', 40, 8],
];
const PH_32: [string, number, 1 | 2 | 4 | 8][] = [
  ['p_type', 0, 4],
  ['p_offset', 4, 4],
  ['p_vaddr', 8, 4],
  ['p_filesz', 16, 4],
  ['p_memsz', 20, 4],
  ['p_flags', 24, 4],
];
const SH_64: [string, number, 1 | 2 | 4 | 8][] = [
  ['sh_name', 0, 4],
  ['sh_type', 4, 4],
  ['sh_addr', 16, 8],
  ['sh_offset', 24, 8],
  ['sh_size', 32, 8],
  ['sh_link', 40, 4],
  ['sh_info', 44, 4],
  ['sh_entsize', 56, 8],
];
const SH_32: [string, number, 1 | 2 | 4 | 8][] = [
  ['sh_name', 0, 4],
  ['sh_type', 4, 4],
  ['sh_addr', 12, 4],
  ['sh_offset', 16, 4],
  ['sh_size', 20, 4],
  ['sh_link', 24, 4],
  ['sh_info', 28, 4],
  ['sh_entsize', 36, 4],
];

function mutate(t: Target, rand: () => number): Mutation {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const int = (n: number) => Math.floor(rand() * n);
  const value = (width: number): [string, bigint] => {
    const all = (1n << BigInt(width * 8)) - 1n;
    const random = BigInt(int(2 ** 32)) * 2n ** 32n + BigInt(int(2 ** 32));
    const choices: [string, bigint][] = [
      ['0', 0n],
      ['all ones', all],
      ['random', random & all],
      ['small', BigInt(int(0x1000))],
      ['file size', BigInt(t.bytes.length - int(64))],
      ['e_shoff', BigInt(t.shoff)],
      ['e_phoff', BigInt(t.phoff)],
      ['+1', 1n],
      ['0x7fff…', all >> 1n],
    ];
    return pick(choices);
  };
  const patches: Patch[] = [];
  const kind = int(100);
  if (kind < 15) {
    // Truncation, biased towards the start where the headers are.
    const length = rand() < 0.5 ? int(Math.min(t.bytes.length, 0x2000)) : int(t.bytes.length);
    return { what: `truncate to ${length}`, input: t.bytes.subarray(0, length), patches };
  }
  let what: string;
  if (kind < 40) {
    const r = pick(t.regions);
    const flips = 1 + int(4);
    const at: number[] = [];
    for (let i = 0; i < flips; i++) {
      const o = r.start + int(Math.max(1, r.end - r.start));
      at.push(o);
      patchBytes(t, o, [int(256)], patches);
    }
    what = `flip ${r.name} bytes at ${at.join(',')}`;
  } else if (kind < 60) {
    const [name, o, width] = pick(t.is64 ? HEADER_FIELDS_64 : HEADER_FIELDS_32);
    const [label, v] =
      name === 'e_shstrndx' || name === 'e_shnum' || name === 'e_phnum'
        ? pick<[string, bigint]>([
            ['0', 0n],
            ['0xffff', 0xffffn],
            ['0xff00', 0xff00n],
            ['count', BigInt(t.shnum)],
            ['count+1', BigInt(t.shnum + 1)],
            ['count-1', BigInt(t.shnum - 1)],
            ['1', 1n],
          ])
        : value(width);
    setField(t, o, width, v, patches);
    what = `${name} = ${label} (0x${v.toString(16)})`;
  } else if (kind < 75) {
    const i = int(t.phnum);
    const [name, o, width] = pick(t.is64 ? PH_64 : PH_32);
    const [label, v] =
      name === 'p_type'
        ? pick<[string, bigint]>([
            ['PT_LOAD', 1n],
            ['PT_DYNAMIC', 2n],
            ['PT_INTERP', 3n],
            ['PT_NOTE', 4n],
            ['0', 0n],
          ])
        : value(width);
    setField(t, t.phoff + i * t.phentsize + o, width, v, patches);
    what = `program header ${i} ${name} = ${label} (0x${v.toString(16)})`;
  } else if (kind < 90) {
    const i = int(t.shnum);
    const [name, o, width] = pick(t.is64 ? SH_64 : SH_32);
    const [label, v] =
      name === 'sh_type'
        ? pick<[string, bigint]>([
            ['SHT_NOBITS', 8n],
            ['SHT_SYMTAB', 2n],
            ['SHT_NOTE', 7n],
            ['SHT_DYNAMIC', 6n],
            ['0', 0n],
          ])
        : value(width);
    setField(t, t.shoff + i * t.shentsize + o, width, v, patches);
    what = `section ${i} ${name} = ${label} (0x${v.toString(16)})`;
  } else if (kind < 91 && t.dynamic) {
    // A dynamic entry: {tag, value}, either word-sized.
    const word = t.is64 ? 8 : 4;
    const i = int(Math.floor((t.dynamic.end - t.dynamic.start) / (2 * word)));
    const [tagName, tag] = pick<[string, bigint]>([
      ['DT_NEEDED', 1n],
      ['DT_STRTAB', 5n],
      ['DT_FLAGS_1', 0x6ffffffbn],
      ['DT_NULL', 0n],
    ]);
    const [label, v] = value(word);
    setField(t, t.dynamic.start + i * 2 * word, word as 4 | 8, tag, patches);
    setField(t, t.dynamic.start + i * 2 * word + word, word as 4 | 8, v, patches);
    what = `dynamic entry ${i} = ${tagName}, ${label} (0x${v.toString(16)})`;
  } else if (kind < 93 && t.notes.length > 0) {
    // A note header: namesz, descsz, type.
    const r = pick(t.notes);
    const [name, o] = pick<[string, number]>([
      ['namesz', 0],
      ['descsz', 4],
      ['type', 8],
    ]);
    const [label, v] = value(4);
    setField(t, r.start + o, 4, v, patches);
    what = `${r.name} ${name} = ${label} (0x${v.toString(16)})`;
  } else if (kind < 95 && t.buildinfo) {
    // The build info header: pointer size, flags, then the first varint.
    const b = t.buildinfo.start;
    const field = pick([14, 15, 32]);
    const byte = int(256);
    patchBytes(t, b + field, [field === 15 ? pick([0, 1, 2, 3, byte]) : byte], patches);
    if (field === 32 && rand() < 0.5) patchBytes(t, b + 33, new Array(10).fill(0xff), patches);
    what = `build info header byte ${field} changed`;
  } else if (kind < 97) {
    // Offset loops: tables pointing at the header or at each other.
    const word = t.is64 ? 8 : 4;
    const choice = int(4);
    if (choice === 0) {
      setField(t, t.is64 ? 40 : 32, word, 0n, patches);
      what = 'e_shoff = 0 (section headers over the ELF header)';
    } else if (choice === 1) {
      setField(t, t.is64 ? 32 : 28, word, BigInt(t.shoff), patches);
      what = 'e_phoff = e_shoff';
    } else if (choice === 2) {
      setField(t, t.is64 ? 40 : 32, word, BigInt(t.phoff), patches);
      what = 'e_shoff = e_phoff';
    } else {
      // Every section's offset to the section header table itself.
      const i = int(t.shnum);
      setField(t, t.shoff + i * t.shentsize + (t.is64 ? 24 : 16), word, BigInt(t.shoff), patches);
      what = `section ${i} sh_offset = e_shoff`;
    }
  } else {
    // Several random multi-byte stamps anywhere in the first 64 KiB and the section table.
    const at: number[] = [];
    for (let i = 0; i < 3; i++) {
      const base =
        rand() < 0.5 ? int(Math.min(0x10000, t.bytes.length)) : t.shoff + int(t.shnum * t.shentsize);
      at.push(base);
      patchBytes(t, base, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], patches);
    }
    what = `stamp 0xff…7f at ${at.join(',')}`;
  }
  return { what, input: t.bytes, patches };
}

describe('mutation', () => {
  const SEED = Number(process.env.CROSSGO_MUTATION_SEED ?? 0x5eed_e1f);
  const PER_TARGET = 2_600;
  const TARGETS = [
    'linux/amd64',
    'linux/386 stripped',
    'linux/mips stripped',
    'linux/amd64 cgo (host gcc)',
    'linux/amd64 pie',
    'openbsd/amd64 stripped',
    'illumos/amd64 stripped',
  ];

  it(
    `${TARGETS.length * PER_TARGET} mutated binaries end in a result or a FormatError, within the read budget`,
    () => {
      const r = runMutationCampaign({
        seed: SEED,
        perTarget: PER_TARGET,
        parse: (src) => elfFacts(src),
        targets: TARGETS.map((name) => {
          const b = get(name);
          const t = target(name, b.bytes.slice(), b.elf);
          return { name, target: t, bytes: t.bytes, original: b.bytes, mutate, undo };
        }),
      });
      console.log(describeCampaign('elf', r));
      expect(r.failures).toEqual([]);
      // Every working copy is intact again after all the undos.
      expect(r.notRestored).toEqual([]);
      expect(r.count).toBe(TARGETS.length * PER_TARGET);
      expect(r.refused).toBeGreaterThan(r.count / 10);
    },
    CAMPAIGN_TEST_TIMEOUT_MS,
  );

  it('empty, tiny and random files end in a FormatError', () => {
    const rand = mulberry32(SEED ^ 0xabcdef);
    const seed = `seed 0x${(SEED ^ 0xabcdef).toString(16)}`;
    const inputs: Input[] = [
      { label: 'empty', input: new Uint8Array(0) },
      { label: 'magic only', input: Uint8Array.from([0x7f, 0x45, 0x4c, 0x46]) },
      {
        label: 'ident only',
        input: Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
      },
    ];
    for (let i = 0; i < 300; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(rand() * 4096) }, () => Math.floor(rand() * 256));
      if (i % 2 === 0 && bytes.length >= 6)
        bytes.set([0x7f, 0x45, 0x4c, 0x46, 1 + (i % 4 < 2 ? 0 : 1), 1 + (i % 3 === 0 ? 1 : 0)]);
      inputs.push({
        label: `${seed} random ${i} (${bytes.length} bytes${i % 2 === 0 ? ', ELF ident' : ''})`,
        input: bytes,
      });
    }
    const r = runParseCampaign({ inputs, parse: (src) => elfFacts(src) });
    expect(r.failures).toEqual([]);
    expect(r.parsed).toEqual([]);
    expect(r.refused).toBe(inputs.length);
    expect(() => elfFacts(new BufferSource(new Uint8Array(0)))).toThrow(FormatError);
  });
});

// ---------------------------------------------------------------- broken fixtures

describe('broken fixtures', () => {
  it('each fails with the error its name says, and make.mjs rebuilds them byte for byte', async () => {
    await expectBrokenFixtures({ folder: 'elf', ext: '.elf', parse: elfFacts, min: 4, max: 6 });
  });
});
