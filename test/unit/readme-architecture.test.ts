import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers/cli.js';

/** The README's architecture section is the folders that are there, in the layer rule's order. */
describe("README's architecture section", async () => {
  const readme = await readFile(path.join(REPO, 'README.md'), 'utf8');
  const section = /\n## Architecture\n[\s\S]*?\n```\n([\s\S]*?)\n```\n/.exec(readme)?.[1] ?? '';
  const listed = section
    .split('\n')
    .map((line) => /^(\S+?)\/? {2,}/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
  const rule = await readFile(path.join(REPO, '.dependency-cruiser.cjs'), 'utf8');
  const layers = [...rule.matchAll(/^ {2}\['([a-z]+)', /gm)].map((m) => m[1] as string);

  it('names every folder of src/, and nothing that is not there', async () => {
    const folders = (await readdir(path.join(REPO, 'src'), { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
    expect(folders.length).toBeGreaterThan(10);
    expect(listed.filter((name) => !['index.ts', '(root)'].includes(name)).sort()).toEqual(folders.sort());
  });

  it("lists the layers in .dependency-cruiser.cjs's order", () => {
    expect(layers.length).toBeGreaterThan(10);
    const asLayer = (name: string) => (name === 'index.ts' ? 'index' : name === '(root)' ? 'root' : name);
    expect(listed.map(asLayer)).toEqual(layers);
  });

  it('names every stage folder', async () => {
    const stages = await readdir(path.join(REPO, 'src', 'stages'));
    const line = section.slice(section.indexOf('\nstages/'), section.indexOf('\nrepro/'));
    for (const stage of stages) expect(line, stage).toContain(`${stage}/`);
  });
});
