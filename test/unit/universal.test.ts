import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFacts } from '../../src/binary/read.js';
import { BufferSource } from '../../src/binary/source.js';
import { UsageError } from '../../src/errors.js';
import { makeUniversal, universalBytes } from '../../src/release/universal.js';
import { cleanupTemps, runTool, tempDir } from '../helpers/cli.js';
import { corpusBinary } from '../helpers/corpus.js';
import { fileType, llvmTool } from '../helpers/oracles.js';

const LIPO = llvmTool('llvm-lipo');

interface Input {
  path: string;
  bytes: Uint8Array;
}

const inputs: Record<string, Input> = {};
const NAMES = ['amd64', 'arm64', 'amd64-stripped', 'arm64-stripped'] as const;
let elf: Input;
let dir: string;

function get(name: string): Input {
  const found = inputs[name];
  if (!found) throw new Error(`corpus binary ${name} was not built`);
  return found;
}

async function load(file: string): Promise<Input> {
  return { path: file, bytes: new Uint8Array(await readFile(file)) };
}

/** The oracle: `llvm-lipo -create` over the given files, read back. */
async function lipoCreate(files: string[]): Promise<Uint8Array> {
  const out = path.join(dir, `lipo-${path.basename(files[0] as string)}-${files.length}`);
  const result = await runTool(LIPO, ['-create', ...files, '-output', out]);
  if (result.code !== 0) throw new Error(`llvm-lipo -create: ${result.stderr}`);
  return new Uint8Array(await readFile(out));
}

/** The thrown error, which must be a UsageError with a one-line message. */
function refusal(run: () => unknown): UsageError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).not.toContain('\n');
    return error as UsageError;
  }
  throw new Error('expected a UsageError');
}

beforeAll(async () => {
  const built = await Promise.all(
    NAMES.map((name) =>
      corpusBinary({
        goos: 'darwin',
        goarch: name.split('-')[0] as string,
        strip: name.endsWith('-stripped'),
      }),
    ),
  );
  for (const [i, name] of NAMES.entries()) inputs[name] = await load(built[i] as string);
  elf = await load(await corpusBinary({ goos: 'linux', goarch: 'amd64', strip: true }));
  dir = await tempDir('crossgo-universal-');
});

afterAll(cleanupTemps);

describe('universalBytes', () => {
  it.each([
    ['stripped', '-stripped'],
    ['unstripped', ''],
  ])('is byte-identical to llvm-lipo -create (%s, both input orders)', async (_, suffix) => {
    const amd64 = get(`amd64${suffix}`);
    const arm64 = get(`arm64${suffix}`);
    const expected = await lipoCreate([amd64.path, arm64.path]);
    expect(Buffer.from(universalBytes([amd64.bytes, arm64.bytes])).equals(expected)).toBe(true);
    expect(Buffer.from(universalBytes([arm64.bytes, amd64.bytes])).equals(expected)).toBe(true);
    // And llvm-lipo itself does not depend on the order either.
    expect(Buffer.from(await lipoCreate([arm64.path, amd64.path])).equals(expected)).toBe(true);
  });

  it('puts x86_64 at 2^12 first and arm64 at 2^14 last, as llvm-lipo does', () => {
    const fat = universalBytes([get('arm64-stripped').bytes, get('amd64-stripped').bytes]);
    const view = new DataView(fat.buffer, fat.byteOffset);
    expect(view.getUint32(0)).toBe(0xcafebabe);
    expect(view.getUint32(4)).toBe(2);
    expect(view.getUint32(8)).toBe(0x01000007);
    expect(view.getUint32(8 + 8)).toBe(0x1000);
    expect(view.getUint32(8 + 16)).toBe(12);
    expect(view.getUint32(28)).toBe(0x0100000c);
    expect(view.getUint32(28 + 8) % 2 ** 14).toBe(0);
    expect(view.getUint32(28 + 16)).toBe(14);
    expect(fat.length).toBe(view.getUint32(28 + 8) + get('arm64-stripped').bytes.length);
  });

  it('aligns other CPU types by their segments, as cctools lipo (llvm-lipo agrees)', async () => {
    // arm64 relabelled as MIPS (8), with __LINKEDIT's vmaddr moved to a 16-byte boundary: align 2^4, sorted first.
    const bytes = new Uint8Array(get('arm64-stripped').bytes);
    const view = new DataView(bytes.buffer);
    view.setUint32(4, 8, true);
    for (let i = 0, at = 32; i < view.getUint32(16, true); i++, at += view.getUint32(at + 4, true)) {
      const name = Buffer.from(bytes.subarray(at + 8, at + 24))
        .toString('latin1')
        .replace(/\0+$/, '');
      if (view.getUint32(at, true) === 0x19 && name === '__LINKEDIT') {
        view.setBigUint64(at + 24, view.getBigUint64(at + 24, true) + 0x10n, true);
      }
    }
    const mips = path.join(dir, 'mips');
    await writeFile(mips, bytes);
    const amd64 = get('amd64-stripped');
    const expected = await lipoCreate([amd64.path, mips]);
    const fat = universalBytes([amd64.bytes, bytes]);
    expect(Buffer.from(fat).equals(expected)).toBe(true);
    const header = new DataView(fat.buffer, fat.byteOffset);
    expect([header.getUint32(8), header.getUint32(8 + 16)]).toEqual([8, 4]);
  });
});

describe('makeUniversal', () => {
  let output: string;
  let result: { size: number; arches: string[] };

  beforeAll(async () => {
    output = path.join(dir, 'greet-darwin-universal');
    result = await makeUniversal([get('arm64-stripped').path, get('amd64-stripped').path], output);
  });

  it('writes the file llvm-lipo writes, executable, and reports its size and arches', async () => {
    const written = await readFile(output);
    const expected = await lipoCreate([get('amd64-stripped').path, get('arm64-stripped').path]);
    expect(written.equals(expected)).toBe(true);
    expect(result).toEqual({ size: expected.length, arches: ['x86_64', 'arm64'] });
    expect((await stat(output)).mode & 0o111).not.toBe(0);
    // No temporary file left beside it.
    expect((await readdir(dir)).filter((f) => f.includes('.crossgo-tmp-'))).toEqual([]);
  });

  it('is what llvm-lipo -info and -verify_arch expect', async () => {
    const info = await runTool(LIPO, ['-info', output]);
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/^Architectures in the fat file: .* are: x86_64 arm64\s*$/);
    const verify = await runTool(LIPO, [output, '-verify_arch', 'x86_64', 'arm64']);
    expect(verify.code).toBe(0);
  });

  it('is a universal binary to file(1)', async () => {
    expect(await fileType(output)).toMatch(/^Mach-O universal binary with 2 architectures/);
  });

  it("reads back with crossgo's fat reader: both slices, the signature intact, the build info unchanged", async () => {
    const facts = readFacts(new BufferSource(new Uint8Array(await readFile(output))));
    expect(facts.format).toBe('macho-fat');
    const slices = facts.slices ?? [];
    expect(slices.map((s) => s.goarch)).toEqual(['amd64', 'arm64']);
    expect(slices[1]?.codeSignature).toBe('adhoc-valid');
    for (const [i, name] of ['amd64-stripped', 'arm64-stripped'].entries()) {
      const thin = readFacts(new BufferSource(get(name).bytes));
      expect(slices[i]?.go).toEqual(thin.go);
      expect(slices[i]?.goBuildId).toBe(thin.goBuildId);
    }
  });

  it.each([
    ['arm64', 'arm64-stripped'],
    ['x86_64', 'amd64-stripped'],
  ])('gives back the exact input when thinned to %s', async (arch, name) => {
    const thin = path.join(dir, `thin-${arch}`);
    const result = await runTool(LIPO, [output, '-thin', arch, '-output', thin]);
    expect(result.code).toBe(0);
    expect((await readFile(thin)).equals(get(name).bytes)).toBe(true);
  });
});

describe('refusals', () => {
  it('refuses two slices of the same architecture, naming both inputs', async () => {
    const a = get('arm64-stripped').path;
    const b = get('arm64').path;
    const out = path.join(dir, 'dup');
    const error = await makeUniversal([a, b], out).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(
      `two slices of the same architecture (arm64): ${a} and ${b}: give one binary per architecture`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('refuses an ELF input', async () => {
    const out = path.join(dir, 'elf');
    const error = await makeUniversal([get('amd64-stripped').path, elf.path], out).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(
      `${elf.path} is an ELF file, not a thin Mach-O: give binaries built with GOOS=darwin`,
    );
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a single slice', () => {
    const error = refusal(() => universalBytes([get('arm64-stripped').bytes]));
    expect(error.message).toBe(
      'a universal binary needs at least 2 slices, got 1: give the darwin/amd64 and darwin/arm64 binaries',
    );
  });

  it('refuses a universal file as an input', () => {
    const fat = universalBytes([get('amd64-stripped').bytes, get('arm64-stripped').bytes]);
    const error = refusal(() => universalBytes([fat, get('amd64').bytes]));
    expect(error.message).toBe(
      'input 1 is already a universal (fat) Mach-O file: give the thin darwin/amd64 and darwin/arm64 binaries',
    );
  });

  it('refuses a truncated Mach-O with the reader’s reason', () => {
    const error = refusal(() =>
      universalBytes([get('amd64-stripped').bytes, get('arm64-stripped').bytes.subarray(0, 100)]),
    );
    expect(error.message).toMatch(
      /^input 2 is a malformed Mach-O file \(macho: at offset 0x.*\): rebuild it/,
    );
  });
});
