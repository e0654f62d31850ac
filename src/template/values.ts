import type { TemplateValues } from './engine.js';
import { releaseVersionOf } from './version.js';

/** The version facts a project's templates see (toolchain/vcs.ts VersionInfo, as the plan has it). */
export interface VersionFacts {
  /** The version as read (git describe, --app-version or the snapshot version): {raw_version}. */
  version: string;
  /** The nearest tag, or "" when the commit has none. */
  tag: string;
  commit: string;
  /** RFC 3339 UTC, or "unknown". */
  date: string;
  /** Unix seconds of `date`, or null. */
  epoch: number | null;
  /** The branch checked out, or "" (detached, or no repository). */
  branch: string;
  snapshot: boolean;
}

/** The placeholders of the project scope: the same for every target of a run. */
export function projectValues(version: VersionFacts, project: string): TemplateValues {
  const plain = releaseVersionOf(version.version);
  const semver = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(plain);
  const known = /^[0-9a-f]{40,64}$/.test(version.commit);
  return {
    version: plain,
    raw_version: version.version,
    tag: version.tag,
    commit: version.commit,
    short_commit: known ? version.commit.slice(0, 7) : version.commit,
    commit_date: version.date,
    commit_timestamp: version.epoch === null ? '' : String(version.epoch),
    branch: version.branch,
    major: semver?.[1] ?? '',
    minor: semver?.[2] ?? '',
    patch: semver?.[3] ?? '',
    prerelease: semver?.[4] ?? '',
    snapshot: version.snapshot ? 'true' : 'false',
    project,
  };
}

/** What a target's templates add: its platform, level, binary and build. */
export interface TargetFacts {
  goos: string;
  goarch: string;
  /** The variant the target names (linux/amd64/v3 → v3), or null. */
  variant: string | null;
  /** The level the target builds at: its variant, else the port's default (GOARM 7, GOAMD64 v1…), or null. */
  level: string | null;
  /** The binary's name, without extension. */
  binary: string;
  /** The build's id (the config's builds[].id; the binary's name by default). */
  id: string;
}

const LEVEL_PLACEHOLDER: Record<
  string,
  'arm' | 'arm64' | 'amd64' | '386' | 'mips' | 'mips64' | 'ppc64' | 'riscv64'
> = {
  arm: 'arm',
  arm64: 'arm64',
  amd64: 'amd64',
  '386': '386',
  mips: 'mips',
  mipsle: 'mips',
  mips64: 'mips64',
  mips64le: 'mips64',
  ppc64: 'ppc64',
  ppc64le: 'ppc64',
  riscv64: 'riscv64',
};

/**
 * A target's placeholders on top of the project's. {arm}, {amd64}, … hold the level the target
 * builds at for their own architectures (GoReleaser's .Arm, .Amd64: "7", "v1") and "" for the
 * others; {variant} only what the target names.
 */
export function targetValues(project: TemplateValues, target: TargetFacts): TemplateValues {
  const levels: Record<string, string> = {
    arm: '',
    arm64: '',
    amd64: '',
    '386': '',
    mips: '',
    mips64: '',
    ppc64: '',
    riscv64: '',
  };
  const own = LEVEL_PLACEHOLDER[target.goarch];
  if (own && target.level) levels[own] = target.level;
  const ext = target.goos === 'windows' ? '.exe' : target.goarch === 'wasm' ? '.wasm' : '';
  return {
    ...project,
    ...levels,
    os: target.goos,
    arch: target.goarch,
    goos: target.goos,
    goarch: target.goarch,
    variant: target.variant ?? '',
    '-variant': target.variant ? `-${target.variant}` : '',
    target: `${target.goos}_${target.goarch}${target.variant ? `_${target.variant}` : ''}`,
    name: target.binary,
    binary: target.binary,
    ext,
    id: target.id,
  };
}
