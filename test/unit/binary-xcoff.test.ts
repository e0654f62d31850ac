import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../src/binary/errors.js';
import { detectFormat, readFacts } from '../../src/binary/read.js';
import { BufferSource, type ByteSource } from '../../src/binary/source.js';
import type { BinaryFacts, GoBuildInfo, GoModule } from '../../src/binary/types.js';
import { xcoffFacts } from '../../src/binary/xcoff/facts.js';
import { libraryName, readXcoff, type XcoffFile } from '../../src/binary/xcoff/read.js';
import { inspect } from '../../src/commands/inspect.js';
import { expectBrokenFixtures } from '../helpers/broken.js';
import { cleanupTemps, runTool, tempDir } from '../helpers/cli.js';
import { type CorpusSpec, corpusBinary } from '../helpers/corpus.js';
import {
  CAMPAIGN_TEST_TIMEOUT_MS,
  describeCampaign,
  type Input,
  parseCounted,
  runMutationCampaign,
  runParseCampaign,
} from '../helpers/mutation.js';
import { fileType, llvmTool } from '../helpers/oracles.js';
import { mulberry32 } from '../helpers/prng.js';

/**
 * The XCOFF reader against independent oracles on real aix/ppc64 binaries built by the real go
 * (llvm-readobj, llvm-objdump, file, go version -m, go tool buildid, and Go's own
 * internal/xcoff and debug/buildinfo run by a small Go program), on 32-bit files made by LLVM
 * (llc, yaml2obj: Go has no 32-bit AIX port), then on mutated copies.
 */

interface Case {
  name: string;
  spec: CorpusSpec;
}

const aix = (extra: Partial<CorpusSpec> = {}): CorpusSpec => ({ goos: 'aix', goarch: 'ppc64', ...extra });
const CASES: Case[] = [
  { name: 'aix/ppc64', spec: aix() },
  { name: 'aix/ppc64 stripped', spec: aix({ strip: true }) },
  // -w alone: the symbol table stays, the DWARF goes.
  { name: 'aix/ppc64 -w', spec: aix({ ldflags: ['-w'] }) },
];

/** Every file the oracles are run on: the corpus, and the 32-bit files made in beforeAll. */
const files = new Map<string, string>();
const bytesOf = new Map<string, Uint8Array>();

function file(name: string): string {
  const f = files.get(name);
  if (!f) throw new Error(`${name} was not made`);
  return f;
}

function bytes(name: string): Uint8Array {
  const b = bytesOf.get(name);
  if (!b) throw new Error(`${name} was not made`);
  return b;
}

async function tool(command: string, args: string[]): Promise<string> {
  const result = await runTool(command, args);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

// ---------------------------------------------------------------- 32-bit files, made by LLVM

const BUILDINFO_MAGIC = [0xff, 0x20, 0x47, 0x6f, 0x20, 0x62, 0x75, 0x69, 0x6c, 0x64, 0x69, 0x6e, 0x66, 0x3a];
/** cmd/go/internal/modload infoStart, infoEnd. */
const INFO_START = [
  0x30, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02, 0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6,
];
const INFO_END = [
  0xf9, 0x32, 0x43, 0x31, 0x86, 0x18, 0x20, 0x72, 0x00, 0x82, 0x42, 0x10, 0x41, 0x16, 0xd8, 0xf2,
];
const HANDMADE_BUILD_ID = 'aix32handmade/buildidAAAAAAAAAAAA';
const HANDMADE_MODINFO =
  'path\texample.com/aix32\nmod\texample.com/aix32\t(devel)\t\n' +
  'dep\texample.com/dep\tv1.0.0\th1:c2FtcGxlc3VtAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n' +
  'build\t-compiler=gc\nbuild\tCGO_ENABLED=0\nbuild\tGOOS=aix\n';

const enc = (s: string) => [...new TextEncoder().encode(s)];
function uvarint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
function be(width: 1 | 2 | 4, value: number): number[] {
  const out: number[] = [];
  for (let i = width - 1; i >= 0; i--) out.push(Math.floor(value / 256 ** i) % 256);
  return out;
}
const hexOf = (b: number[]) => b.map((x) => x.toString(16).padStart(2, '0')).join('');

/**
 * The 32-bit loader section (LoaderHeader32, LoaderSymbol32 in internal/xcoff/xcoff.go): a
 * 32-byte header, one imported symbol (24 bytes at 32), one relocation (12 bytes at 56), the
 * import file IDs at 68 (the library path, then two libraries: one without a path, one with),
 * then the loader string table ({u16 size, name, NUL} as cmd/link writes it).
 */
function loader32(): number[] {
  const ids = [
    ...enc('/usr/lib:/lib\0\0\0'),
    ...enc('\0libc.a\0shr.o\0'),
    ...enc('/opt/freeware/lib\0libiconv.a\0libiconv.so.2\0'),
  ];
  const name = 'a_long_import_name';
  const strings = [...be(2, name.length + 1), ...enc(`${name}\0`)];
  const impoff = 32 + 24 + 12;
  const header = [1, 1, 1, ids.length, 3, impoff, strings.length, impoff + ids.length].flatMap((v) =>
    be(4, v),
  );
  const symbol = [...enc('errno\0\0\0'), ...be(4, 0), ...be(2, 0), 0x40, 0x05, ...be(4, 1), ...be(4, 0)];
  const reloc = [...be(4, 0x20000010), ...be(4, 3), ...be(2, 0x1f00), ...be(2, 2)];
  return [...header, ...symbol, ...reloc, ...ids, ...strings];
}

/** The inline build info (flags 2: strings after the 32-byte header; 1: big-endian), pointer size 4. */
function buildInfo32(): number[] {
  const header = [...BUILDINFO_MAGIC, 4, 3, ...new Array(16).fill(0)];
  const version = enc('go1.24.0');
  const mod = [...INFO_START, ...enc(HANDMADE_MODINFO), ...INFO_END];
  const blob = [...header, ...uvarint(version.length), ...version, ...uvarint(mod.length), ...mod];
  return [...blob, ...new Array(256 - (blob.length % 16)).fill(0)];
}

/** .text: Go's build ID text first (cmd/link's go:buildid symbol), then `blr`. */
function text32(): number[] {
  return [0xff, ...enc(` Go build ID: "${HANDMADE_BUILD_ID}"\n `), 0xff, 0, 0, 0x4e, 0x80, 0x00, 0x20];
}

/** A 32-bit executable laid out by yaml2obj: full auxiliary header, text, data, bss, loader, symbols. */
function execYaml(): string {
  return `--- !XCOFF
FileHeader:
  MagicNumber:       0x1DF
  CreationTime:      0x5F5E1000
  Flags:             0x2
AuxiliaryHeader:
  Magic:             0x10B
  Version:           0x1
  TextStartAddr:     0x10000200
  DataStartAddr:     0x20000000
  TOCAnchorAddr:     0x20000100
  SecNumOfEntryPoint: 2
  SecNumOfText:      1
  SecNumOfData:      2
  SecNumOfTOC:       2
  SecNumOfLoader:    4
  SecNumOfBSS:       3
  MaxAlignOfText:    0x5
  MaxAlignOfData:    0x3
  TextSectionSize:   ${text32().length}
  DataSectionSize:   ${buildInfo32().length}
  BssSectionSize:    0x40
  EntryPointAddr:    0x20000100
  MaxStackSize:      0x100000
  MaxDataSize:       0x200000
Sections:
  - Name:            .text
    Address:         0x10000200
    Flags:           [ STYP_TEXT ]
    SectionData:     '${hexOf(text32())}'
  - Name:            .data
    Address:         0x20000000
    Flags:           [ STYP_DATA ]
    SectionData:     '${hexOf(buildInfo32())}'
  - Name:            .bss
    Address:         0x${(0x20000000 + buildInfo32().length).toString(16)}
    Size:            0x40
    Flags:           [ STYP_BSS ]
  - Name:            .loader
    Flags:           [ STYP_LOADER ]
    SectionData:     '${hexOf(loader32())}'
Symbols:
  - Name:            .text
    Value:           0x10000200
    Section:         .text
    StorageClass:    C_HIDEXT
    NumberOfAuxEntries: 1
  - Name:            main.main
    Value:           0x10000230
    Section:         .text
    StorageClass:    C_EXT
    NumberOfAuxEntries: 1
  - Name:            a_symbol_name_longer_than_eight_bytes
    Value:           0x20000000
    Section:         .data
    StorageClass:    C_EXT
    NumberOfAuxEntries: 0
`;
}

/** An object file compiled by llc: no auxiliary header, relocations, a symbol and a string table. */
const LLVM_IR = `@counter = global i32 42
@a_rather_long_global_name = global [16 x i8] zeroinitializer
define i32 @main() {
  %v = load i32, i32* @counter
  ret i32 %v
}
`;

/**
 * XCOFF32 with the 28-byte short auxiliary header (AOUTHSZ_SHORT), made by hand as yaml2obj
 * 14 cannot write one: file header (20 bytes), aux header @20 (mflag, vstamp, tsize, dsize,
 * bsize, entry, text_start, data_start), one section header @48, its 8 bytes @88, no symbols.
 */
function shortAux32(): Uint8Array {
  const text = [0x4e, 0x80, 0x00, 0x20, 0, 0, 0, 0];
  return Uint8Array.from([
    ...be(2, 0x1df),
    ...be(2, 1),
    ...be(4, 0),
    ...be(4, 0),
    ...be(4, 0),
    ...be(2, 28),
    ...be(2, 0x0002),
    ...[0x10b, 1].flatMap((v) => be(2, v)),
    ...[8, 0, 0, 0x10000058, 0x10000058, 0x20000000].flatMap((v) => be(4, v)),
    ...enc('.text\0\0\0'),
    ...[0x10000058, 0x10000058, 8, 88, 0, 0].flatMap((v) => be(4, v)),
    ...be(2, 0),
    ...be(2, 0),
    ...be(4, 0x20),
    ...text,
  ]);
}

// ---------------------------------------------------------------- the Go oracle

/**
 * Go's own readers as the oracle: internal/xcoff (sections, imported libraries) copied from the
 * toolchain in use, since an internal package cannot be imported, and debug/buildinfo.
 * internal/xcoff refuses a file without a symbol table ("no symbol table"), and so does
 * debug/buildinfo, which is why `go version -m` cannot read a stripped XCOFF binary: for those
 * the program reads a copy with one empty symbol and an empty string table appended, which
 * changes no section, loader or data byte.
 */
const ORACLE_MAIN = `package main

import (
	"bytes"
	"debug/buildinfo"
	"encoding/binary"
	"encoding/json"
	"os"
	"runtime/debug"

	"oracle/xcoff"
)

type section struct {
	Name    string
	Address uint64
	Size    uint64
	Type    uint32
}

type result struct {
	Patched        bool
	Sections       []section
	Libraries      []string
	LibraryPaths   []string
	XcoffError     string
	BuildInfo      *debug.BuildInfo
	BuildInfoError string
}

func main() {
	enc := json.NewEncoder(os.Stdout)
	for _, name := range os.Args[1:] {
		data, err := os.ReadFile(name)
		if err != nil {
			panic(err)
		}
		var r result
		if stripped(data) {
			data, r.Patched = withOneSymbol(data), true
		}
		if f, err := xcoff.NewFile(bytes.NewReader(data)); err != nil {
			r.XcoffError = err.Error()
		} else {
			for _, s := range f.Sections {
				r.Sections = append(r.Sections, section{s.Name, s.VirtualAddress, s.Size, s.Type})
			}
			if r.Libraries, err = f.ImportedLibraries(); err != nil {
				r.XcoffError = err.Error()
			}
			r.LibraryPaths = f.LibraryPaths
		}
		if r.BuildInfo, err = buildinfo.Read(bytes.NewReader(data)); err != nil {
			r.BuildInfoError = err.Error()
		}
		enc.Encode(r)
	}
}

func is64(d []byte) bool { return binary.BigEndian.Uint16(d) == 0x01f7 }

func stripped(d []byte) bool {
	if is64(d) {
		return binary.BigEndian.Uint64(d[8:]) == 0 || binary.BigEndian.Uint32(d[20:]) == 0
	}
	return binary.BigEndian.Uint32(d[8:]) == 0 || binary.BigEndian.Uint32(d[12:]) == 0
}

func withOneSymbol(d []byte) []byte {
	out := append(bytes.Clone(d), make([]byte, 18)...) // one C_NULL entry, no auxiliary entry
	out = binary.BigEndian.AppendUint32(out, 4)        // an empty string table
	if is64(d) {
		binary.BigEndian.PutUint64(out[8:], uint64(len(d)))
		binary.BigEndian.PutUint32(out[20:], 1)
	} else {
		binary.BigEndian.PutUint32(out[8:], uint32(len(d)))
		binary.BigEndian.PutUint32(out[12:], 1)
	}
	return out
}
`;

interface GoModuleJson {
  Path?: string;
  Version?: string;
  Sum?: string;
  Replace?: GoModuleJson | null;
}
interface OracleResult {
  Patched: boolean;
  Sections: { Name: string; Address: number | bigint; Size: number; Type: number }[] | null;
  Libraries: string[] | null;
  LibraryPaths: string[] | null;
  XcoffError: string;
  BuildInfo: {
    GoVersion: string;
    Path: string;
    Main: GoModuleJson;
    Deps: GoModuleJson[] | null;
    Settings: { Key: string; Value: string }[] | null;
  } | null;
  BuildInfoError: string;
}

let oracleBinary = '';

async function buildOracle(): Promise<string> {
  const dir = await tempDir('crossgo-xcoff-oracle-');
  const goroot = (await tool('go', ['env', 'GOROOT'])).trim();
  const version = /^go(\d+\.\d+)/.exec((await tool('go', ['env', 'GOVERSION'])).trim())?.[1] ?? '1.21';
  const src = (rel: string) => readFile(path.join(goroot, 'src', rel), 'utf8');
  await Promise.all([
    writeFile(path.join(dir, 'go.mod'), `module oracle\n\ngo ${version}\n`),
    writeFile(path.join(dir, 'main.go'), ORACLE_MAIN),
  ]);
  await runTool('mkdir', ['-p', path.join(dir, 'xcoff'), path.join(dir, 'saferio')]);
  await writeFile(path.join(dir, 'saferio', 'io.go'), await src('internal/saferio/io.go'));
  await writeFile(
    path.join(dir, 'xcoff', 'file.go'),
    (await src('internal/xcoff/file.go')).replace('"internal/saferio"', '"oracle/saferio"'),
  );
  await writeFile(path.join(dir, 'xcoff', 'xcoff.go'), await src('internal/xcoff/xcoff.go'));
  const out = path.join(dir, 'oracle');
  const result = await runTool('go', ['build', '-o', out, '.'], {
    cwd: dir,
    env: { ...process.env, GOENV: 'off', GOFLAGS: '-mod=mod', GOOS: '', GOARCH: '', CGO_ENABLED: '0' },
  });
  if (result.code !== 0) throw new Error(`building the Go oracle: ${result.stderr}`);
  return out;
}

async function goOracle(name: string): Promise<OracleResult> {
  const out = await tool(oracleBinary, [file(name)]);
  // Addresses above 2^53 do not occur here (XCOFF64 text and data sit at 0x1_0000_0000, 0x2_0000_0000).
  return JSON.parse(out) as OracleResult;
}

function moduleOf(m: GoModuleJson): GoModule {
  // encoding/json leaves out the empty fields of runtime/debug.Module (omitempty).
  return {
    path: m.Path ?? '',
    version: m.Version ?? '',
    sum: m.Sum ?? '',
    replace: m.Replace ? moduleOf(m.Replace) : null,
  };
}

function buildInfoOf(o: OracleResult): GoBuildInfo | null {
  const bi = o.BuildInfo;
  if (!bi) return null;
  return {
    version: bi.GoVersion,
    path: bi.Path,
    main: (bi.Main.Path ?? '') === '' ? null : moduleOf(bi.Main),
    deps: (bi.Deps ?? []).map(moduleOf),
    settings: Object.fromEntries((bi.Settings ?? []).map((s) => [s.Key, s.Value])),
  };
}

// ---------------------------------------------------------------- llvm-readobj, llvm-objdump

interface Readobj {
  magic: number;
  sectionCount: number;
  timestamp: number;
  symbolTableOffset: number;
  symbolCount: number;
  auxHeaderSize: number;
  flags: number;
  aux: Record<string, number> | null;
  sections: { name: string; address: bigint; size: number; offset: number; type: number }[];
  stringTableLength: number;
  /** Symbol table entries counted from the symbols themselves: each is 1 + NumberOfAuxEntries. */
  entriesFromSymbols: number;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function field(text: string, key: string, pick = /^(\S+)/): string {
  const line = new RegExp(`^\\s*${escapeRegExp(key)}: (.*)$`, 'm').exec(text);
  if (!line) throw new Error(`llvm-readobj: no ${key}`);
  const match = pick.exec(line[1] as string);
  if (!match) throw new Error(`llvm-readobj: ${key}: unexpected "${line[1]}"`);
  return match[1] as string;
}

function num(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`llvm-readobj: not a number: ${text}`);
  return n;
}

function blockOf(text: string, opener: string): string | null {
  const start = text.indexOf(`\n${opener}`);
  return start === -1 ? null : text.slice(start, text.indexOf('\n}', start));
}

/** The auxiliary header keys of llvm-readobj 14 (XCOFFDumper printAuxiliaryHeader), by our name. */
const AUX_KEYS: Record<string, string> = {
  magic: 'Magic',
  version: 'Version',
  textStart: '.text section start address',
  dataStart: '.data section start address',
  entry: 'Entry point address',
  textSize: 'Size of .text section',
  dataSize: 'Size of .data section',
  bssSize: 'Size of .bss section',
  toc: 'TOC anchor address',
  snEntry: 'Section number of entryPoint',
  snText: 'Section number of .text',
  snData: 'Section number of .data',
  snToc: 'Section number of TOC',
  snLoader: 'Section number of loader data',
  snBss: 'Section number of .bss',
  alignText: 'Maxium alignment of .text',
  alignData: 'Maxium alignment of .data',
  moduleType: 'Module type',
  cpuFlag: 'CPU type of objects',
  cpuType: '(Reserved)',
  maxStack: 'Maximum stack size',
  maxData: 'Maximum data size',
  snTData: 'Section number for .tdata',
  snTBss: 'Section number for .tbss',
};

async function readobj(name: string): Promise<Readobj> {
  const out = await tool('llvm-readobj', [
    '--file-headers',
    '--auxiliary-header',
    '--sections',
    '--symbols',
    '--string-table',
    file(name),
  ]);
  const header = blockOf(out, 'FileHeader {');
  if (!header) throw new Error('llvm-readobj: no FileHeader');
  const auxText = blockOf(out, 'AuxiliaryHeader {');
  let aux: Record<string, number> | null = null;
  if (auxText) {
    aux = {};
    for (const [ours, key] of Object.entries(AUX_KEYS)) {
      // The short form has only the first eight fields: llvm prints what is there.
      if (new RegExp(`^\\s*${escapeRegExp(key)}: `, 'm').test(auxText)) aux[ours] = num(field(auxText, key));
    }
  }
  const sectionsText = out.slice(out.indexOf('\nSections ['), out.indexOf('\nSymbols ['));
  const sections = sectionsText
    .split(/\n {2}Section \{/)
    .slice(1)
    .map((s) => ({
      name: field(s, 'Name'),
      address: BigInt(field(s, 'VirtualAddress')),
      size: num(field(s, 'Size')),
      offset: num(field(s, 'RawDataOffset')),
      type: num(field(s, 'Type', /\((0x[0-9A-F]+)\)/i)),
    }));
  const symbolsText = out.slice(out.indexOf('\nSymbols ['), out.indexOf('\nStringTable {'));
  const auxCounts = [...symbolsText.matchAll(/^ {4}NumberOfAuxEntries: (\d+)$/gm)].map((m) => Number(m[1]));
  return {
    magic: num(field(header, 'Magic')),
    sectionCount: num(field(header, 'NumberOfSections')),
    timestamp: num(field(header, 'TimeStamp', /\((0x[0-9A-F]+)\)/i)),
    symbolTableOffset: num(field(header, 'SymbolTableOffset')),
    symbolCount: num(field(header, 'SymbolTableEntries')),
    auxHeaderSize: num(field(header, 'OptionalHeaderSize')),
    flags: num(field(header, 'Flags')),
    aux,
    sections,
    stringTableLength: num(field(blockOf(out, 'StringTable {') ?? '', 'Length')),
    entriesFromSymbols: auxCounts.reduce((n, k) => n + 1 + k, 0),
  };
}

/** `llvm-objdump -h`: index, name, size and VMA of every section. */
async function objdumpSections(name: string): Promise<{ name: string; size: number; vma: bigint }[]> {
  const out = await tool('llvm-objdump', ['-h', file(name)]);
  return [...out.matchAll(/^\s*\d+ (\S+)\s+([0-9a-f]+) ([0-9a-f]+)/gm)].map((m) => ({
    name: m[1] as string,
    size: Number.parseInt(m[2] as string, 16),
    vma: BigInt(`0x${m[3]}`),
  }));
}

/** `go version -m`, decoded line by line; null when go cannot read the file. */
async function goVersionM(name: string): Promise<GoBuildInfo | null> {
  const result = await runTool('go', ['version', '-m', file(name)]);
  if (result.code !== 0) return null;
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

// ---------------------------------------------------------------- setup

/** The 32-bit files: built by yaml2obj and llc, or by hand (see their functions). */
const MADE = ['xcoff32 exec (yaml2obj)', 'xcoff32 object (llc)', 'xcoff32 short aux header'];
const ALL = [...CASES.map((c) => c.name), ...MADE];

beforeAll(async () => {
  const dir = await tempDir('crossgo-xcoff-');
  const [yaml2obj, llc] = [llvmTool('yaml2obj'), llvmTool('llc')];
  const exec = path.join(dir, 'exec32');
  const object = path.join(dir, 'object32.o');
  const short = path.join(dir, 'short32');
  await writeFile(path.join(dir, 'exec32.yaml'), execYaml());
  await writeFile(path.join(dir, 'object32.ll'), LLVM_IR);
  await writeFile(short, shortAux32());
  const [, , oracle, ...corpus] = await Promise.all([
    tool(yaml2obj, [path.join(dir, 'exec32.yaml'), '-o', exec]),
    tool(llc, ['-mtriple=powerpc-ibm-aix', '-filetype=obj', path.join(dir, 'object32.ll'), '-o', object]),
    buildOracle(),
    ...CASES.map((c) => corpusBinary(c.spec)),
  ]);
  oracleBinary = oracle as string;
  for (const [i, c] of CASES.entries()) files.set(c.name, corpus[i] as string);
  files.set(MADE[0] as string, exec);
  files.set(MADE[1] as string, object);
  files.set(MADE[2] as string, short);
  for (const [name, f] of files) bytesOf.set(name, new Uint8Array(await readFile(f)));
});

afterAll(cleanupTemps);

const hex = (n: number | bigint) => `0x${n.toString(16)}`;
const parse = (name: string): XcoffFile => readXcoff(new BufferSource(bytes(name)));
const factsOf = (name: string): BinaryFacts => xcoffFacts(new BufferSource(bytes(name)));

// ---------------------------------------------------------------- against the oracles

describe('readXcoff and xcoffFacts against llvm-readobj, llvm-objdump and file', () => {
  it.each(ALL)(
    '%s: file header, auxiliary header, sections and symbol table match llvm-readobj',
    async (name) => {
      const x = parse(name);
      const facts = factsOf(name);
      const o = await readobj(name);

      expect(x.magic).toBe(o.magic);
      expect(x.is64).toBe(o.magic === 0x1f7);
      expect(facts.bits).toBe(o.magic === 0x1f7 ? 64 : 32);
      expect(x.sections).toHaveLength(o.sectionCount);
      expect(x.timestamp).toBe(o.timestamp);
      expect(x.symbolTableOffset).toBe(o.symbolTableOffset);
      expect(x.symbolCount).toBe(o.symbolCount);
      expect(x.auxHeaderSize).toBe(o.auxHeaderSize);
      expect(x.flags).toBe(o.flags);

      // The auxiliary header, field by field, as llvm decodes it.
      if (o.aux === null) {
        expect(x.aux).toBeNull();
        expect(facts.entry).toBeNull();
      } else {
        const a = x.aux;
        if (!a) throw new Error('no auxiliary header read');
        const ours: Record<string, number> = {
          magic: a.magic,
          version: a.version,
          textStart: Number(a.textStart),
          dataStart: Number(a.dataStart),
          entry: Number(a.entry),
          textSize: Number(a.textSize),
          dataSize: Number(a.dataSize),
          bssSize: Number(a.bssSize),
        };
        if (a.full) {
          const f = a.full;
          Object.assign(ours, {
            toc: Number(f.toc),
            snEntry: f.snEntry,
            snText: f.snText,
            snData: f.snData,
            snToc: f.snToc,
            snLoader: f.snLoader,
            snBss: f.snBss,
            alignText: f.alignText,
            alignData: f.alignData,
            moduleType: (f.moduleType.charCodeAt(0) << 8) | f.moduleType.charCodeAt(1),
            cpuFlag: f.cpuFlag,
            cpuType: f.cpuType,
            maxStack: Number(f.maxStack),
            maxData: Number(f.maxData),
            snTData: f.snTData,
            snTBss: f.snTBss,
          });
        }
        expect(ours).toEqual(o.aux);
        expect(facts.entry).toBe(hex(o.aux.entry as number));
      }

      expect(x.sections.map((s) => ({ ...s, flags: s.flags & 0xffff }))).toEqual(
        o.sections.map((s) => ({
          name: s.name,
          address: s.address,
          size: s.size,
          offset: s.offset,
          flags: s.type,
        })),
      );
      expect(facts.sections).toEqual(
        o.sections.map((s) => ({
          name: s.name,
          address: hex(s.address),
          size: s.size,
          offset: s.type === 0x80 ? 0 : s.offset,
        })),
      );

      // f_nsyms counts the entries the symbols really take, auxiliary ones included.
      expect(o.entriesFromSymbols).toBe(o.symbolCount);
      expect(facts.symbols).toBe(o.symbolCount);
      expect(facts.stripped).toBe(o.symbolCount === 0 || o.symbolTableOffset === 0);
      expect(x.stringTableSize ?? 0).toBe(o.stringTableLength);

      expect(facts.dwarf).toBe(o.sections.some((s) => s.type === 0x10 && s.name === '.dwinfo'));
      expect(facts.type).toBe(o.flags & 0x2000 ? 'shared' : o.flags & 0x0002 ? 'exec' : 'other');
      expect(facts.format).toBe('xcoff');
      expect(facts.endian).toBe('big');
      expect(facts.interpreter).toBeNull();
      expect(facts.goos).toBe('aix');
      expect(facts.goarch).toBe(o.magic === 0x1f7 ? 'ppc64' : null);
    },
  );

  it.each(ALL)('%s: section names, sizes and addresses match llvm-objdump -h', async (name) => {
    const sections = await objdumpSections(name);
    expect(sections.length).toBeGreaterThan(0);
    expect(parse(name).sections.map((s) => ({ name: s.name, size: s.size, vma: s.address }))).toEqual(
      sections,
    );
  });

  it.each(ALL)('%s: bits match file -b', async (name) => {
    const description = await fileType(file(name));
    const facts = factsOf(name);
    // file names XCOFF64 "64-bit XCOFF executable or object module", XCOFF32 by its RS/6000 origin.
    if (facts.bits === 64) expect(description).toMatch(/^64-bit XCOFF executable/);
    else expect(description).toMatch(/^executable \(RISC System\/6000 V3\.1\) or obj module/);
  });
});

describe("xcoffFacts against Go's own readers", () => {
  it.each(ALL)("%s: sections and imported libraries match Go's internal/xcoff", async (name) => {
    const o = await goOracle(name);
    const x = parse(name);
    if (name === 'xcoff32 short aux header') {
      // No symbol table, no loader section: Go reads it only through the patched copy.
      expect(o.Patched).toBe(true);
    }
    expect(o.XcoffError).toBe('');
    expect(
      x.sections.map((s) => ({ Name: s.name, Address: Number(s.address), Size: s.size, Type: s.flags })),
    ).toEqual(o.Sections ?? []);
    // Go spells an import "base/member" (or "path/base/member"), AIX's tools "base(member)".
    const ours = x.loader?.imports ?? [];
    expect(ours.map((i) => [i.path, i.base, i.member].filter((p) => p !== '').join('/'))).toEqual(
      o.Libraries ?? [],
    );
    expect(x.loader ? x.loader.libraryPath.split(':') : null).toEqual(o.LibraryPaths);
    expect(factsOf(name).libraries).toEqual(ours.map(libraryName));
  });

  it('the Go binaries import libc and libpthread through the loader, which leaves them static', async () => {
    for (const c of CASES) {
      const facts = factsOf(c.name);
      expect(facts.libraries, c.name).toEqual(['libc.a(shr_64.o)', 'libpthread.a(shr_xpg5_64.o)']);
      expect(facts.static, c.name).toBe(true);
      expect(parse(c.name).loader?.libraryPath).toBe('/usr/lib:/lib');
    }
    const exec32 = factsOf('xcoff32 exec (yaml2obj)');
    expect(exec32.libraries).toEqual(['libc.a(shr.o)', '/opt/freeware/lib/libiconv.a(libiconv.so.2)']);
    expect(exec32.static).toBe(false);
    expect(factsOf('xcoff32 object (llc)')).toMatchObject({ libraries: [], static: true, type: 'other' });
  });

  it.each(ALL)(
    '%s: build info matches debug/buildinfo, and go version -m where it reads the file',
    async (name) => {
      const [o, m] = await Promise.all([goOracle(name), goVersionM(name)]);
      const facts = factsOf(name);
      expect(facts.go).toEqual(buildInfoOf(o));
      if (o.BuildInfo === null) expect(o.BuildInfoError).toMatch(/not a Go executable/);
      if (m !== null) expect(facts.go).toEqual(m);
      if (facts.go) {
        expect(facts.goos).toBe(facts.go.settings.GOOS);
        if (facts.bits === 64) expect(facts.goarch).toBe(facts.go.settings.GOARCH);
      }
    },
  );

  it('reads the build info of every Go binary, the stripped one too (which go version -m cannot)', async () => {
    for (const c of CASES) {
      const go = factsOf(c.name).go;
      expect(go, c.name).not.toBeNull();
      expect(go?.path).toBe('example.com/greet');
      expect(go?.settings).toMatchObject({ GOOS: 'aix', GOARCH: 'ppc64', CGO_ENABLED: '0' });
    }
    // -trimpath keeps -ldflags out of the settings (cmd/go): strip changes nothing Go records.
    expect(factsOf('aix/ppc64 stripped').go).toEqual(factsOf('aix/ppc64').go);
    expect(factsOf('xcoff32 exec (yaml2obj)').go).toMatchObject({
      version: 'go1.24.0',
      path: 'example.com/aix32',
      deps: [{ path: 'example.com/dep', version: 'v1.0.0' }],
    });
  });

  it.each(ALL)('%s: the build ID matches go tool buildid', async (name) => {
    const id = (await tool('go', ['tool', 'buildid', file(name)])).trim();
    expect(factsOf(name).goBuildId).toBe(id === '' ? null : id);
  });

  it('tells strip, -w and DWARF apart', () => {
    const full = factsOf('aix/ppc64');
    const stripped = factsOf('aix/ppc64 stripped');
    const noDwarf = factsOf('aix/ppc64 -w');
    expect(full).toMatchObject({ stripped: false, dwarf: true, type: 'exec' });
    expect(full.symbols).toBeGreaterThan(1000);
    expect(full.goBuildId).toMatch(/^[\w-]{20}\/[\w-]{20}\/[\w-]{20}\/[\w-]{20}$/);
    expect(stripped).toMatchObject({ stripped: true, dwarf: false, symbols: 0 });
    expect(noDwarf).toMatchObject({ stripped: false, dwarf: false });
    expect(noDwarf.symbols).toBeGreaterThan(1000);
    expect(factsOf('xcoff32 exec (yaml2obj)')).toMatchObject({
      stripped: false,
      symbols: 5,
      goBuildId: HANDMADE_BUILD_ID,
      type: 'exec',
    });
  });

  it('crossgo inspect reports format xcoff, through the format detection every reader shares', async () => {
    expect(detectFormat(bytes('aix/ppc64').subarray(0, 8))).toBe('xcoff');
    expect(detectFormat(bytes('xcoff32 object (llc)').subarray(0, 8))).toBe('xcoff');
    const outcomes = await inspect({ files: [file('aix/ppc64 stripped'), file('xcoff32 exec (yaml2obj)')] });
    for (const outcome of outcomes) {
      expect(outcome.ok).toBe(true);
      if (outcome.ok) expect(outcome.inspection.format).toBe('xcoff');
    }
    expect(readFacts(new BufferSource(bytes('aix/ppc64')))).toEqual(factsOf('aix/ppc64'));
  });
});

// ---------------------------------------------------------------- edits the corpus cannot show

describe('xcoffFacts on edited binaries', () => {
  it('reports F_SHROBJ as shared and neither flag as other', () => {
    const b = bytes('aix/ppc64 stripped').slice();
    b[18] = 0x20; // f_flags high byte: F_SHROBJ (0x2000) | F_EXEC
    expect(xcoffFacts(new BufferSource(b)).type).toBe('shared');
    b[18] = 0;
    b[19] = 0;
    expect(xcoffFacts(new BufferSource(b)).type).toBe('other');
  });

  it('is not static when the loader imports a library Go does not', () => {
    const b = bytes('aix/ppc64 stripped').slice();
    const x = readXcoff(new BufferSource(b));
    const at = indexOf(b, enc('libpthread.a\0'), x.loader?.offset ?? 0);
    b.set(enc('libcrypto3.a'), at);
    const facts = xcoffFacts(new BufferSource(b));
    expect(facts.libraries).toEqual(['libc.a(shr_64.o)', 'libcrypto3.a(shr_xpg5_64.o)']);
    expect(facts.static).toBe(false);
  });

  it('has no build ID and no build info when they are wiped, without failing', () => {
    const b = bytes('aix/ppc64 stripped').slice();
    const x = readXcoff(new BufferSource(b));
    const text = x.sections.find((s) => s.name === '.text');
    const data = x.sections.find((s) => s.name === '.data');
    if (!text || !data) throw new Error('no .text or .data');
    b.fill(0, text.offset, text.offset + 256);
    b.fill(0, data.offset, data.offset + data.size);
    const facts = xcoffFacts(new BufferSource(b));
    expect(facts).toMatchObject({ goBuildId: null, go: null, goos: 'aix', goarch: 'ppc64' });
  });
});

function indexOf(haystack: Uint8Array, needle: number[], from: number): number {
  const at = Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(
    Uint8Array.from(needle),
    from,
  );
  if (at === -1) throw new Error('not found');
  return at;
}

// ---------------------------------------------------------------- broken fixtures

describe('broken XCOFF fixtures', () => {
  it('each fails with the error its name says, and make.mjs rebuilds them byte for byte', async () => {
    await expectBrokenFixtures({
      folder: 'xcoff',
      ext: '.xcoff',
      parse: xcoffFacts,
      min: 6,
      format: 'xcoff',
      sameSet: true,
      phrase: true,
    });
  });
});

// ---------------------------------------------------------------- mutation

interface Patch {
  at: number;
  old: Uint8Array;
}

interface Mutation {
  what: string;
  input: Uint8Array;
  patches: Patch[];
}

/** Where the structures of one working copy are, for aimed mutations. */
interface Target {
  bytes: Uint8Array;
  is64: boolean;
  sectionTable: number;
  sectionCount: number;
  /** [name, offset, width] of every header, section and loader field worth forging. */
  fields: [string, number, 1 | 2 | 4 | 8][];
  regions: { name: string; start: number; end: number }[];
  loader: number | null;
  symbolTable: number;
  stringTable: number | null;
}

function targetOf(b: Uint8Array): Target {
  const x = readXcoff(new BufferSource(b));
  const is64 = x.is64;
  const header = is64 ? 24 : 20;
  const sectionTable = header + x.auxHeaderSize;
  const shsize = is64 ? 72 : 40;
  const fields: Target['fields'] = [
    ['f_magic', 0, 2],
    ['f_nscns', 2, 2],
    ['f_symptr', 8, is64 ? 8 : 4],
    ['f_nsyms', is64 ? 20 : 12, 4],
    ['f_opthdr', 16, 2],
    ['f_flags', 18, 2],
  ];
  if (x.aux) {
    const aux: [string, number, 1 | 2 | 4 | 8][] = is64
      ? [
          ['o_text_start', 8, 8],
          ['o_data_start', 16, 8],
          ['o_entry', 80, 8],
          ['o_snloader', 40, 2],
        ]
      : [
          ['o_entry', 16, 4],
          ['o_text_start', 20, 4],
          ['o_data_start', 24, 4],
        ];
    for (const [n, o, w] of aux) fields.push([n, header + o, w]);
  }
  const sectionFields: [string, number, 1 | 2 | 4 | 8][] = is64
    ? [
        ['s_vaddr', 16, 8],
        ['s_size', 24, 8],
        ['s_scnptr', 32, 8],
        ['s_flags', 64, 4],
      ]
    : [
        ['s_vaddr', 12, 4],
        ['s_size', 16, 4],
        ['s_scnptr', 20, 4],
        ['s_flags', 36, 4],
      ];
  x.sections.forEach((_, i) => {
    for (const [n, o, w] of sectionFields)
      fields.push([`section ${i} ${n}`, sectionTable + i * shsize + o, w]);
  });
  const loader = x.loader?.offset ?? null;
  if (loader !== null) {
    const loaderFields: [string, number, 1 | 2 | 4 | 8][] = is64
      ? [
          ['l_nsyms', 4, 4],
          ['l_nreloc', 8, 4],
          ['l_istlen', 12, 4],
          ['l_nimpid', 16, 4],
          ['l_stlen', 20, 4],
          ['l_impoff', 24, 8],
          ['l_stoff', 32, 8],
          ['l_symoff', 40, 8],
          ['l_rldoff', 48, 8],
        ]
      : [
          ['l_nsyms', 4, 4],
          ['l_nreloc', 8, 4],
          ['l_istlen', 12, 4],
          ['l_nimpid', 16, 4],
          ['l_impoff', 20, 4],
          ['l_stlen', 24, 4],
          ['l_stoff', 28, 4],
        ];
    for (const [n, o, w] of loaderFields) fields.push([n, loader + o, w]);
  }
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const regions = [
    { name: 'headers', start: 0, end: sectionTable + x.sections.length * shsize },
    ...x.sections
      .filter((s) => s.offset !== 0 && s.size !== 0)
      .map((s) => ({
        name: `${s.name} start`,
        start: s.offset,
        end: Math.min(s.offset + s.size, s.offset + 512),
      })),
  ];
  if (loader !== null) {
    const impoff = is64 ? Number(view.getBigUint64(loader + 24)) : view.getUint32(loader + 20);
    regions.push({ name: 'import file IDs', start: loader + impoff, end: loader + impoff + 80 });
  }
  const stringTable = x.stringTableSize !== null ? x.symbolTableOffset + x.symbolCount * 18 : null;
  if (stringTable !== null) fields.push(['string table size', stringTable, 4]);
  return {
    bytes: b,
    is64,
    sectionTable,
    sectionCount: x.sections.length,
    fields,
    regions,
    loader,
    symbolTable: x.symbolTableOffset,
    stringTable,
  };
}

function patchBytes(t: Target, at: number, values: number[], patches: Patch[]): void {
  if (at < 0 || at + values.length > t.bytes.length) return;
  patches.push({ at, old: t.bytes.slice(at, at + values.length) });
  t.bytes.set(values, at);
}

function setField(t: Target, at: number, width: 1 | 2 | 4 | 8, value: bigint, patches: Patch[]): void {
  const v = value & ((1n << BigInt(width * 8)) - 1n);
  const out: number[] = [];
  for (let i = width - 1; i >= 0; i--) out.push(Number((v >> BigInt(8 * i)) & 0xffn));
  patchBytes(t, at, out, patches);
}

function undo(t: Target, patches: Patch[]): void {
  for (let i = patches.length - 1; i >= 0; i--) {
    const p = patches[i] as Patch;
    t.bytes.set(p.old, p.at);
  }
}

function mutate(t: Target, rand: () => number): Mutation {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const int = (n: number) => Math.floor(rand() * n);
  const size = t.bytes.length;
  const value = (width: number): [string, bigint] => {
    const all = (1n << BigInt(width * 8)) - 1n;
    return pick<[string, bigint]>([
      ['0', 0n],
      ['all ones', all],
      ['0x7fff…', all >> 1n],
      ['random', (BigInt(int(2 ** 32)) * 2n ** 32n + BigInt(int(2 ** 32))) & all],
      ['small', BigInt(int(0x1000))],
      ['file size', BigInt(size)],
      ['near the end', BigInt(Math.max(0, size - int(64)))],
      ['inside', BigInt(int(size))],
      ['section table', BigInt(t.sectionTable)],
      ['+1', 1n],
    ]);
  };
  const patches: Patch[] = [];
  const kind = int(100);
  if (kind < 12) {
    const length = rand() < 0.5 ? int(Math.min(size, 0x1000)) : int(size);
    return { what: `truncate to ${length}`, input: t.bytes.subarray(0, length), patches };
  }
  let what: string;
  if (kind < 35) {
    const r = pick(t.regions);
    const at: number[] = [];
    for (let n = 1 + int(4); n > 0; n--) {
      const o = r.start + int(Math.max(1, r.end - r.start));
      at.push(o);
      patchBytes(t, o, [int(256)], patches);
    }
    what = `flip ${r.name} bytes at ${at.join(',')}`;
  } else if (kind < 80) {
    const parts: string[] = [];
    for (let n = 1 + int(2); n > 0; n--) {
      const [name, at, width] = pick(t.fields);
      const [label, v] =
        name === 'f_magic'
          ? pick<[string, bigint]>([
              ['32-bit', 0x1dfn],
              ['64-bit', 0x1f7n],
            ])
          : name.endsWith('s_flags')
            ? pick<[string, bigint]>([
                ['STYP_TEXT', 0x20n],
                ['STYP_DATA', 0x40n],
                ['STYP_BSS', 0x80n],
                ['STYP_LOADER', 0x1000n],
                ['STYP_DWARF|DWINFO', 0x10010n],
                ['STYP_OVRFLO', 0x8000n],
              ])
            : value(width);
      setField(t, at, width, v, patches);
      parts.push(`${name} = ${label} (0x${v.toString(16)})`);
    }
    what = parts.join('; ');
  } else if (kind < 88) {
    // Self-references: tables pointing at the headers or at each other.
    const choice = int(3);
    const word = t.is64 ? 8 : 4;
    if (choice === 0) {
      setField(t, 8, word as 4 | 8, BigInt(t.sectionTable), patches);
      what = 'f_symptr = section table';
    } else if (choice === 1 && t.loader !== null) {
      setField(t, t.loader + (t.is64 ? 24 : 20), word as 4 | 8, 0n, patches);
      what = 'l_impoff = 0 (the import IDs over the loader header)';
    } else {
      const i = int(t.sectionCount);
      setField(t, t.sectionTable + i * (t.is64 ? 72 : 40) + (t.is64 ? 32 : 20), word as 4 | 8, 0n, patches);
      what = `section ${i} s_scnptr = 0`;
    }
  } else if (kind < 94) {
    // The import file ID table: remove its NULs, or forge a count.
    const ids = t.regions.find((r) => r.name === 'import file IDs');
    if (ids && t.loader !== null) {
      patchBytes(t, ids.start, new Array(ids.end - ids.start).fill(0x41), patches);
      if (rand() < 0.5) setField(t, t.loader + 16, 4, BigInt(int(1 << 20)), patches);
      what = 'import file IDs without NULs';
    } else {
      patchBytes(t, int(Math.min(size, 0x200)), [0xff, 0xff, 0xff, 0xff], patches);
      what = 'stamp in the headers';
    }
  } else {
    // Build ID and build info: damage their delimiters and lengths.
    const start = pick(t.regions.filter((r) => r.name !== 'headers' && r.name !== 'import file IDs'));
    const o = start.start + int(Math.max(1, Math.min(64, start.end - start.start)));
    patchBytes(
      t,
      o,
      pick([[0xff], [0x22], [0x0a], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]]),
      patches,
    );
    what = `${start.name} delimiters at ${o}`;
  }
  return { what, input: t.bytes, patches };
}

describe('mutation', () => {
  const SEED = Number(process.env.CROSSGO_MUTATION_SEED ?? 0x5eedc0ff);
  const PER_TARGET = 2_600;
  const TARGETS = ['aix/ppc64', 'aix/ppc64 stripped', 'xcoff32 exec (yaml2obj)', 'xcoff32 object (llc)'];
  // Any other format's error would be a leak of an inner reader's error.
  const accept = (error: FormatError) => error.format === 'xcoff';
  const parseFacts = (src: ByteSource) => JSON.stringify(xcoffFacts(src));

  it(
    `${TARGETS.length * PER_TARGET} mutated files end in facts or FormatError('xcoff'), within the read budget`,
    () => {
      const r = runMutationCampaign({
        seed: SEED,
        perTarget: PER_TARGET,
        parse: parseFacts,
        accept,
        targets: TARGETS.map((name) => {
          const t = targetOf(bytes(name).slice());
          return { name, target: t, bytes: t.bytes, original: bytes(name), mutate, undo };
        }),
      });
      console.log(describeCampaign('xcoff', r));
      expect(r.failures).toEqual([]);
      expect(r.notRestored).toEqual([]);
      expect(r.count).toBe(TARGETS.length * PER_TARGET);
      // Both outcomes are common: the campaign reaches past the first checks.
      expect(r.refused).toBeGreaterThan(r.count / 10);
      expect(r.refused).toBeLessThan(r.count * 0.9);
    },
    CAMPAIGN_TEST_TIMEOUT_MS,
  );

  it('empty, tiny and random files end in a FormatError', () => {
    const rand = mulberry32(SEED ^ 0xabcdef);
    const seed = `seed 0x${(SEED ^ 0xabcdef).toString(16)}`;
    const inputs: Input[] = [
      { label: 'empty', input: new Uint8Array(0) },
      { label: 'magic only', input: Uint8Array.from([0x01, 0xf7]) },
      { label: '32-bit header only', input: Uint8Array.from([0x01, 0xdf, 0, 1, ...new Array(16).fill(0)]) },
    ];
    for (let i = 0; i < 400; i++) {
      const b = Uint8Array.from({ length: Math.floor(rand() * 4096) }, () => Math.floor(rand() * 256));
      if (i % 2 === 0 && b.length >= 2) b.set([0x01, i % 4 === 0 ? 0xdf : 0xf7]);
      inputs.push({
        label: `${seed} random ${i} (${b.length} bytes${i % 2 === 0 ? ', XCOFF magic' : ''})`,
        input: b,
      });
    }
    const r = runParseCampaign({ inputs, parse: parseFacts, accept });
    expect(r.failures).toEqual([]);
    // Random bytes after a magic can parse (a header with no sections is valid); without it, none does.
    expect(r.parsed.length).toBeLessThan(inputs.length / 2);
    expect(r.parsed.filter((label) => !label.endsWith('XCOFF magic)'))).toEqual([]);
    expect(() => xcoffFacts(new BufferSource(new Uint8Array(0)))).toThrow(FormatError);
  });

  it('forged counts cost nothing: 65,535 sections, 2^32-1 symbols, 2^32-1 import IDs', () => {
    const b = bytes('aix/ppc64 stripped');
    const forge = (at: number, values: number[]) => {
      const copy = b.slice();
      copy.set(values, at);
      return copy;
    };
    const loader = parse('aix/ppc64 stripped').loader?.offset ?? 0;
    for (const [label, input] of [
      ['f_nscns 65535', forge(2, [0xff, 0xff])],
      [
        'f_nsyms 2^32-1 at symptr 24',
        forge(8, [0, 0, 0, 0, 0, 0, 0, 24, 0, 0x78, 0, 2, 0xff, 0xff, 0xff, 0xff]),
      ],
      ['l_nimpid 2^32-1', forge(loader + 16, [0xff, 0xff, 0xff, 0xff])],
      ['l_istlen 2^32-1', forge(loader + 12, [0xff, 0xff, 0xff, 0xff])],
    ] as const) {
      const r = parseCounted(parseFacts, input, label, accept);
      expect(r.failure, label).toBeNull();
      expect(r.refused, label).toBe(true);
      // Refused from the header alone: nothing is read per forged entry.
      expect(r.reads, label).toBeLessThan(64);
    }
  });
});
