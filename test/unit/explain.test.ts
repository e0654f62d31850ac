import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { readFacts } from '../../src/binary/read.js';
import { BufferSource } from '../../src/binary/source.js';
import { explainDifference } from '../../src/repro/explain.js';
import { corpusBinary } from '../helpers/corpus.js';

let original: Buffer;
let buildId: string;

beforeAll(async () => {
  original = await readFile(await corpusBinary({ goos: 'linux', goarch: 'amd64', strip: true }));
  buildId = readFacts(new BufferSource(original)).goBuildId as string;
});

/** The binary with every occurrence of `from` replaced by `to` (same length). */
function replaced(bytes: Buffer, from: string, to: string): Buffer {
  const copy = Buffer.from(bytes);
  for (let at = copy.indexOf(from); at !== -1; at = copy.indexOf(from, at + 1)) copy.write(to, at, 'latin1');
  return copy;
}

describe('explainDifference', () => {
  it('finds nothing to explain in identical files', () => {
    expect(explainDifference(original, Buffer.from(original), [])).toMatchObject({
      first: null,
      sections: [],
      causes: [],
    });
  });

  it('says when only the Go build ID differs, and where it is', () => {
    const other = `${buildId.slice(0, -4)}ZZZZ`;
    const d = explainDifference(original, replaced(original, buildId, other), []);
    expect(d.causes.map((c) => c.kind)).toEqual(['build-id-only']);
    expect(d.sections.map((s) => s.name)).toContain('.note.go.buildid');
    expect(d.first?.textA).toContain(buildId.slice(-4, -2));
  });

  it('names a leaked path and a changed string with their context', () => {
    // The fixture prints "greet version=…": make a changed string of the same length.
    const d = explainDifference(original, replaced(original, 'greet version=', 'GREET version='), [
      { label: 'module folder', a: '/nowhere/a', b: '/nowhere/b' },
    ]);
    expect(d.causes.map((c) => c.kind)).toEqual(['string-value']);
    expect(d.causes[0]?.detail).toMatch(/"[^"]*greet version=[^"]*" is "[^"]*GREET version=[^"]*"/);
    const leaked = explainDifference(original, replaced(original, 'greet version=', '/nowhere/b/xyz'), [
      { label: 'module folder', a: '/nowhere/a', b: '/nowhere/b' },
    ]);
    expect(leaked.causes.map((c) => c.kind)).toContain('leaked-path');
    expect(leaked.causes.find((c) => c.kind === 'leaked-path')?.detail).toMatch(
      /module folder \(\/nowhere\/b\) is in the binary at 0x[0-9a-f]+ of the second build/,
    );
  });

  it('reports different sizes, and copes with files no reader knows', () => {
    const d = explainDifference(Buffer.from('not a binary at all'), Buffer.from('not a binary, really'), []);
    expect(d.sizes).toEqual([19, 20]);
    expect(d.causes.map((c) => c.kind)).toEqual(['size']);
    expect(d.first?.offset).toBe(12);
  });
});
