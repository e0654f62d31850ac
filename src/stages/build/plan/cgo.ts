import path from 'node:path';
import { findHostTools, type HostTools } from '../../../cgo/compilers.js';
import { checkMacosSdk } from '../../../cgo/darwin.js';
import { type CgoContext, type CgoDecision, decideCgo } from '../../../cgo/plan.js';
import { UsageError } from '../../../errors.js';
import type { Discovery } from '../../../pipeline/discovery.js';
import { externalLinkingReason } from '../../../targets/linkage.js';
import type { Target } from '../../../targets/parse.js';
import { explicitCompiler, inheritedEnv, type MergedFlags } from '../flags.js';

/** What every target's cgo decision shares. */
export interface CgoSettings {
  strip: boolean;
  /** A MacOSX.sdk folder, absolute, or null. */
  macosSdk: string | null;
}

/** --macos-sdk (relative to cwd), else the config's macosSdk (relative to the module root); checked. */
export async function planMacosSdk(
  option: string | undefined,
  config: string | undefined,
  cwd: string,
  moduleRoot: string,
): Promise<string | null> {
  const sdk = option ? path.resolve(cwd, option) : config ? path.resolve(moduleRoot, config) : null;
  if (sdk) await checkMacosSdk(sdk);
  return sdk;
}

/**
 * The context of cgo decisions for a package: go list runs in its module with the inherited
 * environment minus what crossgo controls (GOAMD64, CC… from the shell never reach it), and the
 * host's C compilers are looked for once, on first need.
 */
export function cgoContextFor(discovery: Discovery, importPath: string, moduleRoot: string): CgoContext {
  let tools: Promise<HostTools> | undefined;
  const { go, env, signal } = discovery;
  return {
    go,
    importPath,
    cwd: moduleRoot,
    env: inheritedEnv(env),
    signal,
    tools: () => {
      tools ??= findHostTools(env, { goos: go.env.GOHOSTOS, goarch: go.env.GOHOSTARCH }, signal);
      return tools;
    },
  };
}

/**
 * Whether `crossgo build` can make the target with these flags, and how cgo goes for it: the one
 * decision build's plan and doctor share (a target doctor calls buildable is one build makes).
 * Throws the refusal build would give: a port go links only externally without cgo on
 * (cmd/go/internal/load/pkg.go externalLinkingReason), a cgo build of a port without cgo, no C
 * compiler for the target, a darwin framework without an SDK.
 */
export async function decideTargetCgo(
  ctx: CgoContext,
  target: Target,
  flags: MergedFlags,
  settings: CgoSettings,
): Promise<CgoDecision> {
  const mode = flags.cgo ?? 'off';
  const external = externalLinkingReason(target.goos, target.goarch);
  if (external && mode !== 'on') {
    throw new UsageError(
      `target "${target.id}" cannot be built without cgo (go: ${external}): pass --cgo on with a C compiler that targets it (--cc), or leave it out`,
    );
  }
  return decideCgo(ctx, {
    target,
    mode,
    ...explicitCompiler(flags),
    static: flags.static ?? false,
    strip: settings.strip,
    macosSdk: settings.macosSdk,
    tags: flags.tags,
  });
}
