import { readdirSync } from 'node:fs';
import path from 'node:path';
import { run } from '../exec/run.js';
import { which } from '../exec/which.js';

/** A tool crossgo uses beyond go: how to find it, what it is for, and the command that installs it. */
export interface ToolSpec {
  name: string;
  /** Commands to look for on PATH, in order (the first found is the tool). */
  commands: readonly string[];
  /** Arguments that print its version, or null: found is all doctor says. */
  versionArgs: readonly string[] | null;
  use: string;
  fix: string;
  /** Also looked for under /usr/lib/llvm-N/bin (Debian installs some llvm tools only there). */
  llvm?: boolean;
}

/** The tools `crossgo doctor` checks, in the order it lists them. */
export const TOOLS: readonly ToolSpec[] = [
  {
    name: 'zig',
    commands: ['zig'],
    versionArgs: ['version'],
    use: 'C compiler for cgo targets, musl, macOS',
    fix: 'pip install ziglang',
  },
  {
    name: 'gcc',
    commands: ['gcc'],
    versionArgs: ['--version'],
    use: 'C compiler for the host target',
    fix: 'apt-get install gcc',
  },
  {
    name: 'gpg',
    commands: ['gpg'],
    versionArgs: ['--version'],
    use: 'signatures',
    fix: 'apt-get install gnupg',
  },
  {
    name: 'ssh-keygen',
    commands: ['ssh-keygen'],
    versionArgs: null,
    use: 'SSH signatures',
    fix: 'apt-get install openssh-client',
  },
  {
    name: 'llvm-lipo',
    commands: ['llvm-lipo'],
    versionArgs: ['--version'],
    use: 'macOS universal binaries (checks)',
    fix: 'apt-get install llvm',
    llvm: true,
  },
  {
    name: 'llvm-readobj',
    commands: ['llvm-readobj'],
    versionArgs: ['--version'],
    use: 'an independent reader for checks',
    fix: 'apt-get install llvm',
    llvm: true,
  },
  {
    name: 'qemu-user',
    commands: ['qemu-aarch64', 'qemu-x86_64'],
    versionArgs: ['--version'],
    use: 'runs other Linux architectures',
    fix: 'apt-get install qemu-user',
  },
  {
    name: 'wine',
    commands: ['wine', 'wine64'],
    versionArgs: ['--version'],
    use: 'runs x86 Windows programs',
    fix: 'apt-get install wine',
  },
];

export interface ToolReport {
  name: string;
  found: boolean;
  path: string | null;
  version: string | null;
  /** What it is for. */
  use: string;
  /** The command that installs it, when it is missing. */
  fix: string | null;
}

/**
 * Every tool of TOOLS, found or not, with its version (the first line it prints). `known` gives
 * tools already found another way (zig inside the ziglang Python package).
 */
export async function findTools(
  env: NodeJS.ProcessEnv,
  known: Readonly<Record<string, string | null>> = {},
  signal?: AbortSignal,
): Promise<ToolReport[]> {
  return Promise.all(
    TOOLS.map(async (tool): Promise<ToolReport> => {
      const { name, use, fix } = tool;
      const file = known[name] ?? locate(tool, env);
      if (!file) return { name, found: false, path: null, version: null, use, fix };
      if (!tool.versionArgs) return { name, found: true, path: file, version: null, use, fix: null };
      const result = await run(file, [...tool.versionArgs], { env, signal }).catch(() => null);
      const version = result ? ((result.stdout || result.stderr).trim().split('\n')[0] ?? '').trim() : '';
      return { name, found: true, path: file, version: version || null, use, fix: null };
    }),
  );
}

function locate(tool: ToolSpec, env: NodeJS.ProcessEnv): string | null {
  for (const command of tool.commands) {
    const found = which(command, env) ?? (tool.llvm ? llvmVersioned(command) : null);
    if (found) return found;
  }
  return null;
}

/** Debian installs some llvm tools only under /usr/lib/llvm-N/bin: the newest N that has it. */
function llvmVersioned(tool: string): string | null {
  try {
    const versions = readdirSync('/usr/lib')
      .filter((d) => /^llvm-\d+$/.test(d))
      .sort((a, b) => Number(b.slice(5)) - Number(a.slice(5)));
    for (const v of versions) {
      const found = which(path.join('/usr/lib', v, 'bin', tool), {});
      if (found) return found;
    }
  } catch {
    // no /usr/lib: not Debian-like
  }
  return null;
}
