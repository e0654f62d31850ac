import { stringify } from 'yaml';
import type { GoReleaserTranslation } from './goreleaser.js';

/*
 * The text `crossgo init` writes: a GoReleaser config's translation (its notes as comments at
 * the top), or a commented starter config for the module. Both must load with loadConfig as
 * they are; commands/init.ts checks that before writing.
 */

const SCHEMA_LINE = '# yaml-language-server: $schema=./node_modules/crossgo/schema/crossgo.schema.json';

/** One comment line: no newline or control character of a hostile value may end it early. */
function comment(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
  return `# ${text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' ')}`;
}

/** The translated config as YAML, headed by where it came from and what was not translated. */
export function translatedConfigText(translation: GoReleaserTranslation, source: string): string {
  const header = [
    comment(`crossgo.yaml translated from ${source} by crossgo init --from ${source}.`),
    comment(
      "GoReleaser's defaults are written out where crossgo's differ, so release files keep their names.",
    ),
    SCHEMA_LINE,
  ];
  if (translation.notes.length > 0) {
    header.push(
      comment(`Not translated (${translation.notes.length}), one line each: key path: value: why.`),
    );
    for (const note of translation.notes) header.push(comment(`note: ${note}`));
  } else header.push(comment('Every key was translated.'));
  const body = stringify(translation.config, { lineWidth: 0, aliasDuplicateObjects: false });
  return `${header.join('\n')}\n\n${body}`;
}

export interface ModuleFacts {
  /** The module path from go.mod. */
  module: string;
  /** The project's name (the main package's folder), or null when it is not a plain name. */
  project: string | null;
  /** The main package, relative to the module root ("." or "./cmd/tool"). */
  main: string;
}

/** A commented crossgo.yaml for a module: the keys a release sets, with crossgo's defaults. */
export function starterConfigText(facts: ModuleFacts): string {
  const project = facts.project ? `project: ${facts.project}` : '# project: name';
  const main = facts.main === '.' ? '# main: .                   # the main package' : `main: ${facts.main}`;
  return `${comment(`crossgo.yaml for ${facts.module}, written by crossgo init. Every key is optional; flags win.`)}
${SCHEMA_LINE}

${project}               # {project}, and the start of release file names
${main}
# binary: ${facts.project ?? 'name'}             # the binary's name (default the main package's folder)

# goos/goarch[/level]; or a matrix as GoReleaser's: {goos: [linux, darwin, windows], goarch: [amd64, arm64], ignore: [{goos: windows, goarch: arm64}]}
targets: [linux/amd64, linux/arm64, darwin/arm64, windows/amd64]

# The version stamps. A config's ldflags replace crossgo's default -X main.version/commit/date;
# templates: {version} (the tag without v) {raw_version} {tag} {commit} {short_commit} {commit_date} …
# ldflags: -X main.version={version} -X main.commit={commit} -X main.date={commit_date}
# tags: [netgo]
# cgo: off                    # off | on | auto

# before: [go mod tidy, go generate ./...]   # commands run once before any build (no shell)
# snapshot:
#   version: "{version}-SNAPSHOT-{short_commit}"  # crossgo build --snapshot on a dirty tree
# changelog:
#   exclude: ["^docs:", "^test:"]

package:                      # crossgo package, and crossgo build --package
  format: auto                # zip for windows, tar.gz for the rest; or tar.gz, zip, binary
  # formats: {windows: zip}   # per goos
  # name: "{project}_{version}_{os}_{arch}{variant|prefix:_}"   # the archive's name, a template
  # wrap: true                # its top folder: true (its name), false, or a template
  # files: [README*, LICENSE*, CHANGELOG*]                      # [] for the binary alone
  # checksum: {algorithm: sha256, name: "{project}_{version}_checksums.txt"}
  # source: true              # a source archive of the commit (git archive)
  # sbom: true                # a CycloneDX SBOM per binary
  # sign: gpg                 # or ssh, with key:
`;
}
