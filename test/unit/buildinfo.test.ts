import { describe, expect, it } from 'vitest';
import { findModInfo } from '../../src/binary/buildinfo/markers.js';
import { parseModInfo, splitSetting, unquote } from '../../src/binary/buildinfo/modinfo.js';
import { findBuildInfo, readBuildInfo } from '../../src/binary/buildinfo/read.js';
import { FormatError } from '../../src/binary/errors.js';
import type { AddressSpace } from '../../src/binary/types.js';

/**
 * The build info blob (FORMATS.md §1; src/debug/buildinfo/buildinfo.go) decoded from
 * hand-built bytes placed in a small in-memory address space.
 */

const MAGIC = [0xff, 0x20, 0x47, 0x6f, 0x20, 0x62, 0x75, 0x69, 0x6c, 0x64, 0x69, 0x6e, 0x66, 0x3a];
const INFO_START = [
  0x30, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02, 0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6,
];
const INFO_END = [
  0xf9, 0x32, 0x43, 0x31, 0x86, 0x18, 0x20, 0x72, 0x00, 0x82, 0x42, 0x10, 0x41, 0x16, 0xd8, 0xf2,
];
const text = (s: string): number[] => [...new TextEncoder().encode(s)];

interface Segment {
  address: bigint;
  bytes: Uint8Array;
}

/** Segments of memory; reads stop at a segment's end, as debug/buildinfo's ReadData does. */
class MemorySpace implements AddressSpace {
  constructor(
    private readonly segments: Segment[],
    readonly ptrSize: 4 | 8 = 8,
    readonly littleEndian = true,
    private readonly start: { address: bigint; size: number } | null = null,
  ) {}
  dataStart(): { address: bigint; size: number } | null {
    const first = this.segments[0];
    return this.start ?? (first ? { address: first.address, size: first.bytes.length } : null);
  }
  readAt(address: bigint, length: number): Uint8Array | null {
    for (const s of this.segments) {
      if (address >= s.address && address < s.address + BigInt(s.bytes.length)) {
        const from = Number(address - s.address);
        return s.bytes.subarray(from, from + length);
      }
    }
    return null;
  }
}

function uvarint(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function framed(modinfo: string): number[] {
  return [...INFO_START, ...text(modinfo), ...INFO_END];
}

/** A Go 1.18+ blob: 32-byte header with flags bit 1, then the two uvarint-prefixed strings. */
function inlineBlob(version: string, mod: number[], opts: { ptrSize?: number; bigEndian?: boolean } = {}) {
  const header = [...MAGIC, opts.ptrSize ?? 8, 0x02 | (opts.bigEndian ? 1 : 0), ...new Array(16).fill(0)];
  const v = text(version);
  const bytes = [...header, ...uvarint(v.length), ...v, ...uvarint(mod.length), ...mod];
  while (bytes.length % 16 !== 0) bytes.push(0);
  return Uint8Array.from(bytes);
}

function space(bytes: Uint8Array, address = 0x1000n): MemorySpace {
  return new MemorySpace([{ address, bytes }]);
}

const MODINFO = [
  'path\texample.com/greet',
  'mod\texample.com/greet\t(devel)\t',
  'dep\tgolang.org/x/sys\tv0.1.0\th1:abc=',
  'dep\texample.com/old\tv1.0.0',
  '=>\texample.com/new\tv1.1.0\th1:def=',
  '',
  'build\t-buildmode=exe',
  'build\t-compiler=gc',
  'build\t-ldflags="-s -w -X main.v=1"',
  'build\t"key=with=equals"=value',
  'build\t"key with space"=`raw "value"`',
  'build\tempty=',
  'build\tCGO_ENABLED=0',
  'build\tGOARCH=amd64',
  'build\tGOOS=linux',
  'future\tsomething we do not know',
  'build\tno-equals-sign',
  '',
].join('\n');

function expectFormatError(fn: () => unknown, words: RegExp): void {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).format).toBe('buildinfo');
    expect((error as FormatError).message).toMatch(words);
    return;
  }
  throw new Error('expected a FormatError');
}

describe('inline build info (Go 1.18+)', () => {
  it('decodes version, path, modules, replacements and settings', () => {
    const info = readBuildInfo(space(inlineBlob('go1.26.1', framed(MODINFO))));
    expect(info).toEqual({
      version: 'go1.26.1',
      path: 'example.com/greet',
      main: { path: 'example.com/greet', version: '(devel)', sum: '', replace: null },
      deps: [
        { path: 'golang.org/x/sys', version: 'v0.1.0', sum: 'h1:abc=', replace: null },
        {
          path: 'example.com/old',
          version: 'v1.0.0',
          sum: '',
          replace: { path: 'example.com/new', version: 'v1.1.0', sum: 'h1:def=', replace: null },
        },
      ],
      settings: {
        '-buildmode': 'exe',
        '-compiler': 'gc',
        '-ldflags': '-s -w -X main.v=1',
        'key=with=equals': 'value',
        'key with space': 'raw "value"',
        empty: '',
        CGO_ENABLED: '0',
        GOARCH: 'amd64',
        GOOS: 'linux',
      },
    });
  });

  it('reads multi-byte uvarint lengths (1, 2 and 3 bytes)', () => {
    expect(uvarint(280)).toEqual([0x98, 0x02]);
    for (const size of [100, 280, 20_000]) {
      const mod = framed(`path\t${'p'.repeat(size)}\n`);
      const blob = findBuildInfo(space(inlineBlob('go1.26.1', mod)));
      expect(blob?.modinfo.length).toBe(size + 6);
      expect(readBuildInfo(space(inlineBlob('go1.26.1', mod)))?.path).toBe('p'.repeat(size));
    }
    // A non-minimal encoding (0x85 0x00 = 5) is still a valid uvarint for Go.
    const header = [...MAGIC, 8, 2, ...new Array(16).fill(0)];
    const bytes = Uint8Array.from([...header, 0x85, 0x00, ...text('go1.x'), 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(findBuildInfo(space(bytes))?.version).toBe('go1.x');
  });

  it('strips the markers only when the length is at least 33 and byte len-17 is a newline', () => {
    const modinfo = (bytes: number[]) => findBuildInfo(space(inlineBlob('go1.26.1', bytes)))?.modinfo;
    expect(modinfo(framed('path\tx\n'))).toBe('path\tx\n');
    // 33 bytes: one newline between the markers is the shortest text that counts.
    expect(modinfo(framed('\n'))).toBe('\n');
    // 32 bytes (markers only): too short, so empty.
    expect(modinfo(framed(''))).toBe('');
    // No newline at len-17: empty, whatever the text.
    expect(modinfo(framed('path\tx'))).toBe('');
    // The rule looks at the position only, not at the marker bytes themselves.
    expect(modinfo([...new Array(16).fill(0x41), ...text('path\ty\n'), ...new Array(16).fill(0x42)])).toBe(
      'path\ty\n',
    );
    expect(modinfo([])).toBe('');
  });

  it('reports no build info when the version is empty (debug/buildinfo errNotGoExe)', () => {
    expect(readBuildInfo(space(inlineBlob('', framed(MODINFO))))).toBeNull();
  });

  it('skips a magic at an address that is not a multiple of 16', () => {
    const good = inlineBlob('go1.26.1', framed('path\taligned\n'));
    const bad = inlineBlob('go1.0', framed('path\tunaligned\n'));
    // Bad blob at 0x1008 (unaligned), good one at the next 16-aligned address after it.
    const bytes = new Uint8Array(8 + bad.length + 8 + good.length);
    bytes.set(bad, 8);
    const goodAt = 8 + bad.length + 8;
    expect(goodAt % 16).toBe(0);
    bytes.set(good, goodAt);
    const blob = findBuildInfo(space(bytes, 0x1000n));
    expect(blob?.address).toBe(0x1000n + BigInt(goodAt));
    expect(readBuildInfo(space(bytes, 0x1000n))?.path).toBe('aligned');
    // Only the unaligned one: none at all.
    expect(findBuildInfo(space(bytes.slice(0, goodAt), 0x1000n))).toBeNull();
    // Alignment is of the address, not of the offset into the searched range.
    expect(findBuildInfo(space(good, 0x1008n))).toBeNull();
    const shifted = new Uint8Array(8 + good.length);
    shifted.set(good, 8);
    expect(readBuildInfo(space(shifted, 0x1008n))?.path).toBe('aligned');
  });

  it('finds a blob past the first 64 KiB search chunk', () => {
    const good = inlineBlob('go1.26.1', framed('path\tfar\n'));
    const bytes = new Uint8Array(70_000 + good.length);
    bytes.set(good, 65_536 - 16);
    expect(readBuildInfo(space(bytes))?.path).toBe('far');
    const later = new Uint8Array(70_000 + good.length);
    later.set(good, 69_920);
    expect(readBuildInfo(space(later))?.path).toBe('far');
  });

  it('needs the whole 32-byte header inside the searched range', () => {
    const good = inlineBlob('go1.26.1', framed('path\tx\n'));
    const s = new MemorySpace([{ address: 0x1000n, bytes: good }], 8, true, { address: 0x1000n, size: 16 });
    expect(findBuildInfo(s)).toBeNull();
  });

  it('returns null without a data start or a magic', () => {
    expect(readBuildInfo(new MemorySpace([]))).toBeNull();
    expect(readBuildInfo(space(new Uint8Array(4096)))).toBeNull();
  });
});

describe('pointer build info (before Go 1.18)', () => {
  /**
   * Header at 0x1000 with pointers to two Go string headers {data, len} at 0x2000 and 0x2000 +
   * 2*ptrSize, whose data lives at 0x3000 and 0x3100: three separate segments.
   */
  function pointerSpace(ptrSize: 4 | 8, le: boolean, mod: number[], version = 'go1.17.13'): MemorySpace {
    const word = (v: number): number[] => {
      const out = new Array(ptrSize).fill(0);
      for (let i = 0; i < 4; i++) out[le ? i : ptrSize - 1 - i] = (v >>> (8 * i)) & 0xff;
      return out;
    };
    const header = [...MAGIC, ptrSize, le ? 0 : 1, ...word(0x2000), ...word(0x2000 + 2 * ptrSize)];
    while (header.length < 32) header.push(0);
    const v = text(version);
    const strings = [...word(0x3000), ...word(v.length), ...word(0x3100), ...word(mod.length)];
    return new MemorySpace(
      [
        { address: 0x1000n, bytes: Uint8Array.from(header) },
        { address: 0x2000n, bytes: Uint8Array.from(strings) },
        { address: 0x3000n, bytes: Uint8Array.from(v) },
        { address: 0x3100n, bytes: Uint8Array.from(mod) },
      ],
      ptrSize,
      le,
    );
  }

  for (const ptrSize of [4, 8] as const) {
    for (const le of [true, false]) {
      it(`${ptrSize * 8}-bit ${le ? 'little' : 'big'}-endian`, () => {
        const info = readBuildInfo(pointerSpace(ptrSize, le, framed(MODINFO)));
        expect(info?.version).toBe('go1.17.13');
        expect(info?.path).toBe('example.com/greet');
        expect(info?.settings['-ldflags']).toBe('-s -w -X main.v=1');
      });
    }
  }

  it('accepts an empty module info whose data pointer is nil (GOPATH builds)', () => {
    const s = pointerSpace(8, true, []);
    // The modinfo string header says {0x3100, 0}: no bytes to read.
    expect(readBuildInfo(s)).toMatchObject({ version: 'go1.17.13', path: '', main: null, deps: [] });
  });

  it('rejects a pointer size other than 4 or 8', () => {
    const header = Uint8Array.from([...MAGIC, 2, 0, ...new Array(16).fill(0)]);
    expectFormatError(() => readBuildInfo(space(header)), /pointer size 2 is not 4 or 8/);
  });

  it('rejects unmapped pointers', () => {
    // Version pointer to nowhere.
    const header = Uint8Array.from([...MAGIC, 8, 0, 0, 0, 0, 0x7f, 0, 0, 0, 0, ...new Array(8).fill(0)]);
    expectFormatError(() => readBuildInfo(space(header)), /string header at 0x7f000000 is not mapped/);
    // Header mapped, data pointer to nowhere.
    const padded = new MemorySpace(
      [
        {
          address: 0x1000n,
          bytes: Uint8Array.from([
            ...MAGIC,
            4,
            0,
            0x00,
            0x20,
            0,
            0,
            0x00,
            0x20,
            0,
            0,
            ...new Array(8).fill(0),
          ]),
        },
        { address: 0x2000n, bytes: Uint8Array.from([0, 0, 0, 0x7e, 5, 0, 0, 0]) },
      ],
      4,
    );
    expectFormatError(() => readBuildInfo(padded), /string data at 0x7e000000 is not mapped/);
  });

  it('rejects an implausible string length', () => {
    const header = Uint8Array.from([...MAGIC, 4, 0, 0x00, 0x20, 0, 0, 0, 0, 0, 0, ...new Array(8).fill(0)]);
    const s = new MemorySpace(
      [
        { address: 0x1000n, bytes: header },
        { address: 0x2000n, bytes: Uint8Array.from([0, 0x20, 0, 0, 0xff, 0xff, 0xff, 0x7f]) },
      ],
      4,
    );
    expectFormatError(() => readBuildInfo(s), /string length 2147483647 is implausible/);
  });
});

describe('malformed inline blobs', () => {
  const header = [...MAGIC, 8, 2, ...new Array(16).fill(0)];

  it('rejects a uvarint longer than 10 bytes', () => {
    const bytes = Uint8Array.from([...header, ...new Array(11).fill(0x80), 1, ...new Array(4).fill(0)]);
    expectFormatError(() => readBuildInfo(space(bytes)), /varint is longer than 10 bytes/);
    // Ten bytes whose last is above 1: overflows 64 bits (encoding/binary.Uvarint n < 0).
    const overflow = Uint8Array.from([...header, ...new Array(9).fill(0xff), 0x02, ...new Array(6).fill(0)]);
    expectFormatError(() => readBuildInfo(space(overflow)), /varint is longer than 10 bytes/);
  });

  it('rejects a uvarint cut by the end of the data', () => {
    const bytes = Uint8Array.from([...header, 0x80, 0x80]);
    expectFormatError(() => readBuildInfo(space(bytes)), /varint is truncated/);
  });

  it('rejects a length past the data', () => {
    const bytes = Uint8Array.from([...header, 40, ...text('go1.26'), ...new Array(10).fill(0)]);
    expectFormatError(() => readBuildInfo(space(bytes)), /string of 40 bytes runs past the mapped data/);
    const modTooLong = Uint8Array.from([...header, 6, ...text('go1.26'), 0xff, 0x01, 1, 2, 3]);
    expectFormatError(() => readBuildInfo(space(modTooLong)), /string of 255 bytes runs past/);
  });

  it('rejects an implausible length', () => {
    const bytes = Uint8Array.from([...header, 0xff, 0xff, 0xff, 0xff, 0x0f, ...new Array(11).fill(0)]);
    expectFormatError(() => readBuildInfo(space(bytes)), /string length 4294967295 is implausible/);
  });

  it('rejects strings that are not mapped at all', () => {
    // Header ends exactly at the segment's end: nothing after it.
    expectFormatError(
      () => readBuildInfo(space(Uint8Array.from(header))),
      /the build info strings are not mapped/,
    );
  });
});

describe('module info text', () => {
  it('ignores a last line without a newline, as ParseBuildInfo does', () => {
    expect(parseModInfo('path\ta\nbuild\tGOOS=linux').settings).toEqual({});
    expect(parseModInfo('path\ta\nbuild\tGOOS=linux\n').settings).toEqual({ GOOS: 'linux' });
  });

  it('keeps tabs in the path and skips unknown, blank and orphan lines', () => {
    const info = parseModInfo('\n=>\ta\tb\tc\npath\ta\tb\nweird\nbuild\tx\n');
    expect(info).toEqual({ path: 'a\tb', main: null, deps: [], settings: {} });
  });

  it('splits quoted keys and values the way cmd/go writes them', () => {
    expect(splitSetting('-ldflags="-s -w -X main.v=1"')).toEqual(['-ldflags', '-s -w -X main.v=1']);
    expect(splitSetting('"a=b"=c')).toEqual(['a=b', 'c']);
    expect(splitSetting('`a=b`=`c d`')).toEqual(['a=b', 'c d']);
    expect(splitSetting('""=x')).toEqual(['', 'x']);
    expect(splitSetting('k=v=w')).toEqual(['k', 'v=w']);
    expect(splitSetting('"unterminated=x')).toBeNull();
    expect(splitSetting('"k"x')).toBeNull();
    expect(splitSetting('no-equals')).toBeNull();
  });

  it('records an empty key and a "__proto__" key as plain settings', () => {
    const info = parseModInfo('build\t""=empty\nbuild\t__proto__=x\nbuild\tGOOS=linux\n');
    expect(Object.keys(info.settings)).toEqual(['', '__proto__', 'GOOS']);
    expect(info.settings['']).toBe('empty');
    expect(Object.getOwnPropertyDescriptor(info.settings, '__proto__')?.value).toBe('x');
    expect(Object.getPrototypeOf(info.settings)).toBe(Object.prototype);
  });

  it('unquotes every escape strconv.Quote writes', () => {
    expect(unquote('"a\\tb\\nc\\\\d\\"e"')).toBe('a\tb\nc\\d"e');
    expect(unquote('"\\a\\b\\f\\v\\r"')).toBe('\x07\b\f\v\r');
    expect(unquote('"\\u00e9\\U0001F600"')).toBe('é😀');
    expect(unquote('"\\xc3\\xa9\\303\\251"')).toBe('éé');
    // \x5c is a backslash byte; the "x41" after it is text, not an escape.
    expect(unquote('"\\\\x41"')).toBe('\\x41');
    expect(unquote('"é"')).toBe('é');
    expect(unquote('`a\r\nb`')).toBe('a\nb');
    // Not a valid literal: shown as it is.
    expect(unquote('"\\q"')).toBe('"\\q"');
    expect(unquote('"\\x4"')).toBe('"\\x4"');
    expect(unquote('"\\777"')).toBe('"\\777"');
    expect(unquote('"')).toBe('"');
  });

  it('finds module info between the markers in raw data (wasm fallback)', () => {
    const data = Uint8Array.from([1, 2, 3, ...framed('path\tx\n'), 9, 9]);
    expect(findModInfo(data)).toBe('path\tx\n');
    expect(findModInfo(Uint8Array.from(INFO_START))).toBeNull();
    expect(findModInfo(new Uint8Array(0))).toBeNull();
  });
});
