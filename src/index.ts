/** crossgo's library API: every CLI command is also a typed function here. */

export { renderBenchHtml } from './bench/html.js';
export type { BenchReport } from './bench/types.js';
export { FormatError } from './binary/errors.js';
export { detectFormat, readFacts } from './binary/read.js';
export { BufferSource, type ByteSource } from './binary/source.js';
export type { BinaryFacts, GoBuildInfo, GoModule, SectionInfo } from './binary/types.js';
export { type BenchOptions, type BenchResult, bench } from './commands/bench.js';
export { BUILD_STAGES, type BuildResult, type BuildRunOptions, build, buildAll } from './commands/build.js';
export { type ChangelogOptions, type ChangelogResult, changelog } from './commands/changelog.js';
export { type CiOptions, type CiPlatform, type CiResult, ci } from './commands/ci.js';
export {
  type DockerfileOptions,
  type DockerfileResult,
  dockerfile,
} from './commands/dockerfile.js';
export { type DoctorOptions, type DoctorReport, doctor } from './commands/doctor.js';
export { IMAGE_STAGES, type ImageOptions, type ImageResult, image } from './commands/image.js';
export { type InitOptions, type InitResult, init } from './commands/init.js';
export { type Inspection, type InspectOptions, type InspectOutcome, inspect } from './commands/inspect.js';
export {
  type LintDockerfileOptions,
  type LintDockerfileResult,
  lintDockerfileFile,
} from './commands/lint.js';
export { type MergeOptions, type MergeResult, merge } from './commands/merge.js';
export {
  PACKAGE_STAGES,
  type PackageOptions,
  type PackageResult,
  packageRelease,
} from './commands/package.js';
export { planRebuild, type RebuildOptions, type RebuildReport, rebuild } from './commands/rebuild.js';
export {
  type AgainstOptions,
  type AgainstReport,
  type ReproOptions,
  type ReproReport,
  repro,
  reproAgainst,
} from './commands/repro.js';
export { type TargetsOptions, type TargetsResult, targets } from './commands/targets.js';
export { type TestOptions, type TestReport, testTargets } from './commands/test.js';
export { type VerifyOptions, type VerifyReport, verify } from './commands/verify.js';
export { type GoReleaserTranslation, translateGoReleaser } from './config/goreleaser.js';
export { translateGoTemplate } from './config/goTemplate.js';
export { loadConfig } from './config/load.js';
export { parseConfig } from './config/parse.js';
export type { BuildFlags, CrossgoConfig } from './config/types.js';
export type { DockerfilePlan } from './dockerfile/generate.js';
export { lintDockerfile } from './dockerfile/lint.js';
export { type Finding, TRAPS, type TrapId } from './dockerfile/traps.js';
export {
  ConfigError,
  CrossgoError,
  EnvironmentError,
  exitCodeFor,
  IntegrityError,
  InterruptedError,
  IoError,
  ManifestError,
  ProcessError,
  ToolMissingError,
  UsageError,
} from './errors.js';
export type { Logger } from './log.js';
export type { BuildContext } from './pipeline/context.js';
export type { BuildEvent } from './pipeline/events.js';
export {
  type Artifact,
  type ArtifactKind,
  type ArtifactRecord,
  artifactsOfKind,
  type BinaryArtifact,
  binaries,
  CHECKSUMS_FILE,
  type FailureRecord,
  MANIFEST_FILE,
  type Manifest,
  type ReleaseRecord,
} from './pipeline/manifest.js';
export { readManifest } from './pipeline/readManifest.js';
export type { Stage } from './pipeline/stage.js';
export type { BuildOptions, BuildPlan, TargetBuild } from './stages/build/plan.js';
export { formatSha256Sums } from './stages/checksum/sha256sums.js';
export type { CheckResult, Expectation } from './stages/verify/checks.js';
export { DEFAULT_TARGETS, expandTargets, type Target } from './targets/parse.js';
export type { Port } from './targets/ports.js';
export { CROSSGO_VERSION } from './version.js';
