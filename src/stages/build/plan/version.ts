import type { Logger } from '../../../log.js';
import type { Discovery } from '../../../pipeline/discovery.js';
import type { VersionInfo } from '../../../toolchain/vcs.js';

/**
 * The version facts crossgo injects, from git in the module root (once per run: the discovery
 * keeps them), or `override` (--app-version) in place of git describe.
 */
export async function planVersion(
  discovery: Discovery,
  moduleRoot: string,
  override: string | undefined,
  log: Logger,
): Promise<VersionInfo> {
  const version = await discovery.version(moduleRoot, override);
  if (version.warning) log.warn(version.warning);
  return version;
}
