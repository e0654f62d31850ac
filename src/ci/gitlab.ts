import { withMarker } from './marker.js';
import {
  CACHE_VARIABLES,
  type CiPlan,
  configFlag,
  crossgoCommand,
  inModule,
  regenerateCommand,
  releaseScript,
  tagPattern,
  unsetEmpty,
} from './plan.js';

/** Where `crossgo ci gitlab` writes, relative to the repository's top level. */
export const GITLAB_FILE = '.gitlab-ci.yml';

/**
 * The image: Go from go.mod's major.minor, on Debian 13 (trixie), whose nodejs package is
 * Node.js 20 (bookworm's is 18, too old for crossgo). The golang images have trixie variants
 * from Go 1.24 on, so an older go line gets 1.24, which builds it as the go command would with
 * GOTOOLCHAIN (a newer go builds an older module).
 */
export function gitlabImage(goVersion: string): string {
  const [major = 1, minor = 0] = goVersion.split('.').map(Number);
  const floor = major > 1 || minor >= 24 ? `${major}.${minor}` : '1.24';
  return `golang:${floor}-trixie`;
}

/** `.gitlab-ci.yml`: a `parallel: N` build job (crossgo reads CI_NODE_INDEX/CI_NODE_TOTAL), then merge, package, sign. */
export function gitlabPipeline(plan: CiPlan): string {
  const n = plan.shards;
  const cg = crossgoCommand(plan);
  const cd = plan.moduleDir === '.' ? [] : [`cd ${plan.moduleDir}`];
  const tagRegex = `/^${tagPattern(plan).replace('*', '').replaceAll('/', '\\/').replaceAll('.', '\\.')}/`;
  // GitLab 16+ accepts parallel: 1, older releases do not: one shard is a plain job.
  const index = n === 1 ? '1' : '$CI_NODE_INDEX';
  const shardFlag = n === 1 ? '--shard 1/1' : '--shard auto';
  const block = (lines: string[]) => ['    - |', ...lines.map((l) => `      ${l}`.trimEnd())];
  const body = [
    'stages:',
    '  - build',
    '  - release',
    '',
    'variables:',
    '  GIT_DEPTH: "0" # every tag and commit: the version and commit facts of the build',
    '',
    '.crossgo:',
    `  image: ${gitlabImage(plan.goVersion)}`,
    '  before_script:',
    '    - apt-get update -qq',
    '    - apt-get install -y -qq --no-install-recommends nodejs npm git gnupg ca-certificates > /dev/null',
    '  rules:',
    '    # A release tag of the module starts it; so does "Run pipeline" in the web interface.',
    `    - if: $CI_COMMIT_TAG =~ ${tagRegex}`,
    '    - if: $CI_PIPELINE_SOURCE == "web"',
    '',
    'crossgo-shard:',
    '  extends: .crossgo',
    '  stage: build',
    ...(n === 1 ? [] : [`  parallel: ${n}`]),
    '  script:',
    ...block([
      ...unsetEmpty(CACHE_VARIABLES),
      ...cd,
      `${cg} build ${shardFlag}${configFlag(plan)}`,
      '# Artifacts keep no promise about file modes: the shard travels as a tarball.',
      `tar -cf "$CI_PROJECT_DIR/crossgo-shard-${index}-of-${n}.tar" -C ${plan.out} .`,
    ]),
    '  artifacts:',
    '    paths:',
    `      - crossgo-shard-*-of-${n}.tar`,
    '    expire_in: 1 day',
    '',
    'crossgo-release:',
    '  extends: .crossgo',
    '  stage: release',
    '  needs:',
    '    - crossgo-shard',
    '  script:',
    ...block([
      '# The tarballs arrive in the checkout: move them out, or the work tree would be dirty.',
      'tars="$(mktemp -d)"',
      `mv "$CI_PROJECT_DIR"/crossgo-shard-*-of-${n}.tar "$tars"/`,
      ...cd,
      ...releaseScript(plan, '$tars', '$tars/shards', ''),
    ]),
    '  # Publishing the release is not part of this pipeline yet: the files are an artifact.',
    '  artifacts:',
    '    paths:',
    `      - ${inModule(plan, plan.out)}/`,
    '    exclude:',
    `      - ${inModule(plan, plan.out)}/.crossgo-*`,
  ];
  return withMarker(`${body.join('\n')}\n`, regenerateCommand(plan, 'gitlab'), plan.crossgoVersion);
}
