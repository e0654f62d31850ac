import type { LoadedConfig } from '../../config/types.js';
import { UsageError } from '../../errors.js';
import { APK_KEY_VARIABLES, apkKeySetting } from '../../linuxpkg/keys.js';
import { type LinuxPackagesPlan, planLinuxPackages } from '../../linuxpkg/plan.js';
import type { Logger } from '../../log.js';
import { binaries, type Manifest } from '../../pipeline/manifest.js';
import { STATE_FILES } from '../../pipeline/outputFolder.js';
import type { PackageSettings } from '../../pipeline/release.js';
import type { ReleaseLayout } from '../../pipeline/releaseLayout.js';
import { releasedBinaries } from '../../pipeline/releaseOutput.js';
import { releaseProjectValues } from '../../pipeline/releaseValues.js';

export interface LinuxPackageSources {
  loaded: LoadedConfig;
  /** The config file's name, for messages. */
  file: string;
  manifest: Manifest;
  layout: ReleaseLayout;
  moduleRoot: string;
  /** Where CROSSGO_APK_KEY_FILE is relative to. */
  cwd: string;
  sign: PackageSettings['sign'];
  mtime: Date;
  env: NodeJS.ProcessEnv;
  log: Logger;
}

/**
 * The config's linux_packages: planned (null without one), after the release layout so a package
 * file name that another release file already has is one usage error before anything is written.
 */
export async function linuxPackageSettings(sources: LinuxPackageSources): Promise<LinuxPackagesPlan | null> {
  const config = sources.loaded.config.linux_packages;
  if (!config) return null;
  const { layout, manifest } = sources;
  const taken = new Map<string, string>();
  for (const file of STATE_FILES) taken.set(file, `crossgo's own ${file}`);
  for (const a of binaries(manifest))
    taken.set(a.path.split('/')[0] as string, `the build's binary of ${a.target}`);
  for (const u of layout.universal) taken.set(u.file, 'the universal binary');
  for (const a of layout.archives) taken.set(a.file, `the archive of ${a.target}`);
  for (const s of layout.sboms.values()) taken.set(s, 'an SBOM');
  taken.set(layout.checksums, 'the checksums file');
  if (layout.source) taken.set(layout.source.file, 'the source archive');

  let sign: LinuxPackagesPlan['sign'] = null;
  if (sources.sign?.method === 'gpg') {
    const apk = config.formats.includes('apk') ? apkKeySetting(sources.env, sources.cwd) : null;
    if (config.formats.includes('apk') && !apk) {
      throw new UsageError(
        `${sources.file}: linux_packages.formats has apk and the release signs with gpg: apk packages are signed with an RSA key, which a gpg key is not: set ${APK_KEY_VARIABLES.file} to one (openssl genrsa -out builder.rsa 4096), or leave apk out`,
      );
    }
    sign = { gpg: sources.sign.key ? { key: sources.sign.key } : {}, apk };
  } else if (sources.sign) {
    sources.log.info(
      'linux packages: not signed: --sign ssh signs the checksums file, which lists them; deb, rpm and apk signatures need --sign gpg',
    );
  }
  return planLinuxPackages({
    config,
    file: sources.file,
    moduleRoot: sources.moduleRoot,
    project: releaseProjectValues(manifest),
    binaries: releasedBinaries({ manifest }),
    taken,
    commit: manifest.source.commit,
    mtime: sources.mtime,
    sign,
    env: sources.env,
  });
}
