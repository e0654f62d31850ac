import { link, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inspection } from '../../src/commands/inspect.js';
import { cleanupTemps, crossgo, runTool, tempDir, testEnv } from '../helpers/cli.js';
import { corpusBinary } from '../helpers/corpus.js';
import { goVersionM, llvmTool } from '../helpers/oracles.js';

afterAll(cleanupTemps);

let files: Record<string, string>;
let scratch: string;

beforeAll(async () => {
  scratch = await tempDir();
  const [linux, windows, darwinAmd, darwinArm, wasm, linuxFull] = await Promise.all([
    corpusBinary({ goos: 'linux', goarch: 'arm64', strip: true }),
    corpusBinary({ goos: 'windows', goarch: 'amd64', strip: true, ldflags: ['-H', 'windowsgui'] }),
    corpusBinary({ goos: 'darwin', goarch: 'amd64', strip: true }),
    corpusBinary({ goos: 'darwin', goarch: 'arm64', strip: true }),
    corpusBinary({ goos: 'wasip1', goarch: 'wasm', strip: true }),
    corpusBinary({ goos: 'linux', goarch: 'amd64' }),
  ]);
  const fat = path.join(scratch, 'greet-darwin-universal');
  const lipo = await runTool(llvmTool('llvm-lipo'), ['-create', darwinAmd, darwinArm, '-output', fat]);
  if (lipo.code !== 0) throw new Error(lipo.stderr);
  const junk = path.join(scratch, 'junk.bin');
  await writeFile(junk, 'not a binary at all');
  files = { linux, windows, darwinArm, wasm, linuxFull, fat, junk } as Record<string, string>;
});

async function inspectJson(
  args: string[],
): Promise<{ code: number; records: (Inspection & { error?: { message: string } })[] }> {
  const result = await crossgo(['inspect', '--json', ...args], { env: testEnv() });
  return {
    code: result.code,
    records: JSON.parse(result.stdout) as (Inspection & { error?: { message: string } })[],
  };
}

describe('crossgo inspect', () => {
  it('reads every format in one call, with the JSON field names of the issue', async () => {
    const { code, records } = await inspectJson(
      [files.linux, files.windows, files.darwinArm, files.wasm, files.fat].map(String),
    );
    expect(code).toBe(0);
    const [linux, windows, darwin, wasm, fat] = records;
    expect(linux).toMatchObject({
      format: 'elf',
      goos: 'linux',
      goarch: 'arm64',
      bits: 64,
      endian: 'little',
      type: 'exec',
      static: true,
      stripped: true,
      dwarf: false,
      interpreter: null,
      libraries: [],
    });
    expect(windows).toMatchObject({
      format: 'pe',
      goos: 'windows',
      goarch: 'amd64',
      subsystem: 'gui',
      static: true,
      libraries: ['kernel32.dll'],
    });
    expect(darwin).toMatchObject({
      format: 'macho',
      goos: 'darwin',
      goarch: 'arm64',
      codeSignature: 'adhoc-valid',
    });
    expect(typeof darwin?.minOS).toBe('string');
    expect(wasm).toMatchObject({ format: 'wasm', goos: 'wasip1', goarch: 'wasm', bits: 32 });
    expect(fat?.format).toBe('macho-fat');
    expect(fat?.slices?.map((s) => s.goarch)).toEqual(['amd64', 'arm64']);
    for (const r of records) {
      expect(r.go?.version).toMatch(/^go1\.\d+/);
      expect(r.goBuildId).toMatch(/^[\w-]+\/[\w-]+\/[\w-]+\/[\w-]+$/);
      expect(r).not.toHaveProperty('sections');
    }
  });

  it('reports the build info go version -m reports', async () => {
    const { records } = await inspectJson([files.linuxFull as string]);
    const oracle = await goVersionM(files.linuxFull as string);
    expect(records[0]?.go?.settings).toEqual(Object.fromEntries(oracle));
    expect(records[0]?.stripped).toBe(false);
    expect(records[0]?.dwarf).toBe(true);
    expect(records[0]?.symbols).toBeGreaterThan(1000);
  });

  it('--sections adds the section list', async () => {
    const { records } = await inspectJson(['--sections', files.linux as string]);
    const names = records[0]?.sections?.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['.text', '.rodata', '.go.buildinfo', '.note.go.buildid']));
  });

  it('prints one row per file, or everything with -v', async () => {
    const table = await crossgo(['inspect', files.linux as string, files.windows as string], {
      env: testEnv(),
    });
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(/elf\s+linux\/arm64\s+64\s+exec\s+static\s+yes\s+go1\.\d+/);
    const verbose = await crossgo(['inspect', '-v', files.windows as string], { env: testEnv() });
    expect(verbose.stdout).toMatch(/subsystem\s+gui/);
    expect(verbose.stdout).toMatch(/build\s+GOARCH=amd64/);
  });

  it('reports a bad file and still inspects the others (exit 1)', async () => {
    const result = await crossgo(
      ['inspect', '--json', files.junk as string, files.linux as string, path.join(scratch, 'missing')],
      {
        env: testEnv(),
      },
    );
    expect(result.code).toBe(1);
    const records = JSON.parse(result.stdout) as {
      error?: { format: string; message: string };
      format?: string;
    }[];
    expect(records[0]?.error?.message).toMatch(
      /^not an executable: no ELF, PE, Mach-O, wasm, XCOFF or Plan 9 header/,
    );
    expect(records[1]?.format).toBe('elf');
    expect(records[2]?.error?.message).toBe('no such file');
    expect(result.stderr.trim().split('\n')).toHaveLength(2);
  });

  it('shares many files among threads and keeps their order, bad ones included', async () => {
    // 120 files: enough for two threads (48 per thread at least). Hard links of every kind,
    // dealt in a pattern that differs from the round-robin split between threads.
    const kinds = ['linux', 'windows', 'darwinArm', 'fat', 'wasm', 'junk', 'linuxFull'];
    const many = path.join(scratch, 'many');
    await mkdir(many);
    const order: string[] = [];
    const paths: string[] = [];
    for (let i = 0; i < 120; i++) {
      const kind = kinds[(i * 5 + Math.floor(i / 7)) % kinds.length] as string;
      const file = path.join(many, `${String(i).padStart(3, '0')}-${kind}`);
      await link(files[kind] as string, file);
      order.push(kind);
      paths.push(file);
    }
    paths.splice(60, 0, path.join(many, 'missing'));
    order.splice(60, 0, 'missing');
    const { code, records } = await inspectJson(paths);
    expect(code).toBe(1);
    expect(records.map((r) => r.file)).toEqual(paths);
    // Each record is what inspecting that file alone reports.
    const alone = new Map<string, unknown>();
    for (const kind of new Set(order)) {
      const one = await inspectJson([paths[order.indexOf(kind)] as string]);
      const { file: _file, ...rest } = one.records[0] as Inspection;
      alone.set(kind, rest);
    }
    records.forEach((record, i) => {
      const { file: _file, ...rest } = record;
      expect(rest).toEqual(alone.get(order[i] as string));
    });
  });
});
