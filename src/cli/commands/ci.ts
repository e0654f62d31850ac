import { type CiPlatform, ci } from '../../commands/ci.js';
import type { CliContext } from '../context.js';

export interface CiFlagsCli {
  shards?: string;
  force?: boolean;
  config?: string;
  json?: boolean;
}

/** `crossgo ci github|gitlab [--shards N] [--force]`: one line of what was written, and what to set next. */
export async function ciCommand(platform: CiPlatform, flags: CiFlagsCli, cli: CliContext): Promise<number> {
  const result = await ci({
    platform,
    shards: flags.shards,
    force: flags.force,
    configFile: flags.config,
    cwd: cli.cwd,
    signal: cli.signal,
  });
  if (flags.json) {
    const { file, path, outcome, shards, targets, plan } = result;
    process.stdout.write(
      `${JSON.stringify({ file, path, outcome, shards, targets, moduleDir: plan.moduleDir, out: plan.out, crossgo: plan.crossgoVersion }, null, 2)}\n`,
    );
    return 0;
  }
  const verb = { created: 'wrote', replaced: 'rewrote', unchanged: 'unchanged:' }[result.outcome];
  process.stderr.write(
    `crossgo: ${verb} ${result.path}: ${result.shards} shard${result.shards === 1 ? '' : 's'} over ${result.targets} target${result.targets === 1 ? '' : 's'}, then merge, package and sign\n`,
  );
  if (result.outcome !== 'unchanged') {
    const where = platform === 'github' ? 'repository secrets' : 'CI/CD variables';
    process.stderr.write(
      `crossgo: next: set the ${where} CROSSGO_GPG_PRIVATE_KEY (and CROSSGO_GPG_PASSPHRASE) and CROSSGO_CACHE_URL (with its credentials), then commit ${result.path}\n`,
    );
  }
  return 0;
}
