import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../src/binary/errors.js';
import { verifyCodeSignature } from '../../src/binary/macho/codesign.js';
import { fatFacts, machoFacts } from '../../src/binary/macho/facts.js';
import { readFat } from '../../src/binary/macho/fat.js';
import { type MachoFile, readMacho } from '../../src/binary/macho/read.js';
import { BufferSource, type ByteSource } from '../../src/binary/source.js';
import type { BinaryFacts } from '../../src/binary/types.js';
import { cleanupTemps, FIXTURES, runTool, tempDir } from '../helpers/cli.js';
import { corpusBinary } from '../helpers/corpus.js';
import {
  CAMPAIGN_TEST_TIMEOUT_MS,
  type CampaignResult,
  describeCampaign,
  type Mutation as HelperMutation,
  type Input,
  runMutationCampaign,
  runParseCampaign,
} from '../helpers/mutation.js';
import { fileType, llvmTool } from '../helpers/oracles.js';
import { mulberry32 } from '../helpers/prng.js';

const BROKEN = path.join(FIXTURES, 'broken', 'macho');

interface Corpus {
  path: string;
  bytes: Uint8Array;
}

const corpus: Record<string, Corpus> = {};
const THIN = ['amd64', 'amd64-stripped', 'arm64', 'arm64-stripped'] as const;

async function load(file: string): Promise<Corpus> {
  return { path: file, bytes: new Uint8Array(await readFile(file)) };
}

function get(name: string): Corpus {
  const c = corpus[name];
  if (!c) throw new Error(`corpus binary ${name} was not built`);
  return c;
}

beforeAll(async () => {
  const built = await Promise.all(
    THIN.map((name) =>
      corpusBinary({
        goos: 'darwin',
        goarch: name.split('-')[0] as string,
        strip: name.endsWith('-stripped'),
      }),
    ),
  );
  for (const [i, name] of THIN.entries()) corpus[name] = await load(built[i] as string);
  // A universal binary of the two stripped binaries, as lipo makes it.
  const dir = await tempDir('crossgo-macho-');
  const fat = path.join(dir, 'fat');
  const lipo = await runTool(llvmTool('llvm-lipo'), [
    '-create',
    get('amd64-stripped').path,
    get('arm64-stripped').path,
    '-output',
    fat,
  ]);
  if (lipo.code !== 0) throw new Error(`llvm-lipo: ${lipo.stderr}`);
  corpus.fat = await load(fat);
});

afterAll(cleanupTemps);

// ---------------------------------------------------------------------------------------------
// Oracles: llvm-objdump, llvm-readobj, llvm-nm, llvm-lipo, file, go version -m, go tool buildid.

interface ObjdumpCommand {
  cmd: string;
  fields: Map<string, string>;
  sections: Map<string, string>[];
  text: string;
}

interface ObjdumpHeaders {
  header: string[];
  commands: ObjdumpCommand[];
}

/** `llvm-objdump --macho --private-headers`: the Mach header row and each load command's "key value" lines. */
async function objdumpHeaders(file: string, arch?: string): Promise<ObjdumpHeaders> {
  const args = ['--macho', '--private-headers', ...(arch ? [`--arch=${arch}`] : []), file];
  const result = await runTool(llvmTool('llvm-objdump'), args);
  if (result.code !== 0) throw new Error(`llvm-objdump: ${result.stderr}`);
  const lines = result.stdout.split('\n');
  const headerAt = lines.findIndex((l) => l.startsWith('Mach header'));
  const header = (lines[headerAt + 2] ?? '').trim().split(/\s+/);
  const commands: ObjdumpCommand[] = [];
  let current: Map<string, string> | null = null;
  for (const line of lines.slice(headerAt + 3)) {
    if (/^Load command \d+$/.test(line)) {
      const command: ObjdumpCommand = { cmd: '', fields: new Map(), sections: [], text: '' };
      commands.push(command);
      current = command.fields;
      continue;
    }
    const command = commands.at(-1);
    if (!command) continue;
    command.text += `${line}\n`;
    if (line === 'Section') {
      current = new Map();
      command.sections.push(current);
      continue;
    }
    const match = /^\s*(\S+) (.*)$/.exec(line);
    if (match && current && !current.has(match[1] as string))
      current.set(match[1] as string, (match[2] as string).trim());
    if (match?.[1] === 'cmd' && current === command.fields) command.cmd = (match[2] as string).trim();
  }
  return { header, commands };
}

function field(map: Map<string, string> | undefined, key: string): string {
  const value = map?.get(key);
  if (value === undefined) throw new Error(`llvm-objdump printed no ${key}`);
  return value;
}

const OBJDUMP_CPU: Record<string, string> = { amd64: 'X86_64', arm64: 'ARM64' };
const PROT: Record<string, number> = { r: 1, w: 2, x: 4 };
function prot(text: string): number {
  return [...text].reduce((n, c) => n | (PROT[c] ?? 0), 0);
}

/** Every load command llvm-objdump prints, compared with what readMacho and the facts say. */
async function compareWithObjdump(
  file: MachoFile,
  facts: BinaryFacts,
  binary: string,
  arch?: string,
): Promise<void> {
  const dump = await objdumpHeaders(binary, arch);
  const [magic, cputype, , , filetype, ncmds, sizeofcmds, ...flags] = dump.header;
  expect(magic).toBe(file.is64 ? 'MH_MAGIC_64' : 'MH_MAGIC');
  expect(cputype).toBe(OBJDUMP_CPU[facts.goarch ?? '']);
  expect(filetype).toBe('EXECUTE');
  expect(file.filetype).toBe(2);
  expect(file.ncmds).toBe(Number(ncmds));
  expect(file.sizeofcmds).toBe(Number(sizeofcmds));
  expect(dump.commands).toHaveLength(file.ncmds);
  expect(flags.includes('PIE')).toBe(facts.type === 'pie');
  expect(flags.includes('DYLDLINK')).toBe((file.flags & 0x4) !== 0);

  const segments = dump.commands.filter((c) => c.cmd === 'LC_SEGMENT_64');
  expect(segments.map((c) => field(c.fields, 'segname'))).toEqual(file.segments.map((s) => s.name));
  for (const [i, c] of segments.entries()) {
    const s = file.segments[i];
    expect(s).toBeDefined();
    expect(s?.vmaddr).toBe(BigInt(field(c.fields, 'vmaddr')));
    expect(s?.vmsize).toBe(BigInt(field(c.fields, 'vmsize')));
    expect(s?.fileoff).toBe(Number(field(c.fields, 'fileoff')));
    expect(s?.filesize).toBe(Number(field(c.fields, 'filesize')));
    expect(s?.maxprot).toBe(prot(field(c.fields, 'maxprot')));
    expect(s?.initprot).toBe(prot(field(c.fields, 'initprot')));
    expect(s?.nsects).toBe(Number(field(c.fields, 'nsects')));
  }
  const sections = segments.flatMap((c) => c.sections);
  expect(sections).toHaveLength(file.sections.length);
  expect(facts.sections).toEqual(
    sections.map((s) => ({
      name: `${field(s, 'segname')},${field(s, 'sectname')}`,
      address: `0x${BigInt(field(s, 'addr')).toString(16)}`,
      size: Number(field(s, 'size')),
      offset: Number(field(s, 'offset')),
    })),
  );
  expect(file.sections.map((s) => s.align)).toEqual(
    sections.map((s) => Number(/^2\^(\d+)/.exec(field(s, 'align'))?.[1])),
  );

  const build = dump.commands.find((c) => c.cmd === 'LC_BUILD_VERSION');
  expect(field(build?.fields, 'platform')).toBe('macos');
  expect(file.platform).toBe(1);
  expect(facts.minOS).toBe(field(build?.fields, 'minos'));

  const main = dump.commands.find((c) => c.cmd === 'LC_MAIN');
  const thread = dump.commands.find((c) => c.cmd === 'LC_UNIXTHREAD');
  const text = file.segments.find((s) => s.name === '__TEXT');
  if (main) {
    expect(thread).toBeUndefined();
    expect(facts.entry).toBe(
      `0x${((text?.vmaddr ?? 0n) + BigInt(field(main.fields, 'entryoff'))).toString(16)}`,
    );
  } else {
    const rip = /\brip\s+(0x[0-9a-f]+)/.exec(thread?.text ?? '')?.[1];
    expect(rip).toBeDefined();
    expect(facts.entry).toBe(`0x${BigInt(rip as string).toString(16)}`);
  }

  const dylibName = (c: ObjdumpCommand) => field(c.fields, 'name').replace(/ \(offset \d+\)$/, '');
  expect(facts.libraries).toEqual(dump.commands.filter((c) => c.cmd === 'LC_LOAD_DYLIB').map(dylibName));
  expect(facts.interpreter).toBe(
    dylibName(dump.commands.find((c) => c.cmd === 'LC_LOAD_DYLINKER') as ObjdumpCommand),
  );

  const symtab = dump.commands.find((c) => c.cmd === 'LC_SYMTAB');
  const dysymtab = dump.commands.find((c) => c.cmd === 'LC_DYSYMTAB');
  expect(file.symtab?.symoff).toBe(Number(field(symtab?.fields, 'symoff')));
  expect(file.symtab?.nsyms).toBe(Number(field(symtab?.fields, 'nsyms')));
  expect(file.symtab?.stroff).toBe(Number(field(symtab?.fields, 'stroff')));
  expect(file.symtab?.strsize).toBe(Number(field(symtab?.fields, 'strsize')));
  expect(facts.symbols).toBe(Number(field(symtab?.fields, 'nsyms')));
  // Go's linker orders the symbol table locals, defined externals, then the undefined imports.
  expect(file.symtab?.defined).toBe(
    Number(field(dysymtab?.fields, 'nlocalsym')) + Number(field(dysymtab?.fields, 'nextdefsym')),
  );

  const signature = dump.commands.find((c) => c.cmd === 'LC_CODE_SIGNATURE');
  expect(file.codeSignature).toEqual(
    signature
      ? {
          dataoff: Number(field(signature.fields, 'dataoff')),
          datasize: Number(field(signature.fields, 'datasize')),
        }
      : null,
  );
  expect(facts.codeSignature === 'none').toBe(signature === undefined);
}

/** `llvm-readobj --file-headers --macho-version-min`: header fields as hex numbers. */
async function readobjHeaders(file: string): Promise<Map<string, string>> {
  const result = await runTool(llvmTool('llvm-readobj'), ['--file-headers', '--macho-version-min', file]);
  if (result.code !== 0) throw new Error(`llvm-readobj: ${result.stderr}`);
  const fields = new Map<string, string>();
  for (const line of result.stdout.split('\n')) {
    const match = /^\s*(\w+):? (.*)$/.exec(line);
    if (match && !fields.has(match[1] as string)) fields.set(match[1] as string, (match[2] as string).trim());
  }
  return fields;
}

function hexIn(text: string | undefined): number {
  const match = /\(0x([0-9A-Fa-f]+)\)/.exec(text ?? '');
  if (!match) throw new Error(`no (0x…) in ${text}`);
  return Number.parseInt(match[1] as string, 16);
}

/** `llvm-nm -a`: every symbol table entry; type U is an undefined import. */
async function nmCounts(file: string): Promise<{ total: number; defined: number }> {
  const result = await runTool(llvmTool('llvm-nm'), ['-a', file]);
  if (result.code !== 0) throw new Error(`llvm-nm: ${result.stderr}`);
  const lines = result.stdout.split('\n').filter((l) => l.trim() !== '');
  return { total: lines.length, defined: lines.filter((l) => !/^\s+U /.test(l)).length };
}

interface GoVersionM {
  version: string;
  lines: string[][];
}

/** `go version -m`: the version, then each TAB-separated line (path, mod, dep, =>, build). */
async function goVersionM(file: string): Promise<GoVersionM> {
  const result = await runTool('go', ['version', '-m', file]);
  if (result.code !== 0) throw new Error(`go version -m: ${result.stderr}`);
  const [first, ...rest] = result.stdout.split('\n');
  return {
    version: (first ?? '').slice((first ?? '').lastIndexOf(': ') + 2),
    lines: rest.filter((l) => l.startsWith('\t')).map((l) => l.slice(1).split('\t')),
  };
}

function compareWithGoVersion(facts: BinaryFacts, oracle: GoVersionM): void {
  const go = facts.go;
  expect(go).not.toBeNull();
  expect(go?.version).toBe(oracle.version);
  for (const line of oracle.lines) {
    const [kind, a, b, c] = line;
    if (kind === 'path') expect(go?.path).toBe(a);
    else if (kind === 'mod') expect(go?.main).toEqual({ path: a, version: b, sum: c ?? '', replace: null });
    else if (kind === 'dep') expect(go?.deps.find((d) => d.path === a)?.version).toBe(b);
  }
  const settings = Object.fromEntries(
    oracle.lines
      .filter((l) => l[0] === 'build')
      .map((l) => {
        const setting = l.slice(1).join('\t');
        const eq = setting.indexOf('=');
        const value = setting.slice(eq + 1);
        return [setting.slice(0, eq), value.startsWith('"') ? (JSON.parse(value) as string) : value];
      }),
  );
  expect(go?.settings).toEqual(settings);
  expect(facts.goos).toBe(settings.GOOS);
  expect(facts.goarch).toBe(settings.GOARCH);
}

async function goBuildId(file: string): Promise<string> {
  const result = await runTool('go', ['tool', 'buildid', file]);
  if (result.code !== 0) throw new Error(`go tool buildid: ${result.stderr}`);
  return result.stdout.trim();
}

const LIPO_ARCH: Record<string, string> = { amd64: 'x86_64', arm64: 'arm64' };

function thinFacts(c: Corpus): BinaryFacts {
  return machoFacts(new BufferSource(c.bytes));
}

// ---------------------------------------------------------------------------------------------

describe('thin Mach-O files from the Go toolchain', () => {
  it.each(THIN)('darwin/%s: load commands agree with llvm-objdump', async (name) => {
    const c = get(name);
    const file = readMacho(new BufferSource(c.bytes));
    await compareWithObjdump(file, thinFacts(c), c.path);
  });

  it.each(THIN)('darwin/%s: header and minimum OS agree with llvm-readobj', async (name) => {
    const c = get(name);
    const file = readMacho(new BufferSource(c.bytes));
    const readobj = await readobjHeaders(c.path);
    expect(readobj.get('Magic')).toBe('Magic64 (0xFEEDFACF)');
    expect(file.cputype).toBe(hexIn(readobj.get('CpuType')));
    expect(file.cpusubtype).toBe(hexIn(readobj.get('CpuSubType')));
    expect(file.filetype).toBe(hexIn(readobj.get('FileType')));
    expect(file.ncmds).toBe(Number(readobj.get('NumOfLoadCommands')));
    expect(file.sizeofcmds).toBe(Number(readobj.get('SizeOfLoadCommands')));
    expect(file.flags).toBe(
      Number.parseInt(/\(0x([0-9A-F]+)\)/i.exec(readobj.get('Flags') ?? '')?.[1] ?? '', 16),
    );
    expect(readobj.get('Platform')).toBe('macos');
    expect(thinFacts(c).minOS).toBe(readobj.get('Version'));
  });

  it.each(THIN)('darwin/%s: symbol counts agree with llvm-nm', async (name) => {
    const c = get(name);
    const facts = thinFacts(c);
    const nm = await nmCounts(c.path);
    const file = readMacho(new BufferSource(c.bytes));
    expect(facts.symbols).toBe(nm.total);
    expect(file.symtab?.defined).toBe(nm.defined);
    expect(facts.stripped).toBe(nm.defined === 0);
    expect(facts.stripped).toBe(name.endsWith('-stripped'));
  });

  it.each(THIN)('darwin/%s: format, machine and type agree with file(1)', async (name) => {
    const facts = thinFacts(get(name));
    const described = await fileType(get(name).path);
    const match =
      /^Mach-O (64|32)-bit (\S+) (executable|dynamically linked shared library), flags:<([^>]*)>$/.exec(
        described,
      );
    expect(match, described).not.toBeNull();
    expect(facts.bits).toBe(Number(match?.[1]));
    expect(match?.[2]).toBe(LIPO_ARCH[facts.goarch ?? '']);
    expect(match?.[3]).toBe('executable');
    expect(facts.type).toBe(match?.[4]?.split('|').includes('PIE') ? 'pie' : 'exec');
    expect(facts.endian).toBe('little');
  });

  it.each(THIN)(
    'darwin/%s: build info agrees with go version -m, build ID with go tool buildid',
    async (name) => {
      const c = get(name);
      const facts = thinFacts(c);
      compareWithGoVersion(facts, await goVersionM(c.path));
      expect(facts.goBuildId).toBe(await goBuildId(c.path));
    },
  );

  it.each(THIN)('darwin/%s: the whole record', (name) => {
    const facts = thinFacts(get(name));
    const arm64 = name.startsWith('arm64');
    const stripped = name.endsWith('-stripped');
    expect(facts).toMatchObject({
      format: 'macho',
      goos: 'darwin',
      goarch: arm64 ? 'arm64' : 'amd64',
      bits: 64,
      endian: 'little',
      type: 'pie',
      // Only the system libraries every pure-Go darwin program links (libresolv: internal/syscall/unix/net_darwin.go).
      static: true,
      interpreter: '/usr/lib/dyld',
      libraries: ['/usr/lib/libSystem.B.dylib', '/usr/lib/libresolv.9.dylib'],
      stripped,
      dwarf: !stripped,
      minOS: '12.0',
      codeSignature: arm64 ? 'adhoc-valid' : 'none',
    });
    expect(facts.sections.some((s) => s.name === '__DATA,__go_buildinfo')).toBe(true);
    expect(facts.sections.some((s) => s.name === '__DWARF,__zdebug_info')).toBe(!stripped);
    expect(facts.slices).toBeUndefined();
  });
});

describe('universal (fat) binaries', () => {
  it('slices agree with llvm-lipo -info, -verify_arch and llvm-objdump --universal-headers', async () => {
    const c = get('fat');
    const fat = readFat(new BufferSource(c.bytes));
    const facts = fatFacts(new BufferSource(c.bytes));
    const archs = (facts.slices ?? []).map((s) => LIPO_ARCH[s.goarch ?? ''] as string);
    expect(archs).toEqual(['x86_64', 'arm64']);

    const info = await runTool(llvmTool('llvm-lipo'), ['-info', c.path]);
    expect(info.stdout.trim()).toBe(`Architectures in the fat file: ${c.path} are: ${archs.join(' ')}`);
    expect((await runTool(llvmTool('llvm-lipo'), [c.path, '-verify_arch', ...archs])).code).toBe(0);
    expect((await runTool(llvmTool('llvm-lipo'), [c.path, '-verify_arch', 'i386'])).code).toBe(1);

    const dump = await runTool(llvmTool('llvm-objdump'), ['--macho', '--universal-headers', c.path]);
    expect(dump.stdout).toContain(`nfat_arch ${fat.arches.length}\n`);
    const entries = [
      ...dump.stdout.matchAll(/architecture (\S+)\n[\s\S]*?offset (\d+)\n\s+size (\d+)\n\s+align 2\^(\d+)/g),
    ];
    expect(
      entries.map((m) => ({ arch: m[1], offset: Number(m[2]), size: Number(m[3]), align: Number(m[4]) })),
    ).toEqual(fat.arches.map((a, i) => ({ arch: archs[i], offset: a.offset, size: a.size, align: a.align })));
    expect(fat.arches.map((a) => a.file.base)).toEqual(fat.arches.map((a) => a.offset));
  });

  it('each slice is the thin binary it was made from, field by field', () => {
    const facts = fatFacts(new BufferSource(get('fat').bytes));
    expect(facts.slices).toEqual([thinFacts(get('amd64-stripped')), thinFacts(get('arm64-stripped'))]);
    expect(facts.format).toBe('macho-fat');
    // The top level is the first slice's record.
    expect({ ...facts, format: 'macho', slices: undefined }).toEqual(thinFacts(get('amd64-stripped')));
    expect(facts.slices?.[1]?.codeSignature).toBe('adhoc-valid');
  });

  it.each(['x86_64', 'arm64'])('slice %s agrees with llvm-objdump --arch', async (arch) => {
    const c = get('fat');
    const fat = readFat(new BufferSource(c.bytes));
    const index = arch === 'x86_64' ? 0 : 1;
    const facts = fatFacts(new BufferSource(c.bytes)).slices?.[index] as BinaryFacts;
    await compareWithObjdump(fat.arches[index]?.file as MachoFile, facts, c.path, arch);
  });

  it('the first slice agrees with go version -m, go tool buildid and file(1)', async () => {
    const c = get('fat');
    const facts = fatFacts(new BufferSource(c.bytes));
    // Go reads the first slice of a universal binary only.
    compareWithGoVersion(facts, await goVersionM(c.path));
    expect(facts.goBuildId).toBe(await goBuildId(c.path));
    const described = await fileType(c.path);
    expect(described).toMatch(/^Mach-O universal binary with 2 architectures: /);
    const archs = [...described.matchAll(/Mach-O (\d+)-bit (\S+) executable, flags:<([^>]*)>/g)];
    expect(archs.map((m) => [Number(m[1]), m[2], m[3]?.includes('PIE') ? 'pie' : 'exec'])).toEqual(
      (facts.slices ?? []).map((s) => [s.bits, LIPO_ARCH[s.goarch ?? ''], s.type]),
    );
  });
});

describe('ad-hoc code signatures', () => {
  it('darwin/arm64 from Go’s linker is ad-hoc signed and valid; darwin/amd64 is not signed', () => {
    for (const name of THIN) {
      const c = get(name);
      const src = new BufferSource(c.bytes);
      expect(verifyCodeSignature(src, readMacho(src)), name).toBe(
        name.startsWith('arm64') ? 'adhoc-valid' : 'none',
      );
    }
  });

  it('one byte flipped inside __text, or in the last signed page, makes it invalid', () => {
    const original = get('arm64').bytes;
    const file = readMacho(new BufferSource(original));
    const text = file.sections.find((s) => s.name === '__text');
    const signature = file.codeSignature;
    expect(text && signature).toBeTruthy();
    for (const at of [(text?.offset ?? 0) + 1000, (signature?.dataoff ?? 0) - 1]) {
      const copy = original.slice();
      copy[at] = (copy[at] as number) ^ 0x01;
      const src = new BufferSource(copy);
      expect(verifyCodeSignature(src, readMacho(src)), `flip at 0x${at.toString(16)}`).toBe('adhoc-invalid');
    }
  });

  it('a CodeDirectory without CS_ADHOC is another kind of signature', () => {
    const copy = get('arm64-stripped').bytes.slice();
    const file = readMacho(new BufferSource(copy));
    // SuperBlob header (12) + one index entry (8), then the CodeDirectory; flags is its word at +12 (big-endian).
    const flags = (file.codeSignature?.dataoff ?? 0) + 20 + 12;
    const view = new DataView(copy.buffer, copy.byteOffset, copy.byteLength);
    expect(view.getUint32(flags, false)).toBe(0x20002);
    view.setUint32(flags, 0x20000, false);
    const src = new BufferSource(copy);
    expect(verifyCodeSignature(src, readMacho(src))).toBe('other');
  });

  it('the slice signature of a universal binary is checked against the slice’s own bytes', () => {
    const copy = get('fat').bytes.slice();
    const fat = readFat(new BufferSource(copy));
    const arm64 = fat.arches[1] as (typeof fat.arches)[number];
    const src = new BufferSource(copy);
    expect(verifyCodeSignature(src, arm64.file)).toBe('adhoc-valid');
    // A byte of the x86_64 slice is outside the arm64 signature; a byte of the arm64 __text is inside.
    const flip = (at: number) => {
      copy[at] = (copy[at] as number) ^ 0xff;
    };
    flip((fat.arches[0]?.offset ?? 0) + 5000);
    expect(verifyCodeSignature(src, arm64.file)).toBe('adhoc-valid');
    flip(arm64.offset + 5000);
    expect(verifyCodeSignature(src, arm64.file)).toBe('adhoc-invalid');
  });
});

// ---------------------------------------------------------------------------------------------
// A synthetic big-endian 32-bit image: the paths Go's own darwin binaries never take.

function be32(...words: number[]): Uint8Array {
  const bytes = new Uint8Array(words.length * 4);
  const view = new DataView(bytes.buffer);
  for (const [i, w] of words.entries()) view.setUint32(i * 4, w >>> 0, false);
  return bytes;
}

function name16(text: string): Uint8Array {
  const bytes = new Uint8Array(16);
  bytes.set(new TextEncoder().encode(text));
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** MH_MAGIC big-endian, CPU_TYPE_ARM, with a segment, thread, version, dylibs and a small symbol table. */
function synthetic32(filetype: number): Uint8Array {
  const textOffset = 0x200;
  const buildId = new TextEncoder().encode('\u0000 Go build ID: "abc/def"\n \u0000');
  buildId[0] = 0xff;
  buildId[buildId.length - 1] = 0xff;
  const symoff = textOffset + 0x40;
  const stroff = symoff + 3 * 12;
  const segment = concat(
    be32(0x1, 56 + 68), // LC_SEGMENT, cmdsize
    name16('__TEXT'),
    be32(0x4000, 0x1000, 0, 0x300, 5, 5, 1, 0), // vmaddr, vmsize, fileoff, filesize, maxprot, initprot, nsects, flags
    name16('__text'),
    name16('__TEXT'),
    be32(0x4000 + textOffset, 0x40, textOffset, 2, 0, 0, 0x80000400, 0, 0), // addr, size, offset, align, reloff, nreloc, flags, reserved1–2
  );
  const thread = concat(
    be32(0x5, 16 + 17 * 4, 1, 17),
    be32(...Array.from({ length: 17 }, (_, i) => (i === 15 ? 0x4211 : 0))),
  );
  const versionMin = be32(0x24, 16, (10 << 16) | (6 << 8) | 8, 0); // LC_VERSION_MIN_MACOSX 10.6.8
  const dylib = (cmd: number, name: string) => {
    const text = new TextEncoder().encode(name);
    const size = Math.ceil((24 + text.length + 1) / 4) * 4;
    return concat(be32(cmd, size, 24, 0, 0, 0), text, new Uint8Array(size - 24 - text.length));
  };
  const symtab = be32(0x2, 24, symoff, 3, stroff, 4);
  const commands = concat(
    segment,
    thread,
    versionMin,
    dylib(0x80000018, '/usr/lib/libSystem.B.dylib'), // LC_LOAD_WEAK_DYLIB
    dylib(0xc, '/opt/lib/libfoo.dylib'), // LC_LOAD_DYLIB
    symtab,
  );
  const dylinker = (() => {
    const text = new TextEncoder().encode('/usr/lib/dyld');
    const size = Math.ceil((12 + text.length + 1) / 4) * 4;
    return concat(be32(0xe, size, 12), text, new Uint8Array(size - 12 - text.length));
  })();
  const all = concat(commands, dylinker);
  const header = be32(0xfeedface, 12, 9, filetype, 7, all.length, 0);
  const image = new Uint8Array(0x300);
  image.set(header, 0);
  image.set(all, 28);
  image.set(buildId, textOffset);
  // nlist: n_strx, n_type, n_sect, n_desc, n_value. An undefined import, a defined symbol, a stab.
  image.set(concat(be32(1, 0x01000000, 0), be32(1, 0x0f010000, 0x4200), be32(1, 0x24010000, 0x4200)), symoff);
  return image;
}

describe('synthetic images', () => {
  it('reads a big-endian 32-bit image: thread pc, LC_VERSION_MIN, weak dylibs, nlist, build ID', () => {
    const src = new BufferSource(synthetic32(2));
    const file = readMacho(src);
    expect(file).toMatchObject({
      is64: false,
      littleEndian: false,
      cputype: 12,
      platform: 1,
      entry: 0x4211n,
    });
    expect(file.symtab).toEqual({ symoff: 0x240, nsyms: 3, stroff: 0x264, strsize: 4, defined: 2 });
    const facts = machoFacts(src);
    expect(facts).toMatchObject({
      format: 'macho',
      goos: 'darwin',
      goarch: 'arm',
      bits: 32,
      endian: 'big',
      type: 'exec',
      entry: '0x4211',
      static: false,
      interpreter: '/usr/lib/dyld',
      libraries: ['/usr/lib/libSystem.B.dylib', '/opt/lib/libfoo.dylib'],
      stripped: false,
      dwarf: false,
      symbols: 3,
      goBuildId: 'abc/def',
      minOS: '10.6.8',
      codeSignature: 'none',
      go: null,
      sections: [{ name: '__TEXT,__text', address: '0x4200', size: 0x40, offset: 0x200 }],
    });
  });

  it('MH_DYLIB is a shared library', () => {
    expect(machoFacts(new BufferSource(synthetic32(6))).type).toBe('shared');
  });
});

// ---------------------------------------------------------------------------------------------
// Broken fixtures: each named after the words of its error.

describe('broken fixtures', () => {
  it('each fails with the error its name says, and make.mjs rebuilds them byte for byte', async () => {
    const names = (await readdir(BROKEN)).filter((n) => n.endsWith('.macho') || n.endsWith('.fat')).sort();
    expect(names.length).toBeGreaterThanOrEqual(4);
    expect(names.length).toBeLessThanOrEqual(6);
    const rebuilt = await tempDir('crossgo-macho-broken-');
    const make = await runTool(process.execPath, [path.join(BROKEN, 'make.mjs'), rebuilt]);
    expect(make.code, make.stderr).toBe(0);
    for (const name of names) {
      const bytes = new Uint8Array(await readFile(path.join(BROKEN, name)));
      expect(bytes.length).toBeLessThan(4096);
      expect(new Uint8Array(await readFile(path.join(rebuilt, name))), name).toEqual(bytes);
      const error = parseError(bytes);
      expect(error, name).toBeInstanceOf(FormatError);
      for (const word of name.replace(/\.(macho|fat)$/, '').split('-')) {
        expect((error as FormatError).message.toLowerCase(), name).toContain(word);
      }
    }
  });
});

/** What crossgo does with a file it takes for Mach-O: the universal reader for CAFEBABE/CAFEBABF, else the thin one. */
function inspect(src: ByteSource): BinaryFacts {
  const magic = src.size >= 4 ? src.read(0, 4) : new Uint8Array(0);
  const fat =
    magic[0] === 0xca && magic[1] === 0xfe && magic[2] === 0xba && (magic[3] === 0xbe || magic[3] === 0xbf);
  return fat ? fatFacts(src) : machoFacts(src);
}

function parseError(bytes: Uint8Array): unknown {
  try {
    inspect(new BufferSource(bytes));
    return null;
  } catch (error) {
    return error;
  }
}

// ---------------------------------------------------------------------------------------------
// Mutations: every input must end in a result or a FormatError ('macho' or 'macho-fat'), quickly.

interface Patch {
  offset: number;
  bytes: Uint8Array;
}

interface Mutation {
  what: string;
  patches: Patch[];
  /** Parse only the first `length` bytes. */
  length?: number;
}

/** Where the interesting fields of a thin image are, from walking its (valid) load commands. */
interface Layout {
  base: number;
  size: number;
  commands: { offset: number; cmd: number; cmdsize: number }[];
  sizeofcmds: number;
  file: MachoFile;
}

function layout(bytes: Uint8Array, base: number, size: number): Layout {
  const file = readMacho(new BufferSource(bytes), base, base + size);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const commands: Layout['commands'] = [];
  let offset = base + 32;
  for (let i = 0; i < file.ncmds; i++) {
    const cmdsize = view.getUint32(offset + 4, true);
    commands.push({ offset, cmd: view.getUint32(offset, true), cmdsize });
    offset += cmdsize;
  }
  return { base, size, commands, sizeofcmds: file.sizeofcmds, file };
}

const u32 = (value: number, little: boolean) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, value >>> 0, little);
  return b;
};
const u64 = (value: bigint, little: boolean) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, value), little);
  return b;
};

class Mutator {
  constructor(readonly random: () => number) {}
  int(n: number): number {
    return Math.floor(this.random() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
  /** Values that break code: zero, one, sign bits, all ones, sizes around the file's, random words. */
  interesting(size: number): number {
    return (
      this.pick([
        0,
        1,
        2,
        7,
        8,
        0x7f,
        0x80,
        0xff,
        0xffff,
        0x10000,
        0x7fffffff,
        0x80000000,
        0xfffffff8,
        0xffffffff,
        size,
        size - 1,
        size + 1,
        Math.floor(size / 2),
        this.int(2 ** 32),
        this.int(size),
      ]) >>> 0
    );
  }
  bytes(n: number): Uint8Array {
    return Uint8Array.from({ length: n }, () => this.int(256));
  }

  /** One mutation of a thin image inside `bytes` (at l.base), or of its file as a whole. */
  thin(l: Layout, total: number, le = true): Mutation {
    const lc = this.pick(l.commands);
    const areaEnd = l.base + 32 + l.sizeofcmds;
    switch (this.int(12)) {
      case 0: {
        const length = this.random() < 0.5 ? this.int(areaEnd + 64) : this.int(total);
        return { what: `truncate to ${length}`, patches: [], length };
      }
      case 1:
      case 2: {
        const n = 1 + this.int(8);
        const patches = Array.from({ length: n }, () => ({
          offset: l.base + this.int(areaEnd - l.base),
          bytes: this.bytes(1),
        }));
        return {
          what: `${n} random bytes in the header and load commands at ${patches.map((p) => p.offset).join(',')}`,
          patches,
        };
      }
      case 3: {
        const value =
          this.pick([
            0,
            1,
            4,
            7,
            9,
            12,
            16,
            0xffffffff,
            0x80000000,
            l.sizeofcmds,
            lc.cmdsize + 8,
            lc.cmdsize - 8,
            this.int(2 ** 32),
          ]) >>> 0;
        return {
          what: `cmdsize of cmd 0x${lc.cmd.toString(16)} at ${lc.offset} = ${value}`,
          patches: [{ offset: lc.offset + 4, bytes: u32(value, le) }],
        };
      }
      case 4: {
        const at = this.pick([16, 20]);
        const value = this.interesting(l.size);
        return {
          what: `${at === 16 ? 'ncmds' : 'sizeofcmds'} = ${value}`,
          patches: [{ offset: l.base + at, bytes: u32(value, le) }],
        };
      }
      case 5:
      case 6: {
        const at = lc.offset + 8 + 4 * this.int(Math.max(1, (lc.cmdsize - 8) / 4));
        const value = this.interesting(l.size);
        return {
          what: `u32 at ${at} in cmd 0x${lc.cmd.toString(16)} = ${value}`,
          patches: [{ offset: at, bytes: u32(value, le) }],
        };
      }
      case 7: {
        const at = lc.offset + 8 + 8 * this.int(Math.max(1, (lc.cmdsize - 8) / 8));
        const value = this.pick([
          0n,
          1n,
          2n ** 63n,
          2n ** 64n - 1n,
          2n ** 53n,
          BigInt(l.size),
          BigInt(this.int(2 ** 32)) << 20n,
        ]);
        return {
          what: `u64 at ${at} in cmd 0x${lc.cmd.toString(16)} = ${value}`,
          patches: [{ offset: at, bytes: u64(value, le) }],
        };
      }
      case 8: {
        const symtab = l.commands.find((c) => c.cmd === 0x2) ?? lc;
        const field = this.pick([8, 12, 16, 20]);
        const value = this.interesting(l.size);
        return {
          what: `symtab field @${field} = ${value}`,
          patches: [{ offset: symtab.offset + field, bytes: u32(value, le) }],
        };
      }
      case 9: {
        const cs = l.file.codeSignature;
        if (!cs) return this.thin(l, total, le);
        const at = l.base + cs.dataoff + this.int(Math.min(cs.datasize, 128));
        const patch =
          this.random() < 0.5
            ? { offset: at & ~3, bytes: u32(this.interesting(l.size), false) }
            : { offset: at, bytes: this.bytes(1) };
        return { what: `code signature at ${patch.offset}`, patches: [patch] };
      }
      case 10: {
        const section = this.pick(
          l.file.sections.filter((s) => s.name === '__text' || s.name === '__go_buildinfo'),
        );
        const at = l.base + section.offset + this.int(Math.min(section.size, 256));
        return {
          what: `${section.name} byte at ${at}`,
          patches: [{ offset: at, bytes: this.bytes(1 + this.int(4)) }],
        };
      }
      default: {
        const at = l.base + this.int(l.size - 8);
        return {
          what: `random bytes at ${at}`,
          patches: [{ offset: at, bytes: this.bytes(1 + this.int(8)) }],
        };
      }
    }
  }

  /** One mutation of a universal binary: its header and table, or one of its slices. */
  fat(bytes: Uint8Array, slices: Layout[]): Mutation {
    const n = slices.length;
    const entry = 8 + 20 * this.int(n);
    switch (this.int(8)) {
      case 0: {
        const value = this.pick([0, 1, 2, 3, 42, 43, 52, 0xffff, 0xffffffff, this.int(2 ** 32)]) >>> 0;
        return { what: `nfat_arch = ${value}`, patches: [{ offset: 4, bytes: u32(value, false) }] };
      }
      case 1: {
        const field = this.pick([8, 12]);
        const value =
          this.pick([
            0,
            8,
            4096,
            bytes.length,
            bytes.length - 1,
            bytes.length + 4096,
            0xffffffff,
            this.interesting(bytes.length),
          ]) >>> 0;
        return {
          what: `fat_arch @${entry} ${field === 8 ? 'offset' : 'size'} = ${value}`,
          patches: [{ offset: entry + field, bytes: u32(value, false) }],
        };
      }
      case 2: {
        const value = this.pick([0, 1, 12, 14, 15, 16, 31, 32, 0xffffffff]) >>> 0;
        return {
          what: `fat_arch @${entry} align = ${value}`,
          patches: [{ offset: entry + 16, bytes: u32(value, false) }],
        };
      }
      case 3: {
        const other = 8 + 20 * this.int(n);
        return {
          what: `fat_arch @${entry} cputype/cpusubtype copied from @${other}`,
          patches: [{ offset: entry, bytes: bytes.slice(other, other + 8) }],
        };
      }
      case 4: {
        const patches = Array.from({ length: 1 + this.int(4) }, () => ({
          offset: this.int(8 + 20 * n),
          bytes: this.bytes(1),
        }));
        return {
          what: `random bytes in the fat header at ${patches.map((p) => p.offset).join(',')}`,
          patches,
        };
      }
      case 5:
        return { what: 'magic = 0xcafebabf', patches: [{ offset: 0, bytes: u32(0xcafebabf, false) }] };
      default: {
        const slice = this.pick(slices);
        const inner = this.thin(slice, bytes.length);
        return { ...inner, what: `slice at ${slice.base}: ${inner.what}` };
      }
    }
  }
}

/** A working copy and the mutations made of it. */
interface Target {
  bytes: Uint8Array;
  next(m: Mutator): Mutation;
}

/** Applies a mutation to the working copy in place; the bytes saved before it undo it. */
function mutate(t: Target, random: () => number): HelperMutation<Patch[]> {
  const mutation = t.next(new Mutator(random));
  const patches = mutation.patches.filter((p) => p.offset < t.bytes.length);
  const saved = patches.map((p) => ({
    offset: p.offset,
    bytes: t.bytes.slice(p.offset, p.offset + p.bytes.length),
  }));
  for (const p of patches) t.bytes.set(p.bytes.subarray(0, t.bytes.length - p.offset), p.offset);
  const input = mutation.length === undefined ? t.bytes : t.bytes.subarray(0, mutation.length);
  return { what: mutation.what, input, patches: saved };
}

function undo(t: Target, saved: Patch[]): void {
  for (const p of saved) t.bytes.set(p.bytes, p.offset);
}

const acceptMacho = (error: FormatError) => error.format === 'macho' || error.format === 'macho-fat';

function campaign(name: string, seed: number, count: number, next: (bytes: Uint8Array) => Target['next']) {
  const original = get(name).bytes;
  const bytes = original.slice();
  const target: Target = { bytes, next: next(bytes) };
  return runMutationCampaign({
    seed,
    perTarget: count,
    parse: inspect,
    accept: acceptMacho,
    targets: [{ name, target, bytes, original, mutate, undo }],
  });
}

const totals = { inputs: 0, maxReads: 0 };

function expectRobust(name: string, r: CampaignResult, count: number): void {
  console.log(describeCampaign(`Mach-O ${name}`, r));
  expect(r.failures).toEqual([]);
  // Every mutation was undone: the next run starts from the real file.
  expect(r.notRestored).toEqual([]);
  expect(r.count).toBe(count);
  totals.inputs += r.count;
  totals.maxReads = Math.max(totals.maxReads, r.maxReads);
}

describe('mutated, truncated and random inputs end in a FormatError, within the read budget', () => {
  it.each([
    ['amd64', 0x5eed0001, 5000],
    ['arm64-stripped', 0x5eed0002, 5000],
  ] as const)(
    '%s: seed %i, %i mutations',
    (name, seed, count) => {
      const r = campaign(name, seed, count, (bytes) => {
        const l = layout(bytes, 0, bytes.length);
        return (m) => m.thin(l, bytes.length);
      });
      expectRobust(name, r, count);
      // Most mutations must reach the later checks, not all die at the magic.
      expect(r.parsed.length).toBeGreaterThan(count / 10);
    },
    CAMPAIGN_TEST_TIMEOUT_MS,
  );

  it(
    'the universal binary: 2,500 mutations of its header, table and slices',
    () => {
      const r = campaign('fat', 0x5eed0003, 2500, (bytes) => {
        const slices = readFat(new BufferSource(bytes)).arches.map((a) => layout(bytes, a.offset, a.size));
        return (m) => m.fat(bytes, slices);
      });
      expectRobust('fat', r, 2500);
      expect(r.parsed.length).toBeGreaterThan(100);
    },
    CAMPAIGN_TEST_TIMEOUT_MS,
  );

  it('empty and random files, some starting with a Mach-O or fat magic', () => {
    const m = new Mutator(mulberry32(0x5eed0004));
    const magics = [
      [],
      [0xcf, 0xfa, 0xed, 0xfe],
      [0xce, 0xfa, 0xed, 0xfe],
      [0xfe, 0xed, 0xfa, 0xcf],
      [0xfe, 0xed, 0xfa, 0xce],
      [0xca, 0xfe, 0xba, 0xbe],
      [0xca, 0xfe, 0xba, 0xbf],
    ];
    const count = 1400;
    const inputs: Input[] = [];
    for (let i = 0; i < count; i++) {
      const bytes = m.bytes(i === 0 ? 0 : m.int(m.pick([16, 64, 512, 4096])));
      const magic = m.pick(magics);
      bytes.set(magic.slice(0, bytes.length));
      // A plausible nfat_arch, so the fat reader gets past its header.
      if (magic[0] === 0xca && bytes.length >= 8) bytes.fill(0, 4, 7);
      inputs.push({ label: `seed 0x5eed0004 #${i} (${bytes.length} bytes)`, input: bytes });
    }
    expectRobust('random files', runParseCampaign({ inputs, parse: inspect, accept: acceptMacho }), count);
  });

  it('totals', () => {
    expect(totals.inputs).toBeGreaterThanOrEqual(12000);
    console.log(`Mach-O mutation inputs: ${totals.inputs}, most reads of one input ${totals.maxReads}`);
  });
});
