import { UsageError } from '../errors.js';

/** Everything a generated workflow depends on; the generators are pure functions of it. */
export interface CiPlan {
  /** How many shard jobs (1..targets). */
  shards: number;
  /** The targets of the plan (for the header and the bound on shards). */
  targets: number;
  /** crossgo's version: the workflow runs exactly this one (`npx --yes crossgo@<version>`). */
  crossgoVersion: string;
  /** The module's folder relative to the repository's top level, `/`-separated; '.' at the top. */
  moduleDir: string;
  /** The output folder relative to the module folder (the config's `out`, else dist). */
  out: string;
  /** An explicit config file (--config) relative to the module folder; null: the default names. */
  config: string | null;
  /** The go.mod's `toolchain` release, else its `go` line (1.24.3, 1.22), for the GitLab image. */
  goVersion: string;
}

/** The most jobs either CI system runs from one matrix / parallel: keyword (GitHub 256, GitLab 200). */
export const MAX_SHARDS = 200;

/** The command that runs this crossgo in CI, whether or not the project has it as a devDependency. */
export function crossgoCommand(plan: CiPlan): string {
  return `npx --yes crossgo@${plan.crossgoVersion}`;
}

/** ` --config FILE` for the build and package commands when the config is not found by its default name. */
export function configFlag(plan: CiPlan): string {
  return plan.config === null ? '' : ` --config ${plan.config}`;
}

/** Paths written into YAML and shell text unquoted: plain names only, nothing to escape. */
export function plainPath(value: string, what: string): string {
  if (value === '.') return value;
  const segments = value.split('/');
  if (
    !/^[A-Za-z0-9._][A-Za-z0-9._/-]*$/.test(value) ||
    segments.some((s) => s === '' || s === '.' || s === '..')
  )
    throw new UsageError(
      `${what} "${value}": crossgo ci writes only plain relative paths (letters, digits, . _ - /) into a workflow`,
    );
  return value;
}

/** The command that writes the file again, from the repository's top level. */
export function regenerateCommand(plan: CiPlan, platform: 'github' | 'gitlab'): string {
  const chdir = plan.moduleDir === '.' ? '' : ` -C ${plan.moduleDir}`;
  return `crossgo${chdir} ci ${platform} --shards ${plan.shards}`;
}

/** A path under the module folder, relative to the repository's top level. */
export function inModule(plan: CiPlan, rel: string): string {
  return plan.moduleDir === '.' ? rel : `${plan.moduleDir}/${rel}`;
}

/** The release tags of the module: Go tags a module in folder sub/ as sub/v1.2.3. */
export function tagPattern(plan: CiPlan): string {
  return plan.moduleDir === '.' ? 'v*' : `${plan.moduleDir}/v*`;
}

/** Credentials and the store for the remote cache: names crossgo and the AWS SDK read. */
export const CACHE_VARIABLES = [
  'CROSSGO_CACHE_URL',
  'CROSSGO_CACHE_TOKEN',
  'CROSSGO_CACHE_USER',
  'CROSSGO_CACHE_PASSWORD',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
] as const;

/** The signing secrets of the release job. */
export const SIGNING_VARIABLES = ['CROSSGO_GPG_PRIVATE_KEY', 'CROSSGO_GPG_PASSPHRASE'] as const;

/**
 * Shell lines that unset the variables that are set but empty: a secret that was never set
 * reaches a GitHub step as an empty value, and "no cache user" must not become "user ''".
 */
export function unsetEmpty(names: readonly string[]): string[] {
  const why =
    '# A secret that is not set arrives empty: unset it, so crossgo sees no value rather than an empty one.';
  if (names.length === 1) return [why, `if [ -z "\${${names[0]}:-}" ]; then unset ${names[0]}; fi`];
  return [
    why,
    `for name in ${names.join(' ')}; do`,
    '  if [ -z "$(printenv "$name")" ]; then unset "$name"; fi',
    'done',
  ];
}

/** The release job's shell: untar each shard into its own folder, merge, import the key, package and sign. */
export function releaseScript(plan: CiPlan, tars: string, work: string, errorPrefix: string): string[] {
  const cg = crossgoCommand(plan);
  const n = plan.shards;
  const list = Array.from({ length: n }, (_, i) => String(i + 1)).join(' ');
  return [
    ...unsetEmpty(['CROSSGO_GPG_PASSPHRASE']),
    `# Each shard's tarball (tar keeps the binaries' modes) into a folder of its own, then one merge.`,
    `shards="${work}"`,
    'set --',
    `for i in ${list}; do`,
    `  mkdir -p "$shards/$i"`,
    `  tar -xf "${tars}/crossgo-shard-$i-of-${n}.tar" -C "$shards/$i"`,
    `  set -- "$@" "$shards/$i"`,
    'done',
    `${cg} merge "$@" -o ${plan.out}`,
    '# The signing key goes into a keyring of its own, removed when the step ends.',
    `if [ -z "\${CROSSGO_GPG_PRIVATE_KEY:-}" ]; then`,
    `  echo "${errorPrefix}set the secret CROSSGO_GPG_PRIVATE_KEY (gpg --armor --export-secret-keys KEY) to sign the release" >&2`,
    '  exit 1',
    'fi',
    'GNUPGHOME="$(mktemp -d)"',
    'export GNUPGHOME',
    `trap 'gpgconf --kill all; rm -rf "$GNUPGHOME"' EXIT`,
    'if [ -f "$CROSSGO_GPG_PRIVATE_KEY" ]; then',
    '  gpg --batch --quiet --import "$CROSSGO_GPG_PRIVATE_KEY"',
    'else',
    `  printf '%s\\n' "$CROSSGO_GPG_PRIVATE_KEY" | gpg --batch --quiet --import`,
    'fi',
    'unset CROSSGO_GPG_PRIVATE_KEY',
    `${cg} package -o ${plan.out}${configFlag(plan)} --sign gpg`,
  ];
}
