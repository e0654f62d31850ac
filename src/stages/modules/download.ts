import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runPool } from '../../exec/pool.js';
import { run, runChecked } from '../../exec/run.js';
import type { BuildContext } from '../../pipeline/context.js';
import type { Stage } from '../../pipeline/stage.js';
import { workspaceFile } from '../../toolchain/module.js';

/**
 * Downloads the module graph once, before the fan-out, so that parallel builds only
 * read the module cache and never race to fill it.
 */
export const downloadModules: Stage = {
  name: 'modules',
  skip(ctx) {
    const work = workspaceFile(ctx.plan.go);
    if (work) {
      // `go work vendor` puts the workspace's vendor folder beside go.work (cmd/go/internal/workcmd).
      if (existsSync(path.join(path.dirname(work), 'vendor', 'modules.txt')))
        return 'the workspace vendors its dependencies';
      return false;
    }
    const root = ctx.plan.moduleRoot;
    if (existsSync(path.join(root, 'vendor', 'modules.txt'))) return 'the module vendors its dependencies';
    if (!requiresModules(readFileSync(ctx.plan.pkg.module.goMod, 'utf8')))
      return 'go.mod requires no modules';
    return false;
  },
  async run(ctx) {
    const { plan } = ctx;
    if (workspaceFile(plan.go)) {
      await loadWorkspaceDeps(ctx);
      return;
    }
    await runChecked(plan.go.binary, ['mod', 'download'], {
      cwd: plan.moduleRoot,
      env: plan.baseEnv,
      signal: ctx.signal,
    });
  },
};

/**
 * In workspace mode `go mod download` is no stand-in for what go build needs: with no arguments
 * it downloads the pattern "all" (cmd/go/internal/modcmd/download.go, "TODO(#44435): Think about
 * what the correct query is"), which in go1.26 also asks the proxy for the required version of a
 * module the workspace itself provides (example.com/lib@v0.1.0: 400 Bad Request, while go build
 * uses ./lib), and it then writes go.work.sum. Instead, the packages of each build are loaded
 * the way that build will load them (`go list -deps` takes the same build flags and
 * environment): loading fetches exactly the modules that provide them, into the module cache,
 * and with -mod=readonly writes no file. Builds that differ only in GOARCH load the same
 * modules in practice, so one load per GOOS and flag set; anything still missing is fetched by
 * go build itself, which is safe in parallel (the module cache locks each version:
 * cmd/go/internal/modfetch/cache.go lockVersion). -e: a package that fails to load fails its
 * own target's build, with go's own message, not every target here.
 */
async function loadWorkspaceDeps(ctx: BuildContext): Promise<void> {
  const { plan } = ctx;
  const byKey = new Map<string, (typeof plan.builds)[number]>();
  for (const build of plan.builds) {
    const key = JSON.stringify([build.env.GOOS, build.env.CGO_ENABLED, listFlags(build.args)]);
    if (!byKey.has(key)) byKey.set(key, build);
  }
  const outcomes = await runPool(
    [...byKey.values()],
    plan.jobs,
    (build) =>
      run(
        plan.go.binary,
        [
          'list',
          '-deps',
          '-test=false',
          '-e',
          '-f',
          '{{.ImportPath}}',
          ...listFlags(build.args),
          '--',
          // Every build's package: builds of one config share the module, not their imports.
          ...new Set(plan.units.map((u) => u.pkg.importPath)),
        ],
        { cwd: plan.moduleRoot, env: { ...plan.baseEnv, ...build.env }, signal: ctx.signal },
      ),
    ctx.signal,
  );
  for (const outcome of outcomes) if (!outcome.ok) throw outcome.error;
}

/** The build flags that change which packages load: tags (and -trimpath and the rest do not matter). */
function listFlags(args: readonly string[]): string[] {
  return args.filter((arg) => arg.startsWith('-tags='));
}

/** True when go.mod has a require directive (a line or a block); comments do not count. */
export function requiresModules(goMod: string): boolean {
  return /^\s*require\b/m.test(goMod.replace(/\/\/.*$/gm, ''));
}
