import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { FormatError } from '../../src/binary/errors.js';
import { BufferSource } from '../../src/binary/source.js';
import { FIXTURES, runTool, tempDir } from './cli.js';

/**
 * The broken fixtures of one reader (test/fixtures/broken/<folder>, yauzl's way): each is small,
 * make.mjs rebuilds it byte for byte, and the reader refuses it with a FormatError whose message
 * says what the file's name says — its words in order, or (`phrase`) the name as one phrase.
 */
export async function expectBrokenFixtures(opts: {
  folder: string;
  ext: string;
  parse: (src: BufferSource) => unknown;
  min: number;
  max?: number;
  /** The FormatError's format, when the test pins it. */
  format?: string;
  /** make.mjs writes exactly the committed set. */
  sameSet?: boolean;
  phrase?: boolean;
}): Promise<void> {
  const broken = path.join(FIXTURES, 'broken', opts.folder);
  const names = (await readdir(broken)).filter((n) => n.endsWith(opts.ext)).sort();
  expect(names.length).toBeGreaterThanOrEqual(opts.min);
  if (opts.max !== undefined) expect(names.length).toBeLessThanOrEqual(opts.max);
  const rebuilt = await tempDir(`crossgo-${opts.folder}-broken-`);
  const make = await runTool(process.execPath, [path.join(broken, 'make.mjs'), rebuilt]);
  expect(make.code, make.stderr).toBe(0);
  if (opts.sameSet) expect((await readdir(rebuilt)).sort()).toEqual(names);
  for (const name of names) {
    const bytes = new Uint8Array(await readFile(path.join(broken, name)));
    expect(bytes.length, name).toBeLessThan(4096);
    expect(new Uint8Array(await readFile(path.join(rebuilt, name))), name).toEqual(bytes);
    let error: unknown = null;
    try {
      opts.parse(new BufferSource(bytes));
    } catch (e) {
      error = e;
    }
    expect(error, name).toBeInstanceOf(FormatError);
    if (opts.format) expect((error as FormatError).format, name).toBe(opts.format);
    const message = (error as FormatError).message;
    const stem = name.slice(0, -opts.ext.length);
    if (opts.phrase) {
      expect(message, name).toContain(stem.replaceAll('-', ' '));
      continue;
    }
    let from = 0;
    for (const word of stem.split('-')) {
      const at = message.indexOf(word, from);
      expect(at, `${name}: "${word}" in "${message}"`).toBeGreaterThanOrEqual(0);
      from = at + word.length;
    }
  }
}
