import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { isInside, resolveInside, toPortable } from '../../src/fs/paths.js';

const root = path.resolve('/tmp/crossgo-out/dist');

describe('isInside', () => {
  it('is true for the folder itself and anything below it', () => {
    expect(isInside(root, root)).toBe(true);
    expect(isInside(root, path.join(root, 'a'))).toBe(true);
    expect(isInside(root, path.join(root, 'a', 'b', 'c.exe'))).toBe(true);
    expect(isInside(root, path.join(root, '..dotdot-name'))).toBe(true);
  });

  it('is false for parents, siblings and prefixes of the name', () => {
    expect(isInside(root, path.dirname(root))).toBe(false);
    expect(isInside(root, path.join(root, '..', 'other'))).toBe(false);
    expect(isInside(root, `${root}-sibling`)).toBe(false);
    expect(isInside(root, '/etc/passwd')).toBe(false);
  });
});

describe('resolveInside', () => {
  it('resolves a relative path below the root', () => {
    expect(resolveInside(root, 'hello-linux-amd64', 'output')).toBe(path.join(root, 'hello-linux-amd64'));
    expect(resolveInside(root, 'v1/bin/hello.exe', 'output')).toBe(path.join(root, 'v1', 'bin', 'hello.exe'));
    expect(resolveInside(root, 'a/../b', 'output')).toBe(path.join(root, 'b'));
  });

  it('refuses a path that climbs out of the root', () => {
    expect(() => resolveInside(root, '../x', 'output name')).toThrow(UsageError);
    expect(() => resolveInside(root, '../x', 'output name')).toThrow(
      `output name "../x" would write outside the output folder ${root}: keep it inside`,
    );
    expect(() => resolveInside(root, 'a/../../x', 'output name')).toThrow('would write outside');
    expect(() => resolveInside(root, '..', 'output name')).toThrow('would write outside');
  });

  it('refuses an absolute path', () => {
    expect(() => resolveInside(root, '/etc/passwd', 'output name')).toThrow(UsageError);
    expect(() => resolveInside(root, '/etc/passwd', 'output name')).toThrow(
      'output name "/etc/passwd" is an absolute path: it must be relative to the output folder',
    );
    expect(() => resolveInside(root, path.join(root, 'x'), 'output name')).toThrow('is an absolute path');
  });

  it('refuses the root itself', () => {
    for (const rel of ['.', '', './', 'a/..']) {
      expect(() => resolveInside(root, rel, 'output name')).toThrow(
        `output name "${rel}" would write outside the output folder ${root}: keep it inside`,
      );
    }
  });
});

describe('toPortable', () => {
  it('gives forward-slash paths relative to the root', () => {
    expect(toPortable(root, path.join(root, 'hello-linux-amd64'))).toBe('hello-linux-amd64');
    expect(toPortable(root, path.join(root, 'v1', 'bin', 'hello.exe'))).toBe('v1/bin/hello.exe');
  });
});
