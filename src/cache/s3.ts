import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type * as ClientS3 from '@aws-sdk/client-s3';
import { copyChecked } from './checkedCopy.js';
import { type CacheEntry, parseEntry } from './local.js';
import { type Fetched, type Remote, SMALL_TIMEOUT_MS, StoreError, TRANSFER_TIMEOUT_MS } from './remote.js';
import type { S3Settings } from './storeUrl.js';

type Sdk = typeof ClientS3;
/** What the SDK signs with (its AwsCredentialIdentity). */
interface AwsCredentialIdentity {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}
type CredentialProvider = () => Promise<AwsCredentialIdentity>;

/**
 * The AWS SDK, loaded on the first remote request only: go starts one cache-prog per go
 * command, and one whose gets all hit the local tier must not pay for it (about 120 ms to load
 * on the 2-core reference machine, against ~60 ms for the rest of cache-prog). The names are
 * not literals so that the CLI's bundle (scripts/bundle.mjs) leaves the SDK in node_modules.
 */
let loading: Promise<Sdk> | null = null;
const CLIENT_S3 = '@aws-sdk/client-s3';
const FROM_INI = '@aws-sdk/credential-provider-ini';
const FROM_TOKEN_FILE = '@aws-sdk/credential-provider-web-identity';

function loadSdk() {
  // The SDK warns on stderr of every process under Node 20 that its releases after January
  // 2027 will need Node 22: nothing the user of a build can act on, and go shows our stderr.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  loading ??= import(CLIENT_S3) as Promise<Sdk>;
  return loading;
}

/**
 * The SDK's usual chain, minus the network probes: AWS_PROFILE's profile if set (as the SDK
 * does, before the keys in the environment), else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY
 * (+ AWS_SESSION_TOKEN), else the default profile of the shared files (~/.aws/credentials and
 * config, or AWS_SHARED_CREDENTIALS_FILE/AWS_CONFIG_FILE; profiles may use sso, a
 * credential_process, role_arn or web_identity_token_file), else AWS_WEB_IDENTITY_TOKEN_FILE +
 * AWS_ROLE_ARN (EKS, or GitHub's OIDC token written to a file). The EC2 instance metadata
 * service and container endpoints are left out: off EC2 their probe is a connection that may
 * take a second or more, per go command.
 */
function credentialChain(env: NodeJS.ProcessEnv): CredentialProvider {
  const files = {
    ...(env.AWS_SHARED_CREDENTIALS_FILE ? { filepath: env.AWS_SHARED_CREDENTIALS_FILE } : {}),
    ...(env.AWS_CONFIG_FILE ? { configFilepath: env.AWS_CONFIG_FILE } : {}),
  };
  const profile = env.AWS_PROFILE || undefined;
  const fromIni = async (name?: string) => {
    const { fromIni } = (await import(FROM_INI)) as typeof import('@aws-sdk/credential-provider-ini');
    return fromIni({ ...files, ...(name ? { profile: name } : {}) })();
  };
  const fromEnv = async (): Promise<AwsCredentialIdentity | null> => {
    const accessKeyId = env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey) return null;
    return {
      accessKeyId,
      secretAccessKey,
      ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    };
  };
  return async () => {
    if (profile) {
      try {
        return await fromIni(profile);
      } catch (error) {
        throw new StoreError(`AWS profile ${JSON.stringify(profile)}: ${providerWords(error)}`);
      }
    }
    const fromKeys = await fromEnv();
    if (fromKeys) return fromKeys;
    try {
      return await fromIni();
    } catch {}
    if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) {
      const { fromTokenFile } = (await import(
        FROM_TOKEN_FILE
      )) as typeof import('@aws-sdk/credential-provider-web-identity');
      try {
        return await fromTokenFile({
          webIdentityTokenFile: env.AWS_WEB_IDENTITY_TOKEN_FILE,
          roleArn: env.AWS_ROLE_ARN,
          ...(env.AWS_ROLE_SESSION_NAME ? { roleSessionName: env.AWS_ROLE_SESSION_NAME } : {}),
        })();
      } catch (error) {
        throw new StoreError(`AWS web identity (AWS_WEB_IDENTITY_TOKEN_FILE): ${providerWords(error)}`);
      }
    }
    throw new StoreError(
      'no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or a default profile in ~/.aws/credentials',
    );
  };
}

/** A credential provider's failure: its error code and HTTP status, never its message's values. */
function providerWords(error: unknown): string {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e?.$metadata?.httpStatusCode;
  const name = typeof e?.name === 'string' && /^[A-Za-z][A-Za-z0-9]{0,63}$/.test(e.name) ? e.name : 'error';
  if (name === 'CredentialsProviderError') return 'the profile gives no credentials (or does not exist)';
  return status ? `HTTP ${status} ${name}` : name;
}

/** The SDK prints some warnings on the console unless given a logger: go shows our stderr. */
const SILENT = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/**
 * The S3 store: `<prefix>/ac/<actionID>` holds the JSON record, `<prefix>/cas/<outputID>` the
 * bytes, the layout of the HTTP store. Uploads send the object's SHA-256 (x-amz-checksum-sha256),
 * so the server itself refuses torn or altered bytes; reads are checked here all the same.
 * Every request has the HTTP store's deadlines and no retries (a slow store is a failed one).
 */
export class S3Remote implements Remote {
  readonly where: string;
  private client: Promise<{ sdk: Sdk; s3: ClientS3.S3Client }> | null = null;

  constructor(
    private readonly settings: S3Settings,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.where = settings.where;
  }

  private key(kind: 'ac' | 'cas', id: string): string {
    return this.settings.prefix ? `${this.settings.prefix}/${kind}/${id}` : `${kind}/${id}`;
  }

  private connect() {
    this.client ??= loadSdk().then((sdk) => ({
      sdk,
      s3: new sdk.S3Client({
        region: this.settings.region,
        ...(this.settings.endpoint ? { endpoint: this.settings.endpoint } : {}),
        forcePathStyle: this.settings.pathStyle,
        credentials: credentialChain(this.env),
        maxAttempts: 1,
        followRegionRedirects: true,
        // Our own SHA-256 checks every byte: no CRC32 trailers (aws-chunked), which not every
        // S3-compatible server takes.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        logger: SILENT,
      }),
    }));
    return this.client;
  }

  /**
   * Runs one request with a deadline that also covers the credentials and a streamed body:
   * `work` gets the signal, and the promise fails with a TimeoutError when it fires.
   */
  private async timed<T>(timeoutMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new Error('timed out');
        error.name = 'TimeoutError';
        controller.abort(error);
        reject(error);
      }, timeoutMs);
    });
    try {
      return await Promise.race([work(controller.signal), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  async getEntry(actionID: string): Promise<CacheEntry | null> {
    const { sdk, s3 } = await this.connect();
    return this.timed(SMALL_TIMEOUT_MS, async (signal) => {
      let response: ClientS3.GetObjectCommandOutput;
      try {
        response = await s3.send(
          new sdk.GetObjectCommand({ Bucket: this.settings.bucket, Key: this.key('ac', actionID) }),
          { abortSignal: signal },
        );
      } catch (error) {
        if (isAbsent(error)) return null;
        throw error;
      }
      const body = response.Body as (Readable & { transformToString(): Promise<string> }) | undefined;
      if (!body) return null;
      if ((response.ContentLength ?? 0) > 4096) {
        body.destroy();
        return null;
      }
      const text = await body.transformToString();
      if (text.length > 4096) return null;
      try {
        return parseEntry(text);
      } catch {
        return null;
      }
    });
  }

  async getObject(outputID: string, size: number, dest: string): Promise<Fetched> {
    const { sdk, s3 } = await this.connect();
    return this.timed(TRANSFER_TIMEOUT_MS, async (signal) => {
      let response: ClientS3.GetObjectCommandOutput;
      try {
        response = await s3.send(
          new sdk.GetObjectCommand({ Bucket: this.settings.bucket, Key: this.key('cas', outputID) }),
          { abortSignal: signal },
        );
      } catch (error) {
        if (isAbsent(error)) return { ok: false, why: 'absent' } as const;
        throw error;
      }
      const body = response.Body as Readable | undefined;
      if (!body) throw new StoreError('an object without a body');
      if (response.ContentLength !== undefined && response.ContentLength !== size) {
        body.destroy();
        return { ok: false, why: 'mismatch' } as const;
      }
      return copyChecked(body, dest, outputID, size, signal);
    });
  }

  /** The object (unless one of its size is there), then the record that points at it. */
  async put(actionID: string, entry: CacheEntry, file: string): Promise<void> {
    const { sdk, s3 } = await this.connect();
    const Bucket = this.settings.bucket;
    const objectKey = this.key('cas', entry.outputID);
    const stored = await this.timed(SMALL_TIMEOUT_MS, async (abortSignal) => {
      try {
        const head = await s3.send(new sdk.HeadObjectCommand({ Bucket, Key: objectKey }), { abortSignal });
        return head.ContentLength ?? -1;
      } catch (error) {
        if (isAbsent(error)) return -1;
        throw error;
      }
    });
    if (stored !== entry.size)
      await this.timed(TRANSFER_TIMEOUT_MS, (abortSignal) =>
        s3.send(
          new sdk.PutObjectCommand({
            Bucket,
            Key: objectKey,
            Body: createReadStream(file),
            ContentLength: entry.size,
            ChecksumSHA256: Buffer.from(entry.outputID, 'hex').toString('base64'),
          }),
          { abortSignal },
        ),
      );
    await this.timed(SMALL_TIMEOUT_MS, (abortSignal) =>
      s3.send(
        new sdk.PutObjectCommand({
          Bucket,
          Key: this.key('ac', actionID),
          Body: JSON.stringify(entry),
          ContentType: 'application/json',
        }),
        { abortSignal },
      ),
    );
  }
}

/** A key that is not there: GetObject's NoSuchKey, HeadObject's bare 404. */
function isAbsent(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return (
    e?.name === 'NoSuchKey' ||
    e?.name === 'NotFound' ||
    (e?.$metadata?.httpStatusCode === 404 && e?.name !== 'NoSuchBucket')
  );
}
