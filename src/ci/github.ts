import { withMarker } from './marker.js';
import {
  CACHE_VARIABLES,
  type CiPlan,
  configFlag,
  crossgoCommand,
  inModule,
  regenerateCommand,
  releaseScript,
  SIGNING_VARIABLES,
  tagPattern,
  unsetEmpty,
} from './plan.js';

/** Where `crossgo ci github` writes, relative to the repository's top level. */
export const GITHUB_WORKFLOW = '.github/workflows/crossgo-release.yml';

/**
 * The actions the workflow uses, pinned to full commit SHAs. Each SHA was taken only where at
 * least two independent public repositories pin it with the same version comment (this machine
 * cannot reach GitHub to resolve the tags itself).
 */
export const ACTIONS = {
  checkout: 'actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2',
  setupGo: 'actions/setup-go@d35c59abb061a4a6fb18e82ac0862c26744d6ab5 # v5.5.0',
  setupNode: 'actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020 # v4.4.0',
  upload: 'actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2',
  download: 'actions/download-artifact@d3f86a106a0bac45b974a628896c90dbdf5c8093 # v4.3.0',
} as const;

/** `.github/workflows/crossgo-release.yml`: N shard jobs, then one job that merges, packages and signs. */
export function githubWorkflow(plan: CiPlan): string {
  const n = plan.shards;
  const cg = crossgoCommand(plan);
  const goMod = inModule(plan, 'go.mod');
  const matrix = Array.from({ length: n }, (_, i) => i + 1).join(', ');
  const setup = [
    `      - uses: ${ACTIONS.checkout}`,
    '        with:',
    '          fetch-depth: 0 # every tag and commit: the version and commit facts of the build',
    '          persist-credentials: false',
    `      - uses: ${ACTIONS.setupGo}`,
    '        with:',
    `          go-version-file: ${goMod}`,
    "          cache: false # go's build cache is crossgo's remote cache (CROSSGO_CACHE_URL)",
    `      - uses: ${ACTIONS.setupNode}`,
    '        with:',
    '          node-version: 20',
  ];
  const secretEnv = (names: readonly string[]) =>
    names.map((name) => `          ${name}: \${{ secrets.${name} }}`);
  const run = (lines: string[]) => ['        run: |', ...lines.map((l) => `          ${l}`.trimEnd())];
  const body = [
    `name: crossgo release`,
    '',
    '# A release tag of the module starts it; so does "Run workflow" in the Actions tab.',
    'on:',
    '  push:',
    '    tags:',
    `      - '${tagPattern(plan)}'`,
    '  workflow_dispatch:',
    '',
    'permissions:',
    '  contents: read',
    '',
    'defaults:',
    '  run:',
    '    shell: bash',
    `    working-directory: ${plan.moduleDir}`,
    '',
    'jobs:',
    '  shard:',
    `    name: shard \${{ matrix.shard }}/${n}`,
    '    runs-on: ubuntu-latest',
    '    strategy:',
    '      matrix:',
    `        shard: [${matrix}]`,
    '    steps:',
    ...setup,
    `      - name: build shard \${{ matrix.shard }} of ${n}`,
    '        env:',
    `          SHARD_INDEX: \${{ matrix.shard }}`,
    ...secretEnv(CACHE_VARIABLES),
    ...run([
      ...unsetEmpty(CACHE_VARIABLES),
      `${cg} build --shard "$SHARD_INDEX/${n}"${configFlag(plan)}`,
      '# An artifact upload drops file modes: the shard travels as a tarball.',
      `tar -cf "$RUNNER_TEMP/crossgo-shard-$SHARD_INDEX-of-${n}.tar" -C ${plan.out} .`,
    ]),
    `      - uses: ${ACTIONS.upload}`,
    '        with:',
    `          name: crossgo-shard-\${{ matrix.shard }}-of-${n}`,
    `          path: \${{ runner.temp }}/crossgo-shard-\${{ matrix.shard }}-of-${n}.tar`,
    '          if-no-files-found: error',
    '          retention-days: 1',
    '',
    '  release:',
    '    name: merge, package and sign',
    '    needs: shard',
    '    runs-on: ubuntu-latest',
    '    steps:',
    ...setup,
    `      - uses: ${ACTIONS.download}`,
    '        with:',
    `          pattern: crossgo-shard-*-of-${n}`,
    '          merge-multiple: true',
    `          path: \${{ runner.temp }}/crossgo-shards`,
    '      - name: merge, package and sign',
    '        env:',
    ...secretEnv(SIGNING_VARIABLES),
    ...run(releaseScript(plan, '$RUNNER_TEMP/crossgo-shards', '$RUNNER_TEMP/crossgo-merge', '::error::')),
    '      # Publishing the release is not part of this workflow yet: the files are an artifact.',
    `      - uses: ${ACTIONS.upload}`,
    '        with:',
    '          name: crossgo-release',
    `          path: ${inModule(plan, plan.out)}`,
    '          if-no-files-found: error',
  ];
  const regenerate = regenerateCommand(plan, 'github');
  return withMarker(`${body.join('\n')}\n`, regenerate, plan.crossgoVersion);
}
