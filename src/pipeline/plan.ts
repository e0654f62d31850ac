import type { CgoRecord } from '../cgo/plan.js';
import type { HookCommand, LoadedConfig } from '../config/types.js';
import type { Ownership } from '../fs/ownership.js';
import type { Target } from '../targets/parse.js';
import type { TemplateValues } from '../template/engine.js';
import type { GoToolchain } from '../toolchain/go.js';
import type { MainPackage } from '../toolchain/module.js';
import type { VersionInfo } from '../toolchain/vcs.js';
import type { Discovery } from './discovery.js';
import type { OutputFolder } from './outputFolder.js';

/*
 * The plan of a build: every decision made before anything runs, shared read-only by the stages
 * (stages/build/plan.ts makes it, without writing or deleting anything). It lives here, beside
 * the manifest, because the stage context carries it; the run takes the output folder first
 * (holdOutputFolder) and the stages see the plan with the folder held.
 */

/** The user's commands of one place in the config, and that place's key path (for messages). */
export interface HookList {
  commands: HookCommand[];
  /** Where they were read: the config file's name and key path, e.g. builds[1].hooks.pre. */
  source: { file: string; key: string };
}

/**
 * One build of the config (builds[i], or the one build of a config without `builds`): its main
 * package and binary name, shared by all its targets.
 */
export interface BuildUnit {
  /** builds[].id; default the binary's name. */
  id: string;
  /** The binary's name ({name}, {binary}): builds[].binary, else the package's default name. */
  name: string;
  pkg: MainPackage;
  /** Run for each of its targets: pre before go build, post after it succeeds. */
  hooks: { pre: HookList; post: HookList };
}

/** One target's build, fully decided before anything runs. */
export interface TargetBuild {
  target: Target;
  /** The build of the config it belongs to (its package, binary name, hooks). */
  unit: BuildUnit;
  /** Its template values: the project's, and {os}, {arch}, {arm}, {name}, {ext}, … (template/values.ts). */
  values: TemplateValues;
  /** Absolute final path of the artifact. */
  output: string;
  /** Relative to the output folder, forward slashes. */
  outputRel: string;
  /** go arguments up to (not including) `-o <file> <package>`. */
  args: string[];
  /** Variables crossgo sets for this build. */
  env: Record<string, string>;
  cgo: CgoRecord;
}

export interface BuildPlan {
  go: GoToolchain;
  /** The first build's main package (the only one without a `builds` list). */
  pkg: MainPackage;
  /** The project's name ({project}, release file names): the config's `project`, else the first build's binary name. */
  project: string;
  /** The builds of the config, in order (one without `builds`); builds[] lists their targets. */
  units: BuildUnit[];
  /** The project's template values ({version}, {tag}, {commit}, …), the same for every target. */
  values: TemplateValues;
  /** The config's before: and after: commands (run once per run: commands/build.ts, commands/package.ts). */
  hooks: { before: HookList; after: HookList };
  config: LoadedConfig;
  version: VersionInfo;
  moduleRoot: string;
  outDir: string;
  template: string;
  jobs: number;
  trimpath: boolean;
  strip: boolean;
  /** The output folder as the user named it (relative to cwd), for messages. */
  shownOut: string;
  /**
   * The inherited environment minus the variables crossgo controls. With a remote cache its
   * GOCACHEPROG runs the stand-alone `crossgo cache-prog`; `crossgo build` swaps in the run's
   * own cache service (src/cache/service.ts) while its stages run.
   */
  baseEnv: NodeJS.ProcessEnv;
  /** The remote build cache (--cache, config `cache:`, CROSSGO_CACHE_URL), when one is set. */
  cache?: { store: import('../cache/storeUrl.js').StoreUrl; readonly: boolean };
  /** The link cache folder, or null when disabled. */
  linkCache: string | null;
  verify: boolean;
  /** Build every target even when its inputs are unchanged (--force). */
  force?: boolean;
  /** The GOTOOLCHAIN crossgo set (an exact release from --go), or null. */
  goToolchain: string | null;
  builds: TargetBuild[];
  /** With --shard: this shard's record (builds holds its part only); absent otherwise. */
  shard?: import('./manifest.js').ShardRecord;
  /** What the run read about go, its ports and git, once (pipeline/discovery.ts). */
  discovery: Discovery;
}

/** A plan whose output folder this run holds: what the stages work on. */
export interface HeldPlan extends BuildPlan {
  /** The output folder, locked for this run: what crossgo made there before, the previous manifest. */
  folder: OutputFolder;
  /** Files in the output folder that crossgo made and may replace (folder.owned). */
  owned: Ownership;
  /** The previous manifest's artifacts: path → sha256 (a seed for go must still hold those bytes). */
  recorded: ReadonlyMap<string, string>;
}
