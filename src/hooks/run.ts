import { StringDecoder } from 'node:string_decoder';
import { ConfigError, CrossgoError, InterruptedError } from '../errors.js';
import { isSecretName, redactText } from '../exec/redact.js';
import { run } from '../exec/run.js';
import { confine, relativePathProblem } from '../fs/confine.js';
import type { Logger } from '../log.js';
import { renderTemplate, type TemplateValues } from '../template/engine.js';
import type { PreparedHook } from './prepare.js';

/** Where and with what a list of hooks runs. */
export interface HookRunContext {
  /** The module root: where hooks run, and what `dir` is relative to (and confined inside). */
  root: string;
  /** The environment they inherit (for pre/post: with the target's GOOS, GOARCH, …); {env:NAME} reads it too. */
  env: NodeJS.ProcessEnv;
  /** The template values: the project's (before, after) or the target's (pre, post). */
  values: TemplateValues;
  signal: AbortSignal;
  log: Logger;
  /** The target a pre/post hook runs for, e.g. linux/arm64; absent for before and after. */
  target?: string;
  /** What a failure leaves, said after it: "nothing was built". */
  consequence: string;
}

/** A hook failed (exited non-zero, was killed, or could not start). Exit 1. */
export class HookError extends CrossgoError {
  override name = 'HookError';
  constructor(
    message: string,
    readonly key: string,
    readonly exitCode: number | null,
  ) {
    super(message);
  }
}

/** Lines of a failing hook's output shown in the error. */
const TAIL_LINES = 10;
/** Values this short are flags (1, yes, on), not secrets: hiding every "1" in output helps no one. */
const MIN_SECRET_LENGTH = 4;

/** Runs the hooks in order; the first that fails stops the list with a HookError. */
export async function runHooks(hooks: readonly PreparedHook[], context: HookRunContext): Promise<void> {
  for (const hook of hooks) await runHook(hook, context);
}

async function runHook(hook: PreparedHook, context: HookRunContext): Promise<void> {
  const { values, log } = context;
  const argv = hook.argv.map((word) => renderTemplate(word, values, context.env));
  const env: NodeJS.ProcessEnv = { ...context.env };
  for (const [name, value] of hook.env) env[name] = renderTemplate(value, values, context.env);
  const secrets = secretValues(env);
  const shown = redactText(showCommand(argv), secrets);
  const where = `${hook.file}: ${hook.key}${context.target ? ` (${context.target})` : ''}`;
  const cwd = await hookDir(hook, context);
  log.info(`hook ${hook.key}${context.target ? ` ${context.target}` : ''}: ${shown}`);
  const lines = new OutputLines((line) => {
    const text = `  ${context.target ? `${context.target} ` : ''}| ${redactText(line, secrets)}`;
    if (hook.output) log.info(text);
    else log.debug(text);
  });
  let result: Awaited<ReturnType<typeof run>>;
  try {
    result = await run(argv[0] as string, argv.slice(1), {
      cwd,
      env,
      signal: context.signal,
      maxOutputBytes: 64 * 1024,
      onOutput: (chunk, stream) => lines.push(chunk, stream),
    });
  } catch (error) {
    if (error instanceof InterruptedError || context.signal.aborted) throw error;
    const why = error instanceof Error ? error.message : String(error);
    throw new HookError(
      `${where}: cannot run the hook ${shown}: ${redactText(why, secrets)}; ${context.consequence}`,
      hook.key,
      null,
    );
  } finally {
    lines.end();
  }
  if (result.exitCode === 0) return;
  const what = result.signal ? `was killed by ${result.signal}` : `exited with code ${result.exitCode}`;
  const tail = lines
    .tail()
    .map((line) => `    ${redactText(line, secrets)}`)
    .join('\n');
  throw new HookError(
    `${where}: the hook ${shown} ${what}; ${context.consequence}${tail ? `. Its last output:\n${tail}` : ''}`,
    hook.key,
    result.exitCode,
  );
}

/** The folder a hook runs in: its `dir` (a plain relative path, real folders only) inside the module root. */
async function hookDir(hook: PreparedHook, context: HookRunContext): Promise<string> {
  if (!hook.dir) return context.root;
  const dir = renderTemplate(hook.dir, context.values, context.env).replace(/\/+$/, '');
  if (dir === '' || dir === '.') return context.root;
  const problem = relativePathProblem(dir);
  if (problem) {
    throw new ConfigError(
      hook.file,
      `${hook.key}.dir`,
      `${JSON.stringify(dir)} ${problem}: a hook runs inside the module, in a folder relative to its root`,
    );
  }
  return confine(context.root, dir, {
    what: `${hook.file}: ${hook.key}.dir`,
    shownRoot: '.',
    leaf: 'folder',
  });
}

/** The values of secret-named variables (API_TOKEN, …), hidden wherever a hook's command or output is shown. */
function secretValues(env: NodeJS.ProcessEnv): Map<string, string> {
  const secrets = new Map<string, string>();
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.length >= MIN_SECRET_LENGTH && isSecretName(name))
      secrets.set(name, value);
  }
  return secrets;
}

/** A command as a person would type it: words with spaces or quotes quoted. */
export function showCommand(argv: readonly string[]): string {
  return argv.map((word) => (word === '' || /[\s'"\\$`]/.test(word) ? JSON.stringify(word) : word)).join(' ');
}

/** Splits a child's output into lines as it arrives (stdout and stderr apart), keeping the last few. */
class OutputLines {
  private partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  // A character split across two chunks is decoded whole.
  private decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  private last: string[] = [];
  constructor(private readonly onLine: (line: string) => void) {}
  push(chunk: Buffer, stream: 'stdout' | 'stderr'): void {
    const text = this.partial[stream] + this.decoders[stream].write(chunk);
    const parts = text.split('\n');
    this.partial[stream] = parts.pop() ?? '';
    for (const line of parts) this.line(line);
  }
  end(): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const rest = this.partial[stream] + this.decoders[stream].end();
      if (rest !== '') this.line(rest);
      this.partial[stream] = '';
    }
  }
  tail(): string[] {
    return this.last;
  }
  private line(raw: string): void {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') return;
    this.onLine(line);
    this.last.push(line);
    if (this.last.length > TAIL_LINES) this.last.shift();
  }
}
