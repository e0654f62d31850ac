import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readFacts } from '../binary/read.js';
import { BufferSource } from '../binary/source.js';
import { lastLines, run } from '../exec/run.js';
import { hashFile } from '../fs/hash.js';
import { readRegular } from '../fs/open.js';
import { type Difference, explainDifference } from '../repro/explain.js';
import {
  goReason,
  onlyFile,
  planRebuild,
  plumbing,
  readProgram,
  unrecordedCauses,
  unsetKeys,
} from '../repro/install.js';
import { findGo } from '../toolchain/go.js';

export { type InstallPlan, planRebuild } from '../repro/install.js';

/**
 * `crossgo rebuild`: rebuilds a Go program from its own build info the way it was made —
 * `go install path@version` with the recorded toolchain, target and flags, from the module
 * proxy — and compares the bytes, explained as `crossgo repro` explains its (src/repro/explain.ts).
 * Build info that cannot support this gives a report with a reason, not an exception.
 */

export interface RebuildOptions {
  file: string;
  cwd?: string;
  environment?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface RebuildReport {
  file: string;
  /** Whether the build info names everything a rebuild needs. */
  rebuildable: boolean;
  /** Why it cannot be rebuilt, why the rebuild failed, or the likely causes of a difference; null when identical. */
  reason: string | null;
  module: { path: string; version: string } | null;
  /** The main package's import path. */
  package: string | null;
  goVersion: string | null;
  /** The go argv (without "go"); empty when not rebuildable. */
  command: string[];
  /** The variables set for go, over the caller's environment. */
  env: Record<string, string>;
  expectedSha256: string;
  gotSha256: string | null;
  /** null when no rebuild was made. */
  reproducible: boolean | null;
  sizes: { expected: number; got: number | null };
  /** When the bytes differ: where (sections, the first differing byte) and the likely causes; build 1 is the file, 2 the rebuild. */
  difference: Difference | null;
}

export async function rebuild(options: RebuildOptions): Promise<RebuildReport> {
  const cwd = options.cwd ?? process.cwd();
  const absolute = path.resolve(cwd, options.file);
  const facts = readProgram(absolute, options.file);
  const info = facts.go;
  const expected = await hashFile(absolute, { shown: options.file });
  const report: RebuildReport = {
    file: options.file,
    rebuildable: false,
    reason: null,
    module: info?.main ? { path: info.main.path, version: info.main.version } : null,
    package: info?.path ?? null,
    goVersion: info?.version ?? null,
    command: [],
    env: {},
    expectedSha256: expected.sha256,
    gotSha256: null,
    reproducible: null,
    sizes: { expected: expected.size, got: null },
    difference: null,
  };
  const plan = planRebuild(facts);
  if (!plan.ok) return { ...report, reason: plan.reason };
  Object.assign(report, { rebuildable: true, command: plan.command });

  const environment = options.environment ?? process.env;
  const go = await findGo({ cwd, env: environment, signal: options.signal });
  // A clean place: an empty working folder (no go.mod or go.work to pick up) and a GOPATH
  // whose bin/ receives the binary (go also keeps the checksum database's tree head in pkg/sumdb).
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'crossgo-rebuild-'));
  try {
    const gopath = path.join(scratch, 'gopath');
    const work = path.join(scratch, 'work');
    await mkdir(work, { recursive: true });
    report.env = { ...plan.env, ...plumbing(go, gopath) };
    const env: NodeJS.ProcessEnv = { ...environment, ...report.env };
    for (const key of unsetKeys(plan.env)) delete env[key];
    const goRun = { cwd: work, env, signal: options.signal };

    const toolchain = plan.env.GOTOOLCHAIN as string;
    const version = await run(go.binary, ['version'], goRun);
    if (version.exitCode !== 0 || !version.stdout.includes(`${toolchain} `)) {
      return { ...report, reason: `go cannot get ${toolchain} from the module proxy (${goReason(version)})` };
    }
    const install = await run(go.binary, plan.command, goRun);
    if (install.exitCode !== 0) {
      return { ...report, reason: `go ${plan.command.join(' ')} failed:\n${lastLines(install.stderr, 8)}` };
    }
    const built = await onlyFile(path.join(gopath, 'bin'));
    if (!built) return { ...report, reason: `go install left no binary in ${path.join(gopath, 'bin')}` };

    // Neither read may block: the first is the user's file, the second what go install left.
    const [original, rebuilt] = await Promise.all([
      readRegular(absolute, { shown: options.file }),
      readRegular(built, { follow: false }),
    ]);
    Object.assign(report, {
      gotSha256: createHash('sha256').update(rebuilt).digest('hex'),
      sizes: { expected: report.sizes.expected, got: rebuilt.length },
      reproducible: original.equals(rebuilt),
    });
    if (report.reproducible) return report;
    const difference = explainDifference(original, rebuilt, [
      { label: 'module cache', a: go.env.GOMODCACHE, b: go.env.GOMODCACHE },
    ]);
    difference.causes.push(...unrecordedCauses(facts, readFacts(new BufferSource(rebuilt)), go));
    const causes = difference.causes.map((c) => c.detail);
    report.difference = difference;
    report.reason = `the bytes differ: ${causes.length > 0 ? causes.join('; ') : 'no cause found in the bytes or the build info'}`;
    return report;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
