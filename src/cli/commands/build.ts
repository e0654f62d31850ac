import path from 'node:path';
import pc from 'picocolors';
import type { CgoMode } from '../../cgo/plan.js';
import type { BuildRunOptions } from '../../commands/build.js';
import type { BuildResult } from '../../commands/buildResult.js';
import { lastRunOf } from '../../commands/lastRun.js';
import type { PackageResult } from '../../commands/package.js';
import { UsageError } from '../../errors.js';
import { binaries } from '../../pipeline/manifest.js';
import { parseEnvAssignments } from '../../stages/build/flags.js';
import { parseShard } from '../../stages/build/shard.js';
import type { CliContext } from '../context.js';
import { parseDuration } from '../duration.js';
import { formatBytes, formatDuration, formatTable } from '../render/format.js';
import { stderrLogger } from '../render/logger.js';
import { Progress } from '../render/progress.js';

export interface BuildFlagsCli {
  targets?: string;
  build?: string[];
  out?: string;
  jobs?: string;
  json?: boolean;
  config?: string;
  appVersion?: string;
  ldflags?: string[];
  tags?: string[];
  gcflags?: string[];
  env?: string[];
  trimpath?: boolean;
  strip?: boolean;
  allowBroken?: boolean;
  linkCache?: boolean;
  force?: boolean;
  skipHooks?: boolean;
  snapshot?: boolean;
  clean?: boolean;
  verify?: boolean;
  template?: string;
  cgo?: string;
  cc?: string;
  cxx?: string;
  static?: boolean;
  macosSdk?: string;
  go?: string;
  package?: boolean;
  sign?: string;
  key?: string;
  universal?: boolean;
  wait?: string;
  cache?: string;
  cacheReadonly?: boolean;
  shard?: string;
  costs?: string;
}

/** --build a,b --build c: the ids, in order, without repeats; an empty one is a usage error. */
function buildIds(values: readonly string[]): string[] {
  const ids: string[] = [];
  for (const id of values.flatMap((v) => v.split(',')).map((v) => v.trim())) {
    if (id === '')
      throw new UsageError('--build: expected build ids, comma-separated (e.g. --build cli,server)');
    if (!ids.includes(id)) ids.push(id);
  }
  return ids;
}

/** --shard I/N (or auto) and --costs, checked before anything runs. */
function shardOptions(flags: BuildFlagsCli): Pick<BuildRunOptions, 'shard' | 'costs'> {
  if (flags.shard === undefined) {
    if (flags.costs !== undefined) throw new UsageError('--costs: only with --shard I/N');
    return {};
  }
  return { shard: flags.shard === 'auto' ? 'auto' : parseShard(flags.shard), costs: flags.costs };
}

/** `crossgo build`: parse, call the library, print. */
export async function buildCommand(
  pkg: string | undefined,
  flags: BuildFlagsCli,
  cli: CliContext,
): Promise<number> {
  const implied = packageImpliedBy(flags);
  // Asked for release files without --package: make them, and say why (one line, stderr).
  if (!flags.package && implied.length > 0)
    stderrLogger.info(`crossgo: ${implied.join(' and ')} implies --package`);
  const progress = new Progress(process.stderr, process.stderr.isTTY === true);
  const started = Date.now();
  // Targets go did not need to build (their inputs and bytes are the last build's).
  const unchanged = new Set<string>();
  let results: BuildResult[];
  try {
    const options: BuildRunOptions = {
      cwd: cli.cwd,
      package: pkg,
      ...(flags.build ? { builds: buildIds(flags.build) } : {}),
      targets: flags.targets,
      out: flags.out,
      jobs: flags.jobs === undefined ? undefined : parseJobs(flags.jobs),
      ...(flags.cache ? { cache: flags.cache } : {}),
      ...(flags.cacheReadonly ? { cacheReadonly: true } : {}),
      configFile: flags.config,
      version: flags.appVersion,
      ldflags: flags.ldflags,
      tags: flags.tags,
      gcflags: flags.gcflags,
      env: parseEnvAssignments(flags.env ?? []),
      trimpath: flags.trimpath === false ? false : undefined,
      strip: flags.strip === false ? false : undefined,
      allowBroken: flags.allowBroken,
      template: flags.template,
      linkCache: flags.linkCache === false ? false : undefined,
      force: flags.force,
      skipHooks: flags.skipHooks,
      snapshot: flags.snapshot,
      clean: flags.clean,
      release: flags.package || implied.length > 0,
      verify: flags.verify !== false,
      cgo: flags.cgo as CgoMode | undefined,
      cc: flags.cc,
      cxx: flags.cxx,
      static: flags.static,
      macosSdk: flags.macosSdk,
      go: flags.go,
      ...shardOptions(flags),
      waitMs: flags.wait === undefined ? undefined : parseDuration(flags.wait, '--wait'),
      signal: cli.signal,
      onEvent: (event) => {
        if (event.type === 'target-done' && event.unchanged) unchanged.add(event.artifact.path);
        progress.onEvent(event);
      },
      log: stderrLogger,
    };
    // An unchanged rebuild is answered before the planner and the stages are even loaded.
    const last = await lastRunOf(options);
    results = last.unchanged
      ? [last.unchanged]
      : await (await import('../../commands/build.js')).buildAll(options, last);
  } finally {
    progress.stop();
  }
  const packaged: PackageResult[] = [];
  if ((flags.package || implied.length > 0) && results.every((r) => r.ok)) {
    // The release files come from each build's manifest, which then lists them too; the package
    // settings from the same config file the build read.
    const { packageRelease } = await import('../../commands/package.js');
    const { packageOptionsFrom } = await import('./package.js');
    for (const [i, result] of results.entries()) {
      const release = await packageRelease({
        ...packageOptionsFrom({
          sign: flags.sign,
          key: flags.key,
          universal: flags.universal,
          // after: runs once, when every release's files exist (several with --go a,b).
          skipHooks: flags.skipHooks || i < results.length - 1,
          snapshot: flags.snapshot,
        }),
        manifest: path.join(result.outDir, 'manifest.json'),
        configFile: flags.config,
        cwd: cli.cwd,
        signal: cli.signal,
        log: stderrLogger,
      });
      result.manifest = release.manifest;
      packaged.push(release);
    }
  }
  if (flags.json) {
    const manifests = results.map((r) => r.manifest);
    process.stdout.write(`${JSON.stringify(manifests.length === 1 ? manifests[0] : manifests, null, 2)}\n`);
  } else {
    for (const result of results) {
      if (results.length > 1) process.stdout.write(`${pc.bold(result.manifest.toolchain.goVersion)}\n`);
      printResult(result, cli, started, unchanged);
    }
    if (packaged.length > 0) {
      const { describePackage } = await import('./package.js');
      for (const release of packaged) process.stdout.write(`\n${describePackage(release, cli)}`);
    }
  }
  return results.every((r) => r.ok) ? 0 : 1;
}

/** The flags that only mean something for release files: each implies --package. */
function packageImpliedBy(flags: BuildFlagsCli): string[] {
  return [flags.universal ? '--universal' : '', flags.sign !== undefined ? '--sign' : ''].filter(
    (f) => f !== '',
  );
}

function printResult(
  result: BuildResult,
  cli: CliContext,
  started: number,
  unchanged: ReadonlySet<string>,
): void {
  const { manifest } = result;
  const rows = binaries(manifest).map((a) => [
    a.target,
    formatBytes(a.size),
    formatDuration(a.durationMs),
    a.sha256.slice(0, 12),
    a.path,
  ]);
  if (rows.length > 0)
    process.stdout.write(`${formatTable(['target', '>size', '>time', 'sha256', 'file'], rows)}\n`);
  // Warnings (build paths kept by --no-trimpath): what the build asked for, said once, not failed.
  const warnings = binaries(manifest).flatMap((a) =>
    (a.verification?.checks ?? [])
      .filter((c) => c.status === 'warn')
      .map((c) => `${pc.yellow(`! ${a.target}`)} ${c.name}: ${c.detail}`),
  );
  if (warnings.length > 0) process.stdout.write(`\n${warnings.join('\n')}\n`);
  for (const artifact of binaries(manifest)) {
    const failed = artifact.verification?.checks.filter((c) => c.status === 'fail') ?? [];
    if (failed.length === 0) continue;
    process.stdout.write(`\n${pc.red(`✗ ${artifact.target} failed verification`)}\n`);
    for (const check of failed) process.stdout.write(`    ${check.name}: ${check.detail}\n`);
  }
  // Named with its build when the run had several (two may fail on one target).
  const several = new Set([...binaries(manifest), ...manifest.failures].map((r) => r.build)).size > 1;
  for (const failure of manifest.failures) {
    const what = several && failure.build ? `${failure.build} ${failure.target}` : failure.target;
    process.stdout.write(`\n${pc.red(`✗ ${what} failed`)}\n${indent(failure.excerpt)}\n`);
  }
  const shard = manifest.shard;
  if (shard && result.plan && result.plan.builds.length === 0)
    process.stdout.write(
      `shard ${shard.index}/${shard.total} has no targets (${shard.targets.length} targets, ${shard.total} shards)\n`,
    );
  const where = path.relative(cli.cwd, result.outDir) || '.';
  const counts = summaryCounts(manifest, binaries(manifest).filter((a) => unchanged.has(a.path)).length);
  const summary = `${counts.text} in ${formatDuration(Date.now() - started)} → ${where}/ (manifest.json, SHA256SUMS)`;
  process.stdout.write(`\n${counts.ok ? summary : pc.red(summary)}\n`);
}

/**
 * What the run made, as the summary line says it: "17 built, 0 failed"; an artifact that failed
 * verification was built but is not a success: "11 built, 6 failed verification" (and ", 2
 * failed to build" when targets failed too), and " (2 with warnings)" for artifacts whose checks
 * only warned; "0 built, 3 unchanged, 0 failed" when go did not need to run for some targets.
 * `ok` is what the exit code says.
 */
export function summaryCounts(
  manifest: Pick<BuildResult['manifest'], 'artifacts' | 'failures'>,
  unchanged = 0,
): {
  text: string;
  ok: boolean;
} {
  const built = binaries(manifest).length - unchanged;
  const made = unchanged > 0 ? `${built} built, ${unchanged} unchanged` : `${built} built`;
  const failed = manifest.failures.length;
  const unverified = binaries(manifest).filter((a) => a.verification?.ok === false).length;
  const warned = binaries(manifest).filter((a) =>
    a.verification?.checks.some((c) => c.status === 'warn'),
  ).length;
  const text =
    (unverified === 0
      ? `${made}, ${failed} failed`
      : `${made}, ${unverified} failed verification${failed > 0 ? `, ${failed} failed to build` : ''}`) +
    (warned > 0 ? ` (${warned} with warnings)` : '');
  return { text, ok: failed === 0 && unverified === 0 };
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

function parseJobs(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new UsageError(`-j "${value}": expected a whole number of jobs, 1 or more`);
  }
  return Number(value);
}
