import os from 'node:os';
import path from 'node:path';
import { UsageError } from '../errors.js';
import { run } from '../exec/run.js';
import { which } from '../exec/which.js';
import { readRegular } from '../fs/open.js';
import { DOCKER_HUB } from './reference.js';

/**
 * Where a registry's credentials come from, first found wins:
 *
 * 1. CROSSGO_REGISTRY_USER with CROSSGO_REGISTRY_PASSWORD, or CROSSGO_REGISTRY_PASSWORD_FILE (a
 *    file holding the password or token; one trailing newline is dropped). With
 *    CROSSGO_REGISTRY_HOST set they are used for that registry only, else for every registry.
 * 2. Docker's config, $DOCKER_CONFIG/config.json (default ~/.docker/config.json):
 *    `credHelpers.<host>`, else `credsStore`: the program docker-credential-<name>, looked up on
 *    PATH only, run with the registry host on stdin (docker-credential-helpers' protocol), then
 *    `auths.<host>`: `auth` (base64 of user:password) or `identitytoken`.
 *
 * The config and the helper's answer are hostile input: size-bounded and shape-checked.
 */
export interface Credentials {
  username: string;
  password: string;
  /** An OAuth2 refresh token (docker's identitytoken, or a helper's `<token>` user). */
  identityToken?: string;
  /** Which source they came from, for messages: never the secret. */
  source: string;
}

export const ENV_USER = 'CROSSGO_REGISTRY_USER';
export const ENV_PASSWORD = 'CROSSGO_REGISTRY_PASSWORD';
export const ENV_PASSWORD_FILE = 'CROSSGO_REGISTRY_PASSWORD_FILE';
export const ENV_HOST = 'CROSSGO_REGISTRY_HOST';

const MAX_CONFIG_BYTES = 1024 * 1024;
const MAX_SECRET_BYTES = 64 * 1024;
const HELPER_NAME = /^[a-z0-9][a-z0-9._-]*$/;
const HELPER_TIMEOUT_MS = 30_000;

function configError(file: string, where: string, problem: string): UsageError {
  return new UsageError(`${file}: ${where}: ${problem} (docker's config.json: fix or remove the entry)`);
}

async function fromEnv(registry: string, env: NodeJS.ProcessEnv): Promise<Credentials | null> {
  const user = env[ENV_USER];
  if (!user) return null;
  const only = env[ENV_HOST];
  if (only && only.toLowerCase() !== registry.toLowerCase()) return null;
  const file = env[ENV_PASSWORD_FILE];
  let password = env[ENV_PASSWORD];
  let source = `${ENV_USER}/${ENV_PASSWORD}`;
  if (file) {
    const bytes = await readRegular(file, {
      maxBytes: MAX_SECRET_BYTES,
      shown: `${ENV_PASSWORD_FILE} (${file})`,
    });
    password = bytes.toString('utf8').replace(/\r?\n$/, '');
    source = `${ENV_USER}/${ENV_PASSWORD_FILE}`;
  }
  if (!password) {
    throw new UsageError(
      `${ENV_USER} is set but neither ${ENV_PASSWORD} nor ${ENV_PASSWORD_FILE} is: set one of them`,
    );
  }
  return { username: user, password, source };
}

/** The keys docker's config may file a registry under (docker's registry.ConvertToHostname and the Hub's legacy key). */
function configKeys(registry: string): string[] {
  if (registry === DOCKER_HUB) {
    return [
      'https://index.docker.io/v1/',
      'index.docker.io',
      'docker.io',
      'registry-1.docker.io',
      'https://index.docker.io/v1',
    ];
  }
  return [
    registry,
    `https://${registry}`,
    `http://${registry}`,
    `https://${registry}/v1/`,
    `https://${registry}/v2/`,
  ];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function dockerConfigFile(env: NodeJS.ProcessEnv): string {
  const dir = env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker');
  return path.join(dir, 'config.json');
}

async function readDockerConfig(file: string): Promise<Record<string, unknown> | null> {
  let bytes: Buffer;
  try {
    bytes = await readRegular(file, { maxBytes: MAX_CONFIG_BYTES });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw configError(file, '/', 'is not JSON');
  }
  if (!isRecord(parsed)) throw configError(file, '/', 'is not a JSON object');
  for (const key of ['auths', 'credHelpers'] as const) {
    if (parsed[key] !== undefined && !isRecord(parsed[key])) throw configError(file, key, 'is not an object');
  }
  if (parsed.credsStore !== undefined && typeof parsed.credsStore !== 'string') {
    throw configError(file, 'credsStore', 'is not a string');
  }
  return parsed;
}

/** auths.<key>: `auth` is base64("user:password"); `identitytoken` an OAuth2 refresh token. */
function fromAuths(file: string, key: string, entry: unknown): Credentials | null {
  if (!isRecord(entry)) throw configError(file, `auths.${key}`, 'is not an object');
  const where = `${file} auths.${key}`;
  const token = entry.identitytoken;
  if (token !== undefined && typeof token !== 'string')
    throw configError(file, `auths.${key}.identitytoken`, 'is not a string');
  let username = '';
  let password = '';
  if (entry.auth !== undefined) {
    if (typeof entry.auth !== 'string' || !/^[A-Za-z0-9+/=\s]*$/.test(entry.auth)) {
      throw configError(file, `auths.${key}.auth`, 'is not base64');
    }
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (decoded !== '' && colon === -1)
      throw configError(file, `auths.${key}.auth`, 'is not base64 of user:password');
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  } else if (typeof entry.username === 'string' && typeof entry.password === 'string') {
    username = entry.username;
    password = entry.password;
  }
  if (token) return { username, password, identityToken: token, source: where };
  if (!username && !password) return null;
  return { username, password, source: where };
}

/** Runs docker-credential-<name> get (docker-credential-helpers client.Get): host on stdin, JSON out. */
async function fromHelper(
  name: string,
  registry: string,
  env: NodeJS.ProcessEnv,
  where: string,
): Promise<Credentials | null> {
  if (!HELPER_NAME.test(name)) {
    throw new UsageError(
      `${where}: "${name}" is not a credential helper name (lowercase letters, digits, . _ -)`,
    );
  }
  const program = `docker-credential-${name}`;
  const found = which(program, { PATH: env.PATH ?? '' });
  if (!found)
    throw new UsageError(`${where} names ${program}, which is not on PATH: install it or remove the entry`);
  const childEnv: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(env)) {
    if (!key.startsWith('CROSSGO_REGISTRY_')) childEnv[key] = value;
  }
  const serverUrl = registry === DOCKER_HUB ? 'https://index.docker.io/v1/' : registry;
  const result = await run(found, ['get'], {
    env: childEnv,
    input: serverUrl,
    timeoutMs: HELPER_TIMEOUT_MS,
    maxOutputBytes: MAX_SECRET_BYTES,
  });
  const source = `${program} (${where})`;
  if (result.exitCode !== 0) {
    // credentials.ErrCredentialsNotFound's text, which helpers print on stdout.
    if (/credentials not found/i.test(result.stdout + result.stderr)) return null;
    throw new UsageError(
      `${source} get exited with ${result.timedOut ? 'a timeout' : `code ${result.exitCode}`} for ${registry}: run it by hand to see why`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.stdout);
  } catch {
    throw new UsageError(`${source} printed something that is not JSON for ${registry}`);
  }
  if (!isRecord(parsed) || typeof parsed.Username !== 'string' || typeof parsed.Secret !== 'string') {
    throw new UsageError(`${source} printed JSON without string Username and Secret for ${registry}`);
  }
  // docker's convention: the user "<token>" means the secret is an identity token.
  if (parsed.Username === '<token>')
    return { username: '', password: '', identityToken: parsed.Secret, source };
  return { username: parsed.Username, password: parsed.Secret, source };
}

/** The credentials for a registry host, or null when no source has any. */
export async function findCredentials(registry: string, env: NodeJS.ProcessEnv): Promise<Credentials | null> {
  const own = await fromEnv(registry, env);
  if (own) return own;
  const file = dockerConfigFile(env);
  const config = await readDockerConfig(file);
  if (!config) return null;
  const helpers = (config.credHelpers ?? {}) as Record<string, unknown>;
  for (const key of configKeys(registry)) {
    const name = helpers[key];
    if (name === undefined) continue;
    if (typeof name !== 'string') throw configError(file, `credHelpers.${key}`, 'is not a string');
    const found = await fromHelper(name, registry, env, `${file} credHelpers.${key}`);
    if (found) return found;
  }
  if (typeof config.credsStore === 'string' && config.credsStore !== '') {
    const found = await fromHelper(config.credsStore, registry, env, `${file} credsStore`);
    if (found) return found;
  }
  const auths = (config.auths ?? {}) as Record<string, unknown>;
  for (const key of configKeys(registry)) {
    if (auths[key] === undefined) continue;
    const found = fromAuths(file, key, auths[key]);
    if (found) return found;
  }
  return null;
}
