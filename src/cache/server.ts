import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { appendFile, rm } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { type CacheEntry, LocalStore, MAX_OBJECT } from './local.js';
import { failureWords } from './remote.js';
import { openRemote } from './stores.js';
import type { StoreUrl } from './storeUrl.js';
import { UploadQueue } from './uploads.js';

/**
 * `crossgo cache-prog`: Go's GOCACHEPROG protocol (cmd/go/internal/cacheprog) on stdin/stdout.
 * go writes one JSON request per line; a "put" with a body follows it with one more line, the
 * body as a base64 JSON string. Answers are JSON lines, in any order, matched by ID; the first
 * (ID 0) names the commands this program knows.
 */

export interface CacheProgOptions {
  dir: string;
  remote: StoreUrl | null;
  readonly: boolean;
  /** Appends one JSON line of counters here on exit (tests and benchmarks read it). */
  stats?: string;
  env: NodeJS.ProcessEnv;
  input: Readable;
  output: Writable;
  warn: (line: string) => void;
}

interface Request {
  ID: number;
  Command: string;
  ActionID?: string;
  OutputID?: string;
  BodySize?: number;
}

const MAX_LINE = 1 << 20;
/** A bigger body is refused (read and dropped, answered with an error). */
const MAX_BODY = MAX_OBJECT;

export class BrokenStream extends Error {}

export async function serveCacheProg(options: CacheProgOptions): Promise<number> {
  const local = new LocalStore(options.dir);
  await local.init();
  const remote = options.remote ? openRemote(options.remote, options.env) : null;
  const stats = {
    gets: 0,
    localHits: 0,
    remoteHits: 0,
    misses: 0,
    puts: 0,
    uploads: 0,
    uploadFailures: 0,
    remoteMismatches: 0,
  };
  let remoteUsable = remote !== null;
  let mismatchWarned = false;
  /** The first failure ends the remote for this process: one warning, then local only. */
  const remoteFailed = (error: unknown) => {
    if (!remoteUsable || !remote) return;
    remoteUsable = false;
    options.warn(
      `crossgo cache-prog: remote cache ${remote.where}: ${failureWords(error)}; using the local cache only for the rest of this go command`,
    );
  };
  const uploads = new UploadQueue(4);
  const handlers = new Set<Promise<void>>();
  const send = (response: Record<string, unknown>) => {
    options.output.write(`${JSON.stringify(response)}\n`);
  };
  send({ ID: 0, KnownCommands: ['get', 'put', 'close'] });

  const track = (work: Promise<void>) => {
    handlers.add(work);
    void work.finally(() => handlers.delete(work));
  };

  const hit = (id: number, entry: CacheEntry) => ({
    ID: id,
    OutputID: Buffer.from(entry.outputID, 'hex').toString('base64'),
    Size: entry.size,
    Time: entry.time,
    DiskPath: local.objectPath(entry.outputID),
  });

  async function get(id: number, actionID: string): Promise<Record<string, unknown>> {
    stats.gets++;
    const found = await local.get(actionID);
    if (found) {
      stats.localHits++;
      return hit(id, found);
    }
    if (remote && remoteUsable) {
      try {
        const entry = await remote.getEntry(actionID);
        if (entry) {
          let have = await local.hasObject(entry.outputID, entry.size);
          if (!have) {
            const temp = local.tempPath();
            const fetched = await remote.getObject(entry.outputID, entry.size, temp);
            if (fetched.ok) {
              await local.adoptObject(entry.outputID, temp);
              have = true;
            } else if (fetched.why === 'mismatch') {
              stats.remoteMismatches++;
              if (!mismatchWarned)
                options.warn(
                  `crossgo cache-prog: remote cache ${remote.where}: object ${entry.outputID} does not match its SHA-256 (corrupt or tampered): treated as a miss`,
                );
              mismatchWarned = true;
            }
          }
          if (have) {
            await local.putEntry(actionID, entry);
            stats.remoteHits++;
            return hit(id, entry);
          }
        }
      } catch (error) {
        remoteFailed(error);
      }
    }
    stats.misses++;
    return { ID: id, Miss: true };
  }

  async function put(id: number, actionID: string, outputID: string, size: number, temp: string) {
    stats.puts++;
    await local.adoptObject(outputID, temp);
    const entry: CacheEntry = { outputID, size, time: new Date().toISOString() };
    await local.putEntry(actionID, entry);
    send({ ID: id, DiskPath: local.objectPath(outputID) });
    if (remote && !options.readonly)
      uploads.add(async () => {
        if (!remoteUsable) return;
        try {
          await remote.put(actionID, entry, local.objectPath(outputID));
          stats.uploads++;
        } catch (error) {
          stats.uploadFailures++;
          remoteFailed(error);
        }
      });
  }

  const answerErrors = (id: number, work: () => Promise<void>) =>
    track(
      work().catch((error: unknown) => {
        send({ ID: id, Err: error instanceof Error ? error.message : String(error) });
      }),
    );

  const finish = async () => {
    while (handlers.size > 0) await Promise.all([...handlers]);
    await uploads.flush();
    if (options.stats) await appendFile(options.stats, `${JSON.stringify(stats)}\n`).catch(() => {});
  };

  let body: BodyReader | null = null;
  let header: Buffer[] = [];
  let headerLength = 0;
  let closing: number | null = null;
  try {
    outer: for await (const chunk of options.input as AsyncIterable<Buffer>) {
      let pos = 0;
      while (pos < chunk.length) {
        if (body) {
          pos = await body.feed(chunk, pos);
          if (body.done) {
            const done = body;
            body = null;
            answerErrors(done.request.ID, () => done.finish(put));
          }
          continue;
        }
        const nl = chunk.indexOf(10, pos);
        if (nl < 0) {
          header.push(chunk.subarray(pos));
          headerLength += chunk.length - pos;
          if (headerLength > MAX_LINE) throw new BrokenStream(`a request line longer than ${MAX_LINE} bytes`);
          break;
        }
        const line = Buffer.concat([...header, chunk.subarray(pos, nl)]).toString('utf8');
        header = [];
        headerLength = 0;
        pos = nl + 1;
        if (line.trim() === '') continue;
        const request = parseRequest(line);
        if (request.Command === 'get') {
          const actionID = idHex(request.ActionID, 'ActionID');
          answerErrors(request.ID, async () => send(await get(request.ID, actionID)));
        } else if (request.Command === 'put') {
          const size = request.BodySize ?? 0;
          const actionID = idHex(request.ActionID, 'ActionID');
          const outputID = idHex(request.OutputID, 'OutputID');
          if (!Number.isSafeInteger(size) || size < 0)
            throw new BrokenStream(`request ${request.ID}: BodySize ${size}`);
          const reader = new BodyReader(
            request,
            actionID,
            outputID,
            size,
            size > MAX_BODY ? null : local.tempPath(),
          );
          if (size === 0) {
            await reader.open();
            reader.done = true;
            answerErrors(request.ID, () => reader.finish(put));
          } else {
            await reader.open();
            body = reader;
          }
        } else if (request.Command === 'close') {
          closing = request.ID;
          break outer;
        } else {
          send({ ID: request.ID, Err: `unknown command ${JSON.stringify(request.Command)}` });
        }
      }
    }
    if (body) throw new BrokenStream('the input ended inside a put body');
  } catch (error) {
    if (!(error instanceof BrokenStream)) throw error;
    await body?.discard();
    options.warn(`crossgo cache-prog: broken request stream: ${error.message}`);
    await finish();
    return 1;
  }
  await finish();
  if (closing !== null) send({ ID: closing });
  return 0;
}

function parseRequest(line: string): Request {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new BrokenStream(`not a JSON request: ${JSON.stringify(line.slice(0, 80))}`);
  }
  const r = value as Partial<Request> | null;
  if (typeof r !== 'object' || r === null || !Number.isSafeInteger(r.ID) || typeof r.Command !== 'string')
    throw new BrokenStream(
      `a request without a numeric ID and a Command: ${JSON.stringify(line.slice(0, 80))}`,
    );
  return r as Request;
}

/** A 32-byte ID sent as base64 (Go's encoding of []byte), as lowercase hex. */
function idHex(value: unknown, name: string): string {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.alloc(0);
  if (bytes.length !== 32) throw new BrokenStream(`${name} is not 32 bytes of base64`);
  return bytes.toString('hex');
}

/** Reads one `"<base64>"\n` body line, decoding it into a temporary file while hashing it. */
class BodyReader {
  done = false;
  private phase: 'open' | 'data' | 'end' = 'open';
  private carry = '';
  private decoded = 0;
  private readonly hash: Hash = createHash('sha256');
  private file: WriteStream | null = null;

  constructor(
    readonly request: Request,
    private readonly actionID: string,
    private readonly outputID: string,
    private readonly size: number,
    /** Null: too big to keep; read and dropped, answered with an error. */
    private readonly temp: string | null,
  ) {}

  async open(): Promise<void> {
    if (this.temp) {
      this.file = createWriteStream(this.temp);
      await once(this.file, 'open');
    }
  }

  async feed(chunk: Buffer, start: number): Promise<number> {
    let pos = start;
    if (this.phase === 'open') {
      // go's JSON encoder ends the request with a newline and go writes one more: skip blanks.
      while (pos < chunk.length && (chunk[pos] === 0x0a || chunk[pos] === 0x0d || chunk[pos] === 0x20)) pos++;
      if (pos === chunk.length) return pos;
      if (chunk[pos] !== 0x22)
        throw new BrokenStream(`request ${this.request.ID}: the body line does not start with a quote`);
      this.phase = 'data';
      pos++;
    }
    if (this.phase === 'data') {
      const quote = chunk.indexOf(0x22, pos);
      const end = quote < 0 ? chunk.length : quote;
      const text = this.carry + chunk.toString('latin1', pos, end);
      const whole = quote < 0 ? text.length - (text.length % 4) : text.length;
      this.carry = text.slice(whole);
      await this.write(Buffer.from(text.slice(0, whole), 'base64'));
      if (quote < 0) return chunk.length;
      this.phase = 'end';
      pos = quote + 1;
    }
    const nl = chunk.indexOf(10, pos);
    if (nl < 0) return chunk.length;
    this.done = true;
    return nl + 1;
  }

  private async write(bytes: Buffer): Promise<void> {
    this.decoded += bytes.length;
    if (this.decoded > this.size)
      throw new BrokenStream(`request ${this.request.ID}: the body is longer than BodySize ${this.size}`);
    if (!this.file) return;
    this.hash.update(bytes);
    if (!this.file.write(bytes)) await once(this.file, 'drain');
  }

  private async close(): Promise<void> {
    if (!this.file) return;
    const file = this.file;
    this.file = null;
    await new Promise<void>((resolve, reject) =>
      file.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  }

  async discard(): Promise<void> {
    await this.close().catch(() => {});
    if (this.temp) await rm(this.temp, { force: true });
  }

  async finish(
    put: (id: number, actionID: string, outputID: string, size: number, temp: string) => Promise<void>,
  ): Promise<void> {
    const keep = this.temp !== null;
    await this.close();
    if (!keep || !this.temp) throw new Error(`BodySize ${this.size} is more than ${MAX_BODY} bytes`);
    if (this.decoded !== this.size || this.hash.digest('hex') !== this.outputID) {
      await rm(this.temp, { force: true });
      throw new Error(`the body is not ${this.size} bytes with SHA-256 ${this.outputID}`);
    }
    try {
      await put(this.request.ID, this.actionID, this.outputID, this.size, this.temp);
    } catch (error) {
      await rm(this.temp, { force: true });
      throw error;
    }
  }
}
