import { spawn } from 'node:child_process';
import { START_FAILED_EXIT, START_FAILED_PREFIX } from './umask.js';

/**
 * `node umaskChild.js <octal umask> <command> [args…]`: sets its own umask, then runs the command
 * with the same stdio and environment and ends as the command ended (its exit code, or killed by
 * its signal). run() starts it for `umask`: Node has no per-child umask (spawn takes none, and
 * process.umask() is the whole process's, which would change crossgo's own files and those of
 * every other child started meanwhile), and a umask is inherited across fork and exec (umask(2)),
 * so a process of our own that sets it and then starts the command gives the command that umask
 * and nobody else. No shell is involved: the command and its arguments stay an array.
 *
 * The command is in this process's group (run() starts this script as a group leader), so a
 * signal run() sends to the group reaches the command directly; this script waits for it and
 * mirrors how it ended. A command that cannot start (ENOENT…) is reported on stderr with exit 127
 * (umask.ts startFailure), which run() turns back into the error it gives for a direct spawn.
 */

function main(argv: readonly string[]): void {
  const [mask, command, ...args] = argv;
  if (mask === undefined || command === undefined || !/^[0-7]{1,4}$/.test(mask)) {
    process.stderr.write(`${START_FAILED_PREFIX}${JSON.stringify({ code: 'EINVAL', message: 'usage' })}\n`);
    process.exit(START_FAILED_EXIT);
  }
  process.umask(Number.parseInt(mask, 8));
  // The group's signals are the command's to handle: stay alive to report how it ended.
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, () => {});
  const child = spawn(command, args, { stdio: 'inherit' });
  child.on('error', (error: NodeJS.ErrnoException) => {
    process.stderr.write(
      `${START_FAILED_PREFIX}${JSON.stringify({ code: error.code ?? 'UNKNOWN', message: error.message })}\n`,
    );
    process.exit(START_FAILED_EXIT);
  });
  child.on('exit', (code, signal) => {
    if (signal === null) process.exit(code ?? 1);
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  });
}

main(process.argv.slice(2));
