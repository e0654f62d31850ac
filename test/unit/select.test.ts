import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { parseGoRequests } from '../../src/toolchain/select.js';

describe('parseGoRequests', () => {
  it('takes releases, language versions and lists, with or without "go", once each', () => {
    expect(parseGoRequests('1.25.4', '--go')).toEqual(['1.25.4']);
    expect(parseGoRequests('1.24.9, go1.26 ,1.24.9', '--go')).toEqual(['1.24.9', '1.26']);
    expect(parseGoRequests(['1.26rc1', '1.25.0'], 'go')).toEqual(['1.26rc1', '1.25.0']);
  });

  it('refuses what is not a Go release, naming it', () => {
    expect(() => parseGoRequests('1.x', '--go')).toThrow(UsageError);
    expect(() => parseGoRequests('latest', 'crossgo.yaml: go')).toThrow(
      'crossgo.yaml: go "latest": not a Go release; expected e.g. 1.25.4, 1.26 or 1.26rc1',
    );
    expect(() => parseGoRequests(' , ', '--go')).toThrow('--go: expected Go releases');
  });
});
