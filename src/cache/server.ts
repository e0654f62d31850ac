import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Readable, Writable } from 'node:stream';
import { CacheCore } from './core.js';
import { type CacheEntry, MAX_OBJECT } from './local.js';
import type { StoreUrl } from './storeUrl.js';

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
  /** crossgo's relay only (relaySource.ts): the local hits it answered itself, sent with close. */
  RelayHits?: number;
}

const MAX_LINE = 1 << 20;
/** A bigger body is refused (read and dropped, answered with an error). */
const MAX_BODY = MAX_OBJECT;

export class BrokenStream extends Error {}

/** `crossgo cache-prog` on its own: one core for this one go command, flushed before the answer to close. */
export async function serveCacheProg(options: CacheProgOptions): Promise<number> {
  const core = new CacheCore({ ...options, scope: 'this go command' });
  await core.init();
  return serveConnection(core, options.input, options.output, options.warn, () => core.flush(options.stats));
}

/**
 * Serves one go command's requests from `input` until close or the end of the input: answers are
 * written to `output` as they are ready (go matches them by ID). `beforeClose` runs before the
 * answer to close (the stand-alone cache-prog flushes its uploads there). 0: closed cleanly, 1: a
 * broken request stream (one warning).
 */
export async function serveConnection(
  core: CacheCore,
  input: Readable,
  output: Writable,
  warn: (line: string) => void,
  beforeClose: () => Promise<unknown>,
): Promise<number> {
  const handlers = new Set<Promise<void>>();
  const send = (response: Record<string, unknown>) => {
    if (output.writable) output.write(`${JSON.stringify(response)}\n`);
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
    DiskPath: core.local.objectPath(entry.outputID),
  });

  async function put(id: number, actionID: string, outputID: string, size: number, temp: string) {
    await core.put(actionID, outputID, size, temp);
    send({ ID: id, DiskPath: core.local.objectPath(outputID) });
  }

  const answerErrors = (id: number, work: () => Promise<void>) =>
    track(
      work().catch((error: unknown) => {
        send({ ID: id, Err: error instanceof Error ? error.message : String(error) });
      }),
    );

  const finish = async () => {
    while (handlers.size > 0) await Promise.all([...handlers]);
    await beforeClose();
  };

  let body: BodyReader | null = null;
  let header: Buffer[] = [];
  let headerLength = 0;
  let closing: number | null = null;
  try {
    outer: for await (const chunk of input as AsyncIterable<Buffer>) {
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
          answerErrors(request.ID, async () => {
            const entry = await core.get(actionID);
            send(entry ? hit(request.ID, entry) : { ID: request.ID, Miss: true });
          });
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
            size > MAX_BODY ? null : core.local.tempPath(),
          );
          await reader.open();
          if (size === 0) {
            reader.done = true;
            answerErrors(request.ID, () => reader.finish(put));
          } else body = reader;
        } else if (request.Command === 'close') {
          const relayHits = request.RelayHits;
          if (Number.isSafeInteger(relayHits) && (relayHits as number) > 0)
            core.countRelayHits(relayHits as number);
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
    warn(`crossgo cache-prog: broken request stream: ${error.message}`);
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
