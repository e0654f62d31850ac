import { chmod, cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupTemps, crossgo, FIXTURES, fixtureRepo, tempDir, testEnv } from '../helpers/cli.js';

/** Every bad input ends in exactly one line on stderr, the right exit code, and nothing written. */
async function expectOneLineError(
  args: string[],
  cwd: string,
  code: number,
  message: RegExp,
  env: NodeJS.ProcessEnv = testEnv(),
): Promise<void> {
  const before = await listTree(cwd);
  const result = await crossgo(args, { cwd, env });
  expect(result.code, result.stderr).toBe(code);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(message);
  expect(await listTree(cwd), 'nothing created or lost').toEqual(before);
}

async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true });
  return entries.filter((e) => !e.startsWith('.git')).sort();
}

let greet: string;
beforeAll(async () => {
  greet = (await fixtureRepo('greet')).dir;
});
afterAll(cleanupTemps);

describe('bad input: one clear line, exit 2 for usage and 1 for failures, nothing lost', () => {
  it('not in a Go module', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'main.go'), 'package main\nfunc main() {}\n');
    await expectOneLineError(
      ['build'],
      dir,
      2,
      /^crossgo: not in a Go module: .* has no go\.mod .*go mod init/,
    );
  });

  it('a -C folder that does not exist', async () => {
    await expectOneLineError(
      ['-C', 'no/such/dir', 'build'],
      greet,
      2,
      /^crossgo: -C no\/such\/dir: no such folder$/,
    );
  });

  it('a package that is not a main package', async () => {
    const dir = path.join(await tempDir(), 'multi');
    await cp(path.join(FIXTURES, 'multi'), dir, { recursive: true });
    await expectOneLineError(
      ['build', './lib'],
      dir,
      2,
      /^crossgo: package example\.com\/multi\/v2\/lib \(\.\/lib\) is "package lib", not a main package: name the package of a command/,
    );
  });

  it('a package that does not exist', async () => {
    await expectOneLineError(['build', './nope'], greet, 2, /^crossgo: cannot load package "\.\/nope": /);
  });

  it('go missing from PATH', async () => {
    const env = testEnv({ PATH: '/usr/bin:/bin' });
    await expectOneLineError(
      ['build'],
      greet,
      1,
      /^crossgo: go not found on PATH: crossgo needs Go 1\.21 or newer/,
      env,
    );
  });

  it('go older than 1.21', async () => {
    // A stand-in for an old toolchain: answers `go env -json` as go1.20 does.
    const bin = await tempDir();
    const fakeGo = path.join(bin, 'go');
    const answer = JSON.stringify({ GOVERSION: 'go1.20.14', GOMOD: path.join(greet, 'go.mod') });
    await writeFile(fakeGo, `#!/bin/sh\necho '${answer}'\n`);
    await chmod(fakeGo, 0o755);
    const env = testEnv({ PATH: `${bin}:/usr/bin:/bin` });
    await expectOneLineError(
      ['build'],
      greet,
      1,
      /^crossgo: go is go1\.20\.14, older than go1\.21: install Go 1\.21 or newer/,
      env,
    );
  });

  it('an unknown target names the nearest valid spelling', async () => {
    await expectOneLineError(
      ['build', '-t', 'linux/amd65'],
      greet,
      2,
      /^crossgo: unknown target "linux\/amd65": did you mean linux\/amd64\? \(crossgo targets lists them\)$/,
    );
    await expectOneLineError(
      ['build', '-t', 'linux/amd64,macos/arm64'],
      greet,
      2,
      /did you mean darwin\/arm64\?/,
    );
  });

  it('an unknown variant names the valid ones', async () => {
    await expectOneLineError(
      ['build', '-t', 'linux/amd64/v5'],
      greet,
      2,
      /^crossgo: unknown variant "v5" in target "linux\/amd64\/v5": did you mean linux\/amd64\/v4\? \(GOAMD64 takes v1, v2, v3, v4\)$/,
    );
  });

  it('a broken port is refused unless asked for', async () => {
    await expectOneLineError(['build', '-t', 'linux/sparc64'], greet, 2, /marked broken .*--allow-broken/);
  });

  it('an output folder that cannot be written', async () => {
    await expectOneLineError(
      ['build', '-o', '/sys/kernel/crossgo-out'],
      greet,
      2,
      /^crossgo: output folder .* is not writable \(E\w+\): choose another with -o$/,
    );
    await expectOneLineError(
      ['build', '-o', '/sys/kernel'],
      greet,
      2,
      /^crossgo: output folder .* is not writable/,
    );
  });

  it('an -o that is a file', async () => {
    await expectOneLineError(
      ['build', '-o', 'go.mod'],
      greet,
      2,
      /^crossgo: output folder go\.mod is a file, not a folder: choose a folder with -o/,
    );
  });

  it('an output template that would write outside the output folder', async () => {
    await expectOneLineError(
      ['build', '--template', '../{name}-{goos}-{goarch}{ext}'],
      greet,
      2,
      /would write outside the output folder/,
    );
    await expectOneLineError(
      ['build', '--template', '{name}'],
      greet,
      2,
      /gives greet for both linux\/amd64 and darwin\/arm64/,
    );
    await expectOneLineError(
      ['build', '--template', '{name}-{gooss}'],
      greet,
      2,
      /^crossgo: --template: "\{name\}-\{gooss\}": unknown placeholder \{gooss\}, did you mean \{goos\}\?$/,
    );
  });

  it('a bad config file names the file and the key path', async () => {
    const dir = (await fixtureRepo('greet')).dir;
    await writeFile(path.join(dir, 'crossgo.yaml'), 'targets: [linux/amd64]\ntagz: [fancy]\n');
    await expectOneLineError(
      ['build'],
      dir,
      2,
      /^crossgo: crossgo\.yaml: tagz: unknown key, did you mean tags\?$/,
    );
    await writeFile(path.join(dir, 'crossgo.yaml'), 'overrides:\n  linux/arm64:\n    env:\n      FOO: [1]\n');
    await expectOneLineError(
      ['build'],
      dir,
      2,
      /^crossgo: crossgo\.yaml: overrides\["linux\/arm64"\]\.env\.FOO: expected string$/,
    );
    await writeFile(path.join(dir, 'crossgo.yaml'), 'jobs: [\n');
    await expectOneLineError(['build'], dir, 2, /^crossgo: crossgo\.yaml:\d+:\d+: not valid YAML/);
    await writeFile(path.join(dir, 'crossgo.yaml'), 'env:\n  GOAMD64: v3\n');
    await expectOneLineError(
      ['build'],
      dir,
      2,
      /^crossgo: crossgo\.yaml: env: GOAMD64 is set by crossgo from each target/,
    );
  });

  it('bad flags', async () => {
    await expectOneLineError(
      ['build', '-j', 'many'],
      greet,
      2,
      /^crossgo: -j "many": expected a whole number/,
    );
    await expectOneLineError(
      ['build', '--env', 'NOEQUALS'],
      greet,
      2,
      /^crossgo: --env "NOEQUALS": expected KEY=VALUE/,
    );
    await expectOneLineError(['build', '--bogus'], greet, 2, /^crossgo: unknown option '--bogus'/);
    await expectOneLineError(['biuld'], greet, 2, /^crossgo: unknown command 'biuld'/);
  });

  it('never replaces a file in the output folder that crossgo did not make', async () => {
    const dir = (await fixtureRepo('greet')).dir;
    await mkdir(path.join(dir, 'dist'));
    await writeFile(path.join(dir, 'dist', 'greet-linux-amd64'), 'my own file');
    await expectOneLineError(
      ['build', '-t', 'linux/amd64'],
      dir,
      2,
      /^crossgo: dist\/greet-linux-amd64 exists and was not made by crossgo .*: move it away or choose another -o$/,
    );
    expect(await readFile(path.join(dir, 'dist', 'greet-linux-amd64'), 'utf8')).toBe('my own file');
  });
});
