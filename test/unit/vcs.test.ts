import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { parseSourceDateEpoch, readVersionInfo } from '../../src/toolchain/vcs.js';

describe('parseSourceDateEpoch', () => {
  it('is null when unset or empty', () => {
    expect(parseSourceDateEpoch(undefined)).toBeNull();
    expect(parseSourceDateEpoch('')).toBeNull();
  });

  it('reads Unix seconds', () => {
    expect(parseSourceDateEpoch('0')).toBe(0);
    expect(parseSourceDateEpoch('1700000000')).toBe(1700000000);
  });

  it.each(['abc', '-1', '1.5', ' 1700000000', '1700000000\n', '1e9', '0x10'])('refuses %j', (value) => {
    expect(() => parseSourceDateEpoch(value)).toThrow(UsageError);
    expect(() => parseSourceDateEpoch(value)).toThrow(
      `SOURCE_DATE_EPOCH=${JSON.stringify(value)} is not a Unix time in seconds: set it to e.g. $(git log -1 --format=%ct)`,
    );
  });
});

describe('readVersionInfo outside a repository', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'crossgo-vcs-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const env = () => ({ ...process.env, GIT_CEILING_DIRECTORIES: path.dirname(dir) });

  it('dates the build from SOURCE_DATE_EPOCH', async () => {
    const info = await readVersionInfo({ dir, env: { ...env(), SOURCE_DATE_EPOCH: '1700000000' } });
    expect(info).toEqual({
      version: 'dev',
      commit: 'none',
      date: '2023-11-14T22:13:20Z',
      dateSource: 'SOURCE_DATE_EPOCH',
      dirty: false,
      epoch: 1700000000,
      tag: '',
      branch: '',
      snapshot: false,
    });
  });

  // BUG: parseSourceDateEpoch accepts any run of digits, and readVersionInfo then calls
  // new Date(epoch * 1000).toISOString(), which throws a bare RangeError ("Invalid time value")
  // for values past year 275760 instead of a UsageError that names SOURCE_DATE_EPOCH.
  it('refuses a SOURCE_DATE_EPOCH too large to be a date with a UsageError', async () => {
    await expect(
      readVersionInfo({ dir, env: { ...env(), SOURCE_DATE_EPOCH: '99999999999999' } }),
    ).rejects.toBeInstanceOf(UsageError);
  });
});
