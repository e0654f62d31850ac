import type { CgoRecord } from '../cgo/plan.js';
import type { LoadedConfig } from '../config/types.js';
import type { Ownership } from '../fs/ownership.js';
import type { Target } from '../targets/parse.js';
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

/** One target's build, fully decided before anything runs. */
export interface TargetBuild {
  target: Target;
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
  pkg: MainPackage;
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
  /** The inherited environment minus the variables crossgo controls. */
  baseEnv: NodeJS.ProcessEnv;
  /** The link cache folder, or null when disabled. */
  linkCache: string | null;
  verify: boolean;
  /** Build every target even when its inputs are unchanged (--force). */
  force?: boolean;
  /** The GOTOOLCHAIN crossgo set (an exact release from --go), or null. */
  goToolchain: string | null;
  builds: TargetBuild[];
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
