import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanupTemps,
  crossgo,
  gitIdentity,
  runTool,
  spawnCrossgo,
  tempDir,
  testEnv,
} from '../helpers/cli.js';
import { processesWithMarker } from '../helpers/oracles.js';

/*
 * Hooks observed through what they do: the files they write (outside the module, so that they
 * do not change the module's inputs) and the order of the lines they append, with real go
 * builds of a tiny module for the host and one cross target. The expected lines are written by
 * hand from the config; crossgo's own output is never the oracle of what ran.
 */

afterAll(cleanupTemps);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const MAIN = 'package main\n\nfunc main() { println("hi") }\n';
// Appends its arguments as one line to $HOOK_LOG: the record of which hook ran, in which order.
const GEN = `package main

import (
	"os"
	"strings"
)

func main() {
	f, err := os.OpenFile(os.Getenv("HOOK_LOG"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		panic(err)
	}
	defer f.Close()
	if _, err := f.WriteString(strings.Join(os.Args[1:], " ") + "\\n"); err != nil {
		panic(err)
	}
}
`;

/** A git repository (tagged v1.2.3) of a tiny module with the config given, and a folder for what its hooks write. */
async function hookModule(config: string) {
  const dir = path.join(await tempDir('crossgo-hooks-'), 'hk');
  await mkdir(path.join(dir, 'gen'), { recursive: true });
  await writeFile(path.join(dir, 'go.mod'), 'module example.com/hk\n\ngo 1.22\n');
  await writeFile(path.join(dir, 'main.go'), MAIN);
  await writeFile(path.join(dir, 'gen', 'main.go'), GEN);
  await writeFile(path.join(dir, 'crossgo.yaml'), config);
  await writeFile(path.join(dir, '.gitignore'), '/dist/\n');
  const gitEnv = { ...process.env, ...gitIdentity('2024-05-06T07:08:09Z') };
  for (const args of [
    ['init', '-q'],
    ['add', '-A'],
    ['commit', '-q', '-m', 'hooks'],
    ['tag', 'v1.2.3'],
  ]) {
    const r = await runTool('git', ['-c', 'init.defaultBranch=main', ...args], { cwd: dir, env: gitEnv });
    if (r.code !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  }
  const out = await tempDir('crossgo-hook-files-');
  const log = path.join(out, 'order.txt');
  const env = testEnv({ HOOK_LOG: log, HOOK_DIR: out });
  return { dir, out, log, env };
}

const logLines = async (file: string) =>
  (await readFile(file, 'utf8').catch(() => '')).split('\n').filter((line) => line !== '');

const TARGETS = ['-t', 'linux/amd64,linux/arm64', '-j', '1'];

const CONFIG = `project: hk
before:
  - go run ./gen before {version} {tag}
  - [mkdir, -p, '{env:HOOK_DIR}/per-target']
  - {cmd: 'echo "shell {project} GOOS=$GOOS" >> "$HOOK_LOG"', shell: true}
  - {cmd: 'pwd >> "$HOOK_LOG"', shell: true, dir: gen}
  - {cmd: 'echo visible-line', shell: true, output: true}
  - {cmd: 'echo quiet-line', shell: true}
hooks:
  pre:
    # go run in a target's environment would build gen for the target: GOOS= GOARCH= (empty) is go's default.
    - {cmd: 'go run ./gen pre {os}_{arch}', env: {GOOS: '', GOARCH: ''}}
    - {cmd: 'echo "$GOOS/$GOARCH cgo=$CGO_ENABLED {name}" > "{env:HOOK_DIR}/per-target/{os}_{arch}.env"', shell: true}
  post:
    - {cmd: 'test -f "$CROSSGO_OUTPUT" && echo "post {target} $(basename "$CROSSGO_OUTPUT")" >> "$HOOK_LOG"', shell: true}
after:
  - go run ./gen after {version}
`;

describe('hooks', () => {
  let m: Awaited<ReturnType<typeof hookModule>>;
  beforeAll(async () => {
    m = await hookModule(CONFIG);
  });

  it('runs before once, then pre and post per target with its environment and templates, then after on package', async () => {
    const r = await crossgo(['build', ...TARGETS, '--package'], { cwd: m.dir, env: m.env });
    expect(r.code, r.stderr).toBe(0);
    const lines = await logLines(m.log);
    expect(lines).toEqual([
      'before 1.2.3 v1.2.3',
      // A before hook has no target: crossgo's GOOS is not in its environment.
      'shell hk GOOS=',
      expect.stringMatching(/\/hk\/gen$/),
      'pre linux_amd64',
      'post linux_amd64 hk-linux-amd64',
      'pre linux_arm64',
      'post linux_arm64 hk-linux-arm64',
      'after 1.2.3',
    ]);
    expect(await readFile(path.join(m.out, 'per-target', 'linux_amd64.env'), 'utf8')).toBe(
      'linux/amd64 cgo=0 hk\n',
    );
    expect(await readFile(path.join(m.out, 'per-target', 'linux_arm64.env'), 'utf8')).toBe(
      'linux/arm64 cgo=0 hk\n',
    );
    // Each hook is named as it starts; its output is in the log (shown only with output: true).
    expect(r.stderr).toContain('hook before[0]: go run ./gen before 1.2.3 v1.2.3');
    expect(r.stderr).toContain('hook hooks.pre[0] linux/arm64: go run ./gen pre linux_arm64');
    expect(r.stderr).toContain('hook after[0]: go run ./gen after 1.2.3');
    expect(r.stderr).toContain('| visible-line');
    expect(r.stderr).not.toContain('| quiet-line');
    // The hooks' output never reaches stdout, which is the command's result.
    expect(r.stdout).not.toContain('visible-line');
    const release = await readdir(path.join(m.dir, 'dist'));
    expect(release).toContain('hk_1.2.3_linux_arm64.tar.gz');
  });

  it('runs before again on an unchanged rebuild, and no pre or post for targets that go did not build', async () => {
    const before = (await logLines(m.log)).length;
    const r = await crossgo(['build', ...TARGETS], { cwd: m.dir, env: { ...m.env, CROSSGO_DEBUG: '1' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('0 built, 2 unchanged');
    const lines = (await logLines(m.log)).slice(before);
    expect(lines).toEqual(['before 1.2.3 v1.2.3', 'shell hk GOOS=', expect.stringMatching(/\/hk\/gen$/)]);
    // With CROSSGO_DEBUG every hook's output is in the log; after: runs only with the release files.
    expect(r.stderr).toContain('| quiet-line');
    expect(r.stderr).not.toContain('hook after[0]');
  });

  it('--skip-hooks runs none of them', async () => {
    const before = (await logLines(m.log)).length;
    const r = await crossgo(['build', ...TARGETS, '--package', '--skip-hooks', '--force'], {
      cwd: m.dir,
      env: m.env,
    });
    expect(r.code, r.stderr).toBe(0);
    expect((await logLines(m.log)).slice(before)).toEqual([]);
    expect(r.stderr).not.toContain('hook ');
  });
});

describe('a failing hook', () => {
  it('before: stops the run naming the command, its key path and exit code, with its last output and no secret; nothing is built', async () => {
    const m = await hookModule(`before:
  - go run ./gen first
  - {cmd: 'echo "token is $API_TOKEN"; echo broke >&2; exit 3', shell: true}
  - go run ./gen never
`);
    const env = { ...m.env, API_TOKEN: 'supersecret-value-42' };
    const r = await crossgo(['build', ...TARGETS], { cwd: m.dir, env });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(
      /crossgo: crossgo\.yaml: before\[1\]: the hook \/bin\/sh -c "echo \\"token is \$API_TOKEN\\"; echo broke >&2; exit 3" exited with code 3; nothing was built/,
    );
    expect(r.stderr).toContain('    broke');
    expect(r.stderr).toContain('token is <redacted API_TOKEN sha256:');
    expect(r.stderr).not.toContain('supersecret-value-42');
    expect(await logLines(m.log)).toEqual(['first']);
    // No build ran: no output folder at all.
    expect(await readdir(path.join(m.dir, 'dist')).catch(() => null)).toBeNull();
  });

  it('a program that is not installed: one line naming it, exit 1', async () => {
    const m = await hookModule('before:\n  - crossgo-no-such-program --flag\n');
    const r = await crossgo(['build', '-t', 'linux/amd64'], { cwd: m.dir, env: m.env });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(
      'crossgo: crossgo.yaml: before[0]: cannot run the hook crossgo-no-such-program --flag: crossgo-no-such-program not found on PATH',
    );
    expect(await readdir(path.join(m.dir, 'dist')).catch(() => null)).toBeNull();
  });

  it('pre: stops the run at that target; no later target starts and no manifest is written', async () => {
    const m = await hookModule(`hooks:
  pre:
    - ['false']
`);
    const r = await crossgo(['build', ...TARGETS], { cwd: m.dir, env: m.env });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(
      'crossgo: crossgo.yaml: hooks.pre[0] (linux/amd64): the hook false exited with code 1; linux/amd64 was not built, and the run stopped',
    );
    const dist = (await readdir(path.join(m.dir, 'dist')).catch(() => [] as string[])).filter(
      (f) => !f.startsWith('.'),
    );
    expect(dist).toEqual([]);
  });

  it('post: a hook that changes the binary go built is refused (the records are of the bytes go made)', async () => {
    const m = await hookModule(`hooks:
  post:
    - {cmd: 'echo tampered >> "$CROSSGO_OUTPUT"', shell: true}
`);
    const r = await crossgo(['build', '-t', 'linux/amd64'], { cwd: m.dir, env: m.env });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(
      'crossgo: crossgo.yaml: hooks.post: a post hook changed or removed dist/hk-linux-amd64 after go built it',
    );
    expect(await readFile(path.join(m.dir, 'dist', 'manifest.json'), 'utf8').catch(() => null)).toBeNull();
  });

  it('after: fails the package run once the release files are recorded', async () => {
    const m = await hookModule(`after:
  - {cmd: 'exit 4', shell: true}
`);
    const r = await crossgo(['build', '-t', 'linux/amd64', '--package'], { cwd: m.dir, env: m.env });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(
      'crossgo: crossgo.yaml: after[0]: the hook /bin/sh -c "exit 4" exited with code 4; the release files are made and recorded',
    );
    const manifest = JSON.parse(await readFile(path.join(m.dir, 'dist', 'manifest.json'), 'utf8')) as {
      artifacts: { kind: string }[];
    };
    expect(manifest.artifacts.map((a) => a.kind)).toContain('archive');
  });
});

describe('a bad hook is refused before anything runs (exit 2)', () => {
  it.each([
    [
      'a misspelt placeholder in a post hook',
      `before:\n  - go run ./gen before\nhooks:\n  post:\n    - [touch, '{arhc}']\n`,
      /crossgo: crossgo\.yaml: hooks\.post\[0\]\[1\]: .*unknown placeholder \{arhc\}, did you mean \{arch\}\?/,
    ],
    [
      "a target's placeholder in a before hook",
      `before:\n  - go run ./gen before\n  - echo {arch}\n`,
      /crossgo: crossgo\.yaml: before\[1\]: .*\{arch\} is a target's/,
    ],
    [
      'a misspelt placeholder in an after hook (build --package checks it before building)',
      `before:\n  - go run ./gen before\nafter:\n  - echo {verison}\n`,
      /crossgo: crossgo\.yaml: after\[0\]: .*did you mean \{version\}\?/,
    ],
    [
      'shell: true with an argument array',
      `before:\n  - go run ./gen before\n  - {cmd: [echo, hi], shell: true}\n`,
      /crossgo: crossgo\.yaml: before\[1\]\.cmd: shell: true runs one string/,
    ],
  ])('%s', async (_what, config, message) => {
    const m = await hookModule(config);
    const r = await crossgo(['build', '-t', 'linux/amd64', '--package'], { cwd: m.dir, env: m.env });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(await logLines(m.log), 'no hook ran').toEqual([]);
    expect(await readdir(path.join(m.dir, 'dist')).catch(() => null)).toBeNull();
  });

  it('a dir outside the module', async () => {
    const m = await hookModule(`before:\n  - {cmd: [touch, x], dir: '../elsewhere'}\n`);
    const r = await crossgo(['build', '-t', 'linux/amd64'], { cwd: m.dir, env: m.env });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('crossgo: crossgo.yaml: before[0].dir: "../elsewhere" climbs out with ".."');
  });
});

describe('an interrupted hook', () => {
  it.each([
    ['before', `before:\n  - [sleep, '300']\n`],
    ['pre', `hooks:\n  pre:\n    - [sleep, '300']\n`],
  ])('%s: on SIGINT the hook is killed like a build and crossgo exits 130', async (where, config) => {
    const m = await hookModule(config);
    const marker = `CROSSGO_TEST_MARK=${randomBytes(6).toString('hex')}`;
    const [key, value] = marker.split('=') as [string, string];
    const child = spawnCrossgo(['build', '-t', 'linux/amd64'], {
      cwd: m.dir,
      env: { ...m.env, [key]: value },
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = once(child, 'exit');
    // Wait until the hook's sleep runs (it carries the marker in its environment).
    let sleeper: number | undefined;
    for (let i = 0; i < 600 && sleeper === undefined; i++) {
      for (const pid of await processesWithMarker(marker)) {
        const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
        if (comm.trim() === 'sleep') sleeper = pid;
      }
      if (sleeper === undefined) await sleep(100);
    }
    expect(sleeper, stderr).toBeDefined();
    child.kill('SIGINT');
    const [code] = (await exited) as [number | null];
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('interrupted by SIGINT');
    let leftovers = await processesWithMarker(marker);
    for (let i = 0; i < 50 && leftovers.length > 0; i++) {
      await sleep(100);
      leftovers = await processesWithMarker(marker);
    }
    expect(leftovers, 'the hook does not outlive crossgo').toEqual([]);
    if (where === 'before') {
      expect(await readdir(path.join(m.dir, 'dist')).catch(() => null), 'nothing was built').toBeNull();
    } else {
      // As for an interrupted go build: the manifest records that the run did not finish, and no binary.
      const manifest = JSON.parse(await readFile(path.join(m.dir, 'dist', 'manifest.json'), 'utf8')) as {
        complete: boolean;
        artifacts: unknown[];
      };
      expect(manifest.complete).toBe(false);
      expect(manifest.artifacts).toEqual([]);
    }
  });
});
