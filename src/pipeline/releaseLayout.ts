import type { ChecksumCovers } from '../config/types.js';
import { UsageError } from '../errors.js';
import { relativePathProblem } from '../fs/confine.js';
import { fileNameProblem } from '../release/naming.js';
import { renderTemplate, type Template } from '../template/engine.js';
import { binaries, binaryOrigin, type Manifest } from './manifest.js';
import { STATE_FILES } from './outputFolder.js';
import { releaseProjectValues, releaseTargetValues } from './releaseValues.js';

/**
 * Every name `crossgo package` will make, decided before anything is written: each archive (one
 * per target, holding every binary of that target, as GoReleaser groups a platform's builds), each
 * bare binary of `format: binary` (one per binary), each SBOM, the universal binaries, the
 * checksums file and the source archive. Each name is rendered from its template once, checked to
 * be one plain file name, and checked against every other name and crossgo's own files, so a
 * template that gives two targets the same name is one usage error naming both.
 */

/** The templates of the release's names, compiled once with their config key paths. */
export interface ReleaseTemplates {
  /** The archive's name without extension (package.name), target scope. */
  archive: Template;
  /** A bare binary's name without extension (package.name, format binary), target scope. */
  binary: Template;
  /** The archive's top folder: true (its name), false (none), or a template. */
  wrap: boolean | Template;
  /** The checksums file's name, project scope. */
  checksums: Template;
  /** The source archive's name without .tar.gz, and its top folder ("" for none); null: none. */
  source: { name: Template; prefix: Template | null } | null;
}

export type ArchiveFormat = 'tar.gz' | 'zip';

/** A binary a release ships (a build's, or a universal one a stage will make), before its bytes are read. */
export interface PlannedBinary {
  path: string;
  target: string;
  goos: string;
  goarch: string;
  variant: string | null;
  /** Its name without extension (the build's binary name), and the build that made it. */
  name: string;
  id: string;
}

/** One release file holding binaries: an archive, or a bare binary (format binary, kind 'archive'). */
export interface PlannedArchive {
  file: string;
  /** The name without extension: what the SBOMs are named after. */
  base: string;
  target: string;
  format: ArchiveFormat | 'binary';
  /** The top folder inside, or null (wrap: false; a bare binary). */
  top: string | null;
  /** Each binary and its name inside (its name plus the platform's extension). */
  members: { binary: PlannedBinary; name: string }[];
}

export interface PlannedUniversal {
  file: string;
  name: string;
  /** The darwin/amd64 and darwin/arm64 binaries' paths, in that order. */
  slices: [string, string];
}

export interface ReleaseLayout {
  universal: PlannedUniversal[];
  archives: PlannedArchive[];
  /** Released binary path → its SBOM's file name (empty without SBOMs). */
  sboms: Map<string, string>;
  checksums: string;
  source: { file: string; prefix: string } | null;
}

export interface LayoutInputs {
  names: ReleaseTemplates;
  formatFor(goos: string): ArchiveFormat | 'binary';
  /** The extra files' names inside each archive (beside the binaries). */
  extras: readonly string[];
  sbom: boolean;
  universal: boolean;
}

/** What a release name is, for the message when two things would get it. */
interface Claim {
  what: string;
  template: Template | null;
  target?: string;
}

export function planReleaseLayout(
  manifest: Manifest,
  inputs: LayoutInputs,
  env: NodeJS.ProcessEnv,
): ReleaseLayout {
  const project = releaseProjectValues(manifest);
  const claims = reservedNames(manifest);
  const claim = (file: string, c: Claim) => {
    const earlier = claims.get(file);
    if (earlier) throw collision(file, earlier, c);
    claims.set(file, c);
  };

  const universal = inputs.universal ? planUniversal(manifest) : [];
  for (const u of universal) {
    checkName(u.file, null, 'the universal binary', `named after the binary ${JSON.stringify(u.name)}`);
    claim(u.file, { what: 'the universal binary', template: null, target: 'darwin/universal' });
  }
  const released: PlannedBinary[] = [
    ...binaries(manifest).map((a) => {
      const { name } = binaryOrigin(manifest, a);
      const { path, target, goos, goarch, variant } = a;
      return { path, target, goos, goarch, variant, name, id: a.build ?? name };
    }),
    ...universal.map((u) => {
      const slice = binaries(manifest).find((a) => a.path === u.slices[0]);
      const id = slice?.build ?? u.name;
      return {
        path: u.file,
        target: 'darwin/universal',
        goos: 'darwin',
        goarch: 'universal',
        variant: null,
        name: u.name,
        id,
      };
    }),
  ];

  const archives: PlannedArchive[] = [];
  const byTarget = new Map<string, PlannedBinary[]>();
  for (const binary of released) {
    checkName(binary.name, null, 'the binary name', `of ${binary.target}`);
    const format = inputs.formatFor(binary.goos);
    if (format === 'binary') {
      // GoReleaser's format binary: each binary on its own, under the template's name.
      const values = releaseTargetValues(project, binary);
      const base = renderTemplate(inputs.names.binary, values, env);
      const file = checkName(
        `${base}${values.ext ?? ''}`,
        inputs.names.binary,
        'the name',
        `for ${binary.target}`,
      );
      claim(file, {
        what: `the bare binary of ${binary.target}`,
        template: inputs.names.binary,
        target: binary.target,
      });
      archives.push({
        file,
        base,
        target: binary.target,
        format,
        top: null,
        members: [{ binary, name: file }],
      });
      continue;
    }
    const group = byTarget.get(binary.target);
    if (group) group.push(binary);
    else byTarget.set(binary.target, [binary]);
  }
  for (const [target, group] of byTarget) {
    const first = group[0] as PlannedBinary;
    const format = inputs.formatFor(first.goos) as ArchiveFormat;
    // The archive's values are its first binary's (GoReleaser's too: {name} is that binary's).
    const values = releaseTargetValues(project, first);
    const base = renderTemplate(inputs.names.archive, values, env);
    const file = checkName(`${base}.${format}`, inputs.names.archive, 'the name', `for ${target}`);
    claim(file, { what: `the archive of ${target}`, template: inputs.names.archive, target });
    const wrap = inputs.names.wrap;
    const top =
      wrap === true
        ? base
        : wrap === false
          ? null
          : checkName(renderTemplate(wrap, values, env), wrap, 'the top folder', `for ${target}`);
    const members = group.map((binary) => {
      const ext = releaseTargetValues(project, binary).ext ?? '';
      return { binary, name: `${binary.name}${ext}` };
    });
    const inside = new Set<string>(inputs.extras);
    for (const m of members) {
      if (inside.has(m.name)) {
        throw new UsageError(
          `the archive of ${target} would hold ${m.name} twice: two builds of that target make a binary of that name, or a package files glob finds a file of that name; rename one`,
        );
      }
      inside.add(m.name);
    }
    archives.push({ file, base, target, format, top, members });
  }

  const sboms = new Map<string, string>();
  if (inputs.sbom) {
    for (const archive of archives) {
      for (const m of archive.members) {
        // Named after the archive; when it holds several binaries, each SBOM adds its binary's name.
        const file = checkName(
          archive.members.length === 1
            ? `${archive.base}.sbom.cdx.json`
            : `${archive.base}_${m.binary.name}.sbom.cdx.json`,
          null,
          'the SBOM name',
          `of ${m.binary.target}`,
        );
        claim(file, { what: `the SBOM of ${m.binary.name} for ${m.binary.target}`, template: null });
        sboms.set(m.binary.path, file);
      }
    }
  }

  const checksums = checkName(
    renderTemplate(inputs.names.checksums, project, env),
    inputs.names.checksums,
    'the name',
    '',
  );
  claim(checksums, { what: 'the checksums file', template: inputs.names.checksums });

  let source: ReleaseLayout['source'] = null;
  if (inputs.names.source) {
    const { name, prefix } = inputs.names.source;
    if (!/^[0-9a-f]{40,64}$/.test(manifest.source.commit)) {
      throw new UsageError(
        `${name.source.file}: package.source: the manifest records no commit (commit ${JSON.stringify(manifest.source.commit)}: built outside a git repository), and a source archive is git archive of the built commit: build in the module's git repository, or turn package.source off`,
      );
    }
    const file = checkName(`${renderTemplate(name, project, env)}.tar.gz`, name, 'the name', '');
    claim(file, { what: 'the source archive', template: name });
    let folder = '';
    if (prefix) {
      folder = renderTemplate(prefix, project, env).replace(/\/+$/, '');
      const problem = relativePathProblem(folder);
      if (problem) {
        throw new UsageError(
          `${prefix.source.file}: ${prefix.source.key}: ${JSON.stringify(prefix.text)} gives ${JSON.stringify(folder)}, which ${problem}: the source archive's top folder is a relative path`,
        );
      }
    }
    source = { file, prefix: folder };
  }
  return { universal, archives, sboms, checksums, source };
}

/** darwin/amd64 + darwin/arm64 of each binary name: one universal binary each. */
function planUniversal(manifest: Manifest): PlannedUniversal[] {
  const darwin = binaries(manifest).filter((a) => a.goos === 'darwin');
  const names = [...new Set(darwin.map((a) => binaryOrigin(manifest, a).name))];
  if (names.length === 0) names.push(manifest.project.name);
  return names.map((name) => {
    const own = darwin.filter((a) => binaryOrigin(manifest, a).name === name);
    const of = names.length > 1 ? ` of ${name}` : '';
    const pick = (goarch: string) => {
      const found = own.filter((a) => a.goarch === goarch);
      if (found.length !== 1) {
        throw new UsageError(
          `--universal needs exactly one darwin/${goarch} binary${of} in the manifest, found ${found.length}: build darwin/amd64 and darwin/arm64`,
        );
      }
      return (found[0] as (typeof found)[number]).path;
    };
    return { file: `${name}-darwin-universal`, name, slices: [pick('amd64'), pick('arm64')] };
  });
}

/** crossgo's own files and the build's binaries (and their folders): no release file may take their names. */
function reservedNames(manifest: Manifest): Map<string, Claim> {
  const claims = new Map<string, Claim>();
  for (const file of STATE_FILES) claims.set(file, { what: `crossgo's own ${file}`, template: null });
  for (const a of binaries(manifest)) {
    const top = a.path.split('/')[0] as string;
    claims.set(top, {
      what: top === a.path ? `the build's binary of ${a.target}` : `the build's folder ${top}/`,
      template: null,
    });
  }
  return claims;
}

/** A rendered name must be one plain file name: the manifest's values (anyone may edit it) are in it. */
function checkName(file: string, template: Template | null, what: string, where: string): string {
  const problem = fileNameProblem(file);
  if (!problem) return file;
  const at = where ? ` ${where}` : '';
  if (!template) {
    throw new UsageError(
      `release file name ${JSON.stringify(file)} (${what}${at}, from the manifest) ${problem}: rebuild with a name-safe version (--app-version)`,
    );
  }
  throw new UsageError(
    `${template.source.file}: ${template.source.key}: ${JSON.stringify(template.text)} gives ${JSON.stringify(file)}${at}, which ${problem}: ${template.source.key.startsWith('default ') ? '' : 'change the template, or '}rebuild with a name-safe version (--app-version)`,
  );
}

function collision(file: string, earlier: Claim, now: Claim): UsageError {
  const template = now.template ?? earlier.template;
  if (
    template &&
    earlier.template === now.template &&
    earlier.target !== undefined &&
    now.target !== undefined
  ) {
    return new UsageError(
      `${template.source.file}: ${template.source.key}: ${JSON.stringify(template.text)} gives ${file} for both ${earlier.target} and ${now.target}: add {os}, {arch}, {arm} or {variant} to tell them apart`,
    );
  }
  const from = (c: Claim) =>
    c.template ? `${c.what} (${c.template.source.file}: ${c.template.source.key})` : c.what;
  return new UsageError(
    `release file ${file} would be both ${from(earlier)} and ${from(now)}: change ${template ? `${template.source.file}: ${template.source.key}` : 'the names'} so they differ`,
  );
}

/** The manifest kinds each `checksum.covers` entry lists. */
export const COVERED_KINDS: Record<ChecksumCovers, readonly string[]> = {
  archive: ['archive'],
  binary: ['binary', 'universal'],
  sbom: ['sbom'],
  source: ['source'],
  package: ['package'],
  changelog: ['changelog'],
};

/** What a release publishes, and so what the checksums file lists by default. */
export const DEFAULT_COVERS: readonly ChecksumCovers[] = ['archive', 'source', 'sbom', 'package'];
