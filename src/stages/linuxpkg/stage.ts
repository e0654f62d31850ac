import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runPool } from '../../exec/pool.js';
import { hashFile } from '../../fs/hash.js';
import { prepareSigningKeys, type SigningKeys } from '../../linuxpkg/keys.js';
import { makePackage } from '../../linuxpkg/make.js';
import type { PackageArtifact } from '../../pipeline/manifest.js';
import type { PackageContext } from '../../pipeline/release.js';
import { readVerified, sourcePath, stagePath } from '../../pipeline/releaseOutput.js';
import type { Stage } from '../../pipeline/stage.js';

/** Two nfpm runs at once: each is one process and a few seconds of gzip at most (2-core machines). */
const PARALLEL = 2;

/**
 * The deb, rpm and apk packages of linux_packages: (planned and checked before any stage ran),
 * each made by nfpm from files crossgo copied into a private folder, staged under its final name
 * and recorded as a PackageArtifact; the checksums and sign stages that follow cover them.
 */
export const linuxPackagesStage: Stage<PackageContext> = {
  name: 'linux-packages',
  skip: (ctx) => {
    const plan = ctx.settings.linuxPackages;
    if (!plan) return 'no linux_packages: in the config';
    return plan.packages.length === 0 ? 'no linux binary to package' : false;
  },
  async run(ctx) {
    const plan = ctx.settings.linuxPackages;
    if (!plan) return;
    for (const note of plan.notes) ctx.log.info(note);
    // Every name is claimed first, in plan order, so a clash is found before nfpm runs.
    const targets: string[] = [];
    for (const pkg of plan.packages) targets.push(await stagePath(ctx, pkg.file));
    const work = await mkdtemp(path.join(os.tmpdir(), 'crossgo-nfpm-'));
    let keys: SigningKeys | null = null;
    try {
      if (plan.sign) {
        keys = await prepareSigningKeys({
          ...(plan.sign.gpg ? { gpg: plan.sign.gpg } : {}),
          ...(plan.sign.apk ? { apk: plan.sign.apk } : {}),
          env: ctx.env,
          signal: ctx.signal,
        });
      }
      const outcomes = await runPool(
        plan.packages,
        PARALLEL,
        async (pkg, i) => {
          const dir = path.join(work, String(i));
          await mkdir(dir, { mode: 0o700 });
          // Read for this package alone (no binary is held longer), checked against the manifest.
          const bytes = new Map<string, Uint8Array>();
          for (const b of pkg.binaries)
            bytes.set(b.path, await readVerified(sourcePath(ctx, b.path), b.sha256, b.path));
          await makePackage({
            plan,
            pkg,
            binaries: bytes,
            moduleRoot: ctx.moduleRoot,
            dir,
            target: targets[i] as string,
            keys,
            env: ctx.env,
            signal: ctx.signal,
          });
        },
        ctx.signal,
      );
      for (const outcome of outcomes) if (!outcome.ok) throw outcome.error;
      for (const [i, pkg] of plan.packages.entries()) {
        const { sha256, size } = await hashFile(targets[i] as string, { follow: false, shown: pkg.file });
        const record: PackageArtifact = {
          kind: 'package',
          path: pkg.file,
          size,
          sha256,
          target: pkg.target,
          from: pkg.binaries.map((b) => b.path),
          format: pkg.format,
          name: pkg.name,
          version: pkg.version,
          arch: pkg.arch,
          signed: pkg.signed,
        };
        ctx.manifest.artifacts.push(record);
      }
    } finally {
      await rm(work, { recursive: true, force: true });
      await keys?.dispose();
    }
  },
};
