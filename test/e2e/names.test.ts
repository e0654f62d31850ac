import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/pipeline/manifest.js';
import { cleanupTemps, crossgo, fixtureRepo, runTool, testEnv } from '../helpers/cli.js';

// A template or version with a newline and a fake "<sha256>  <name>" after it: in a checksums
// file it would be a line of its own, vouching for a file the build never made.
const FORGED_LINE = `${'0'.repeat(64)}  evil`;

let greet: string;
beforeAll(async () => {
  greet = (await fixtureRepo('greet')).dir;
});
afterAll(cleanupTemps);

async function tree(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).filter((e) => !e.startsWith('.git')).sort();
}

/** Runs crossgo and expects one line on stderr, exit 2, nothing on stdout and no file made. */
async function refused(args: string[], message: RegExp, cwd = greet): Promise<string> {
  const before = await tree(cwd);
  const result = await crossgo(args, { cwd, env: testEnv() });
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(await tree(cwd), 'nothing written').toEqual(before);
  return lines[0] as string;
}

describe('names with control characters are refused before anything is written', () => {
  it('an output template with a newline (it would forge a line of SHA256SUMS)', async () => {
    const line = await refused(
      ['build', '-t', 'linux/amd64', '--template', `x\n${FORGED_LINE}`],
      /^crossgo: --template "x\\n0{64} {2}evil" holds a control character: /,
    );
    expect(line).not.toContain('\t');
  });

  it("the config's output template, named by its key", async () => {
    const { dir } = await fixtureRepo('greet');
    await writeFile(path.join(dir, 'crossgo.json'), JSON.stringify({ template: `{name}\r${FORGED_LINE}` }));
    await refused(['build', '-t', 'linux/amd64'], /^crossgo: crossgo\.json: template "\{name\}\\r0{64}/, dir);
  });

  it('an --app-version with a newline, or with a "/" that would make folders of release names', async () => {
    await refused(
      ['build', '-t', 'linux/amd64', '--app-version', `v1\n${FORGED_LINE}`],
      /^crossgo: --app-version "v1\\n0{64} {2}evil" holds a control character: the version goes into file names/,
    );
    await refused(
      ['build', '-t', 'linux/amd64', '--app-version', 'release/v2'],
      /^crossgo: --app-version "release\/v2" holds a "\/": /,
    );
  });

  it('a template that renders to a folder, or with empty and "." segments', async () => {
    await refused(
      ['build', '-t', 'linux/amd64', '--template', 'sub/'],
      /^crossgo: --template "sub\/" gives "sub\/" for linux\/amd64, which ends with "\/" \(go would write a file named "sub"\)/,
    );
    await refused(
      ['build', '-t', 'linux/amd64', '--template', 'bin//{name}'],
      /has an empty or "\." segment/,
    );
    await refused(['build', '-t', 'linux/amd64', '--template', './{name}'], /has an empty or "\." segment/);
  });

  it('a manifest whose version was edited to forge a line of the signed checksums file', async () => {
    const { dir } = await fixtureRepo('greet');
    const built = await crossgo(['build', '-t', 'linux/amd64'], { cwd: dir, env: testEnv() });
    expect(built.code, built.stderr).toBe(0);
    const file = path.join(dir, 'dist', 'manifest.json');
    const manifest = JSON.parse(await readFile(file, 'utf8')) as Manifest;
    manifest.source.version = `v1\n${FORGED_LINE}`;
    await writeFile(file, JSON.stringify(manifest));
    const before = await tree(dir);
    const result = await crossgo(['package'], { cwd: dir, env: testEnv() });
    expect(result.code, result.stderr).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines, result.stderr).toHaveLength(1);
    // The manifest's schema refuses it on reading (a version is a file-name part), before any name is made.
    expect(lines[0]).toMatch(/^crossgo: dist\/manifest\.json: \/source\/version: expected /);
    expect(await tree(dir)).toEqual(before);
  });

  it('a template with subfolders still gives a SHA256SUMS that sha256sum -c accepts', async () => {
    const { dir } = await fixtureRepo('greet');
    const result = await crossgo(
      ['build', '-t', 'linux/amd64,windows/amd64', '--template', 'bin/{goos}/{name}{ext}'],
      {
        cwd: dir,
        env: testEnv(),
      },
    );
    expect(result.code, result.stderr).toBe(0);
    const check = await runTool('sha256sum', ['-c', '--strict', 'SHA256SUMS'], {
      cwd: path.join(dir, 'dist'),
    });
    expect(check.stdout.trim().split('\n').sort()).toEqual([
      'bin/linux/greet: OK',
      'bin/windows/greet.exe: OK',
    ]);
  });
});
