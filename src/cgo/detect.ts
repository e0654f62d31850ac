import { runChecked } from '../exec/run.js';
import { goEnvForTarget } from '../targets/env.js';
import type { Target } from '../targets/parse.js';
import { LEVEL_VARIABLES } from '../targets/variants.js';
import type { GoToolchain } from '../toolchain/go.js';
import { parseJsonStream } from '../toolchain/module.js';

/** What `go list` tells about a package's C side for one target. */
export interface CgoUse {
  /** Non-standard packages (the main one or dependencies) with `import "C"`, in go list order. */
  packages: string[];
  /** Frameworks those packages link (`-framework X` in their #cgo LDFLAGS), for darwin. */
  frameworks: { pkg: string; framework: string }[];
}

interface ListedPackage {
  ImportPath: string;
  Standard?: boolean;
  CgoFiles?: string[];
  CgoLDFLAGS?: string[];
}

/**
 * Which packages of the build use cgo for this target. Standard packages are left out: they
 * all have pure-Go fallbacks (net, os/user) and only the user's code decides that cgo is needed.
 * Listed with CGO_ENABLED=1, since go list drops cgo files when cgo is off.
 */
export async function detectCgo(
  go: GoToolchain,
  importPath: string,
  target: Target,
  opts: { cwd: string; env: NodeJS.ProcessEnv; tags: readonly string[]; signal?: AbortSignal },
): Promise<CgoUse> {
  const args = ['list', '-deps', '-json=ImportPath,Standard,CgoFiles,CgoLDFLAGS'];
  if (opts.tags.length > 0) args.push(`-tags=${opts.tags.join(',')}`);
  args.push('--', importPath);
  // With cgo on: go list drops cgo files when it is off. The target alone sets its level: a
  // GOAMD64=v3 from the shell would select files for amd64.v3 (go/build's ToolTags) that
  // the build, which clears it, does not compile.
  const env = goEnvForTarget(withoutLevels(opts.env), target, true);
  const result = await runChecked(go.binary, args, { cwd: opts.cwd, env, signal: opts.signal });
  return cgoUseOf(parseJsonStream<ListedPackage>(result.stdout));
}

export function cgoUseOf(listed: readonly ListedPackage[]): CgoUse {
  const users = listed.filter((p) => !p.Standard && (p.CgoFiles?.length ?? 0) > 0);
  const frameworks: CgoUse['frameworks'] = [];
  for (const p of users) {
    const flags = p.CgoLDFLAGS ?? [];
    flags.forEach((flag, i) => {
      const name =
        flag === '-framework' ? flags[i + 1] : flag.startsWith('-Wl,-framework,') ? flag.slice(15) : null;
      if (name) frameworks.push({ pkg: p.ImportPath, framework: name });
    });
  }
  return { packages: users.map((p) => p.ImportPath), frameworks };
}

/** The environment without GOAMD64, GOARM, GO386… (targets/variants.ts), as build clears them. */
function withoutLevels(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const name of LEVEL_VARIABLES) delete out[name];
  return out;
}
