import path from 'node:path';
import {
  type PackageFormat,
  type PackageOptions,
  type PackageResult,
  packageRelease,
} from '../../commands/package.js';
import type { SignMethod } from '../../stages/sign/sign.js';
import type { CliContext } from '../context.js';
import { parseDuration } from '../duration.js';
import { formatBytes, formatTable } from '../render/format.js';
import { stderrLogger } from '../render/logger.js';

export interface PackageFlagsCli {
  wait?: string;
  out?: string;
  config?: string;
  manifest?: string;
  format?: string;
  files?: string[];
  checksum?: string;
  sign?: string;
  key?: string;
  signAll?: boolean;
  sbom?: boolean;
  universal?: boolean;
  skipHooks?: boolean;
  snapshot?: boolean;
  json?: boolean;
}

/** The package options the flags give (also used by `build --package`). */
export function packageOptionsFrom(flags: PackageFlagsCli): PackageOptions {
  return {
    out: flags.out,
    manifest: flags.manifest,
    configFile: flags.config,
    format: flags.format as PackageFormat | undefined,
    files: flags.files,
    checksum: flags.checksum as 'sha256' | 'sha512' | undefined,
    sign: flags.sign as SignMethod | undefined,
    key: flags.key,
    signAll: flags.signAll,
    sbom: flags.sbom === false ? false : undefined,
    universal: flags.universal,
    skipHooks: flags.skipHooks,
    snapshot: flags.snapshot,
    waitMs: flags.wait === undefined ? undefined : parseDuration(flags.wait, '--wait'),
  };
}

/** `crossgo package`: release files from the build's manifest. */
export async function packageCommand(flags: PackageFlagsCli, cli: CliContext): Promise<number> {
  const result = await packageRelease({
    ...packageOptionsFrom(flags),
    cwd: cli.cwd,
    signal: cli.signal,
    log: stderrLogger,
  });
  if (flags.json) process.stdout.write(`${JSON.stringify(result.manifest, null, 2)}\n`);
  else process.stdout.write(describePackage(result, cli));
  return 0;
}

export function describePackage(result: PackageResult, cli: CliContext): string {
  const rows = result.made.map((f) => [f.kind, f.path, formatBytes(f.size), f.sha256.slice(0, 12)]);
  const where = path.relative(cli.cwd, result.outDir) || '.';
  return `${formatTable(['kind', 'file', '>size', 'sha256'], rows)}\n\n${result.made.length} release files → ${where}/ (listed in manifest.json)\n`;
}
