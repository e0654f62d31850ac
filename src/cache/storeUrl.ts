import { distance } from 'fastest-levenshtein';

/** Where in a bucket the cache lives, as an `s3://bucket/prefix?…` URL names it. */
export interface S3Place {
  bucket: string;
  /** Key prefix without leading or trailing slash; '' is the bucket's root. */
  prefix: string;
  /** `?endpoint=`: wins over AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL. */
  endpoint?: string;
  /** `?region=`: wins over AWS_REGION and AWS_DEFAULT_REGION. */
  region?: string;
  /** `?path_style=`: bucket in the path (http://host/bucket/key), not in the host name. */
  pathStyle?: boolean;
}

/** A remote store, as one URL string carries it: the kind, the parsed URL and whether to upload. */
export type StoreUrl =
  | { kind: 'http'; url: URL /** `?readonly=1` (or `true`) in the URL. */; readonly: boolean }
  | { kind: 's3'; url: URL; readonly: boolean; s3: S3Place };

const EXPECTED = 'expected http(s)://host/prefix or s3://bucket/prefix';
const HTTP_KEYS = ['readonly'];
const S3_KEYS = ['endpoint', 'region', 'path_style', 'readonly'];

/**
 * Reads `--remote`/`--cache`/`cache:`/`CROSSGO_CACHE_URL`: the store, or one line saying what is
 * wrong with it (the caller names the input). The line never repeats user info (credentials)
 * or a query value other than the one it refuses.
 */
export function parseStoreUrl(text: string): StoreUrl | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `not a URL (${EXPECTED})`;
  }
  const kind =
    url.protocol === 's3:' ? 's3' : url.protocol === 'http:' || url.protocol === 'https:' ? 'http' : null;
  if (kind === null) return `${url.protocol} is not a supported store (${EXPECTED})`;
  const known = kind === 's3' ? S3_KEYS : HTTP_KEYS;
  const seen = new Set<string>();
  for (const key of url.searchParams.keys()) {
    if (!known.includes(key)) return unknownKey(key, known, kind);
    if (seen.has(key)) return `?${key} is given twice`;
    seen.add(key);
  }
  const readonly = flag(url.searchParams.get('readonly'));
  if (typeof readonly === 'string') return `readonly=${readonly}`;
  if (kind === 'http') return { kind, url, readonly };
  const s3 = parseS3(url, text);
  return typeof s3 === 'string' ? s3 : { kind, url, readonly, s3 };
}

function unknownKey(key: string, known: string[], kind: 'http' | 's3'): string {
  const guess = known.find((k) => distance(k, key.toLowerCase().replaceAll('-', '_')) <= 2);
  return `unknown option ${JSON.stringify(key.slice(0, 40))}${guess ? `, did you mean ${guess}?` : ''} (${kind === 's3' ? 'an s3://' : 'an http(s)://'} store takes ${known.join(', ')})`;
}

/** true/false/1/0 (and absent: false); anything else is the problem's words. */
function flag(value: string | null): boolean | string {
  if (value === null || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  return `${JSON.stringify(value.slice(0, 20))} is not true, false, 1 or 0`;
}

/**
 * Bucket names as S3 allows them today (docs: "Bucket naming rules"): 3 to 63 lowercase
 * letters, digits, dots and hyphens, starting and ending with a letter or digit, no `..`, not an
 * IPv4 address. Older, laxer names (capitals, underscores) are refused rather than mis-addressed.
 */
export function bucketProblem(bucket: string): string | null {
  if (bucket === '') return 'no bucket (expected s3://bucket/prefix)';
  const shown = JSON.stringify(bucket.slice(0, 70));
  if (bucket.length < 3 || bucket.length > 63) return `bucket ${shown}: a bucket name has 3 to 63 characters`;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(bucket))
    return `bucket ${shown}: a bucket name holds lowercase letters, digits, dots and hyphens, and starts and ends with a letter or digit`;
  if (bucket.includes('..')) return `bucket ${shown}: a bucket name has no two dots in a row`;
  if (/^\d+\.\d+\.\d+\.\d+$/.test(bucket)) return `bucket ${shown}: a bucket name is not an IP address`;
  return null;
}

function parseS3(url: URL, text: string): S3Place | string {
  if (url.username || url.password)
    return 'credentials do not belong in the URL: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE';
  if (url.port)
    return `an s3:// URL names a bucket, not a host and port: give the server as ?endpoint=http://host:${url.port}`;
  if (url.hash) return 'an s3:// URL has no #fragment';
  const bucket = url.hostname;
  const problem = bucketProblem(bucket);
  if (problem) return problem;
  // The path as written: URL parsing would quietly resolve `a/../b` to `b`.
  const written = /^s3:\/\/[^/?#]*([^?#]*)/i.exec(text)?.[1] ?? url.pathname;
  const prefix = keyPrefix(written);
  if (prefix === null)
    return `prefix ${JSON.stringify(written.slice(0, 80))}: not a valid key prefix (no "." or ".." segments, no control characters)`;
  const place: S3Place = { bucket, prefix };
  const endpoint = url.searchParams.get('endpoint');
  if (endpoint !== null) {
    const checked = checkEndpoint(endpoint);
    if (checked.problem) return `endpoint=: ${checked.problem}`;
    place.endpoint = checked.endpoint;
  }
  const region = url.searchParams.get('region');
  if (region !== null) {
    const problem = regionProblem(region);
    if (problem) return `region=: ${problem}`;
    place.region = region;
  }
  const pathStyle = url.searchParams.get('path_style');
  if (pathStyle !== null) {
    const value = flag(pathStyle);
    if (typeof value === 'string') return `path_style=${value}`;
    place.pathStyle = value;
  }
  return place;
}

/** The decoded path as a key prefix without slashes at its ends, or null when it is not one. */
function keyPrefix(pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing them is the point
  if (/[\u0000-\u001f\u007f]/.test(decoded) || decoded.includes('\\')) return null;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..')) return null;
  const prefix = segments.join('/');
  return prefix.length > 512 ? null : prefix;
}

/** An http(s) URL without credentials, query or fragment; given back without a trailing slash. */
export function checkEndpoint(text: string): { endpoint?: string; problem?: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: 'not a URL (expected http(s)://host[:port])' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return { problem: `${url.protocol} is not http: or https: (expected http(s)://host[:port])` };
  if (url.username || url.password)
    return {
      problem: 'credentials do not belong in the endpoint: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    };
  if (url.search || url.hash) return { problem: 'an endpoint has no query or fragment' };
  return { endpoint: url.href.replace(/\/+$/, '') };
}

function regionProblem(region: string): string | null {
  return /^[a-z0-9][a-z0-9-]{0,62}$/.test(region)
    ? null
    : `${JSON.stringify(region.slice(0, 40))} is not a region name (like us-east-1)`;
}

/** An S3 store's settings after the environment: what the client is made with, and its name. */
export interface S3Settings {
  bucket: string;
  prefix: string;
  endpoint?: string;
  region: string;
  pathStyle: boolean;
  /** `s3://bucket/prefix`, with ` at <endpoint>` when not AWS's own: no credentials, no query. */
  where: string;
}

/**
 * The URL's options first, then the SDK's own variables: AWS_ENDPOINT_URL_S3, then
 * AWS_ENDPOINT_URL, for the endpoint; AWS_REGION, then AWS_DEFAULT_REGION, for the region, else
 * us-east-1 (S3-compatible servers mostly ignore it; AWS redirects, which the client follows).
 * Path style defaults to on with a custom endpoint (what MinIO, versitygw, Ceph and R2 serve
 * without wildcard DNS) and off on AWS. A bad variable is one line, like a bad URL.
 */
export function s3Settings(place: S3Place, env: NodeJS.ProcessEnv): S3Settings | string {
  let endpoint = place.endpoint;
  if (endpoint === undefined) {
    for (const name of ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL']) {
      const value = env[name];
      if (!value) continue;
      const checked = checkEndpoint(value);
      if (checked.problem) return `${name}: ${checked.problem}`;
      endpoint = checked.endpoint;
      break;
    }
  }
  let region = place.region;
  if (region === undefined) {
    for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION']) {
      const value = env[name];
      if (!value) continue;
      const problem = regionProblem(value);
      if (problem) return `${name}: ${problem}`;
      region = value;
      break;
    }
  }
  const name = `s3://${place.bucket}${place.prefix ? `/${place.prefix}` : ''}`;
  return {
    bucket: place.bucket,
    prefix: place.prefix,
    ...(endpoint ? { endpoint } : {}),
    region: region ?? 'us-east-1',
    pathStyle: place.pathStyle ?? endpoint !== undefined,
    where: endpoint ? `${name} at ${endpoint}` : name,
  };
}
