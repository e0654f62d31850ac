import { createHash } from 'node:crypto';

/**
 * Secrets out of the manifest. A build may need a token (an `--env API_TOKEN=…`, or an
 * `-X main.key={env:LICENSE_KEY}` in the ldflags); the manifest records every variable crossgo
 * set and the go command as run, and it is published next to the release. So the value of a
 * variable whose NAME looks secret is recorded as its sha256 only: enough for `crossgo repro
 * --against` to check that the value it is given is the one the build used, not enough to read it.
 */

/** Names that say "secret": API_TOKEN, AWS_SECRET_ACCESS_KEY, DB_PASSWORD, GPG_PASSPHRASE… */
const SECRET_NAME = /TOKEN|SECRET|PASSWORD|PASSWD|PASSPHRASE|KEY|CREDENTIAL/i;

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** How an env entry's secret value is recorded. */
export function redactedValue(value: string): string {
  return `<redacted sha256:${sha256(value)}>`;
}

/** The sha256 an env value records, when it is a redacted one. */
export function redactedHash(value: string): string | null {
  return /^<redacted sha256:([0-9a-f]{64})>$/.exec(value)?.[1] ?? null;
}

/** How a secret value inside an argv word is recorded: the variable's name, for the rebuild to find it. */
export function argvMarker(name: string, value: string): string {
  return `<redacted ${name} sha256:${sha256(value)}>`;
}

/** Every argv marker in a word: [marker, name, sha256]. */
export const ARGV_MARKER = /<redacted ([A-Za-z_][A-Za-z0-9_]*) sha256:([0-9a-f]{64})>/g;

export function sha256Matches(value: string, hash: string): boolean {
  return sha256(value) === hash;
}

/** An env record with the values of secret-named variables replaced by their sha256. */
export function redactEnv(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).map(([name, value]) => [name, isSecretName(name) ? redactedValue(value) : value]),
  );
}

/**
 * Secret-named variables whose values went into -ldflags through {env:NAME}, noted by
 * expandEnvReferences. Names only, never values: the values are read again from the build's
 * environment when its argv is recorded. Process-wide, so at worst a value is hidden where it
 * also happens to appear in another build of the same process: redaction only ever hides more.
 */
const referenced = new Set<string>();

export function noteSecretReference(name: string): void {
  if (isSecretName(name)) referenced.add(name);
}

/** The secrets one build's records must not show: its secret-named env, and the {env:…} values it expanded. */
export function secretsOf(
  buildEnv: Record<string, string>,
  environment: NodeJS.ProcessEnv,
): Map<string, string> {
  const secrets = new Map<string, string>();
  for (const name of referenced) {
    const value = environment[name];
    if (value) secrets.set(name, value);
  }
  for (const [name, value] of Object.entries(buildEnv))
    if (isSecretName(name) && value) secrets.set(name, value);
  return secrets;
}

/**
 * `text` with every secret value replaced by its marker, in one pass (so a marker is never
 * scanned again) and longest value first at each position (one value may contain another).
 */
export function redactText(text: string, secrets: ReadonlyMap<string, string>): string {
  const byValue = new Map<string, string>();
  for (const [name, value] of secrets) if (value !== '' && !byValue.has(value)) byValue.set(value, name);
  if (byValue.size === 0) return text;
  const values = [...byValue.keys()].sort((a, b) => b.length - a.length);
  const pattern = new RegExp(values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return text.replace(pattern, (value) => argvMarker(byValue.get(value) as string, value));
}

export function redactArgv(argv: readonly string[], secrets: ReadonlyMap<string, string>): string[] {
  return argv.map((word) => redactText(word, secrets));
}
