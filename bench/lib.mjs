/**
 * What the benchmarks share: their errors, running children from argument arrays (never a shell
 * string) and stopping them on an interrupt, CPU accounting from /proc, and the table and number
 * formatting. Each benchmark's own options and measurements stay in its file.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/** A failure that makes the benchmark meaningless: printed as is, exit code 1. */
export class BenchError extends Error {
  exitCode = 1;
}

/** A bad command line: exit code 2, like crossgo's own usage errors. */
export class UsageError extends BenchError {
  exitCode = 2;
}

/** The option checkers of one benchmark script: every mistake is a UsageError naming the flag. */
export function optionErrors(script) {
  const usage = (message) => {
    throw new UsageError(`${script}: ${message} (see the comment at the top of ${script})`);
  };
  return {
    usage,
    count(flag, value) {
      if (!/^[1-9]\d*$/.test(value)) usage(`${flag} ${value}: expected a whole number, 1 or more`);
      return Number(value);
    },
    chooseList(flag, value, allowed) {
      const items = value.split(',').map((item) => item.trim());
      for (const item of items) {
        if (!allowed.includes(item)) usage(`${flag} ${item}: expected a comma list of ${allowed.join(', ')}`);
      }
      return [...new Set(items)];
    },
  };
}

/** Children in flight, so an interrupt can stop them before deleting the folders they write into. */
const inFlight = new Set();

/** Runs a command from an argument array and collects its output. */
export function run(command, args, { cwd, env }) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    const entry = { child, done: new Promise((settle) => child.on('close', settle)) };
    inFlight.add(entry);
    child.on('error', (error) => {
      inFlight.delete(entry);
      reject(new BenchError(`cannot run ${command}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      inFlight.delete(entry);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** Sends `signal` to every child in flight, then calls `exit` once they ended (at most 5 s later). */
export function stopChildren(signal, exit) {
  if (inFlight.size === 0) return exit();
  for (const { child } of inFlight) child.kill(signal);
  const timer = setTimeout(exit, 5000);
  Promise.all([...inFlight].map((entry) => entry.done)).then(() => {
    clearTimeout(timer);
    exit();
  });
}

/**
 * CPU seconds used so far by this process's finished children and their descendants (cutime +
 * cstime in /proc/self/stat): with the wall time it shows how busy the cores were. Linux only.
 */
export function childCpuSeconds() {
  if (process.platform !== 'linux') return null;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Field 16 (cutime) and 17 (cstime) of proc(5); fields[0] is field 3. Clock ticks are 100/s on Linux.
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return null;
  }
}

/**
 * CPU seconds every process on the machine has used since boot (the busy columns of the first
 * line of /proc/stat). Minus what this process and its children used, it tells how much other
 * work shared the cores during a measurement: on a shared machine that is the noise. Linux only.
 */
export function machineBusySeconds() {
  if (process.platform !== 'linux') return null;
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    return (user + nice + system + irq + softirq + steal) / 100;
  } catch {
    return null;
  }
}

/** This process's own CPU seconds (the benchmark's own spawning and waiting). */
export function ownCpuSeconds() {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

export async function sha256(file) {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function round(value, digits) {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

/** A plain-text table, columns padded to their widest cell. */
export function formatTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells
      .map((cell, i) => String(cell).padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
