import type { Challenge } from './challenge.js';
import type { Credentials } from './credentials.js';
import { RegistryAuthError } from './errors.js';
import { checkUrl } from './origin.js';

/**
 * The Bearer token exchange of distribution's docs/spec/auth/token.md: GET realm?service=…&scope=…
 * (scope repeated, Basic credentials when there are some), or, with an identity token, the
 * OAuth2 refresh-token POST of oauth.md. The answer carries `token` or `access_token` (both
 * are in the wild) and `expires_in` (60 s when absent).
 */
export interface TokenRequest {
  method: 'GET' | 'POST';
  url: URL;
  headers: Record<string, string>;
  body?: Uint8Array;
}

const TOKEN_LIFETIME_DEFAULT_S = 60;

export function tokenRequest(
  challenge: Challenge,
  credentials: Credentials | null,
  scopes: readonly string[],
  registry: string,
  insecure: readonly string[],
): TokenRequest {
  const realm = challenge.params.realm;
  if (!realm)
    throw new RegistryAuthError(registry, `registry ${registry}'s Bearer challenge has no realm`, 401);
  let url: URL;
  try {
    url = new URL(realm);
  } catch {
    throw new RegistryAuthError(registry, `registry ${registry}'s Bearer realm is not a URL`, 401);
  }
  checkUrl(url, registry, insecure, 'token realm');
  const service = challenge.params.service;
  if (credentials?.identityToken) {
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: credentials.identityToken,
      client_id: 'crossgo',
      scope: scopes.join(' '),
    });
    if (service) form.set('service', service);
    return {
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from(form.toString()),
    };
  }
  if (service) url.searchParams.set('service', service);
  for (const scope of scopes) url.searchParams.append('scope', scope);
  const headers: Record<string, string> = {};
  if (credentials) {
    url.searchParams.set('account', credentials.username);
    headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  }
  return { method: 'GET', url, headers };
}

/** The token server's answer, shape-checked: a printable token and a positive lifetime. */
export function parseTokenAnswer(body: Buffer, registry: string): { token: string; expiresIn: number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RegistryAuthError(
      registry,
      `registry ${registry}'s token server answered something that is not JSON`,
    );
  }
  const record = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const token = typeof record.token === 'string' && record.token ? record.token : record.access_token;
  if (typeof token !== 'string' || token === '' || !/^[!-~]+$/.test(token)) {
    throw new RegistryAuthError(
      registry,
      `registry ${registry}'s token server answered no token (neither token nor access_token)`,
    );
  }
  const expiresIn =
    typeof record.expires_in === 'number' && Number.isFinite(record.expires_in) && record.expires_in > 0
      ? record.expires_in
      : TOKEN_LIFETIME_DEFAULT_S;
  return { token, expiresIn };
}
