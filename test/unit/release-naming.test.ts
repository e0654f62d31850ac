import { describe, expect, it } from 'vitest';
import { binaryNameInArchive, checksumsName, releaseBase, releaseVersion } from '../../src/release/naming.js';

describe('release names', () => {
  it("follow GoReleaser's <name>_<version>_<goos>_<goarch>[_<variant>], the version without its v", () => {
    expect(releaseVersion('v1.2.3')).toBe('1.2.3');
    expect(releaseVersion('v1.2.3-4-gabcdef0-dirty')).toBe('1.2.3-4-gabcdef0-dirty');
    expect(releaseVersion('dev')).toBe('dev');
    expect(releaseVersion('version2')).toBe('version2');
    expect(releaseBase('hello', 'v1.2.3', { goos: 'linux', goarch: 'amd64', variant: 'v3' })).toBe(
      'hello_1.2.3_linux_amd64_v3',
    );
    expect(releaseBase('hello', 'v1.2.3', { goos: 'darwin', goarch: 'universal' })).toBe(
      'hello_1.2.3_darwin_universal',
    );
    expect(checksumsName('hello', 'v1.2.3')).toBe('hello_1.2.3_checksums.txt');
  });

  it('name the binary inside an archive after the command, with the platform extension', () => {
    expect(binaryNameInArchive('hello', 'windows', 'arm64')).toBe('hello.exe');
    expect(binaryNameInArchive('hello', 'wasip1', 'wasm')).toBe('hello.wasm');
    expect(binaryNameInArchive('hello', 'linux', 'amd64')).toBe('hello');
  });
});
