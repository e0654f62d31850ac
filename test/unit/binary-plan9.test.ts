import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../src/binary/errors.js';
import { FileSource } from '../../src/binary/fileSource.js';
import { inspectOne } from '../../src/binary/inspect.js';
import { plan9Facts } from '../../src/binary/plan9/facts.js';
import { type Plan9File, readPlan9 } from '../../src/binary/plan9/read.js';
import { detectFormat, readFacts } from '../../src/binary/read.js';
import { BufferSource } from '../../src/binary/source.js';
import type { BinaryFacts, GoBuildInfo } from '../../src/binary/types.js';
import { checkFacts } from '../../src/stages/verify/checks.js';
import { expectBrokenFixtures } from '../helpers/broken.js';
import { cleanupTemps, runTool, tempDir } from '../helpers/cli.js';
import { type CorpusSpec, corpusBinary } from '../helpers/corpus.js';
import {
  CAMPAIGN_TEST_TIMEOUT_MS,
  describeCampaign,
  runMutationCampaign,
  runParseCampaign,
} from '../helpers/mutation.js';
import { fileType } from '../helpers/oracles.js';
import { mulberry32 } from '../helpers/prng.js';

/**
 * The Plan 9 a.out reader against independent oracles on real Go binaries of every
 * architecture Go writes Plan 9 executables for (386, amd64, arm): Go's own debug/plan9obj
 * and debug/buildinfo through a small Go program, go version -m, go tool buildid and file(1);
 * then against mutated copies of them.
 */

interface Case {
  name: string;
  spec: CorpusSpec;
  want: { magic: number; bits: 32 | 64; fileArch: string | null };
}

const ARCHES = [
  // file(1) 5.44's magic names I_MAGIC and E_MAGIC but has no entry for S_MAGIC (amd64).
  { goarch: '386', magic: 0x1eb, bits: 32, fileArch: 'Intel 386' },
  { goarch: 'amd64', magic: 0x8a97, bits: 64, fileArch: null },
  { goarch: 'arm', magic: 0x647, bits: 32, fileArch: 'ARM 7-something' },
] as const;

const CASES: Case[] = ARCHES.flatMap(({ goarch, magic, bits, fileArch }) =>
  [false, true].map((strip) => ({
    name: `plan9/${goarch}${strip ? ' stripped' : ''}`,
    spec: { goos: 'plan9', goarch, strip },
    want: { magic, bits, fileArch },
  })),
);

// ---------------------------------------------------------------- the Go oracle

/**
 * Go's own readers, run on the host: debug/plan9obj for the header, sections and symbols
 * (with the values of a few runtime symbols, to check our addresses), debug/buildinfo for the
 * build info. One JSON line per file.
 */
const ORACLE = `package main

import (
	"debug/buildinfo"
	"debug/plan9obj"
	"encoding/json"
	"fmt"
	"os"
)

type section struct {
	Name   string
	Size   uint32
	Offset uint32
}

type report struct {
	File           string
	OpenError      string
	Magic          uint32
	Bss            uint32
	Entry          string
	PtrSize        int
	LoadAddress    string
	HdrSize        uint64
	Sections       []section
	Symbols        int
	SymbolsError   string
	Values         map[string]string
	EntrySymbol    string
	BuildInfo      any
	BuildInfoError string
}

var wanted = map[string]bool{
	"runtime.text": true, "runtime.etext": true, "go:buildinfo": true,
	"runtime.bss": true, "runtime.end": true, "runtime.edata": true,
}

func main() {
	out := json.NewEncoder(os.Stdout)
	for _, name := range os.Args[1:] {
		r := report{File: name, Values: map[string]string{}}
		if f, err := plan9obj.Open(name); err != nil {
			r.OpenError = err.Error()
		} else {
			r.Magic, r.Bss, r.PtrSize, r.HdrSize = f.Magic, f.Bss, f.PtrSize, f.HdrSize
			r.Entry, r.LoadAddress = fmt.Sprintf("%#x", f.Entry), fmt.Sprintf("%#x", f.LoadAddress)
			for _, s := range f.Sections {
				r.Sections = append(r.Sections, section{s.Name, s.Size, s.Offset})
			}
			if syms, err := f.Symbols(); err != nil {
				r.SymbolsError = err.Error()
			} else {
				r.Symbols = len(syms)
				for _, s := range syms {
					if wanted[s.Name] {
						r.Values[s.Name] = fmt.Sprintf("%#x", s.Value)
					}
					if (s.Type == 'T' || s.Type == 't') && s.Value == f.Entry && r.EntrySymbol == "" {
						r.EntrySymbol = s.Name
					}
				}
			}
			f.Close()
		}
		if info, err := buildinfo.ReadFile(name); err != nil {
			r.BuildInfoError = err.Error()
		} else {
			r.BuildInfo = info
		}
		out.Encode(r)
	}
}
`;

interface GoModuleJson {
  Path: string;
  Version: string;
  Sum?: string;
  Replace?: GoModuleJson;
}

interface OracleReport {
  File: string;
  OpenError: string;
  Magic: number;
  Bss: number;
  Entry: string;
  PtrSize: number;
  LoadAddress: string;
  HdrSize: number;
  Sections: { Name: string; Size: number; Offset: number }[] | null;
  Symbols: number;
  SymbolsError: string;
  Values: Record<string, string>;
  EntrySymbol: string;
  BuildInfo: {
    GoVersion: string;
    Path: string;
    Main: GoModuleJson;
    Deps: GoModuleJson[] | null;
    Settings: { Key: string; Value: string }[] | null;
  } | null;
  BuildInfoError: string;
}

let oracleBin = '';

/** The environment for the host-side go commands: the host's GOOS/GOARCH, no go env file. */
function hostGoEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GOENV: 'off',
    GOFLAGS: '-buildvcs=false',
    CGO_ENABLED: '0',
  };
  delete env.GOOS;
  delete env.GOARCH;
  return env;
}

async function buildOracle(): Promise<string> {
  const dir = await tempDir('crossgo-plan9-oracle-');
  await writeFile(path.join(dir, 'go.mod'), 'module plan9oracle\n\ngo 1.21\n');
  await writeFile(path.join(dir, 'main.go'), ORACLE);
  const bin = path.join(dir, 'oracle');
  const built = await runTool('go', ['build', '-o', bin, '.'], { cwd: dir, env: hostGoEnv() });
  if (built.code !== 0) throw new Error(`building the Go oracle: ${built.stderr}`);
  return bin;
}

async function oracle(files: string[]): Promise<OracleReport[]> {
  const result = await runTool(oracleBin, files);
  if (result.code !== 0) throw new Error(`the Go oracle: ${result.stderr}`);
  const reports = result.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as OracleReport);
  expect(reports.map((r) => r.File)).toEqual(files);
  return reports;
}

// ---------------------------------------------------------------- go version -m

interface GoVersionM {
  version: string;
  body: string[];
}

function parseGoVersionM(text: string, file: string): GoVersionM {
  const lines = text.split('\n').filter((l) => l !== '');
  const first = lines[0] ?? '';
  expect(first.startsWith(`${file}: `)).toBe(true);
  return { version: first.slice(file.length + 2), body: lines.slice(1).map((l) => l.replace(/^\t/, '')) };
}

/** go version -m's lines for our build info (the corpus has no values Go would quote). */
function renderGoVersionM(go: GoBuildInfo): string[] {
  // go version -m prints the sum column even when empty: "mod\tpath\t(devel)\t".
  const mod = (m: { path: string; version: string; sum: string }) => `${m.path}\t${m.version}\t${m.sum}`;
  return [
    `path\t${go.path}`,
    ...(go.main ? [`mod\t${mod(go.main)}`] : []),
    ...go.deps.map((d) => `dep\t${mod(d)}`),
    ...Object.entries(go.settings).map(([k, v]) => `build\t${k}=${v}`),
  ];
}

/** debug/buildinfo's BuildInfo in our shape. */
function fromGo(info: NonNullable<OracleReport['BuildInfo']>): GoBuildInfo {
  const mod = (m: GoModuleJson): GoBuildInfo['deps'][number] => ({
    // debug.Module's JSON omits an empty Sum and a nil Replace.
    path: m.Path,
    version: m.Version,
    sum: m.Sum ?? '',
    replace: m.Replace ? mod(m.Replace) : null,
  });
  return {
    version: info.GoVersion,
    path: info.Path,
    main: info.Main.Path === '' ? null : mod(info.Main),
    deps: (info.Deps ?? []).map(mod),
    settings: Object.fromEntries((info.Settings ?? []).map((s) => [s.Key, s.Value])),
  };
}

/**
 * A copy whose data starts at a 16-byte aligned file offset: `pad` zero bytes appended to the
 * text, and the text size grown by as much. debug/buildinfo takes the data's file offset for
 * its address (plan9objExe.DataStart), so only then does its 16-byte alignment test let it
 * find the build info on 386 and arm. The kernel's addresses do not move (the data still
 * starts at the next page), and the inline build info has no pointers to go stale.
 */
function realigned(bytes: Uint8Array): { bytes: Uint8Array; pad: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = view.getUint32(0) & 0x8000 ? 40 : 32;
  const text = view.getUint32(4);
  const pad = (16 - ((header + text) % 16)) % 16;
  const copy = new Uint8Array(bytes.length + pad);
  copy.set(bytes.subarray(0, header + text), 0);
  copy.set(bytes.subarray(header + text), header + text + pad);
  new DataView(copy.buffer).setUint32(4, text + pad);
  return { bytes: copy, pad };
}

// ---------------------------------------------------------------- the corpus

interface Built {
  file: string;
  bytes: Uint8Array;
  facts: BinaryFacts;
  plan9: Plan9File;
  go: OracleReport;
  fileType: string;
  buildId: string;
  goVersion: { code: number; stdout: string; stderr: string };
  realigned: { file: string; pad: number; facts: BinaryFacts; go: OracleReport; goVersion: GoVersionM };
}

const built = new Map<string, Built>();

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

function factsOfFile(file: string): BinaryFacts {
  const src = FileSource.open(file);
  try {
    // Through readFacts, as crossgo inspect reads a path: detection included.
    return readFacts(src);
  } finally {
    src.close();
  }
}

beforeAll(async () => {
  const [files, bin] = await Promise.all([mapLimit(CASES, 2, (c) => corpusBinary(c.spec)), buildOracle()]);
  oracleBin = bin;
  const copies = await tempDir('crossgo-plan9-realigned-');
  const prepared = await Promise.all(
    CASES.map(async (c, i) => {
      const file = files[i] as string;
      const bytes = new Uint8Array(await readFile(file));
      const copy = realigned(bytes);
      const copyFile = path.join(copies, path.basename(file));
      await writeFile(copyFile, copy.bytes);
      return { c, file, bytes, copy, copyFile };
    }),
  );
  const reports = await oracle(prepared.flatMap((p) => [p.file, p.copyFile]));
  await mapLimit(
    prepared.map((p, k) => ({ ...p, k })),
    3,
    async ({ c, file, bytes, copy, copyFile, k }) => {
      const [type, buildId, goVersion, copyGoVersion] = await Promise.all([
        fileType(file),
        tool('go', ['tool', 'buildid', file]),
        runTool('go', ['version', '-m', file]),
        tool('go', ['version', '-m', copyFile]),
      ]);
      built.set(c.name, {
        file,
        bytes,
        facts: factsOfFile(file),
        plan9: readPlan9(new BufferSource(bytes)),
        go: reports[2 * k] as OracleReport,
        fileType: type,
        buildId: buildId.trim(),
        goVersion,
        realigned: {
          file: copyFile,
          pad: copy.pad,
          facts: factsOfFile(copyFile),
          go: reports[2 * k + 1] as OracleReport,
          goVersion: parseGoVersionM(copyGoVersion, copyFile),
        },
      });
    },
  );
}, 600_000);

afterAll(cleanupTemps);

function get(name: string): Built {
  const b = built.get(name);
  if (!b) throw new Error(`${name} was not built`);
  return b;
}

const section = (facts: BinaryFacts, name: string) => {
  const s = facts.sections.find((x) => x.name === name);
  if (!s) throw new Error(`no ${name} section`);
  return { ...s, address: BigInt(s.address) };
};

describe.each(CASES)('$name', ({ name, spec, want }) => {
  it('is detected as plan9 and matches debug/plan9obj: magic, header, sections, symbol count', () => {
    const { facts, plan9, go, bytes } = get(name);
    expect(detectFormat(bytes.subarray(0, 8))).toBe('plan9');
    expect(go.OpenError).toBe('');
    expect(plan9.magic).toBe(go.Magic);
    expect(plan9.magic).toBe(want.magic);
    expect(facts.format).toBe('plan9');
    expect(facts.bits).toBe(go.PtrSize * 8);
    expect(facts.bits).toBe(want.bits);
    expect(facts.entry).toBe(go.Entry);
    expect(plan9.headerSize).toBe(go.HdrSize);
    expect(plan9.bss).toBe(go.Bss);
    // The text is mapped right after the header, at UTZERO (debug/plan9obj LoadAddress).
    expect(section(facts, 'text').address).toBe(BigInt(go.LoadAddress) + BigInt(go.HdrSize));
    // Every section Go lists, with its size and file offset, in Go's order; ours adds bss
    // (not in the file) after the data.
    expect(facts.sections.map((s) => s.name)).toEqual(['text', 'data', 'bss', 'syms', 'spsz', 'pcsz']);
    expect(
      facts.sections
        .filter((s) => s.name !== 'bss')
        .map((s) => ({ Name: s.name, Size: s.size, Offset: s.offset })),
    ).toEqual(go.Sections);
    expect(section(facts, 'bss')).toMatchObject({ size: go.Bss, offset: 0 });

    expect(go.SymbolsError).toBe('');
    expect(facts.symbols).toBe(go.Symbols);
    expect(facts.stripped).toBe(go.Symbols === 0);
    expect(facts.stripped).toBe(spec.strip === true);
    if (!spec.strip) expect(facts.symbols).toBeGreaterThan(1000);
  });

  it('places text, data and bss where the symbol table says they are', () => {
    const { facts, go, bytes } = get(name);
    if (spec.strip) {
      // No symbols to check against; the stripped build has the unstripped one's layout.
      const full = get(name.replace(' stripped', '')).facts;
      expect(facts.sections.slice(0, 3)).toEqual(full.sections.slice(0, 3));
      return;
    }
    const value = (n: string) => {
      const v = go.Values[n];
      if (v === undefined) throw new Error(`no symbol ${n}`);
      return BigInt(v);
    };
    const text = section(facts, 'text');
    const data = section(facts, 'data');
    const bss = section(facts, 'bss');
    // The entry is the port's rt0 (runtime/rt0_plan9_<arch>.s).
    expect(go.EntrySymbol).toBe(`_rt0_${spec.goarch}_plan9`);
    // runtime.text is the first function, at most one alignment unit past the header.
    expect(value('runtime.text') >= text.address && value('runtime.text') < text.address + 64n).toBe(true);
    expect(value('runtime.etext') <= text.address + BigInt(text.size)).toBe(true);
    // go:buildinfo is in the data; the file bytes our mapping gives for its address are the magic.
    const at = value('go:buildinfo') - data.address;
    expect(at >= 0n && at < BigInt(data.size)).toBe(true);
    const offset = data.offset + Number(at);
    expect(Buffer.from(bytes.subarray(offset, offset + 14)).toString('latin1')).toBe('\xff Go buildinf:');
    // The bss follows the data's bytes and ends where the runtime's memory ends.
    expect(value('runtime.edata') <= bss.address).toBe(true);
    expect(bss.address).toBe(value('runtime.bss'));
    expect(bss.address + BigInt(bss.size)).toBe(value('runtime.end'));
  });

  it('matches go tool buildid', () => {
    const { facts, buildId } = get(name);
    expect(buildId).not.toBe('');
    expect(facts.goBuildId).toBe(buildId);
  });

  it('matches file(1): a Plan 9 executable of the same machine', () => {
    const { fileType: type } = get(name);
    if (want.fileArch === null) {
      // No magic entry for S_MAGIC: file calls it data. Should a newer file know it, it
      // must name amd64.
      if (type.startsWith('Plan 9 executable')) expect(type).toMatch(/amd64|x86-64|AMD64/);
      else expect(type).toBe('data');
    } else expect(type).toBe(`Plan 9 executable, ${want.fileArch}`);
  });

  it('matches go version -m and debug/buildinfo (on a copy realigned for them where they cannot)', () => {
    const { facts, go, goVersion, realigned: copy } = get(name);
    const info = facts.go;
    if (!info) throw new Error('no build info');
    if (spec.goarch === 'amd64') {
      // Text and header end 16-byte aligned in the file: Go finds the build info itself.
      expect(copy.pad).toBe(0);
      expect(goVersion.code).toBe(0);
      expect(go.BuildInfoError).toBe('');
      const direct = parseGoVersionM(goVersion.stdout, get(name).file);
      expect(info.version).toBe(direct.version);
      expect(renderGoVersionM(info)).toEqual(direct.body);
    } else {
      // debug/buildinfo searches 16-aligned *file offsets* (plan9objExe.DataStart returns the
      // data's Offset): here the data starts 8 bytes off, so Go finds nothing. We do.
      expect(copy.pad).toBe(8);
      expect(goVersion.code).toBe(1);
      expect(goVersion.stderr).toContain('not a Go executable');
      expect(go.BuildInfoError).toContain('not a Go executable');
    }
    // On the realigned copy Go reads it; every field is ours, and ours did not change.
    expect(copy.go.BuildInfoError).toBe('');
    expect(info).toEqual(fromGo(copy.go.BuildInfo as NonNullable<OracleReport['BuildInfo']>));
    expect(Object.keys(info.settings)).toEqual((copy.go.BuildInfo?.Settings ?? []).map((s) => s.Key));
    expect(info.version).toBe(copy.goVersion.version);
    expect(renderGoVersionM(info)).toEqual(copy.goVersion.body);
    expect(copy.facts.go).toEqual(info);
    expect(copy.facts.goBuildId).toBe(facts.goBuildId);
  });

  it('takes GOOS from the build info and GOARCH from the magic', () => {
    const { facts } = get(name);
    expect(facts.goos).toBe('plan9');
    expect(facts.go?.settings.GOOS).toBe('plan9');
    expect(facts.goarch).toBe(spec.goarch);
    expect(facts.go?.settings.GOARCH).toBe(spec.goarch);
    // What Plan 9 fixes: nothing linked, no DWARF from Go's linker, the machine's byte order.
    expect(facts).toMatchObject({
      type: 'exec',
      static: true,
      interpreter: null,
      libraries: [],
      dwarf: false,
      endian: 'little',
    });
  });

  it('crossgo inspect reports it as plan9, and verify passes it for its target', () => {
    const { file, facts, bytes } = get(name);
    const outcome = inspectOne(file, path.basename(file), true);
    if (!outcome.ok) throw new Error(outcome.error.message);
    expect(outcome.inspection).toEqual({ file: path.basename(file), size: bytes.length, ...facts });
    const checks = checkFacts(facts, bytes.length, {
      target: { goos: 'plan9', goarch: spec.goarch, variant: null },
      cgo: false,
      stripped: spec.strip === true,
    });
    const ran = checks.filter((c) => c.status !== 'skip');
    expect(ran.map((c) => c.name)).toEqual(
      expect.arrayContaining(['format', 'machine', 'static', ...(spec.strip ? ['stripped'] : [])]),
    );
    for (const c of ran) expect(c, c.name).toMatchObject({ status: 'pass' });
    expect(checks.find((c) => c.name === 'format')?.detail).toBe('plan9');
  });

  it('without build info: goos plan9 and goarch from the magic all the same', () => {
    const { bytes } = get(name);
    const copy = bytes.slice();
    const magic = Buffer.from(copy.buffer).indexOf(Buffer.from('\xff Go buildinf:', 'latin1'));
    expect(magic).toBeGreaterThan(0);
    copy[magic] = 0;
    const facts = plan9Facts(new BufferSource(copy));
    expect(facts.go).toBeNull();
    expect(facts.goos).toBe('plan9');
    expect(facts.goarch).toBe(spec.goarch);
  });
});

// ---------------------------------------------------------------- the symbol table, differentially

/** The symbol table's place in a corpus binary. */
function symtab(bytes: Uint8Array): { start: number; size: number; header: number; ptrSize: 4 | 8 } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = view.getUint32(0) & 0x8000 ? 40 : 32;
  return {
    start: header + view.getUint32(4) + view.getUint32(8),
    size: view.getUint32(16),
    header,
    ptrSize: header === 40 ? 8 : 4,
  };
}

/**
 * Where the entries of an intact table start, to aim mutations at type bytes and ends (Go's
 * linker writes only value, type | 0x80, NUL-terminated name). Only aims: what a mutated
 * table holds is judged by Go.
 */
function entryStarts(bytes: Uint8Array, t: ReturnType<typeof symtab>): number[] {
  const starts: number[] = [];
  let p = t.start;
  while (p + t.ptrSize + 1 < t.start + t.size) {
    starts.push(p);
    p = bytes.indexOf(0, p + t.ptrSize + 1) + 1;
  }
  return starts;
}

describe('symbol table', () => {
  it('mutated tables: our count or FormatError is exactly debug/plan9obj Symbols()', async () => {
    const rand = mulberry32(0x9_5e7);
    const int = (n: number) => Math.floor(rand() * n);
    const dir = await tempDir('crossgo-plan9-symtab-');
    const cases: { file: string; what: string; bytes: Uint8Array }[] = [];
    for (const a of ARCHES) {
      const { bytes, facts } = get(`plan9/${a.goarch}`);
      const t = symtab(bytes);
      const starts = entryStarts(bytes, t);
      expect(starts.length).toBe(facts.symbols);
      for (let i = 0; i < 80; i++) {
        const copy = bytes.slice();
        const view = new DataView(copy.buffer);
        const k = int(starts.length - 1);
        const entry = starts[k] as number;
        const type = entry + t.ptrSize;
        let what: string;
        switch (i % 8) {
          case 0: {
            const at = t.start + int(t.size);
            copy[at] = int(256);
            what = `random byte at ${at}`;
            break;
          }
          case 1: {
            // A file path ('z') with a code no 'f' entry defined (Go counts it all the same).
            copy.set([0xfa, 0, int(256), int(256), 0, 0], type);
            what = `entry ${k} is a 'z'`;
            break;
          }
          case 2: {
            // A 'Z' with no codes at all: a double NUL right after its leading NUL.
            copy.set([0xda, 0, 0, 0], type);
            what = `entry ${k} is an empty 'Z'`;
            break;
          }
          case 3: {
            // 'f' defines a file code (its value's low 16 bits), a later 'z' uses it.
            const later = starts[k + 1] as number;
            copy[type] = 0xe6;
            copy.set([0xfa, 0, copy[type - 2] as number, copy[type - 1] as number, 0, 0], later + t.ptrSize);
            what = `entry ${k} is an 'f', entry ${k + 1} a 'z' naming it`;
            break;
          }
          case 4:
          case 5: {
            // The table cut at or just after an entry's start: no value, no type, no NUL.
            const size = entry - t.start + int(t.ptrSize + 3);
            view.setUint32(16, size);
            what = `syms = ${size} (entry ${k} at ${entry - t.start})`;
            break;
          }
          case 6: {
            const at = t.start + int(t.size);
            copy.fill(0, at, Math.min(at + 1 + int(16), t.start + t.size));
            what = `NULs at ${at}`;
            break;
          }
          default: {
            // The last name left unterminated: Go accepts a name that runs to the table's end.
            view.setUint32(16, t.size - 1 - int(2));
            what = 'last name cut';
          }
        }
        const file = path.join(dir, `${a.goarch}-${i}`);
        await writeFile(file, copy);
        cases.push({ file, what, bytes: copy });
      }
    }
    const reports = await oracle(cases.map((c) => c.file));
    let errors = 0;
    for (const [i, c] of cases.entries()) {
      const go = reports[i] as OracleReport;
      const label = `${path.basename(c.file)}: ${c.what}: Go says ${go.SymbolsError || go.Symbols}`;
      let ours: number | FormatError;
      try {
        ours = readPlan9(new BufferSource(c.bytes)).symbols;
      } catch (error) {
        if (!(error instanceof FormatError)) throw error;
        ours = error;
      }
      if (go.SymbolsError === '') expect(ours, label).toBe(go.Symbols);
      else {
        errors++;
        expect(ours, label).toBeInstanceOf(FormatError);
        expect((ours as FormatError).message, label).toContain('symbol table');
      }
    }
    // Both outcomes were exercised (Go refuses little: only a value, type or 'z' name cut short).
    expect(errors).toBeGreaterThanOrEqual(10);
    expect(errors).toBeLessThan(cases.length / 2);
  }, 120_000);
});

// ---------------------------------------------------------------- mutation

interface Target {
  name: string;
  bytes: Uint8Array;
  view: DataView;
  header: number;
  text: number;
  data: number;
  syms: number;
  symStart: number;
  buildinfo: number;
}

interface Patch {
  at: number;
  old: Uint8Array;
}

function target(name: string, bytes: Uint8Array): Target {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const t = symtab(bytes);
  return {
    name,
    bytes,
    view,
    header: t.header,
    text: view.getUint32(4),
    data: view.getUint32(8),
    syms: t.size,
    symStart: t.start,
    buildinfo: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).indexOf(
      Buffer.from('\xff Go buildinf:', 'latin1'),
    ),
  };
}

function patchBytes(t: Target, at: number, bytes: number[], patches: Patch[]): void {
  if (at < 0 || at + bytes.length > t.bytes.length) return;
  patches.push({ at, old: t.bytes.slice(at, at + bytes.length) });
  t.bytes.set(bytes, at);
}

function setU32(t: Target, at: number, value: number, patches: Patch[]): void {
  const v = value >>> 0;
  patchBytes(t, at, [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff], patches);
}

function undo(t: Target, patches: Patch[]): void {
  for (let i = patches.length - 1; i >= 0; i--) {
    const p = patches[i] as Patch;
    t.bytes.set(p.old, p.at);
  }
}

const HEADER_FIELDS: [string, number][] = [
  ['magic', 0],
  ['text', 4],
  ['data', 8],
  ['bss', 12],
  ['syms', 16],
  ['entry', 20],
  ['spsz', 24],
  ['pcsz', 28],
];

function mutate(t: Target, rand: () => number): { input: Uint8Array; patches: Patch[]; what: string } {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const int = (n: number) => Math.floor(rand() * n);
  const patches: Patch[] = [];
  const kind = int(100);
  if (kind < 12) {
    const length = rand() < 0.5 ? int(Math.min(t.bytes.length, 0x200)) : int(t.bytes.length);
    return { what: `truncate to ${length}`, input: t.bytes.subarray(0, length), patches };
  }
  let what: string;
  if (kind < 45) {
    const [name, at] = pick(HEADER_FIELDS);
    const current = t.view.getUint32(at);
    const [label, v] = pick<[string, number]>(
      name === 'magic'
        ? [
            ['386', 0x1eb],
            ['amd64', 0x8a97],
            ['arm', 0x647],
            ['68020', 0x107],
            ['arm64 (R_MAGIC)', 0x8c47],
            ['random', int(2 ** 32)],
          ]
        : [
            ['0', 0],
            ['all ones', 0xffffffff],
            ['random', int(2 ** 32)],
            ['small', int(0x1000)],
            ['file size', t.bytes.length - int(64)],
            ['+1', current + 1],
            ['-1', current - 1],
            ['text', t.text],
            ['data', t.data],
            ['syms', t.syms],
            ['0x7fffffff', 0x7fffffff],
          ],
    );
    setU32(t, at, v, patches);
    what = `${name} = ${label} (0x${(v >>> 0).toString(16)})`;
  } else if (kind < 50 && t.header === 40) {
    // amd64's 64-bit entry after the header.
    const hi = pick([0, 0xffffffff, int(2 ** 32)]);
    const lo = pick([0, 0x200028, int(2 ** 32), t.view.getUint32(36) + 1]);
    setU32(t, 32, hi, patches);
    setU32(t, 36, lo, patches);
    what = `64-bit entry = 0x${hi.toString(16)}${lo.toString(16).padStart(8, '0')}`;
  } else if (kind < 75 && t.syms > 0) {
    // The symbol table: flips, type bytes, NULs and long runs without one.
    const at = t.symStart + int(t.syms);
    const choice = int(5);
    if (choice === 0) {
      const flips = 1 + int(4);
      for (let i = 0; i < flips; i++) patchBytes(t, t.symStart + int(t.syms), [int(256)], patches);
      what = `flip ${flips} symbol bytes from ${at}`;
    } else if (choice === 1) {
      patchBytes(t, at, [pick([0xfa, 0xda, 0xe6, 0x7a, 0x5a, 0x80, 0])], patches);
      what = `symbol type byte at ${at}`;
    } else if (choice === 2) {
      patchBytes(t, at, new Array(1 + int(512)).fill(pick([0xff, 0x41])), patches);
      what = `run without NUL at ${at}`;
    } else if (choice === 3) {
      patchBytes(t, at, [0xfa, 0, int(256), int(256), int(256), int(256), 0, 0], patches);
      what = `z symbol with random codes at ${at}`;
    } else {
      patchBytes(t, at, new Array(1 + int(64)).fill(0), patches);
      what = `zeros at ${at}`;
    }
  } else if (kind < 85) {
    // The build ID at the start of the text.
    const at = t.header + int(0x80);
    patchBytes(t, at, [pick([0xff, 0x22, 0x0a, 0x20, 0, 0x5c, int(256)])], patches);
    what = `build ID byte at ${at}`;
  } else if (kind < 95 && t.buildinfo > 0) {
    // The build info header and its varints.
    const field = pick([14, 15, 32, 33]);
    patchBytes(t, t.buildinfo + field, [field === 15 ? pick([0, 1, 2, 3, int(256)]) : int(256)], patches);
    if (field === 32 && rand() < 0.5) patchBytes(t, t.buildinfo + 33, new Array(10).fill(0xff), patches);
    what = `build info byte ${field}`;
  } else {
    const at: number[] = [];
    for (let i = 0; i < 3; i++) {
      const base = int(Math.min(0x10000, t.bytes.length));
      at.push(base);
      patchBytes(t, base, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], patches);
    }
    what = `stamp 0xff…7f at ${at.join(',')}`;
  }
  return { what, input: t.bytes, patches };
}

describe('mutation', () => {
  const SEED = Number(process.env.CROSSGO_MUTATION_SEED ?? 0x9_1a_e9);
  const PER_TARGET = 2_600;
  const TARGETS = ['plan9/386', 'plan9/amd64', 'plan9/arm', 'plan9/amd64 stripped'];

  it(
    `${TARGETS.length * PER_TARGET} mutated binaries end in a result or a FormatError, within the read budget`,
    () => {
      const r = runMutationCampaign({
        seed: SEED,
        perTarget: PER_TARGET,
        parse: (src) => readFacts(src),
        targets: TARGETS.map((name) => {
          const b = get(name);
          const t = target(name, b.bytes.slice());
          return { name, target: t, bytes: t.bytes, original: b.bytes, mutate, undo };
        }),
      });
      console.log(describeCampaign('plan9', r));
      expect(r.failures).toEqual([]);
      expect(r.notRestored).toEqual([]);
      expect(r.count).toBe(TARGETS.length * PER_TARGET);
      // Some inputs are refused, some still read: the mutations reach past the header checks.
      expect(r.refused).toBeGreaterThan(r.count / 10);
      expect(r.parsed.length).toBeGreaterThan(0);
    },
    CAMPAIGN_TEST_TIMEOUT_MS,
  );

  it('FormatErrors from mutated inputs are plan9 errors, and the ones detected as something else are not plan9', () => {
    const t = target('plan9/386', get('plan9/386').bytes.slice());
    const rand = mulberry32(SEED ^ 0x1234);
    for (let i = 0; i < 500; i++) {
      const m = mutate(t, rand);
      try {
        readFacts(new BufferSource(m.input));
      } catch (error) {
        if (!(error instanceof FormatError)) throw error;
        const detected = detectFormat(m.input.subarray(0, 8));
        expect(error.format, m.what).toBe(detected === 'plan9' ? 'plan9' : 'unknown');
      } finally {
        undo(t, m.patches);
      }
    }
  });

  it('empty, tiny and random files end in a FormatError', () => {
    const rand = mulberry32(SEED ^ 0xabcdef);
    const magics = [0x1eb, 0x8a97, 0x647];
    const inputs: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['magic only', Uint8Array.from([0, 0, 1, 0xeb])],
      [
        'amd64 header without its 64-bit entry',
        Uint8Array.from([0, 0, 0x8a, 0x97, ...new Array(28).fill(0)]),
      ],
    ];
    for (let i = 0; i < 300; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(rand() * 4096) }, () => Math.floor(rand() * 256));
      if (bytes.length >= 4) new DataView(bytes.buffer).setUint32(0, magics[i % 3] as number);
      inputs.push([`random ${i} (${bytes.length} bytes)`, bytes]);
    }
    const seed = `seed 0x${(SEED ^ 0xabcdef).toString(16)}`;
    const r = runParseCampaign({
      inputs: inputs.map(([label, input]) => ({ label: `${seed} ${label}`, input })),
      parse: (src) => plan9Facts(src),
    });
    expect(r.failures).toEqual([]);
    expect(r.parsed).toEqual([]);
    expect(r.refused).toBe(inputs.length);
  });
});

// ---------------------------------------------------------------- broken fixtures

describe('broken fixtures', () => {
  it('each fails with the error its name says, and make.mjs rebuilds them byte for byte', async () => {
    await expectBrokenFixtures({
      folder: 'plan9',
      ext: '.plan9',
      parse: plan9Facts,
      min: 4,
      format: 'plan9',
      sameSet: true,
    });
  });
});
