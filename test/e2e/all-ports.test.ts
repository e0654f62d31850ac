import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../src/pipeline/manifest.js';
import { binaries } from '../../src/pipeline/manifest.js';
import { type Port, parseDistList } from '../../src/targets/ports.js';
import {
  type CliResult,
  cleanupTemps,
  crossgo,
  FIXTURES,
  fixtureRepo,
  runTool,
  testEnv,
} from '../helpers/cli.js';

/**
 * `crossgo build -t all` on a pure-Go program: every port the toolchain does not mark broken and
 * that go links without cgo builds, verifies, and is listed in the manifest and SHA256SUMS; the
 * ports go links only externally are left out, one warning line each. Which ports those are is
 * asked of go itself (cmd/go's load error for a main package without cgo), not of crossgo.
 * Cold, this is ~40 builds: the suite's shared GOCACHE pays it once per machine.
 */

// Every port crossgo can read, XCOFF (aix) and Plan 9 a.out included: nothing is left out.
const EXCLUDED: string[] = [];
const SPEC = 'all';

const execFileAsync = promisify(execFile);
let ports: Port[];
/** Ports go refuses to link without cgo, with its message. */
const refused = new Map<string, string>();
let dir: string;
let result: CliResult;
let manifest: Manifest;

beforeAll(async () => {
  const env = { ...process.env, GOENV: 'off', GOFLAGS: '-buildvcs=false', CGO_ENABLED: '0' };
  ports = parseDistList(
    (await execFileAsync('go', ['tool', 'dist', 'list', '-json', '-broken'], { env })).stdout,
  );
  for (const p of ports.filter((q) => !q.broken)) {
    const { stdout } = await execFileAsync(
      'go',
      ['list', '-e', '-f', '{{with .Error}}{{.Err}}{{end}}', '.'],
      {
        cwd: path.join(FIXTURES, 'greet'),
        env: { ...env, GOOS: p.goos, GOARCH: p.goarch },
      },
    );
    if (stdout.includes('requires external (cgo) linking'))
      refused.set(`${p.goos}/${p.goarch}`, stdout.trim());
  }
  ({ dir } = await fixtureRepo('greet'));
  const started = Date.now();
  result = await crossgo(['build', '-t', SPEC], { cwd: dir, env: testEnv() });
  console.log(`all-ports: crossgo build -t ${SPEC} took ${Date.now() - started} ms`);
  manifest = JSON.parse(await readFile(path.join(dir, 'dist', 'manifest.json'), 'utf8')) as Manifest;
}, 3_600_000);

afterAll(cleanupTemps);

describe('crossgo build -t all', () => {
  it('exits 0 and says every artifact built and none failed', () => {
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`\\n${binaries(manifest).length} built, 0 failed in `));
  });

  it('builds every port that is not broken and links without cgo, and no other', () => {
    const expected = ports
      .filter((p) => !p.broken)
      .map((p) => `${p.goos}/${p.goarch}`)
      .filter((id) => !refused.has(id) && !EXCLUDED.includes(id));
    // 42 of the 47 ports that are not broken, with go1.26.
    expect(refused.size).toBeGreaterThan(0);
    expect(
      binaries(manifest)
        .map((a) => a.target)
        .sort(),
    ).toEqual(expected.sort());
    expect(manifest.failures).toEqual([]);
    expect(manifest.complete).toBe(true);
  });

  it('leaves out each port go links only externally, with one warning line naming it and why', () => {
    const lines = result.stderr.split('\n').filter((l) => l.includes('left out'));
    expect(lines).toHaveLength(refused.size);
    for (const [id, said] of refused) {
      const line = lines.find((l) => l.includes(`left out ${id}: `));
      expect(line, id).toBeDefined();
      // go's own reason, without its ", but cgo is not enabled".
      const reason = (line as string).slice(
        (line as string).indexOf(`left out ${id}: `) + `left out ${id}: `.length,
      );
      expect(said).toContain(reason.split(' (build it with')[0]);
      expect(line).toMatch(
        /^crossgo: warning: left out \S+: .*requires external \(cgo\) linking \(build it with --cgo on/,
      );
    }
  });

  it('verified every artifact: the static check passes on every port', () => {
    expect(manifest.verified).toBe(true);
    for (const artifact of binaries(manifest)) {
      expect(artifact.verification?.ok, artifact.target).toBe(true);
      const failed = artifact.verification?.checks.filter((c) => c.status === 'fail');
      expect(failed, artifact.target).toEqual([]);
      expect(artifact.verification?.checks.find((c) => c.name === 'static')?.status, artifact.target).toBe(
        'pass',
      );
    }
  });

  it('lists every artifact in SHA256SUMS, and sha256sum -c agrees', async () => {
    const dist = path.join(dir, 'dist');
    const sums = await readFile(path.join(dist, 'SHA256SUMS'), 'utf8');
    const listed = sums
      .trim()
      .split('\n')
      .map((l) => l.split(/\s+\*?/)[1]);
    expect(listed.sort()).toEqual(
      binaries(manifest)
        .map((a) => a.path)
        .sort(),
    );
    const check = await runTool('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dist });
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout.match(/: OK$/gm)).toHaveLength(binaries(manifest).length);
  });

  it('refuses a port that needs cgo when named without it: one line, exit 2, nothing built', async () => {
    const [id, said] = [...refused][0] as [string, string];
    const out = path.join(dir, 'refused');
    const named = await crossgo(['build', '-t', `linux/amd64,${id}`, '-o', 'refused'], {
      cwd: dir,
      env: testEnv(),
    });
    expect(named.code).toBe(2);
    expect(named.stdout).toBe('');
    expect(named.stderr.trim().split('\n')).toHaveLength(1);
    expect(named.stderr).toMatch(
      new RegExp(
        `^crossgo: target "${id}" cannot be built without cgo \\(go: .*requires external \\(cgo\\) linking\\): pass --cgo on`,
      ),
    );
    expect(said).toContain(/\(go: (.*)\):/.exec(named.stderr)?.[1] as string);
    expect(existsSync(out)).toBe(false);
  });
});
