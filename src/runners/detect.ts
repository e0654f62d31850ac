import { which } from '../exec/which.js';
import type { Target } from '../targets/parse.js';

/**
 * How a built binary can run on this machine: natively, under qemu-user (Linux targets of other
 * architectures), under wine (x86 Windows), or not at all, with the reason and the fix.
 */
export type RunnerKind = 'native' | 'qemu-user' | 'wine';

export interface Runner {
  kind: RunnerKind;
  /** The program to run the binary with (empty for native): e.g. ["qemu-aarch64"]. */
  command: string[];
}

export type RunnerAnswer =
  | { ok: true; runner: Runner; detail: string }
  | { ok: false; reason: string; fix: string | null };

/** qemu-user's program suffix per Linux GOARCH. */
const QEMU_ARCH: Record<string, string> = {
  amd64: 'x86_64',
  '386': 'i386',
  arm64: 'aarch64',
  arm: 'arm',
  riscv64: 'riscv64',
  ppc64: 'ppc64',
  ppc64le: 'ppc64le',
  s390x: 's390x',
  mips: 'mips',
  mipsle: 'mipsel',
  mips64: 'mips64',
  mips64le: 'mips64el',
  loong64: 'loongarch64',
};

export interface Host {
  goos: string;
  goarch: string;
  env: NodeJS.ProcessEnv;
}

/** Whether and how a target's binaries run here. */
export function findRunner(target: Target, host: Host): RunnerAnswer {
  if (target.goos === host.goos && target.goarch === host.goarch) {
    return { ok: true, runner: { kind: 'native', command: [] }, detail: 'native' };
  }
  // An amd64 Linux kernel runs 386 programs itself (IA-32 emulation).
  if (
    target.goos === 'linux' &&
    host.goos === 'linux' &&
    host.goarch === 'amd64' &&
    target.goarch === '386'
  ) {
    return { ok: true, runner: { kind: 'native', command: [] }, detail: 'native (386 on an amd64 kernel)' };
  }
  if (target.goos === 'linux' && host.goos === 'linux') {
    const arch = QEMU_ARCH[target.goarch];
    if (!arch) return { ok: false, reason: `qemu-user has no ${target.goarch} emulator`, fix: null };
    for (const program of [`qemu-${arch}`, `qemu-${arch}-static`]) {
      const found = which(program, host.env);
      if (found) return { ok: true, runner: { kind: 'qemu-user', command: [program] }, detail: program };
    }
    return {
      ok: false,
      reason: `qemu-${arch} is not installed`,
      fix: 'apt-get install qemu-user',
    };
  }
  if (target.goos === 'windows' && host.goos === 'linux') {
    if (target.goarch !== 'amd64' && target.goarch !== '386') {
      return { ok: false, reason: `wine runs x86 Windows programs, not ${target.goarch}`, fix: null };
    }
    const wine = which('wine', host.env) ?? which('wine64', host.env);
    if (wine) return { ok: true, runner: { kind: 'wine', command: [wine] }, detail: 'wine' };
    return {
      ok: false,
      reason: 'wine is not installed',
      fix:
        target.goarch === '386'
          ? 'dpkg --add-architecture i386 && apt-get update && apt-get install wine wine32'
          : 'apt-get install wine wine64',
    };
  }
  if (target.goos === 'darwin' || target.goos === 'ios') {
    return { ok: false, reason: `${target.goos} binaries run only on Apple systems`, fix: null };
  }
  return { ok: false, reason: `no runner for ${target.goos} binaries on ${host.goos}`, fix: null };
}
