import path from 'node:path';
import { asIoError } from '../../errors.js';
import { batchFor, previousKept } from '../../fs/atomic.js';
import { binaries, CHECKSUMS_FILE, MANIFEST_FILE, type Manifest } from '../../pipeline/manifest.js';
import type { BuildPlan } from '../../pipeline/plan.js';
import type { Stage } from '../../pipeline/stage.js';
import { releaseVersionOf } from '../../template/version.js';

/** The manifest a run starts with: the facts of the plan, no artifacts yet. */
export function newManifest(plan: BuildPlan, crossgoVersion: string, _cwd?: string): Manifest {
  const pkgArg = plan.pkg.pattern;
  return {
    schemaVersion: 2,
    crossgo: crossgoVersion,
    complete: false,
    verified: false,
    project: {
      module: plan.pkg.module.path,
      package: pkgArg.startsWith('.') ? relativePackage(plan) : pkgArg,
      importPath: plan.pkg.importPath,
      name: plan.project,
    },
    toolchain: {
      goVersion: plan.go.version.raw,
      hostOs: plan.go.env.GOHOSTOS,
      hostArch: plan.go.env.GOHOSTARCH,
      goflags: plan.go.env.GOFLAGS,
      goexperiment: plan.go.env.GOEXPERIMENT,
      gotoolchain: plan.goToolchain ?? '',
    },
    source: {
      version: plan.version.version,
      commit: plan.version.commit,
      date: plan.version.date,
      dateSource: plan.version.dateSource,
      dirty: plan.version.dirty,
      plainVersion: releaseVersionOf(plan.version.version),
      tag: plan.version.tag,
      snapshot: plan.version.snapshot,
    },
    settings: { trimpath: plan.trimpath, strip: plan.strip, outputTemplate: plan.template },
    artifacts: [],
    failures: [],
    ...(plan.shard ? { shard: plan.shard } : {}),
  };
}

/** The first build's package from the module root (its folder: a config's main is read from there). */
function relativePackage(plan: BuildPlan): string {
  const rel = path.relative(plan.moduleRoot, plan.pkg.dir).split(path.sep).join('/');
  return rel === '' ? '.' : `./${rel}`;
}

/**
 * Writes <out>/manifest.json, artifacts in target order, and renames it into place together
 * with the SHA256SUMS the checksums stage wrote: both change, or neither does.
 */
export const writeManifest: Stage = {
  name: 'manifest',
  runsAfterInterrupt: true,
  async run(ctx) {
    const { manifest, plan } = ctx;
    // Plan order (builds, then targets): a binary by its path (two builds may share a target).
    const byPath = new Map(plan.builds.map((b, i) => [b.outputRel, i]));
    const byTarget = new Map<string, number>();
    plan.builds.forEach((b, i) => {
      if (!byTarget.has(b.target.id)) byTarget.set(b.target.id, i);
    });
    const rank = (a: { target?: string; path?: string }) =>
      (a.path !== undefined ? byPath.get(a.path) : undefined) ?? byTarget.get(a.target ?? '') ?? 0;
    manifest.artifacts.sort((a, b) => rank(a) - rank(b));
    // A failure by its build and target (it has no path).
    const byBuild = new Map(plan.builds.map((b, i) => [`${b.unit.id} ${b.target.id}`, i]));
    const failureRank = (f: { target: string; build?: string }) =>
      byBuild.get(`${f.build} ${f.target}`) ?? rank(f);
    manifest.failures.sort((a, b) => failureRank(a) - failureRank(b));
    manifest.complete = !ctx.interrupted && manifest.failures.length === 0;
    // Nothing built is nothing verified (every() of an empty list is true).
    const built = binaries(manifest);
    manifest.verified = plan.verify && built.length > 0 && built.every((a) => a.verification?.ok === true);
    await plan.owned.record(MANIFEST_FILE, 'state', null);
    const file = path.join(plan.outDir, MANIFEST_FILE);
    const pair = [file, path.join(plan.outDir, CHECKSUMS_FILE)];
    const batch = batchFor(manifest);
    try {
      await batch.add(file, `${JSON.stringify(manifest, null, 2)}\n`);
    } catch (error) {
      await batch.discard();
      throw asIoError(error, 'write', file, `${await previousKept(pair)}${unrecorded(manifest)}`);
    }
    try {
      await batch.commit();
    } catch (error) {
      await batch.discard();
      throw asIoError(
        error,
        'rename into place',
        file,
        'manifest.json and SHA256SUMS may disagree: run the build again',
      );
    }
  },
};

/** The state a failed write leaves the binaries of this run in, for its message. */
function unrecorded(manifest: Manifest): string {
  const n = binaries(manifest).length;
  if (n === 0) return '';
  return `; the ${n === 1 ? 'binary' : `${n} binaries`} built now ${n === 1 ? 'is' : 'are'} not recorded: build again once the folder can be written`;
}
