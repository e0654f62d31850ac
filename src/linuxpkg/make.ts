import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { confine } from '../fs/confine.js';
import { openRegular, readRegular } from '../fs/open.js';
import {
  changelogFile,
  copyrightFile,
  deterministicGzip,
  isStaticExecutable,
  lintianOverrides,
} from './debian.js';
import type { SigningKeys } from './keys.js';
import { runNfpm } from './nfpm.js';
import { type NfpmEntry, type NfpmPackageSpec, nfpmConfig } from './nfpmConfig.js';
import type { LinuxPackagesPlan, PlannedLinuxPackage } from './plan.js';

/**
 * Makes one package: every file it holds is copied into a private folder first (the binaries as
 * the caller verified them, the module's files read again through confine, man pages gzipped
 * here), so nfpm reads nothing but what crossgo put there; then nfpm writes `target`.
 */

/** Upper bound for one module file put into a package (contents, man pages, scripts). */
const MAX_FILE = 256 * 1024 * 1024;

export interface MakeRequest {
  plan: LinuxPackagesPlan;
  pkg: PlannedLinuxPackage;
  /** The binaries' bytes, checked against the manifest's sha256 by the caller, by path. */
  binaries: ReadonlyMap<string, Uint8Array>;
  moduleRoot: string;
  /** A private folder for this package alone. */
  dir: string;
  target: string;
  keys: SigningKeys | null;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
}

export async function makePackage(request: MakeRequest): Promise<void> {
  const { plan, pkg, dir } = request;
  const files = path.join(dir, 'files');
  await mkdir(files, { recursive: true, mode: 0o700 });
  let count = 0;
  const put = async (data: Uint8Array | string): Promise<string> => {
    const file = path.join(files, String(count++));
    await writeFile(file, data, { mode: 0o600, flag: 'wx' });
    return file;
  };
  const entries: NfpmEntry[] = [];
  const statics: string[] = [];
  for (const b of pkg.binaries) {
    const bytes = request.binaries.get(b.path);
    if (!bytes) throw new Error(`bug: ${b.path} was not read for ${pkg.file}`);
    if (isStaticExecutable(bytes)) statics.push(b.dst);
    entries.push({
      type: 'file',
      src: await put(bytes),
      dst: b.dst,
      mode: 0o755,
      owner: 'root',
      group: 'root',
    });
  }
  for (const c of plan.contents) {
    if (c.formats && !c.formats.includes(pkg.format)) continue;
    // nfpm's "doc" is rpm's %doc and is left out of other formats (nfpm files.go isRelevantForPackager): a plain file there.
    const type = c.type === 'doc' && pkg.format !== 'rpm' ? 'file' : c.type;
    const base = { type, dst: c.dst, owner: c.owner, group: c.group };
    if (c.type === 'dir') {
      entries.push({ ...base, mode: c.mode ?? 0o755 });
      continue;
    }
    if (c.type === 'symlink') {
      entries.push({ ...base, src: c.link as string, mode: 0o777 });
      continue;
    }
    const source = c.source as { file: string; rel: string };
    // Confined again now: a link put in the module after planning is refused here.
    const file = await confine(request.moduleRoot, source.rel, { what: c.key, shownRoot: '.', leaf: 'file' });
    const { data, executable } = await readModuleFile(file, source.rel);
    entries.push({
      ...base,
      src: await put(c.gzip ? deterministicGzip(data) : data),
      mode: c.mode ?? (executable ? 0o755 : 0o644),
    });
  }
  if (pkg.format === 'deb') entries.push(...(await debianDocs(request, entries, statics, put)));
  const scripts: NfpmPackageSpec['scripts'] = {};
  for (const [key, source] of Object.entries(plan.scripts) as [
    keyof NfpmPackageSpec['scripts'],
    { rel: string },
  ][]) {
    const file = await confine(request.moduleRoot, source.rel, {
      what: `linux_packages.scripts.${key}`,
      shownRoot: '.',
      leaf: 'file',
    });
    scripts[key] = await put((await readModuleFile(file, source.rel)).data);
  }
  const keyFile = pkg.signed
    ? pkg.format === 'apk'
      ? request.keys?.apk?.keyFile
      : request.keys?.gpg
    : undefined;
  const spec: NfpmPackageSpec = {
    format: pkg.format,
    name: pkg.name,
    arch: pkg.arch,
    upstream: pkg.upstream,
    release: pkg.release,
    ...(pkg.epoch ? { epoch: pkg.epoch } : {}),
    ...plan.meta,
    relations: pkg.relations,
    entries,
    scripts,
    mtime: plan.mtime,
    ...(keyFile
      ? { signature: { keyFile, ...(pkg.format === 'apk' ? { keyName: request.keys?.apk?.keyName } : {}) } }
      : {}),
  };
  if (pkg.signed && !keyFile) throw new Error(`bug: ${pkg.file} is to be signed, but no key was prepared`);
  const config = path.join(dir, 'nfpm.json');
  await writeFile(config, `${JSON.stringify(nfpmConfig(spec), null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  await runNfpm({
    format: pkg.format,
    config,
    target: request.target,
    cwd: dir,
    shown: pkg.file,
    env: request.env,
    secrets: request.keys?.secrets ?? {},
    signal: request.signal,
  });
}

async function readModuleFile(file: string, rel: string): Promise<{ data: Buffer; executable: boolean }> {
  const { handle, info } = await openRegular(file, { follow: false, shown: rel });
  try {
    if (info.size > MAX_FILE) {
      throw new UsageError(
        `${rel} is ${info.size} bytes, over the ${MAX_FILE} bytes crossgo puts into a package from the module`,
      );
    }
    return { data: await handle.readFile(), executable: (info.mode & 0o111) !== 0 };
  } finally {
    await handle.close();
  }
}

/** copyright, changelog.Debian.gz and the lintian override, unless the config's contents give them. */
async function debianDocs(
  request: MakeRequest,
  entries: readonly NfpmEntry[],
  statics: readonly string[],
  put: (data: Uint8Array | string) => Promise<string>,
): Promise<NfpmEntry[]> {
  const { plan, pkg } = request;
  const doc = `/usr/share/doc/${pkg.name}`;
  const given = new Set(entries.map((e) => e.dst));
  const file = (dst: string, src: string): NfpmEntry => ({
    type: 'file',
    src,
    dst,
    mode: 0o644,
    owner: 'root',
    group: 'root',
  });
  const made: NfpmEntry[] = [];
  let licenseText: string | undefined;
  if (plan.licenseFile) {
    const license = await confine(request.moduleRoot, plan.licenseFile.rel, {
      what: 'the license file',
      shownRoot: '.',
      leaf: 'file',
    });
    licenseText = (
      await readRegular(license, { follow: false, shown: plan.licenseFile.rel, maxBytes: 1024 * 1024 })
    ).toString('utf8');
  }
  const facts = {
    name: pkg.name,
    version: pkg.version,
    maintainer: plan.meta.maintainer ?? 'unknown',
    license: plan.meta.license ?? 'unknown',
    ...(plan.meta.homepage ? { homepage: plan.meta.homepage } : {}),
    ...(licenseText !== undefined ? { licenseText } : {}),
    date: plan.mtime,
    commit: plan.commit,
  };
  if (!given.has(`${doc}/copyright`)) made.push(file(`${doc}/copyright`, await put(copyrightFile(facts))));
  if (!given.has(`${doc}/changelog.Debian.gz`) && !given.has(`${doc}/changelog.gz`)) {
    made.push(file(`${doc}/changelog.Debian.gz`, await put(changelogFile(facts))));
  }
  const override = `/usr/share/lintian/overrides/${pkg.name}`;
  if (statics.length > 0 && !given.has(override))
    made.push(file(override, await put(lintianOverrides(pkg.name, statics))));
  return made;
}
