import pc from 'picocolors';
import { type RebuildReport, rebuild } from '../../commands/rebuild.js';
import type { CliContext } from '../context.js';
import { differenceLines } from '../render/difference.js';
import { formatBytes } from '../render/format.js';

/** Variables that only say where go keeps things; shown with --json, left out of the human line. */
const PLUMBING = new Set(['GOPATH', 'GOMODCACHE', 'GOFLAGS', 'GOWORK']);

/** `crossgo rebuild FILE`: rebuild a Go program from its build info; exit 0 only when the bytes match. */
export async function rebuildCommand(
  file: string,
  flags: { json?: boolean },
  cli: CliContext,
): Promise<number> {
  const report = await rebuild({ file, cwd: cli.cwd, signal: cli.signal });
  process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : describe(report));
  return report.reproducible === true ? 0 : 1;
}

function describe(r: RebuildReport): string {
  const what = r.module ? `${r.package}@${r.module.version}` : 'no Go module';
  const lines = [`${r.file} (${what}${r.goVersion ? `, ${r.goVersion}` : ''})`];
  const add = (key: string, value: string) => lines.push(`  ${key.padEnd(10)} ${value}`);
  if (r.rebuildable) {
    const env = Object.entries(r.env).filter(([k]) => !PLUMBING.has(k));
    add('command', [...env.map(([k, v]) => `${k}=${v}`), 'go', ...r.command].map(shellQuote).join(' '));
  }
  add('expected', `sha256 ${r.expectedSha256} (${formatBytes(r.sizes.expected)})`);
  if (r.gotSha256 !== null && r.sizes.got !== null) {
    add('got', `sha256 ${r.gotSha256} (${formatBytes(r.sizes.got)})`);
  }
  // 1 is the file, 2 the rebuild: the lines crossgo repro prints for its two builds.
  if (r.difference) {
    const [a, b] = r.difference.sizes;
    add('differs', `${a} and ${b} bytes, 1 the file and 2 the rebuild:`);
    lines.push(...differenceLines(r.difference));
  }
  if (r.reproducible === true) lines.push(pc.green('reproducible: the rebuild is byte for byte identical'));
  else if (r.reproducible === false) lines.push(pc.red(`not reproducible: ${r.reason}`));
  else if (r.rebuildable) lines.push(pc.red(`rebuild failed: ${r.reason}`));
  else lines.push(pc.red(`cannot rebuild: ${r.reason}`));
  return `${lines.join('\n')}\n`;
}

/** An argument as a POSIX shell would need it, so the printed command can be pasted. */
function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}
