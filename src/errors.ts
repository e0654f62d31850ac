/**
 * crossgo's error classes. Each carries the facts a caller needs; the CLI maps
 * the class to an exit code (usage → 2, everything else → 1, interrupt → 128+signal).
 */

export class CrossgoError extends Error {
  override name = 'CrossgoError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Bad input from the user: a flag, a target, a config file, a path. Exit 2. */
export class UsageError extends CrossgoError {
  override name = 'UsageError';
}

/** The environment cannot do the job (go missing or too old, not a module, no main package). Exit 1. */
export class EnvironmentError extends CrossgoError {
  override name = 'EnvironmentError';
}

/** A config file failed to parse or validate: names the file and the key path. Exit 2. */
export class ConfigError extends UsageError {
  override name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly keyPath: string,
    readonly problem: string,
  ) {
    super(`${file}: ${keyPath ? `${keyPath}: ` : ''}${problem}`);
  }
}

/**
 * A crossgo manifest that does not parse or does not match schema/manifest.schema.json: names the
 * file, where in it (a JSON pointer such as /artifacts/0/path, or a line and column) and what was
 * expected. Exit 2.
 */
export class ManifestError extends UsageError {
  override name = 'ManifestError';
  constructor(
    readonly file: string,
    readonly where: string,
    readonly problem: string,
  ) {
    super(`${file}: ${where}: ${problem} (not as crossgo wrote it: build again into an empty output folder)`);
  }
}

/** A child process failed. Keeps the command, exit code, signal and a trimmed stderr. */
export class ProcessError extends CrossgoError {
  override name = 'ProcessError';
  constructor(
    message: string,
    readonly command: string,
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A program crossgo needs is not installed. */
export class ToolMissingError extends EnvironmentError {
  override name = 'ToolMissingError';
  constructor(
    readonly tool: string,
    hint: string,
  ) {
    super(`${tool} not found on PATH: ${hint}`);
  }
}

/** Bytes are not the ones a manifest or cache recorded (a file edited or swapped after crossgo made it). Exit 1. */
export class IntegrityError extends CrossgoError {
  override name = 'IntegrityError';
}

const IO_CODES: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EPERM: 'operation not permitted',
  EACCES: 'permission denied',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  ENAMETOOLONG: 'name too long',
  EIO: 'input/output error',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a folder',
  ENOENT: 'no such file or folder',
  EEXIST: 'already exists',
  EXDEV: 'on another file system',
};

/** True for the errno errors an ordinary file system raises (not crossgo's own errors). */
export function isIoFailure(error: unknown): error is NodeJS.ErrnoException {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' && code in IO_CODES && !(error instanceof CrossgoError);
}

/**
 * A file operation failed (ENOSPC, EPERM, EROFS, EMFILE, ENAMETOOLONG…): one line naming the
 * file, the operation, the reason and what state it left behind. Exit 1.
 */
export class IoError extends CrossgoError {
  override name = 'IoError';
  constructor(
    readonly operation: string,
    readonly file: string,
    readonly code: string,
    readonly state: string,
    options?: { cause?: unknown },
  ) {
    super(
      `cannot ${operation} ${file}: ${IO_CODES[code] ?? code} (${code})${state ? `; ${state}` : ''}`,
      options,
    );
  }
}

/** Turns an errno error into an IoError; anything else is returned as it is. */
export function asIoError(error: unknown, operation: string, file: string, state = ''): unknown {
  if (!isIoFailure(error)) return error;
  return new IoError(operation, file, error.code as string, state, { cause: error });
}

/** The run was stopped by SIGINT or SIGTERM. */
export class InterruptedError extends CrossgoError {
  override name = 'InterruptedError';
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

const SIGNAL_NUMBERS: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 };

/** Exit code for an error, by class. */
export function exitCodeFor(error: unknown): number {
  if (error instanceof InterruptedError) return 128 + (SIGNAL_NUMBERS[error.signal] ?? 2);
  if (error instanceof UsageError) return 2;
  return 1;
}

/**
 * For `import(…).catch(absentModule)`: null when the module does not exist (a generated module
 * where the TypeScript sources run), the error itself otherwise (EMFILE loading it is no reason
 * to carry on as if it were absent).
 */
export function absentModule(error: unknown): null {
  if ((error as NodeJS.ErrnoException | null)?.code === 'ERR_MODULE_NOT_FOUND') return null;
  throw error;
}
