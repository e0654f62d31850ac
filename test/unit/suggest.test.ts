import { describe, expect, it } from 'vitest';
import { nearest } from '../../src/targets/suggest.js';

describe('nearest', () => {
  it('returns the candidate itself, case-insensitively', () => {
    expect(nearest('linux/amd64', ['linux/amd64', 'linux/arm64'])).toBe('linux/amd64');
    expect(nearest('Linux/AMD64', ['linux/amd64', 'linux/arm64'])).toBe('linux/amd64');
  });

  it('maps other ecosystems spellings per path part', () => {
    const ids = [
      'darwin/amd64',
      'darwin/arm64',
      'linux/arm64',
      'linux/386',
      'windows/amd64',
      'linux/ppc64le',
    ];
    expect(nearest('darwin/x86_64', ids)).toBe('darwin/amd64');
    expect(nearest('macos/aarch64', ids)).toBe('darwin/arm64');
    expect(nearest('osx/arm64', ids)).toBe('darwin/arm64');
    expect(nearest('linux/i386', ids)).toBe('linux/386');
    expect(nearest('win64/x64', ids)).toBe('windows/amd64');
    expect(nearest('linux/ppc64el', ids)).toBe('linux/ppc64le');
  });

  it('falls back to the smallest edit distance', () => {
    expect(nearest('tagz', ['targets', 'tags', 'dist'])).toBe('tags');
    expect(nearest('linux/amd65', ['linux/amd64', 'linux/arm64', 'darwin/amd64'])).toBe('linux/amd64');
  });

  it('breaks ties towards the nearer character', () => {
    expect(nearest('v5', ['v1', 'v2', 'v3', 'v4'])).toBe('v4');
    expect(nearest('v0', ['v1', 'v2', 'v3', 'v4'])).toBe('v1');
    expect(nearest('power11', ['power8', 'power9', 'power10'])).toBe('power10');
  });

  it('gives nothing when no candidate is close', () => {
    expect(nearest('frobnicate', ['targets', 'tags', 'dist'])).toBeUndefined();
    expect(nearest('x', [])).toBeUndefined();
  });

  // BUG: ALIASES is a plain object literal, so the lookup ALIASES[part.toLowerCase()] finds the
  // Object.prototype members "constructor" and "__proto__" and replaces the input with their
  // string form before matching. Harmless for real port names, but an exact candidate is missed.
  it('is not confused by names of Object.prototype members', () => {
    expect(nearest('constructor', ['constructor', 'other'])).toBe('constructor');
  });
});
