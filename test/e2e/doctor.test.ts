import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src/commands/doctor.js';
import { cleanupTemps, crossgo, FIXTURES, fixtureRepo, runTool, tempDir, testEnv } from '../helpers/cli.js';
import { zigBinary } from '../helpers/clib.js';

afterAll(cleanupTemps);

async function doctorJson(args: string[], env = testEnv()): Promise<{ code: number; report: DoctorReport }> {
  const result = await crossgo(['doctor', '--json', ...args], { env });
  return { code: result.code, report: JSON.parse(result.stdout) as DoctorReport };
}

const firstLine = async (command: string, args: string[]) =>
  (await runTool(command, args)).stdout.split('\n')[0]?.trim();
const installed = async (command: string) =>
  (await runTool('sh', ['-c', `command -v ${command}`])).code === 0;

describe('crossgo doctor', () => {
  it('answers what this machine has: compilers, runners and tools, checked against the tools themselves', async () => {
    const { code, report } = await doctorJson([
      '-C',
      path.join(FIXTURES, 'greet'),
      '--cgo',
      'on',
      '-t',
      'linux/amd64,linux/arm64,windows/386,darwin/arm64',
    ]);
    expect(code).toBe(0);
    expect(report.go.version).toBe(await firstLine('go', ['env', 'GOVERSION']));
    const zigVersion = `zig ${(await runTool(await zigBinary(), ['version'])).stdout.trim()}`;
    const byTarget = new Map(report.targets.map((t) => [t.target, t]));
    for (const t of report.targets) {
      expect(t.buildable).toBe(true);
      expect(t.cgo).toMatchObject({
        supported: true,
        needed: true,
        compiler: { kind: 'zig', version: zigVersion },
      });
    }
    expect(byTarget.get('linux/amd64')?.run).toMatchObject({ ok: true, runner: 'native' });
    expect(byTarget.get('linux/arm64')?.run.runner).toBe(
      (await installed('qemu-aarch64')) ? 'qemu-user' : null,
    );
    expect(byTarget.get('windows/386')?.run.runner).toBe((await installed('wine')) ? 'wine' : null);
    expect(byTarget.get('darwin/arm64')?.run).toEqual({
      ok: false,
      runner: null,
      detail: 'cannot run here: darwin binaries run only on Apple systems',
      fix: null,
    });
    const tools = new Map(report.tools.map((t) => [t.name, t]));
    expect(tools.get('gpg')).toMatchObject({ found: true, version: await firstLine('gpg', ['--version']) });
    expect(tools.get('zig')).toMatchObject({ found: true, version: zigVersion.slice(4) });
    expect(tools.get('wine')?.found).toBe(await installed('wine'));
  });

  it('names the compiler a --cc choice gives, with its version', async () => {
    const { report } = await doctorJson([
      '-C',
      path.join(FIXTURES, 'greet'),
      '--cc',
      'cross',
      '-t',
      'linux/arm64,windows/amd64',
    ]);
    expect(report.targets.map((t) => [t.target, t.cgo.compiler?.cc, t.cgo.compiler?.version])).toEqual([
      ['linux/arm64', 'aarch64-linux-gnu-gcc', await firstLine('aarch64-linux-gnu-gcc', ['--version'])],
      ['windows/amd64', 'x86_64-w64-mingw32-gcc', await firstLine('x86_64-w64-mingw32-gcc', ['--version'])],
    ]);
    // cgo off (the default): the compilers are reported, but nothing needs them.
    expect(report.targets.every((t) => !t.cgo.needed && t.buildable)).toBe(true);
  });

  it('with cgo auto, follows the package: import "C" makes cgo needed, and a port without cgo unbuildable', async () => {
    const { code, report } = await doctorJson([
      '-C',
      path.join(FIXTURES, 'cgo'),
      '--cgo',
      'auto',
      '-t',
      'linux/amd64,js/wasm',
    ]);
    expect(code).toBe(1);
    expect(report.targets.map((t) => [t.target, t.cgo.needed, t.buildable])).toEqual([
      ['linux/amd64', true, true],
      ['js/wasm', true, false],
    ]);
    expect(report.targets[0]?.cgo.why).toBe('cgo auto: example.com/cgocalc import "C"');
    const pure = await doctorJson(['-C', path.join(FIXTURES, 'greet'), '--cgo', 'auto', '-t', 'linux/amd64']);
    expect(pure.report.targets[0]?.cgo.needed).toBe(false);
  });

  it('on a bare machine, says which targets cannot be built and the commands that fill each gap (exit 1)', async () => {
    const bin = path.join(await tempDir(), 'bin');
    await mkdir(bin);
    const goPath = (await runTool('sh', ['-c', 'command -v go'])).stdout.trim();
    await symlink(goPath, path.join(bin, 'go'));
    const env = testEnv({ PATH: bin });
    const { code, report } = await doctorJson(
      ['-C', path.join(FIXTURES, 'greet'), '--cgo', 'on', '-t', 'windows/386,linux/arm64,linux/amd64'],
      env,
    );
    expect(code).toBe(1);
    expect(report.targets.map((t) => [t.target, t.buildable, t.cgo.fix, t.run.fix])).toEqual([
      [
        'windows/386',
        false,
        'install one: pip install ziglang, or apt-get install gcc-mingw-w64-i686',
        'dpkg --add-architecture i386 && apt-get update && apt-get install wine wine32',
      ],
      [
        'linux/arm64',
        false,
        'install one: pip install ziglang, or apt-get install gcc-aarch64-linux-gnu',
        'apt-get install qemu-user',
      ],
      ['linux/amd64', false, 'install one: pip install ziglang, or apt-get install gcc', null],
    ]);
    const missing = report.tools.filter((t) => !t.found).map((t) => [t.name, t.fix]);
    expect(missing).toEqual(
      expect.arrayContaining([
        ['zig', 'pip install ziglang'],
        ['gpg', 'apt-get install gnupg'],
        ['qemu-user', 'apt-get install qemu-user'],
      ]),
    );
    const text = await crossgo(
      ['-C', path.join(FIXTURES, 'greet'), 'doctor', '--cgo', 'on', '-t', 'windows/386'],
      { env },
    );
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(
      'windows/386 cgo: install one: pip install ziglang, or apt-get install gcc-mingw-w64-i686',
    );
    expect(text.stdout).toMatch(/cannot build: windows\/386\n$/);
  });

  // doctor decides with build's own function (stages/build/plan/cgo.ts): a target it calls
  // buildable is one build makes, and one build refuses it calls unbuildable, with build's reason.
  it.each([
    {
      what: 'a port go links only externally, with cgo off',
      fixture: 'greet',
      args: ['-t', 'android/amd64'],
      exit: 2,
      reason:
        /^target "android\/amd64" cannot be built without cgo \(go: android\/amd64 requires external \(cgo\) linking\)/,
    },
    {
      what: 'a darwin package linking an Apple framework, without a macOS SDK',
      fixture: 'cgo-framework',
      args: ['--cgo', 'auto', '-t', 'darwin/arm64'],
      exit: 1,
      reason: /^darwin\/arm64: the build links Apple frameworks IOKit \(example\.com\/usesiokit\)/,
    },
  ])('agrees with build on $what', async ({ fixture, args, exit, reason }) => {
    const { dir } = await fixtureRepo(fixture);
    const { code, report } = await doctorJson(['-C', dir, ...args]);
    expect(code).toBe(1);
    expect(report.targets[0]?.buildable).toBe(false);
    expect(report.targets[0]?.refused).toMatch(reason);
    const built = await crossgo(['-C', dir, 'build', ...args], { env: testEnv() });
    expect(built.code).toBe(exit);
    expect(built.stderr.replace(/^crossgo: /, '')).toMatch(reason);
    expect(built.stderr.replace(/^crossgo: /, '').trim()).toBe(report.targets[0]?.refused);
  });
});
