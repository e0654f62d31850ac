import { cp, lstat, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CrossgoConfig } from '../config/types.js';
import { runChecked } from '../exec/run.js';
import { isInside } from '../fs/paths.js';
import type { GoToolchain } from '../toolchain/go.js';

/**
 * The two places `crossgo repro` builds in: the work tree copied to two absolute paths of
 * different lengths, each with its own HOME and TMPDIR, another TZ, LANG and umask, and an
 * empty GOCACHE the second time. Whatever the build depends on among these shows as a
 * difference in the bytes. The copy leaves out the output folder: what crossgo made before is
 * not a source (and a big or odd file in it would only slow the copy down or stop it).
 */

/** What differed between the two builds, for the record. */
export interface Conditions {
  moduleDir: string;
  home: string;
  tmpdir: string;
  tz: string;
  lang: string;
  /** Octal, e.g. "077". */
  umask: string;
  /** The folder, then "(empty)" or "(yours)". */
  gocache: string;
}

interface SideSpec {
  name: 'a' | 'b';
  /** Folders between the side's own and the copy: the second path is much longer. */
  folders: string[];
  tz: string;
  lang: string;
  umask: number;
  freshCache: boolean;
}

const SIDES: readonly SideSpec[] = [
  { name: 'a', folders: ['src'], tz: 'UTC', lang: 'C.UTF-8', umask: 0o022, freshCache: false },
  {
    name: 'b',
    folders: ['a-much-longer-folder-name', 'src'],
    // UTC+12:45: a zone no one builds in by accident, with a daylight saving rule of its own.
    tz: 'Pacific/Chatham',
    lang: 'de_DE.UTF-8',
    umask: 0o077,
    freshCache: true,
  },
];

/** One side, ready to build in. */
export interface Side {
  name: 'a' | 'b';
  /** The copy of the folder crossgo was started in. */
  cwd: string;
  /** Where this side's build writes (outside the copy). */
  out: string;
  /** The build's whole environment. */
  env: NodeJS.ProcessEnv;
  /** For the build's child processes only (run's withChildUmask): crossgo's own never changes. */
  umask: number;
  conditions: Conditions;
}

export interface Sandbox {
  sides: [Side, Side];
  remove(): Promise<void>;
}

export interface SandboxInput {
  /** The git work tree holding the module, or the module root outside git. */
  treeRoot: string;
  moduleRoot: string;
  cwd: string;
  /** Folders not copied (the output folder); those that are not inside treeRoot are ignored. */
  leaveOut: readonly string[];
  go: GoToolchain;
  environment: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export async function createSandbox(input: SandboxInput): Promise<Sandbox> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'crossgo-repro-'));
  const remove = () => rm(scratch, { recursive: true, force: true });
  try {
    // Where go keeps modules and its env file stay pinned: a new HOME must not change go's
    // settings (GOENV defaults to $HOME/.config/go/env) or force downloads (GOPATH/pkg/mod).
    const goenv = input.environment.GOENV ?? (await goEnvFile(input));
    const sides: Side[] = [];
    for (const spec of SIDES) sides.push(await prepareSide(scratch, spec, input, goenv));
    return { sides: sides as [Side, Side], remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

async function prepareSide(
  scratch: string,
  spec: SideSpec,
  input: SandboxInput,
  goenv: string,
): Promise<Side> {
  const own = path.join(scratch, spec.name);
  const copy = path.join(own, ...spec.folders);
  await mkdir(path.dirname(copy), { recursive: true });
  await copyTree(input.treeRoot, copy, input.leaveOut);
  const home = path.join(own, 'home');
  const tmpdir = path.join(own, 'tmp');
  const gocache = spec.freshCache ? path.join(own, 'gocache') : input.go.env.GOCACHE;
  await mkdir(home);
  await mkdir(tmpdir);
  const moduleDir = path.join(copy, path.relative(input.treeRoot, input.moduleRoot));
  return {
    name: spec.name,
    cwd: path.join(moduleDir, path.relative(input.moduleRoot, input.cwd)),
    out: path.join(own, 'out'),
    env: {
      ...input.environment,
      HOME: home,
      TMPDIR: tmpdir,
      TZ: spec.tz,
      LANG: spec.lang,
      LC_ALL: spec.lang,
      GOCACHE: gocache,
      GOMODCACHE: input.go.env.GOMODCACHE,
      GOPATH: input.go.env.GOPATH,
      GOENV: goenv,
    },
    umask: spec.umask,
    conditions: {
      moduleDir,
      home,
      tmpdir,
      tz: spec.tz,
      lang: spec.lang,
      umask: `0${spec.umask.toString(8)}`,
      gocache: `${gocache} ${spec.freshCache ? '(empty)' : '(yours)'}`,
    },
  };
}

/**
 * Copies the whole work tree — with .git, so go stamps the same VCS facts and crossgo reads the
 * same version — except the folders left out, and FIFOs, sockets and devices: no build reads
 * one as a source, and a copy cannot take them (fs.cp refuses them, and reading a FIFO blocks).
 */
async function copyTree(from: string, to: string, leaveOut: readonly string[]): Promise<void> {
  const skipped = leaveOut.filter((dir) => isInside(from, dir) && path.resolve(dir) !== path.resolve(from));
  await cp(from, to, {
    recursive: true,
    filter: async (source) => {
      if (skipped.some((dir) => isInside(dir, source))) return false;
      const info = await lstat(source);
      return info.isFile() || info.isDirectory() || info.isSymbolicLink();
    },
  });
}

/**
 * The output folder a build of this module writes: -o (relative to cwd), else the config's
 * `out` (called `dist` before; both are read, as plan.ts reads them), else <module>/dist.
 */
export function outputFolder(input: {
  moduleRoot: string;
  cwd: string;
  out?: string;
  config: CrossgoConfig;
}): string {
  if (input.out !== undefined) return path.resolve(input.cwd, input.out);
  const config = input.config as CrossgoConfig & { out?: unknown };
  const configured = typeof config.out === 'string' ? config.out : config.dist;
  return path.resolve(input.moduleRoot, configured ?? 'dist');
}

async function goEnvFile(input: SandboxInput): Promise<string> {
  const result = await runChecked(input.go.binary, ['env', 'GOENV'], {
    cwd: input.cwd,
    env: input.environment,
    signal: input.signal,
  });
  return result.stdout.trim();
}
