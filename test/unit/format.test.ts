import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatTable } from '../../src/cli/render/format.js';

describe('formatBytes', () => {
  it.each([
    [0, '0 B'],
    [1, '1 B'],
    [1000, '1000 B'],
    [1023, '1.00 KiB'],
    [1024, '1.00 KiB'],
    [1536, '1.50 KiB'],
    [10 * 1024, '10.0 KiB'],
    [1024 * 1024 - 1, '1.00 MiB'],
    [1024 * 1024, '1.00 MiB'],
    [Math.round(2.5 * 1024 * 1024), '2.50 MiB'],
    [123 * 1024 * 1024, '123 MiB'],
    [1024 ** 3, '1.00 GiB'],
    [3 * 1024 ** 4, '3072 GiB'],
  ])('%i bytes → %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 ms'],
    [12.4, '12.4 ms'],
    [990, '990 ms'],
    [999, '1.00 s'],
    [1000, '1.00 s'],
    [1549, '1.55 s'],
    [61_000, '61.0 s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('formatTable', () => {
  it('left-aligns columns, separates them by two spaces and underlines the headers', () => {
    const text = formatTable(
      ['TARGET', 'STATUS'],
      [
        ['linux/amd64', 'ok'],
        ['windows/386', 'failed'],
      ],
    );
    expect(text).toBe(
      ['TARGET       STATUS', '-----------  ------', 'linux/amd64  ok', 'windows/386  failed'].join('\n'),
    );
  });

  it('right-aligns a column whose header starts with >', () => {
    const text = formatTable(
      ['TARGET', '>SIZE', 'TIME'],
      [
        ['linux/amd64', '1.50 MiB', '12 ms'],
        ['js/wasm', '812 B', '1.5 s'],
      ],
    );
    expect(text.split('\n')).toEqual([
      'TARGET           SIZE  TIME',
      '-----------  --------  -----',
      'linux/amd64  1.50 MiB  12 ms',
      'js/wasm         812 B  1.5 s',
    ]);
  });

  it('widens a column to its header and trims trailing spaces', () => {
    const lines = formatTable(['NAME', 'LONG HEADER'], [['a', 'b']]).split('\n');
    expect(lines).toEqual(['NAME  LONG HEADER', '----  -----------', 'a     b']);
    for (const line of lines) expect(line).toBe(line.trimEnd());
  });

  it('ignores ANSI colour codes when measuring', () => {
    const green = (s: string) => `\x1b[32m${s}\x1b[39m`;
    const lines = formatTable(
      ['STATUS', 'TARGET'],
      [
        [green('ok'), 'linux/amd64'],
        ['failed', 'darwin/arm64'],
      ],
    ).split('\n');
    const strip = (s: string) => s.replaceAll('\x1b[32m', '').replaceAll('\x1b[39m', '');
    expect(lines.map(strip)).toEqual([
      'STATUS  TARGET',
      '------  ------------',
      'ok      linux/amd64',
      'failed  darwin/arm64',
    ]);
    expect(lines[2]).toBe(`${green('ok')}      linux/amd64`);
  });

  it('prints a header and rule for no rows, and treats missing cells as empty', () => {
    expect(formatTable(['A', '>B'], [])).toBe('A  B\n-  -');
    expect(formatTable(['A', 'B', 'C'], [['x'], ['y', 'yy', 'z']]).split('\n')).toEqual([
      'A  B   C',
      '-  --  -',
      'x',
      'y  yy  z',
    ]);
  });
});
