import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { CLI, testEnv } from './cli.js';

/** SHA-256 by node:crypto, the test's own oracle of an OutputID. */
export const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest();
export const b64 = (bytes: Buffer) => bytes.toString('base64');

/** Every file below `dir`, relative, sorted ([] when it is not there). */
export async function filesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

/**
 * A running `crossgo cache-prog`, driven one JSON line at a time as go's cmd/go/internal/cacheprog
 * client does: a request line, then for a put its body as a base64 JSON string on its own line.
 */
export class Driver {
  readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting = new Map<number, (r: Record<string, unknown>) => void>();
  readonly responses: Record<string, unknown>[] = [];
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: NodeJS.ProcessEnv = testEnv(), nodeArgs: string[] = []) {
    this.child = spawn(process.execPath, [...nodeArgs, CLI, 'cache-prog', ...args], { env });
    this.child.stderr.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const response = JSON.parse(line) as Record<string, unknown>;
      this.responses.push(response);
      this.waiting.get(response.ID as number)?.(response);
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }

  send(request: Record<string, unknown>, body?: Buffer): Promise<Record<string, unknown>> {
    const answer = new Promise<Record<string, unknown>>((resolve) =>
      this.waiting.set(request.ID as number, resolve),
    );
    this.child.stdin.write(`${JSON.stringify(request)}\n`);
    if (body && body.length > 0) this.child.stdin.write(`"${b64(body)}"\n`);
    return answer;
  }

  put(id: number, action: Buffer, body: Buffer) {
    return this.send(
      { ID: id, Command: 'put', ActionID: b64(action), OutputID: b64(sha256(body)), BodySize: body.length },
      body,
    );
  }

  get(id: number, action: Buffer) {
    return this.send({ ID: id, Command: 'get', ActionID: b64(action) });
  }

  async close(id: number): Promise<number | null> {
    await this.send({ ID: id, Command: 'close' });
    return this.exited;
  }
}
