import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { executableName, parseJsonStream } from '../../src/toolchain/module.js';

describe('executableName', () => {
  it.each([
    ['example.com/hello', 'hello'],
    ['example.com/m/cmd/tool', 'tool'],
    ['hello', 'hello'],
    ['example.com/m/v2', 'm'],
    ['example.com/m/v10', 'm'],
    ['example.com/m/v2/cmd/tool', 'tool'],
    ['example.com/m/v1', 'v1'],
    ['example.com/m/v0', 'v0'],
    ['example.com/m/version', 'version'],
    ['example.com/m/v2beta', 'v2beta'],
    ['v2', 'v2'],
  ])('%s → %s', (importPath, name) => {
    expect(executableName(importPath)).toBe(name);
  });

  // BUG: cmd/go's isVersionElement refuses an element whose first digit is 0 (v0, v01, v007),
  // so `go build` names example.com/m/v01 "v01"; executableName's /^v\d+$/ with only v0 and
  // v1 excluded returns "m".
  it('keeps a v0N element as go build does', () => {
    expect(executableName('example.com/m/v01')).toBe('v01');
  });
});

describe('parseJsonStream', () => {
  it('splits concatenated objects', () => {
    expect(parseJsonStream('{"a":1}\n{"b":{"c":[1,2]}}\n{}')).toEqual([{ a: 1 }, { b: { c: [1, 2] } }, {}]);
  });

  it('ignores braces and escaped quotes inside strings', () => {
    const text = '{"Err":"unexpected } in \\"x{\\" here"}{"Dir":"C:\\\\path\\\\{a}\\\\"}';
    expect(parseJsonStream(text)).toEqual([{ Err: 'unexpected } in "x{" here' }, { Dir: 'C:\\path\\{a}\\' }]);
  });

  it('returns nothing for empty text', () => {
    expect(parseJsonStream('')).toEqual([]);
    expect(parseJsonStream('  \n')).toEqual([]);
  });

  it('reads the real output of go list -json for several packages', () => {
    const out = execFileSync('go', ['list', '-json=ImportPath,Name', 'fmt', 'errors', 'os/exec'], {
      encoding: 'utf8',
    });
    expect(parseJsonStream<{ ImportPath: string; Name: string }>(out)).toEqual([
      { ImportPath: 'fmt', Name: 'fmt' },
      { ImportPath: 'errors', Name: 'errors' },
      { ImportPath: 'os/exec', Name: 'exec' },
    ]);
  });
});
