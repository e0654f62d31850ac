import { describe, expect, it } from 'vitest';
import { cacheUrlOf } from '../../src/cache/goCacheProg.js';
import { failureWords } from '../../src/cache/remote.js';
import { parseStoreUrl, type S3Place, s3Settings } from '../../src/cache/storeUrl.js';
import { parseCacheProgArgs } from '../../src/cli/commands/cacheProg.js';

/** The S3 place a URL names, or the problem line. */
function s3(text: string): S3Place | string {
  const parsed = parseStoreUrl(text);
  if (typeof parsed === 'string') return parsed;
  if (parsed.kind !== 's3') throw new Error(`${text} is not s3`);
  return parsed.s3;
}

describe('parseStoreUrl: s3://bucket/prefix', () => {
  it('reads the bucket, the prefix without slashes at its ends, and the options', () => {
    expect(s3('s3://crossgo-cache/ci/go')).toEqual({ bucket: 'crossgo-cache', prefix: 'ci/go' });
    expect(s3('s3://crossgo-cache')).toEqual({ bucket: 'crossgo-cache', prefix: '' });
    expect(s3('s3://crossgo-cache//a//b/')).toEqual({ bucket: 'crossgo-cache', prefix: 'a/b' });
    expect(s3('s3://my.bucket.1/p?endpoint=http://127.0.0.1:9000/&region=eu-west-3&path_style=true')).toEqual(
      {
        bucket: 'my.bucket.1',
        prefix: 'p',
        endpoint: 'http://127.0.0.1:9000',
        region: 'eu-west-3',
        pathStyle: true,
      },
    );
    expect(s3('s3://b12/p?path_style=0')).toEqual({ bucket: 'b12', prefix: 'p', pathStyle: false });
    expect(s3('s3://b12/p%20q')).toEqual({ bucket: 'b12', prefix: 'p q' });
  });

  it('readonly is a generic option, true/false/1/0 only', () => {
    const parsed = parseStoreUrl('s3://bucket/x?readonly=1');
    expect(typeof parsed !== 'string' && parsed.readonly).toBe(true);
    const off = parseStoreUrl('https://cache.example.com/go?readonly=false');
    expect(typeof off !== 'string' && off.readonly).toBe(false);
    expect(parseStoreUrl('s3://bucket/x?readonly=yes')).toBe('readonly="yes" is not true, false, 1 or 0');
  });

  it('refuses bucket names S3 does not allow, in one line', () => {
    expect(s3('s3:///prefix')).toMatch(/^no bucket/);
    expect(s3('s3://ab/p')).toBe('bucket "ab": a bucket name has 3 to 63 characters');
    expect(s3(`s3://${'a'.repeat(64)}/p`)).toMatch(/3 to 63 characters/);
    expect(s3('s3://My_Bucket/p')).toMatch(/lowercase letters, digits, dots and hyphens/);
    expect(s3('s3://-bucket/p')).toMatch(/starts and ends with a letter or digit/);
    expect(s3('s3://bucket-/p')).toMatch(/starts and ends with a letter or digit/);
    expect(s3('s3://my..bucket/p')).toBe('bucket "my..bucket": a bucket name has no two dots in a row');
    expect(s3('s3://192.168.1.10/p')).toBe('bucket "192.168.1.10": a bucket name is not an IP address');
  });

  it('refuses prefixes that are not plain keys', () => {
    expect(s3('s3://bucket/a/../b')).toMatch(/^prefix .*: not a valid key prefix/);
    expect(s3('s3://bucket/a/%2e%2e/b')).toMatch(/not a valid key prefix/);
    expect(s3('s3://bucket/./b')).toMatch(/not a valid key prefix/);
    expect(s3('s3://bucket/a%0Ab')).toMatch(/not a valid key prefix/);
    expect(s3('s3://bucket/a%5Cb')).toMatch(/not a valid key prefix/);
    expect(s3('s3://bucket/%zz')).toMatch(/not a valid key prefix/);
  });

  it('refuses credentials, a port and a fragment in the URL, never repeating a secret', () => {
    const withSecret = s3('s3://AKIAEXAMPLE:s3cr3t-value@bucket/p');
    expect(withSecret).toMatch(/^credentials do not belong in the URL/);
    expect(withSecret).not.toContain('s3cr3t-value');
    expect(s3('s3://bucket:9000/p')).toMatch(/give the server as \?endpoint=http:\/\/host:9000/);
    expect(s3('s3://bucket/p#x')).toMatch(/no #fragment/);
  });

  it('refuses an endpoint that is not an http(s) URL, and credentials in it', () => {
    expect(s3('s3://bucket/p?endpoint=127.0.0.1:9000')).toMatch(/^endpoint=: /);
    expect(s3('s3://bucket/p?endpoint=ftp://host')).toBe(
      'endpoint=: ftp: is not http: or https: (expected http(s)://host[:port])',
    );
    expect(s3('s3://bucket/p?endpoint=nonsense')).toBe(
      'endpoint=: not a URL (expected http(s)://host[:port])',
    );
    const leaked = s3(`s3://bucket/p?endpoint=${encodeURIComponent('http://key:topsecret@host')}`);
    expect(leaked).toMatch(/credentials do not belong in the endpoint/);
    expect(leaked).not.toContain('topsecret');
  });

  it('refuses a bad region and path_style value', () => {
    expect(s3('s3://bucket/p?region=US%20East')).toBe(
      'region=: "US East" is not a region name (like us-east-1)',
    );
    expect(s3('s3://bucket/p?path_style=yes')).toBe('path_style="yes" is not true, false, 1 or 0');
  });

  it('refuses unknown and repeated options, with a guess and the list', () => {
    expect(s3('s3://bucket/p?regoin=us-east-1')).toBe(
      'unknown option "regoin", did you mean region? (an s3:// store takes endpoint, region, path_style, readonly)',
    );
    expect(s3('s3://bucket/p?path-style=true')).toMatch(/did you mean path_style\?/);
    expect(s3('s3://bucket/p?access_key=AKIA')).toBe(
      'unknown option "access_key" (an s3:// store takes endpoint, region, path_style, readonly)',
    );
    expect(s3('s3://bucket/p?region=a&region=b')).toBe('?region is given twice');
    expect(parseStoreUrl('https://cache.example.com/go?region=x')).toBe(
      'unknown option "region" (an http(s):// store takes readonly)',
    );
  });

  it('other schemes and non-URLs are one line naming both kinds', () => {
    expect(parseStoreUrl('gs://bucket/p')).toBe(
      'gs: is not a supported store (expected http(s)://host/prefix or s3://bucket/prefix)',
    );
    expect(parseStoreUrl('bucket/prefix')).toBe(
      'not a URL (expected http(s)://host/prefix or s3://bucket/prefix)',
    );
  });
});

describe('s3Settings: the URL first, then the SDK variables', () => {
  const place = (text: string) => s3(text) as S3Place;

  it('AWS AWS_ENDPOINT_URL_S3 over AWS_ENDPOINT_URL, AWS_REGION over AWS_DEFAULT_REGION; path style with an endpoint', () => {
    expect(
      s3Settings(place('s3://bucket/p'), {
        AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
        AWS_REGION: 'eu-central-1',
        AWS_DEFAULT_REGION: 'us-west-2',
      }),
    ).toEqual({
      bucket: 'bucket',
      prefix: 'p',
      endpoint: 'http://127.0.0.1:9000',
      region: 'eu-central-1',
      pathStyle: true,
      where: 's3://bucket/p at http://127.0.0.1:9000',
    });
    expect(s3Settings(place('s3://bucket/p'), { AWS_ENDPOINT_URL: 'https://s3.example.com' })).toMatchObject({
      endpoint: 'https://s3.example.com',
      region: 'us-east-1',
    });
    expect(s3Settings(place('s3://bucket/p'), { AWS_DEFAULT_REGION: 'us-west-2' })).toMatchObject({
      region: 'us-west-2',
    });
  });

  it('the query wins over the environment', () => {
    expect(
      s3Settings(place('s3://bucket/p?endpoint=http://127.0.0.1:7070&region=ap-south-1&path_style=false'), {
        AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000',
        AWS_REGION: 'eu-central-1',
      }),
    ).toMatchObject({ endpoint: 'http://127.0.0.1:7070', region: 'ap-south-1', pathStyle: false });
  });

  it("AWS's own S3: no endpoint, virtual-hosted style, named by the URL alone", () => {
    expect(s3Settings(place('s3://bucket'), {})).toEqual({
      bucket: 'bucket',
      prefix: '',
      region: 'us-east-1',
      pathStyle: false,
      where: 's3://bucket',
    });
  });

  it('a bad variable is one line naming it', () => {
    expect(s3Settings(place('s3://bucket/p'), { AWS_ENDPOINT_URL_S3: 'localhost:9000' })).toBe(
      'AWS_ENDPOINT_URL_S3: localhost: is not http: or https: (expected http(s)://host[:port])',
    );
    expect(s3Settings(place('s3://bucket/p'), { AWS_REGION: 'Not A Region' })).toMatch(
      /^AWS_REGION: "Not A Region" is not a region name/,
    );
  });
});

describe('where the URLs come in: crossgo build --cache and cache-prog --remote', () => {
  it('cacheUrlOf takes s3:// and refuses a bad one (and a bad variable) as a usage error', () => {
    expect(cacheUrlOf('s3://bucket/p?endpoint=http://127.0.0.1:9000', undefined, {})).toBe(
      's3://bucket/p?endpoint=http://127.0.0.1:9000',
    );
    expect(() => cacheUrlOf(undefined, undefined, { CROSSGO_CACHE_URL: 's3://b/p' })).toThrow(
      'cache "s3://b/p": bucket "b": a bucket name has 3 to 63 characters',
    );
    expect(() => cacheUrlOf('s3://bucket/p', undefined, { AWS_ENDPOINT_URL: 'ftp://x' })).toThrow(
      /^cache "s3:\/\/bucket\/p": AWS_ENDPOINT_URL: ftp: is not http: or https:/,
    );
  });

  it('cache-prog --remote s3:// parses, ?readonly=1 implies --readonly, a bad variable is a usage message', () => {
    const flags = parseCacheProgArgs(['--remote', 's3://bucket/p?readonly=1', '--dir', '/tmp/x'], {});
    expect(typeof flags !== 'string' && flags.remote?.kind).toBe('s3');
    expect(typeof flags !== 'string' && flags.readonly).toBe(true);
    expect(parseCacheProgArgs(['--remote', 's3://bucket/p'], { AWS_REGION: 'x y' })).toMatch(
      /^--remote: AWS_REGION: /,
    );
  });
});

describe('failureWords: S3 errors in words without secrets', () => {
  const sdkError = (name: string, status?: number, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error('The request signature we calculated does not match: secret-ish detail'), {
      name,
      $metadata: status ? { httpStatusCode: status, requestId: 'R' } : { attempts: 1 },
      ...extra,
    });

  it('names the code and the status and hints at the credentials, never the message', () => {
    const words = failureWords(sdkError('SignatureDoesNotMatch', 403));
    expect(words).toBe(
      'HTTP 403 SignatureDoesNotMatch (check the AWS credentials: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE)',
    );
    expect(failureWords(sdkError('InvalidAccessKeyId', 403))).toMatch(/^HTTP 403 InvalidAccessKeyId \(check/);
    expect(failureWords(sdkError('NoSuchBucket', 404))).toBe('HTTP 404 NoSuchBucket');
    expect(failureWords(sdkError('Unknown', 500))).toBe('HTTP 500');
  });

  it('a network error is its code, a deadline is "timed out"', () => {
    expect(failureWords(sdkError('Error', undefined, { code: 'ECONNREFUSED' }))).toBe('ECONNREFUSED');
    expect(failureWords(Object.assign(new Error('x'), { name: 'TimeoutError' }))).toBe('timed out');
    expect(failureWords(Object.assign(new Error('Request aborted'), { name: 'AbortError' }))).toBe(
      'timed out',
    );
  });
});
