import { lstat } from 'node:fs/promises';
import path from 'node:path';
import type { LinuxPackageFormatName, LinuxPackageRelations, LinuxPackagesConfig } from '../config/types.js';
import { UsageError } from '../errors.js';
import { compileTemplate, renderTemplate, type TemplateValues } from '../template/engine.js';
import { type LinuxPackageFormat, packageArch } from './arch.js';
import { checkDestination, moduleFile, type PlannedContent, resolveContents } from './contents.js';
import type { Relations } from './nfpmConfig.js';
import {
  formatVersions,
  fullVersion,
  packageFileName,
  packageNameProblem,
  releaseProblem,
  versionProblem,
} from './version.js';

/**
 * linux_packages: → the packages to make, decided before anything is written: per linux target
 * (all of its binaries, or those of linux_packages.build) and per format, the name, the version
 * as the format writes it, the architecture and the file name, each checked; and the files of
 * the config (contents, man pages, systemd units, completions, scripts), confined to the module.
 */

/** A binary the release ships, as the planner needs it. */
export interface PackagedBinaryInput {
  path: string;
  sha256: string;
  target: string;
  goos: string;
  goarch: string;
  variant: string | null;
  name: string;
  /** The build that made it (builds[].id). */
  id: string;
}

export interface LinuxPackagesInput {
  config: LinuxPackagesConfig;
  /** The config file's name, for messages. */
  file: string;
  moduleRoot: string;
  /** The project's template values ({project}, {version}…). */
  project: TemplateValues;
  binaries: readonly PackagedBinaryInput[];
  /** Release file names already planned, and what each is. */
  taken: ReadonlyMap<string, string>;
  commit: string;
  mtime: Date;
  /** Signing is on: gpg for deb and rpm (its key), and the apk RSA key from the environment. */
  sign: { gpg: { key?: string }; apk: { file: string; name: string } | null } | null;
  env: NodeJS.ProcessEnv;
}

export interface PlannedLinuxPackage {
  file: string;
  format: LinuxPackageFormat;
  target: string;
  name: string;
  /** As the format writes it (PackageArtifact.version). */
  version: string;
  upstream: string;
  release: string;
  epoch?: string;
  arch: string;
  binaries: { path: string; sha256: string; dst: string }[];
  relations: Relations;
  signed: boolean;
}

export interface LinuxPackagesPlan {
  packages: PlannedLinuxPackage[];
  meta: {
    maintainer?: string;
    vendor?: string;
    description: string;
    license?: string;
    homepage?: string;
    section: string;
    priority: string;
  };
  contents: PlannedContent[];
  scripts: Partial<
    Record<'preinstall' | 'postinstall' | 'preremove' | 'postremove', { file: string; rel: string }>
  >;
  /** The module's license file (for the deb copyright file), if it has one. */
  licenseFile: { file: string; rel: string } | null;
  commit: string;
  mtime: Date;
  sign: LinuxPackagesInput['sign'];
  /** Why a target or format was left out (one info line each). */
  notes: string[];
}

const RELATION_KEYS = ['depends', 'recommends', 'suggests', 'conflicts', 'provides', 'replaces'] as const;
const LICENSE_FILES = ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'LICENCE', 'LICENCE.md', 'COPYING'];
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL_BUT_NEWLINE = /[\u0000-\u0009\u000b-\u001f\u007f]/;
const SYSTEMD_UNIT = /\.(service|socket|timer|path|target|mount|automount|swap|slice)$/;

export async function planLinuxPackages(input: LinuxPackagesInput): Promise<LinuxPackagesPlan> {
  const { config, file } = input;
  const at = (key: string) => `${file}: linux_packages.${key}`;
  const formats = [...new Set(config.formats)] as LinuxPackageFormat[];
  const render = (text: string, key: string) =>
    renderTemplate(
      compileTemplate(text, { file, key: `linux_packages.${key}` }, { scope: 'project' }),
      input.project,
      input.env,
    );

  const version = render(config.version ?? '{version}', 'version');
  const vProblem = versionProblem(version);
  if (vProblem) {
    throw new UsageError(
      `${at('version')}: ${JSON.stringify(config.version ?? '{version}')} gives ${JSON.stringify(version)}, which ${vProblem}: tag a release (git tag v1.2.3) or set linux_packages.version`,
    );
  }
  const upstream = formatVersions(version).upstream;
  const release = config.release ?? '1';
  const names = new Map<LinuxPackageFormat, string>();
  for (const format of formats) {
    const override = config.overrides?.[format]?.name;
    const key = override !== undefined ? `overrides.${format}.name` : 'name';
    const template = override ?? config.name ?? '{project}';
    const name = render(template, key);
    const problem = packageNameProblem(format, name);
    if (problem) {
      throw new UsageError(
        `${at(key)}: ${JSON.stringify(template)} gives ${JSON.stringify(name)}, which ${problem}: set linux_packages.${key} (e.g. "{project|lower}")`,
      );
    }
    const rProblem = releaseProblem(format, release);
    if (rProblem) throw new UsageError(`${at('release')}: ${JSON.stringify(release)} ${rProblem}`);
    names.set(format, name);
  }

  const maintainer = config.maintainer;
  if (maintainer !== undefined && !/^[^<>\n\r]*[^<>\s] <[^<>\s]+@[^<>\s]+>$/.test(maintainer)) {
    throw new UsageError(
      `${at('maintainer')}: ${JSON.stringify(maintainer)} is not "Name <mail>": write it as e.g. "Jane Doe <jane@example.com>"`,
    );
  }
  if (maintainer === undefined && formats.includes('deb')) {
    throw new UsageError(`${at('maintainer')} is missing: a deb package needs a maintainer ("Name <mail>")`);
  }
  const description = config.description ?? `Go program ${input.project.project ?? ''}`.trim();
  if (CONTROL_BUT_NEWLINE.test(description) || (description.split('\n')[0] ?? '').trim() === '') {
    throw new UsageError(
      `${at('description')}: the first line is the summary: it must not be empty, and no line may hold a control character`,
    );
  }
  for (const [key, value] of [
    ['vendor', config.vendor],
    ['license', config.license],
    ['homepage', config.homepage],
  ] as const) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    if (value !== undefined && /[\u0000-\u001f\u007f]/.test(value))
      throw new UsageError(`${at(key)} holds a control character: one line`);
  }
  const bindir = checkDestination(config.bindir ?? '/usr/bin', at('bindir'));

  const contents = await resolveContents(config.contents ?? [], input.moduleRoot, file);
  const root = input.moduleRoot;
  for (const [i, rel] of (config.man ?? []).entries()) {
    const source = await moduleFile(root, rel, at(`man[${i}]`));
    const section = /\.([1-9])[a-z]*$/.exec(rel);
    if (!section) {
      throw new UsageError(
        `${at(`man[${i}]`)}: ${rel} is not named NAME.SECTION (tool.1): crossgo installs it as /usr/share/man/manSECTION/NAME.SECTION.gz (give the page uncompressed)`,
      );
    }
    contents.push({
      type: 'doc',
      source,
      dst: `/usr/share/man/man${section[1]}/${path.posix.basename(rel)}.gz`,
      mode: 0o644,
      owner: 'root',
      group: 'root',
      formats: null,
      gzip: true,
      key: `linux_packages.man[${i}]`,
    });
  }
  for (const [i, rel] of (config.systemd ?? []).entries()) {
    const source = await moduleFile(root, rel, at(`systemd[${i}]`));
    if (!SYSTEMD_UNIT.test(rel))
      throw new UsageError(
        `${at(`systemd[${i}]`)}: ${rel} is not a systemd unit file (.service, .socket, .timer…)`,
      );
    contents.push(
      plain(
        source,
        `/usr/lib/systemd/system/${path.posix.basename(rel)}`,
        `linux_packages.systemd[${i}]`,
        null,
      ),
    );
  }
  const command = names.get(formats[0] as LinuxPackageFormat) as string;
  const completions = config.completions ?? {};
  if (completions.bash) {
    const source = await moduleFile(root, completions.bash, at('completions.bash'));
    contents.push(
      plain(
        source,
        `/usr/share/bash-completion/completions/${command}`,
        'linux_packages.completions.bash',
        null,
      ),
    );
  }
  if (completions.zsh) {
    const source = await moduleFile(root, completions.zsh, at('completions.zsh'));
    // Debian's zsh reads vendor-completions; Fedora's and Alpine's site-functions.
    contents.push(
      plain(source, `/usr/share/zsh/vendor-completions/_${command}`, 'linux_packages.completions.zsh', [
        'deb',
      ]),
    );
    contents.push(
      plain(source, `/usr/share/zsh/site-functions/_${command}`, 'linux_packages.completions.zsh', [
        'rpm',
        'apk',
      ]),
    );
  }
  if (completions.fish) {
    const source = await moduleFile(root, completions.fish, at('completions.fish'));
    contents.push(
      plain(
        source,
        `/usr/share/fish/vendor_completions.d/${command}.fish`,
        'linux_packages.completions.fish',
        null,
      ),
    );
  }
  const scripts: LinuxPackagesPlan['scripts'] = {};
  for (const [key, rel] of Object.entries(config.scripts ?? {}) as [
    keyof LinuxPackagesPlan['scripts'],
    string,
  ][]) {
    scripts[key] = await moduleFile(root, rel, at(`scripts.${key}`));
  }

  const selected = selectBinaries(input);
  const packages: PlannedLinuxPackage[] = [];
  const notes: string[] = [];
  const claims = new Map<string, string>(input.taken);
  for (const [target, group] of selected) {
    const first = group[0] as PackagedBinaryInput;
    const dsts = new Set<string>();
    const binaries = group.map((b) => {
      const dst = `${bindir === '/' ? '' : bindir}/${b.name}`;
      if (dsts.has(dst))
        throw new UsageError(
          `${at('build')}: two builds of ${target} make a binary named ${b.name}: package one of them (linux_packages.build)`,
        );
      dsts.add(dst);
      return { path: b.path, sha256: b.sha256, dst };
    });
    for (const c of contents) {
      if (dsts.has(c.dst))
        throw new UsageError(
          `${file}: ${c.key}: ${c.dst} is where the binary ${path.posix.basename(c.dst)} goes: choose another path`,
        );
    }
    for (const format of formats) {
      const arch = packageArch(format, first);
      if (arch === null) {
        notes.push(`linux packages: ${format} has no architecture for ${target}: no ${format} of it`);
        continue;
      }
      const name = names.get(format) as string;
      const packageFile = packageFileName(format, name, upstream[format], release, arch);
      const what = `the ${format} of ${target}`;
      const earlier = claims.get(packageFile);
      if (earlier) {
        throw new UsageError(
          `${file}: linux_packages: ${what} would be ${packageFile}, as ${earlier} is: ${earlier.includes(`${format} of`) ? `${format} has one architecture (${arch}) for both; package one of them (linux_packages.targets)` : 'change the names so they differ'}`,
        );
      }
      claims.set(packageFile, what);
      packages.push({
        file: packageFile,
        format,
        target,
        name,
        version: fullVersion(format, upstream[format], release, config.epoch),
        upstream: upstream[format],
        release,
        ...(config.epoch && format !== 'apk' ? { epoch: config.epoch } : {}),
        arch,
        binaries,
        relations: relationsFor(config, format, at),
        signed: input.sign !== null && (format !== 'apk' || input.sign.apk !== null),
      });
    }
  }
  const contentDsts = new Map<string, string>();
  for (const c of contents) {
    for (const format of c.formats ?? formats) {
      const key = `${format} ${c.dst}`;
      const earlier = contentDsts.get(key);
      if (earlier)
        throw new UsageError(
          `${file}: ${c.key} and ${earlier} both put a file at ${c.dst}: one path, one file`,
        );
      contentDsts.set(key, c.key);
    }
  }
  return {
    packages,
    meta: {
      ...(maintainer !== undefined ? { maintainer } : {}),
      ...(config.vendor !== undefined ? { vendor: config.vendor } : {}),
      description,
      ...(config.license !== undefined ? { license: config.license } : {}),
      ...(config.homepage !== undefined ? { homepage: config.homepage } : {}),
      section: config.section ?? 'utils',
      priority: config.priority ?? 'optional',
    },
    contents,
    scripts,
    licenseFile: await licenseFile(root),
    commit: input.commit,
    mtime: input.mtime,
    sign: input.sign,
    notes,
  };
}

function plain(
  source: { file: string; rel: string },
  dst: string,
  key: string,
  formats: LinuxPackageFormatName[] | null,
): PlannedContent {
  return { type: 'file', source, dst, mode: 0o644, owner: 'root', group: 'root', formats, gzip: false, key };
}

/** The linux binaries to package, per target in the manifest's order: linux_packages.build and .targets. */
function selectBinaries(input: LinuxPackagesInput): Map<string, PackagedBinaryInput[]> {
  const { config, file } = input;
  const linux = input.binaries.filter((b) => b.goos === 'linux');
  const byBuild = config.build === undefined ? linux : linux.filter((b) => b.id === config.build);
  if (config.build !== undefined && byBuild.length === 0) {
    const builds = [...new Set(linux.map((b) => b.id))];
    throw new UsageError(
      `${file}: linux_packages.build: no linux binary of the build ${JSON.stringify(config.build)} in the manifest${builds.length > 0 ? ` (builds: ${builds.join(', ')})` : ''}`,
    );
  }
  const wanted = config.targets ? new Set(config.targets) : null;
  for (const target of wanted ?? []) {
    if (!target.startsWith('linux/'))
      throw new UsageError(
        `${file}: linux_packages.targets: ${target} is not a linux target: deb, rpm and apk are for linux`,
      );
    if (!byBuild.some((b) => b.target === target))
      throw new UsageError(
        `${file}: linux_packages.targets: the manifest has no binary of ${target}: build it, or leave it out`,
      );
  }
  const groups = new Map<string, PackagedBinaryInput[]>();
  for (const b of byBuild) {
    if (wanted && !wanted.has(b.target)) continue;
    const group = groups.get(b.target);
    if (group) group.push(b);
    else groups.set(b.target, [b]);
  }
  return groups;
}

function relationsFor(
  config: LinuxPackagesConfig,
  format: LinuxPackageFormat,
  at: (key: string) => string,
): Relations {
  const override: LinuxPackageRelations = config.overrides?.[format] ?? {};
  const relations = {} as Relations;
  for (const key of RELATION_KEYS) {
    const list = override[key] ?? config[key] ?? [];
    for (const item of list) {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
      if (/[\u0000-\u001f\u007f]/.test(item) || item.trim() === '') {
        throw new UsageError(
          `${at(override[key] ? `overrides.${format}.${key}` : key)}: ${JSON.stringify(item)} is empty or holds a control character: one relation per item`,
        );
      }
    }
    relations[key] = [...list];
  }
  return relations;
}

/** The module's license file, if it is a real file at the root (a link is left out). */
async function licenseFile(root: string): Promise<{ file: string; rel: string } | null> {
  for (const rel of LICENSE_FILES) {
    const file = path.join(root, rel);
    const info = await lstat(file).catch(() => null);
    if (info?.isFile()) return { file, rel };
  }
  return null;
}
