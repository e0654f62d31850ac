import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { compareGoVersions, type GoVersion, parseGoVersion } from '../../src/toolchain/version.js';

const v = (raw: string) => {
  const parsed = parseGoVersion(raw);
  if (!parsed) throw new Error(`parseGoVersion(${JSON.stringify(raw)}) returned null`);
  return parsed;
};
const sign = (a: string, b: string) => Math.sign(compareGoVersions(v(a), v(b)));

describe('parseGoVersion', () => {
  it('parses a release', () => {
    expect(parseGoVersion('go1.21.0')).toEqual<GoVersion>({
      major: 1,
      minor: 21,
      patch: 0,
      pre: '',
      devel: false,
      raw: 'go1.21.0',
    });
    expect(parseGoVersion('go1.26.8')).toEqual<GoVersion>({
      major: 1,
      minor: 26,
      patch: 8,
      pre: '',
      devel: false,
      raw: 'go1.26.8',
    });
  });

  it('parses a release candidate and a beta', () => {
    expect(parseGoVersion('go1.22rc1')).toEqual<GoVersion>({
      major: 1,
      minor: 22,
      patch: 0,
      pre: 'rc1',
      devel: false,
      raw: 'go1.22rc1',
    });
    expect(parseGoVersion('go1.20beta2')).toMatchObject({ major: 1, minor: 20, patch: 0, pre: 'beta2' });
  });

  it('parses a version without a patch number as patch 0', () => {
    expect(parseGoVersion('go1.20')).toMatchObject({ major: 1, minor: 20, patch: 0, pre: '' });
  });

  it('trims whitespace and keeps the trimmed text as raw', () => {
    expect(parseGoVersion('  go1.23.4\n')).toMatchObject({ minor: 23, patch: 4, raw: 'go1.23.4' });
  });

  it('ignores what follows the version, such as experiments', () => {
    expect(parseGoVersion('go1.22.1 X:nocoverageredesign')).toMatchObject({ minor: 22, patch: 1, pre: '' });
  });

  it('parses a development build with a version', () => {
    const raw = 'devel go1.27-abcdef Tue Jan 6 10:00:00 2026 +0000';
    expect(parseGoVersion(raw)).toEqual<GoVersion>({
      major: 1,
      minor: 27,
      patch: 0,
      pre: '',
      devel: true,
      raw,
    });
  });

  it('treats an old-style development build without a version as newer than any release', () => {
    const parsed = v('devel +b7a55cd Wed Mar 1 00:00:00 2023 +0000');
    expect(parsed.devel).toBe(true);
    expect(compareGoVersions(parsed, v('go1.26.8'))).toBeGreaterThan(0);
  });

  it.each(['', 'garbage', '1.21.0', 'go', 'gox.y', 'version go1.21.0', 'go1'])(
    'returns null for %j',
    (raw) => {
      expect(parseGoVersion(raw)).toBeNull();
    },
  );

  it('parses the GOVERSION of the go on PATH', () => {
    const raw = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
    const parsed = v(raw);
    expect(parsed.major).toBe(1);
    expect(parsed.minor).toBeGreaterThanOrEqual(21);
  });
});

describe('compareGoVersions', () => {
  it('orders by major, minor and patch numerically', () => {
    expect(sign('go1.21.0', 'go1.22.0')).toBe(-1);
    expect(sign('go1.9.7', 'go1.10.0')).toBe(-1);
    expect(sign('go1.21.10', 'go1.21.9')).toBe(1);
    expect(sign('go1.26.8', 'go1.26.8')).toBe(0);
    expect(sign('go1.21', 'go1.21.0')).toBe(0);
  });

  it('puts a pre-release before its release and after the previous minor', () => {
    expect(sign('go1.22rc1', 'go1.22.0')).toBe(-1);
    expect(sign('go1.22.0', 'go1.22rc1')).toBe(1);
    expect(sign('go1.22rc1', 'go1.21.13')).toBe(1);
    expect(sign('go1.22beta1', 'go1.22rc1')).toBe(-1);
    expect(sign('go1.22rc1', 'go1.22rc2')).toBe(-1);
    expect(sign('go1.22rc2', 'go1.22rc10')).toBe(-1);
  });

  it('sorts a list of versions', () => {
    const sorted = [
      'go1.22.0',
      'devel go1.27-abcdef Tue',
      'go1.21rc2',
      'go1.22rc1',
      'go1.21.0',
      'go1.22beta1',
      'go1.26.8',
      'go1.9',
    ]
      .map(v)
      .sort(compareGoVersions)
      .map((x) => x.raw);
    expect(sorted).toEqual([
      'go1.9',
      'go1.21rc2',
      'go1.21.0',
      'go1.22beta1',
      'go1.22rc1',
      'go1.22.0',
      'go1.26.8',
      'devel go1.27-abcdef Tue',
    ]);
  });
});
