/** What every CLI command gets from the entry point. */
export interface CliContext {
  /** The working directory after -C. */
  cwd: string;
  /** Aborted by SIGINT/SIGTERM. */
  signal: AbortSignal;
}
