/**
 * crossgo's architecture, checked by `npm test` (npm run layers).
 *
 * Imports only run down this list; nothing imports a layer above its own, and no module is part
 * of an import cycle. Read it top to bottom to learn where code goes:
 *
 *   index.ts   the library's public API: re-exports commands and types
 *   cli        flags → library options, and printing; nothing else
 *   commands   one file per command: orchestrates plans and stages, decides nothing itself
 *   stages     one step each (compile, verify, archive, sbom, sign, checksums, manifest…) over the
 *              shared context; stages never import each other
 *   repro      reproducibility: sandbox, --against allowlist, difference explanation
 *   pipeline   the stage interface, the context, the plan's shape, the manifest (one artifact
 *              list) and the output folder
 *   bench      statistics and reports of go benchmarks and start-up measurements
 *   runners    how a target's binary runs here (native, qemu-user, wasm runtimes)
 *   release    release file formats: universal Mach-O, CycloneDX SBOM
 *   linuxpkg   deb, rpm and apk packages: nfpm's config from crossgo's, architecture names
 *   dockerfile the Dockerfile crossgo writes, and the lint of any Dockerfile's Go build traps
 *   image      OCI images: deterministic layers, config, manifests, index, layout, tarball
 *   registry   the OCI distribution client: references, auth, blobs, manifests, referrers
 *   ci         the CI files crossgo ci writes (GitHub workflow, GitLab pipeline): pure text generators
 *   cgo        the cgo decision and the C cross compilers
 *   hooks      the user's commands (before, after, per-target pre/post): words, templates, running
 *   config     crossgo.yaml: schema, parse, load, the GoReleaser translation
 *   template   the one template language ({version}, {os|title}…) and the values it renders
 *   targets    GOOS/GOARCH ports, variants, linkage expectations
 *   toolchain  the go command: go env, module and package, versions, git facts, tools
 *   binary     pure readers of ELF, PE, Mach-O, wasm, XCOFF, Plan 9 and Go build info
 *   cache      the GOCACHEPROG server: go's build cache in a local folder and an http(s) or S3 store
 *   fs         confined paths, atomic writes, locks, ownership journal, hashing
 *   exec       the one module that spawns processes; quoting and redaction of argv
 *   (root)     errors.ts, log.ts, version.ts: used by everything
 */
const LAYERS = [
  ['index', '^src/index\\.ts$'],
  ['cli', '^src/cli/'],
  ['commands', '^src/commands/'],
  ['stages', '^src/stages/'],
  ['repro', '^src/repro/'],
  ['pipeline', '^src/pipeline/'],
  ['bench', '^src/bench/'],
  ['runners', '^src/runners/'],
  ['release', '^src/release/'],
  ['linuxpkg', '^src/linuxpkg/'],
  ['dockerfile', '^src/dockerfile/'],
  ['image', '^src/image/'],
  ['registry', '^src/registry/'],
  ['ci', '^src/ci/'],
  ['cgo', '^src/cgo/'],
  ['hooks', '^src/hooks/'],
  ['config', '^src/config/'],
  ['template', '^src/template/'],
  ['targets', '^src/targets/'],
  ['toolchain', '^src/toolchain/'],
  ['binary', '^src/binary/'],
  ['cache', '^src/cache/'],
  ['fs', '^src/fs/'],
  ['exec', '^src/exec/'],
  ['root', '^src/(errors|log|version)\\.ts$'],
];

const upward = LAYERS.slice(1).map(([name, from], i) => ({
  name: `${name}-imports-up`,
  comment: `${name} may import only the layers below it: ${LAYERS.slice(i + 2)
    .map(([n]) => n)
    .join(', ')}`,
  severity: 'error',
  from: { path: from },
  to: { path: LAYERS.slice(0, i + 1).map(([, p]) => `(${p})`) },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'stage-imports-stage',
      comment: 'a stage shares data with others through the context and its manifest, never by import',
      severity: 'error',
      from: { path: '^src/stages/([^/]+)/' },
      to: { path: '^src/stages/', pathNot: ['^src/stages/$1/'] },
    },
    {
      name: 'no-cycle',
      comment: 'a cycle hides which module is the lower one',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'spawn-only-in-exec',
      comment: 'every process is spawned from src/exec (argument arrays, never shell strings)',
      severity: 'error',
      from: { pathNot: '^src/exec/' },
      to: { path: '^(node:)?child_process$' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|test|bench)/' },
  },
};
