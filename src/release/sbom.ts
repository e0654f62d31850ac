import { createHash } from 'node:crypto';
import type { BinaryFacts, GoBuildInfo, GoModule } from '../binary/types.js';
import { UsageError } from '../errors.js';

/**
 * A CycloneDX 1.6 SBOM for one Go binary, made only from what the binary itself records (its
 * embedded build info, as `go version -m` prints it), in the shape cyclonedx-gomod's `bin`
 * mode gives: the main module is the application, every linked module a library, `std` the
 * toolchain, build settings as `cdx:gomod:build:…` properties (CycloneDX property taxonomy,
 * cdx/gomod.md). Spec: https://cyclonedx.org/docs/1.6/json/.
 */

export interface SbomInput {
  facts: BinaryFacts;
  /** The binary's file name, e.g. "hello-linux-amd64". */
  fileName: string;
  /** Hex SHA-256 of the binary. */
  sha256: string;
  /** "linux/amd64", "linux/amd64/v3", "darwin/universal". */
  target: string;
  /** ISO 8601, from SOURCE_DATE_EPOCH or the commit time: never the clock, so the SBOM is reproducible. */
  timestamp: string;
  /** crossgo's version. */
  toolVersion: string;
}

export interface CycloneDxHash {
  alg: 'SHA-256';
  content: string;
}

export interface CycloneDxProperty {
  name: string;
  value: string;
}

export interface CycloneDxExternalReference {
  type: 'vcs' | 'website';
  url: string;
}

export interface CycloneDxComponent {
  type: 'application' | 'library';
  'bom-ref'?: string;
  name: string;
  version?: string;
  description?: string;
  scope?: 'required';
  hashes?: CycloneDxHash[];
  purl?: string;
  pedigree?: { ancestors: CycloneDxComponent[]; notes: string };
  externalReferences?: CycloneDxExternalReference[];
  properties?: CycloneDxProperty[];
}

export interface CycloneDxDependency {
  ref: string;
  dependsOn: string[];
}

export interface CycloneDxComposition {
  aggregate: 'complete' | 'unknown';
  dependencies: string[];
}

export interface CycloneDxBom {
  $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json';
  bomFormat: 'CycloneDX';
  specVersion: '1.6';
  serialNumber: string;
  version: 1;
  metadata: {
    timestamp: string;
    lifecycles: { phase: 'post-build' }[];
    tools: { components: CycloneDxComponent[] };
    component: CycloneDxComponent;
  };
  components: CycloneDxComponent[];
  dependencies: CycloneDxDependency[];
  compositions: CycloneDxComposition[];
}

/**
 * The UUID namespace of crossgo's SBOM serial numbers: a random v4 UUID drawn once, as
 * RFC 9562 §5.5 allows for a new namespace. A serial number is UUIDv5(this, sha256 hex of the
 * binary): the same binary always gets the same serial number, so two runs write the same
 * SBOM, and anyone can recompute it from the binary.
 */
export const SBOM_UUID_NAMESPACE = 'c37b8166-5363-4e7a-845b-f9f02d07d6d3';

/** Makes the CycloneDX document; `JSON.stringify(bom, null, 2)` is the file. Throws UsageError for a binary without Go build info. */
export function cycloneDx(input: SbomInput): CycloneDxBom {
  const infos = buildInfos(input);
  if (!/^[0-9a-f]{64}$/.test(input.sha256)) {
    throw new Error(
      `sbom: sha256 of ${input.fileName} is not 64 lowercase hex digits: "${input.sha256}": this is a bug`,
    );
  }

  const components = new Map<string, CycloneDxComponent>();
  const add = (component: CycloneDxComponent) => {
    const ref = component['bom-ref'] as string;
    const known = components.get(ref);
    // The slices of a universal binary, or two modules replaced by the same one: one component,
    // with every original it stands for.
    if (!known) components.set(ref, component);
    else if (component.pedigree) {
      const pedigree = known.pedigree ?? { ancestors: [], notes: '' };
      for (const ancestor of component.pedigree.ancestors) {
        if (!pedigree.ancestors.some((a) => a.purl === ancestor.purl)) pedigree.ancestors.push(ancestor);
      }
      const notes = new Set([...pedigree.notes.split('\n'), component.pedigree.notes]);
      pedigree.notes = [...notes].filter(Boolean).join('\n');
      known.pedigree = pedigree;
    }
  };
  for (const info of infos) for (const dep of info.deps) add(moduleComponent(dep));
  for (const info of infos) add(stdComponent(info.version));

  const main = mainComponent(input, infos);
  const mainRef = main['bom-ref'] as string;
  const refs = [...components.keys()];
  return {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${uuidV5(SBOM_UUID_NAMESPACE, input.sha256)}`,
    version: 1,
    metadata: {
      timestamp: input.timestamp,
      // Made from the built artifact, not from the sources or during the build.
      lifecycles: [{ phase: 'post-build' }],
      tools: { components: [{ type: 'application', name: 'crossgo', version: input.toolVersion }] },
      component: main,
    },
    components: [...components.values()],
    // Build info lists every module linked into the binary, but not the module graph (who
    // requires whom): the main component depends on all of them, and the modules' own
    // dependencies are left out of the graph, which CycloneDX reads as unknown (an entry with
    // an empty dependsOn would claim they have none). The compositions say the same, as
    // cyclonedx-gomod's bin mode does.
    dependencies: [{ ref: mainRef, dependsOn: refs }],
    compositions: [
      { aggregate: 'complete', dependencies: [mainRef] },
      { aggregate: 'unknown', dependencies: refs },
    ],
  };
}

/** The build info of the binary, or of each slice of a universal binary. */
function buildInfos(input: SbomInput): GoBuildInfo[] {
  const all = input.facts.slices ? input.facts.slices.map((s) => s.go) : [input.facts.go];
  const infos = all.filter((info): info is GoBuildInfo => info !== null);
  if (infos.length === 0 || infos.length !== all.length) {
    throw new UsageError(`${input.fileName}: no Go build info: cannot make an SBOM`);
  }
  return infos;
}

/** The application: the main module, the binary's hash, and how it was built. */
function mainComponent(input: SbomInput, infos: GoBuildInfo[]): CycloneDxComponent {
  const info = infos[0] as GoBuildInfo;
  const main = info.main?.path ? info.main : null;
  const version = main ? moduleVersion(main.version) : null;
  let purl: string | null = null;
  if (main) {
    // The purl of a binary names its platform, as cyclonedx-gomod's bin mode does; slices that
    // disagree (a universal binary's GOARCH) leave the qualifier out.
    const agreed = (key: 'goos' | 'goarch') => {
      const values = new Set((input.facts.slices ?? [input.facts]).map((f) => f[key]));
      const [value] = values;
      return values.size === 1 && value ? value : '';
    };
    // The main package inside the main module (…/cmd/tool) is the purl's subpath (cyclonedx-gomod).
    const subpath = info.path.startsWith(`${main.path}/`) ? info.path.slice(main.path.length + 1) : '';
    purl = golangPurl(main.path, version, { goarch: agreed('goarch'), goos: agreed('goos') }, subpath);
  }
  const component: CycloneDxComponent = {
    type: 'application',
    // Without a main module (built from files: "command-line-arguments") there is no purl to give.
    'bom-ref': purl ?? `binary:${input.fileName}`,
    name: main?.path || info.path || input.fileName,
    ...(version ? { version } : {}),
    hashes: [{ alg: 'SHA-256', content: input.sha256 }],
    ...(purl ? { purl } : {}),
  };

  const properties: CycloneDxProperty[] = [
    { name: 'cdx:gomod:binary:name', value: input.fileName },
    { name: 'crossgo:target', value: input.target },
  ];
  for (const slice of infos) {
    properties.push({ name: 'cdx:gomod:build:env:GOVERSION', value: slice.version });
    properties.push(...settingProperties(slice.settings));
  }
  // Each (name, value) once: a universal binary's slices share most settings, and keep their
  // own GOARCH (properties may repeat a name, CycloneDX 1.6 `property`). Sorted by name, as
  // cyclonedx-gomod does; the sort is stable, so build tags keep their order.
  const seen = new Set<string>();
  component.properties = properties
    .filter((p) => {
      const key = JSON.stringify([p.name, p.value]);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return component;
}

/**
 * Build settings (cmd/go/internal/load/pkg.go, setBuildInfo) as properties. Names follow
 * cyclonedx-gomod: env-like keys under `cdx:gomod:build:env:` (GOOS, GOARCH, CGO_ENABLED and
 * GOVERSION are registered in the taxonomy; GOAMD64, CGO_CFLAGS, GOEXPERIMENT… follow the same
 * pattern), `vcs.x` as `cdx:gomod:build:vcs:x`, flags without their dash as
 * `cdx:gomod:build:<flag>`, and one registered `cdx:gomod:build:tag` per build tag.
 */
function settingProperties(settings: Readonly<Record<string, string>>): CycloneDxProperty[] {
  const properties: CycloneDxProperty[] = [];
  // Object.entries: own keys only, so a setting named "__proto__" or "constructor" is just a key.
  for (const [key, value] of Object.entries(settings)) {
    if (key === '-tags') {
      for (const tag of value.split(','))
        if (tag) properties.push({ name: 'cdx:gomod:build:tag', value: tag });
    } else {
      properties.push({ name: settingPropertyName(key), value });
    }
  }
  return properties;
}

function settingPropertyName(key: string): string {
  if (key === 'vcs') return 'cdx:gomod:build:vcs';
  if (key.startsWith('vcs.')) return `cdx:gomod:build:vcs:${key.slice('vcs.'.length)}`;
  if (key.startsWith('-')) return `cdx:gomod:build:${key.slice(1)}`;
  if (/^[A-Z][A-Z0-9_]*$/.test(key)) return `cdx:gomod:build:env:${key}`;
  // DefaultGODEBUG, and whatever a later Go adds.
  return `cdx:gomod:build:${key}`;
}

/** A dependency; a replaced one is its replacement, with the original as its pedigree's ancestor. */
function moduleComponent(dep: GoModule): CycloneDxComponent {
  const { replace } = dep;
  if (!replace) return library(dep.path, dep.version, dep.sum);
  const original: CycloneDxComponent = {
    type: 'library',
    name: dep.path,
    ...(moduleVersion(dep.version) ? { version: dep.version } : {}),
    purl: golangPurl(dep.path, moduleVersion(dep.version)),
  };
  const was = `${dep.path}${dep.version ? ` ${dep.version}` : ''}`;
  if (isDirectoryReplacement(replace)) {
    // `replace x => ../dir`: the code came from a directory, which has no version, no go.sum
    // hash and no purl of its own. The component keeps the module path, without a version
    // (the required one is not what was linked); the directory is in the notes.
    const component = library(dep.path, '', '');
    component.pedigree = {
      ancestors: [original],
      notes: `${was} replaced by the directory ${replace.path} (go.mod replace directive)`,
    };
    return component;
  }
  const component = library(replace.path, replace.version, replace.sum);
  component.pedigree = {
    ancestors: [original],
    notes: `${was} replaced by ${replace.path} ${replace.version} (go.mod replace directive)`,
  };
  return component;
}

function library(path: string, version: string, sum: string): CycloneDxComponent {
  const v = moduleVersion(version);
  const purl = golangPurl(path, v);
  const component: CycloneDxComponent = { type: 'library', 'bom-ref': purl, name: path };
  if (v) component.version = v;
  component.scope = 'required';
  const hash = h1Hex(sum);
  if (hash) component.hashes = [{ alg: 'SHA-256', content: hash }];
  component.purl = purl;
  return component;
}

/**
 * The toolchain's standard library and runtime, named as cyclonedx-gomod names it: "std" at
 * the Go version (pkg:golang/std@go1.22.1?type=module). A version with more words
 * ("go1.22.1 X:boringcrypto") keeps only the release in the version; the whole string is the
 * GOVERSION property.
 */
function stdComponent(goVersion: string): CycloneDxComponent {
  const release = /^go\d+(\.\d+)*((rc|beta)\d+)?(?=\s|$)/.exec(goVersion)?.[0] ?? goVersion;
  const purl = golangPurl('std', release);
  return {
    type: 'library',
    'bom-ref': purl,
    name: 'std',
    version: release,
    description: 'The Go standard library and runtime',
    scope: 'required',
    purl,
    externalReferences: [
      { type: 'vcs', url: 'https://go.googlesource.com/go' },
      { type: 'website', url: 'https://go.dev/' },
    ],
  };
}

/** A module version, or null for none: "(devel)" (a main module built without a version, a directory) is not one. */
function moduleVersion(version: string): string | null {
  return version && version !== '(devel)' ? version : null;
}

/**
 * cmd/go records a directory replacement (go.mod `replace x => ../dir`) with the path as
 * written and the version "(devel)"; a module replacement always has a version
 * (golang.org/x/mod/modfile IsDirectoryPath for the path forms).
 */
function isDirectoryReplacement(module: GoModule): boolean {
  const p = module.path;
  return (
    !moduleVersion(module.version) ||
    p.startsWith('./') ||
    p.startsWith('../') ||
    p.startsWith('/') ||
    p.startsWith('.\\') ||
    p.startsWith('..\\') ||
    /^[A-Za-z]:[\\/]/.test(p)
  );
}

/**
 * The go.sum hash of a module, "h1:" + base64 of a SHA-256 (golang.org/x/mod/sumdb/dirhash
 * Hash1: over the sorted list of the module's file hashes, not over its zip), as hex, which
 * is how cyclonedx-gomod reports it. Null for no sum or another hash version.
 */
function h1Hex(sum: string): string | null {
  if (!sum.startsWith('h1:')) return null;
  const bytes = Buffer.from(sum.slice(3), 'base64');
  // Buffer.from skips characters that are not base64: re-encoding tells a clean decode.
  if (bytes.length !== 32 || bytes.toString('base64') !== sum.slice(3)) return null;
  return bytes.toString('hex');
}

/**
 * A purl for a Go module (purl-spec docs/standard/characters-and-encoding.md): each path
 * segment and the version percent-encoded, keeping only A–Z a–z 0–9 `.-_~` and `:` as they
 * are (so `+incompatible` becomes `%2Bincompatible`); `/` stays the separator. The golang
 * type definition asks for a lowercase namespace and name, but Go module paths are case
 * sensitive (github.com/Azure/… and github.com/azure/… are different modules): like
 * cyclonedx-gomod, Syft and the Go vulnerability database, the case is kept. Qualifiers are
 * sorted by key, empty ones left out; `type=module` says the purl names a module, not a package.
 */
export function golangPurl(
  modulePath: string,
  version: string | null,
  qualifiers: Readonly<Record<string, string>> = {},
  subpath = '',
): string {
  const name = modulePath.split('/').filter(Boolean).map(purlEncode).join('/');
  const pairs = Object.entries({ ...qualifiers, type: 'module' })
    .filter(([, value]) => value !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${purlEncode(value)}`);
  const sub = subpath
    .split('/')
    .filter((s) => s !== '' && s !== '.' && s !== '..')
    .map(purlEncode)
    .join('/');
  return `pkg:golang/${name}${version ? `@${purlEncode(version)}` : ''}?${pairs.join('&')}${sub ? `#${sub}` : ''}`;
}

function purlEncode(text: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(text)) {
    const c = String.fromCharCode(byte);
    out += /^[A-Za-z0-9.\-_~:]$/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** RFC 9562 §5.5: SHA-1 of the namespace's 16 bytes and the name, with version 5 and the RFC variant set. */
function uuidV5(namespace: string, name: string): string {
  const bytes = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
