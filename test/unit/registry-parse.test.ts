import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { parseChallenges } from '../../src/registry/challenge.js';
import { checkUrl, plainHttpAllowed, registryOrigin } from '../../src/registry/origin.js';
import { platformMatches } from '../../src/registry/platform.js';
import { parseReference } from '../../src/registry/reference.js';
import { retryAfter } from '../../src/registry/retry.js';

const D = `sha256:${'a'.repeat(64)}`;

describe('parseReference (distribution/reference grammar and docker.io normalisation)', () => {
  it.each([
    ['alpine', { registry: 'docker.io', repository: 'library/alpine' }],
    ['alpine:3.20', { registry: 'docker.io', repository: 'library/alpine', tag: '3.20' }],
    ['user/app', { registry: 'docker.io', repository: 'user/app' }],
    ['index.docker.io/library/alpine', { registry: 'docker.io', repository: 'library/alpine' }],
    ['localhost/app', { registry: 'localhost', repository: 'app' }],
    ['localhost:5000/app:1.2.3', { registry: 'localhost:5000', repository: 'app', tag: '1.2.3' }],
    ['127.0.0.1:5000/a/b/c', { registry: '127.0.0.1:5000', repository: 'a/b/c' }],
    ['[::1]:5000/app:v1', { registry: '[::1]:5000', repository: 'app', tag: 'v1' }],
    [
      'ghcr.io/org/my-app_x.y__z:Tag_1',
      { registry: 'ghcr.io', repository: 'org/my-app_x.y__z', tag: 'Tag_1' },
    ],
    [`ghcr.io/org/app@${D}`, { registry: 'ghcr.io', repository: 'org/app', digest: D }],
    [`ghcr.io/org/app:1@${D}`, { registry: 'ghcr.io', repository: 'org/app', tag: '1', digest: D }],
  ])('%s', (text, expected) => {
    expect(parseReference(text)).toEqual(expected);
  });

  it.each([
    ['', /it is empty/],
    ['App', /"App" is not a path component/],
    ['ghcr.io/org//app', /empty path component/],
    ['ghcr.io/org/app:-x', /"-x" is not a tag/],
    ['ghcr.io/org/app@sha256:abc', /is not a sha256 digest/],
    ['ghcr.io/org/app@md5:abc', /is not a sha256 digest/],
    ['ex ample.com/app', /white space/],
    ['bad_host.com:99999/app', /is not a registry host/],
    [`ghcr.io/${'a/'.repeat(130)}b`, /longer than 255/],
  ])('refuses %j in one line', (text, why) => {
    const error = (() => {
      try {
        parseReference(text);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(why);
    expect((error as Error).message).toContain('HOST[:PORT]/PATH[:TAG]');
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('WWW-Authenticate challenges (RFC 7235, token.md)', () => {
  it('reads a Bearer challenge with quoted and escaped values', () => {
    expect(
      parseChallenges(
        'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a/b:pull,push",error="insufficient_scope"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.docker.io/token',
          service: 'registry.docker.io',
          scope: 'repository:a/b:pull,push',
          error: 'insufficient_scope',
        },
      },
    ]);
    expect(parseChallenges('Basic realm="a \\"quoted\\" realm"')).toEqual([
      { scheme: 'basic', params: { realm: 'a "quoted" realm' } },
    ]);
  });

  it('takes several challenges and skips schemes it does not speak', () => {
    const found = parseChallenges('Negotiate abc==, Basic realm=x, Bearer realm="https://t/",service=s');
    expect(found.map((c) => c.scheme)).toEqual(['basic', 'bearer']);
    expect(parseChallenges('')).toEqual([]);
    expect(parseChallenges('"unterminated')).toEqual([]);
  });
});

describe('plain http only for loopback or --insecure-registry', () => {
  it('picks the scheme', () => {
    expect(registryOrigin('localhost:5000')).toBe('http://localhost:5000');
    expect(registryOrigin('127.0.0.1:1234')).toBe('http://127.0.0.1:1234');
    expect(registryOrigin('[::1]:5000')).toBe('http://[::1]:5000');
    expect(registryOrigin('registry.internal:5000')).toBe('https://registry.internal:5000');
    expect(registryOrigin('registry.internal:5000', ['registry.internal:5000'])).toBe(
      'http://registry.internal:5000',
    );
    expect(registryOrigin('docker.io')).toBe('https://registry-1.docker.io');
    expect(plainHttpAllowed('localhost.evil.com')).toBe(false);
    expect(plainHttpAllowed('127.0.0.2:5000')).toBe(false);
  });

  it('refuses a plain-http URL a registry hands back for a host that is not local', () => {
    expect(() => checkUrl(new URL('http://auth.example.com/token'), 'ghcr.io', [], 'token realm')).toThrow(
      'registry ghcr.io: token realm http://auth.example.com/token is not https: crossgo uses plain http only for localhost, 127.0.0.1 and [::1], or a host given to --insecure-registry',
    );
    expect(() => checkUrl(new URL('ftp://x/'), 'ghcr.io', [], 'Location')).toThrow(UsageError);
    expect(() => checkUrl(new URL('http://127.0.0.1:9/x'), 'ghcr.io', [], 'Location')).not.toThrow();
    expect(() =>
      checkUrl(new URL('http://mirror:5000/x'), 'mirror:5000', ['mirror:5000'], 'Location'),
    ).not.toThrow();
  });
});

describe('platform matching (containerd normalisation)', () => {
  it.each([
    [{ os: 'linux', architecture: 'arm64' }, { os: 'linux', architecture: 'arm64', variant: 'v8' }, true],
    [{ os: 'linux', architecture: 'arm64', variant: 'v8' }, { os: 'linux', architecture: 'arm64' }, true],
    [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'amd64', variant: 'v1' }, true],
    [{ os: 'linux', architecture: 'amd64', variant: 'v3' }, { os: 'linux', architecture: 'amd64' }, false],
    [{ os: 'linux', architecture: 'arm', variant: 'v7' }, { os: 'linux', architecture: 'arm' }, true],
    [
      { os: 'linux', architecture: 'arm', variant: 'v6' },
      { os: 'linux', architecture: 'arm', variant: 'v7' },
      false,
    ],
    [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'x86_64' }, true],
    [{ os: 'linux', architecture: 'amd64' }, { os: 'windows', architecture: 'amd64' }, false],
  ])('%j ~ %j: %s', (wanted, offered, expected) => {
    expect(platformMatches(wanted, offered)).toBe(expected);
  });
});

describe('Retry-After (RFC 9110 10.2.3)', () => {
  it('reads seconds and dates, and caps them', () => {
    expect(retryAfter('3')).toBe(3000);
    expect(retryAfter('100000')).toBe(60_000);
    expect(retryAfter(new Date(1_000_000 + 5000).toUTCString(), 1_000_000)).toBe(5000);
    expect(retryAfter('soon')).toBeNull();
    expect(retryAfter(null)).toBeNull();
  });
});
