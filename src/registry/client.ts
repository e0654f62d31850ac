import type { CrossgoError } from '../errors.js';
import { type Challenge, parseChallenges } from './challenge.js';
import { type Credentials, ENV_PASSWORD, ENV_USER, findCredentials } from './credentials.js';
import { RegistryAuthError, RegistryError } from './errors.js';
import { checkUrl, registryOrigin } from './origin.js';
import { backoff, networkReason, retryAfter, sleep } from './retry.js';
import { parseTokenAnswer, tokenRequest } from './token.js';

/**
 * One registry, one repository: every request of a push or pull goes through `request`, which
 * adds auth (answering the WWW-Authenticate challenge), a timeout, redirects held to the https
 * rule, and retries with exponential backoff for 429, 5xx and network failures (honouring
 * Retry-After). A 4xx other than 401/429 is the caller's to judge and is never retried.
 */
export interface ClientOptions {
  registry: string;
  repository: string;
  /** Push (push,pull scope) or only pull. */
  push: boolean;
  /** Other repositories read from (a mount's source): their pull scope joins the token's. */
  pullFrom?: readonly string[];
  insecure?: readonly string[];
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Per request (each try). Default 120 s. */
  timeoutMs?: number;
  /** Tries per request, the first included. Default 4. */
  attempts?: number;
  /** First backoff; doubled each try, with jitter. Default 250 ms. */
  retryBaseMs?: number;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** The statuses the caller handles; any other is a RegistryError. */
  ok: readonly number[];
  /** Retry 429/5xx/network failures (default true; false for a request that moves an upload). */
  retry?: boolean;
  /** What the request is, for messages: "HEAD blob sha256:…". */
  what: string;
}

const MAX_ERROR_BODY = 64 * 1024;
const MAX_TOKEN_BODY = 1024 * 1024;
const MAX_REDIRECTS = 5;

type Level = 'none' | 'anonymous' | 'credentials';

class Retryable extends Error {}

export class RegistryClient {
  readonly origin: string;
  readonly registry: string;
  readonly repository: string;
  private authorization: string | undefined;
  private level: Level = 'none';
  private expires = Number.POSITIVE_INFINITY;
  private challenge: Challenge | undefined;
  private credentials: Credentials | null | undefined;
  private readonly secrets = new Set<string>();
  private renewing: Promise<void> | undefined;

  constructor(private readonly options: ClientOptions) {
    this.registry = options.registry;
    this.repository = options.repository;
    this.origin = registryOrigin(options.registry, options.insecure);
  }

  get insecure(): readonly string[] {
    return this.options.insecure ?? [];
  }

  /** /v2/<name>/<rest>: the repository's API path. */
  path(rest: string): string {
    return `/v2/${this.repository}/${rest}`;
  }

  /** Sends one request; on 401 answers the challenge (anonymous token, then credentials) and sends it again. */
  async request(method: string, target: string, options: RequestOptions): Promise<Response> {
    for (;;) {
      if (this.renewing) await this.renewing;
      if (this.level !== 'none' && Date.now() > this.expires) await this.authenticate(this.level);
      const sent = this.authorization;
      const response = await this.withRetries(method, target, options);
      if (response.status !== 401 || options.ok.includes(401)) {
        if (options.ok.includes(response.status)) return response;
        throw await this.failure(response, options.what);
      }
      await response.body?.cancel();
      // Another request moved auth on while this one was out: send it again with the new one.
      if (this.renewing || this.authorization !== sent) continue;
      const next = this.nextLevel(response);
      await this.authenticate(next);
    }
  }

  /** Reads a body with a size bound: a registry's answer is hostile. */
  async readBody(response: Response, maxBytes: number, what: string): Promise<Buffer> {
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (declared > maxBytes) {
      await response.body?.cancel();
      throw new RegistryError(
        this.registry,
        `registry ${this.registry}: ${what} is ${declared} bytes, over crossgo's bound of ${maxBytes}`,
      );
    }
    const chunks: Buffer[] = [];
    let size = 0;
    if (response.body) {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > maxBytes) {
          await response.body.cancel().catch(() => {});
          throw new RegistryError(
            this.registry,
            `registry ${this.registry}: ${what} is over crossgo's bound of ${maxBytes} bytes`,
          );
        }
        chunks.push(Buffer.from(chunk));
      }
    }
    return Buffer.concat(chunks);
  }

  /** Resolves a URL a registry handed back (an upload Location) against the origin, under the https rule. */
  resolve(location: string, what: string): URL {
    const url = new URL(location, this.origin);
    checkUrl(url, this.registry, this.insecure, what);
    return url;
  }

  private nextLevel(response: Response): Level {
    const challenges = parseChallenges(response.headers.get('www-authenticate') ?? '');
    const challenge = challenges.find((c) => c.scheme === 'bearer') ?? challenges[0];
    if (!challenge) {
      throw new RegistryAuthError(
        this.registry,
        `registry ${this.registry} answered 401 without a Bearer or Basic challenge`,
        401,
      );
    }
    this.challenge = challenge;
    if (this.level === 'none' && challenge.scheme === 'bearer') return 'anonymous';
    if (this.level !== 'credentials') return 'credentials';
    throw new RegistryAuthError(
      this.registry,
      `registry ${this.registry} refused the credentials from ${this.credentials?.source ?? 'nowhere'} (401) for ${this.scopeText()}: check them`,
      401,
    );
  }

  private scopeText(): string {
    return `${this.options.push ? 'push to' : 'pull from'} ${this.repository}`;
  }

  private scopes(): string[] {
    const own = `repository:${this.repository}:${this.options.push ? 'pull,push' : 'pull'}`;
    const others = (this.options.pullFrom ?? [])
      .filter((r) => r !== this.repository)
      .map((r) => `repository:${r}:pull`);
    return [own, ...new Set(others)];
  }

  private async authenticate(level: Level): Promise<void> {
    this.renewing ??= this.authenticateOnce(level).finally(() => {
      this.renewing = undefined;
    });
    await this.renewing;
  }

  private async authenticateOnce(level: Level): Promise<void> {
    const challenge = this.challenge;
    if (!challenge) return;
    let credentials: Credentials | null = null;
    if (level === 'credentials') {
      if (this.credentials === undefined)
        this.credentials = await findCredentials(this.registry, this.options.env ?? process.env);
      credentials = this.credentials;
      if (!credentials) {
        throw new RegistryAuthError(
          this.registry,
          `registry ${this.registry} wants credentials to ${this.scopeText()} and crossgo found none: set ${ENV_USER} and ${ENV_PASSWORD}, or docker login ${this.registry}`,
          401,
        );
      }
      for (const secret of [credentials.password, credentials.identityToken])
        if (secret) this.secrets.add(secret);
    }
    this.level = level;
    if (challenge.scheme === 'basic') {
      const pair = `${credentials?.username ?? ''}:${credentials?.password ?? ''}`;
      this.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
      this.expires = Number.POSITIVE_INFINITY;
      return;
    }
    const got = await this.fetchToken(challenge, credentials);
    if (got === null) {
      // The token server refused anonymous access: go on to credentials.
      if (level === 'anonymous') return this.authenticateOnce('credentials');
      throw new RegistryAuthError(
        this.registry,
        `registry ${this.registry}'s token server refused the credentials from ${credentials?.source} for ${this.scopeText()}: check them`,
        401,
      );
    }
    this.secrets.add(got.token);
    this.authorization = `Bearer ${got.token}`;
    // Renew a little before the server's expiry (token.md: expires_in, 60 s when absent).
    this.expires = Date.now() + Math.max(10, got.expiresIn - 10) * 1000;
  }

  /** Sends the token request (token.ts) outside the registry's auth; null when the server says 401/403. */
  private async fetchToken(
    challenge: Challenge,
    credentials: Credentials | null,
  ): Promise<{ token: string; expiresIn: number } | null> {
    const request = tokenRequest(challenge, credentials, this.scopes(), this.registry, this.insecure);
    const response = await this.withRetries(request.method, request.url.toString(), {
      ok: [200, 401, 403],
      what: 'token request',
      headers: request.headers,
      body: request.body,
      external: true,
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      return null;
    }
    return parseTokenAnswer(await this.readBody(response, MAX_TOKEN_BODY, 'the token answer'), this.registry);
  }

  private async withRetries(
    method: string,
    target: string,
    options: RequestOptions & { external?: boolean },
  ): Promise<Response> {
    const attempts = options.retry === false ? 1 : (this.options.attempts ?? 4);
    const base = this.options.retryBaseMs ?? 250;
    for (let attempt = 1; ; attempt++) {
      let waitMs: number;
      let problem: string;
      try {
        const response = await this.send(method, target, options);
        if (response.status !== 429 && response.status < 500) return response;
        if (attempt >= attempts) return response;
        problem = `${response.status}`;
        waitMs = retryAfter(response.headers.get('retry-after')) ?? backoff(base, attempt);
        await response.body?.cancel();
      } catch (error) {
        if (!(error instanceof Retryable)) throw error;
        if (attempt >= attempts) {
          throw new RegistryError(
            this.registry,
            `registry ${this.registry}: ${options.what} failed ${attempts} times: ${error.message}`,
            undefined,
            {
              cause: error,
            },
          );
        }
        problem = error.message;
        waitMs = backoff(base, attempt);
      }
      this.options.log?.(
        `registry ${this.registry}: ${options.what}: ${problem}; trying again in ${Math.round(waitMs)} ms`,
      );
      await sleep(waitMs, this.options.signal);
    }
  }

  /** One try: a timeout, no automatic redirects (each hop checked, Authorization kept on the registry's own origin only). */
  private async send(
    method: string,
    target: string,
    options: RequestOptions & { external?: boolean },
  ): Promise<Response> {
    let url = target.startsWith('/') ? new URL(target, this.origin) : new URL(target);
    checkUrl(url, this.registry, this.insecure, options.what);
    const first = url.origin;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { ...options.headers };
      // Credentials go only where they were meant for: a redirect elsewhere gets none.
      if (url.origin !== first) delete headers.authorization;
      if (!options.external && url.origin === this.origin && this.authorization)
        headers.authorization = this.authorization;
      const signals = [AbortSignal.timeout(this.options.timeoutMs ?? 120_000)];
      if (this.options.signal) signals.push(this.options.signal);
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          headers,
          body: options.body,
          redirect: 'manual',
          signal: AbortSignal.any(signals),
        });
      } catch (error) {
        if (this.options.signal?.aborted) throw this.options.signal.reason;
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        const reason =
          (error as Error).name === 'TimeoutError'
            ? `no answer within ${this.options.timeoutMs ?? 120_000} ms`
            : networkReason(cause?.code, cause?.message ?? (error as Error).message);
        throw new Retryable(reason);
      }
      const location = response.headers.get('location');
      if (
        ![301, 302, 303, 307, 308].includes(response.status) ||
        !location ||
        !['GET', 'HEAD'].includes(method)
      ) {
        return response;
      }
      await response.body?.cancel();
      if (hop >= MAX_REDIRECTS) {
        throw new RegistryError(
          this.registry,
          `registry ${this.registry}: ${options.what} redirected more than ${MAX_REDIRECTS} times`,
        );
      }
      url = new URL(location, url);
      checkUrl(url, this.registry, this.insecure, `${options.what} redirect`);
    }
  }

  /** The registry's error for a status the caller does not handle: its errors[0] code and message, secrets redacted. */
  async failure(response: Response, what: string): Promise<CrossgoError> {
    let detail = '';
    try {
      const body = await this.readBody(response, MAX_ERROR_BODY, 'the error body');
      const parsed = JSON.parse(body.toString('utf8')) as {
        errors?: { code?: unknown; message?: unknown }[];
      };
      const first = Array.isArray(parsed.errors) ? parsed.errors[0] : undefined;
      if (first) detail = [first.code, first.message].filter((v) => typeof v === 'string').join(': ');
    } catch {
      // Not the spec's error JSON: the status says enough.
    }
    detail = this.redact(detail.replace(/[^\x20-\x7e]/g, '?').slice(0, 300));
    const status = response.status;
    const message = `registry ${this.registry}: ${what} answered ${status}${detail ? ` (${detail})` : ''}`;
    if (status === 401 || status === 403) {
      const source = this.credentials?.source;
      return new RegistryAuthError(
        this.registry,
        `${message}${source ? `: with the credentials from ${source}` : ': no credentials were sent'}`,
        status,
      );
    }
    return new RegistryError(this.registry, message, status);
  }

  private redact(text: string): string {
    let out = text;
    for (const secret of this.secrets) if (secret.length >= 4) out = out.split(secret).join('<redacted>');
    return out;
  }
}
