import pc from 'picocolors';
import type { Logger } from '../../log.js';

/** The CLI's logger: everything to stderr, so stdout stays the command's result. */
export const stderrLogger: Logger = {
  info: (message) => process.stderr.write(`${message}\n`),
  warn: (message) => process.stderr.write(`${pc.yellow('crossgo: warning:')} ${message}\n`),
  debug: (message) => {
    if (process.env.CROSSGO_DEBUG) process.stderr.write(`${pc.dim(message)}\n`);
  },
};
