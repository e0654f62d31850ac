import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { goTool } from './goTools.js';
import { freePort } from './nginx.js';

/**
 * A real versitygw (the Apache-2.0 S3 gateway, `go install …/cmd/versitygw@v1.8.0` by
 * scripts/setup.sh) on 127.0.0.1, serving a temporary folder with its posix backend: each
 * top-level folder of `root` is a bucket and an object `a/b/c` of bucket `x` is the file
 * `<root>/x/a/b/c`, so tests read and tamper with the stored bytes on disk.
 */
export interface Versitygw {
  port: number;
  /** `http://127.0.0.1:<port>`: the S3 endpoint. */
  endpoint: string;
  /** The folder versitygw serves: `<root>/<bucket>/<key>` is an object's file. */
  root: string;
  accessKey: string;
  secretKey: string;
  /** The region versitygw signs for: a request signed for another is refused. */
  region: string;
  /** The S3 requests served so far, one per line of versitygw's access log: `s3_GetObject` etc. */
  requests: () => Promise<{ action: string; key: string; status: number }[]>;
  /** Stops the gateway, keeping its folder (a test may stop it mid-build). */
  halt: () => Promise<void>;
  /** Stops it (if running) and removes its folder. */
  stop: () => Promise<void>;
}

/** Starts versitygw with the root account `accessKey`/`secretKey` and the given buckets (made as folders). */
export async function startVersitygw(
  options: { accessKey?: string; secretKey?: string; buckets?: string[]; region?: string } = {},
): Promise<Versitygw> {
  const region = options.region ?? 'us-east-1';
  const accessKey = options.accessKey ?? 'CROSSGOTESTKEY';
  const secretKey = options.secretKey ?? `test-secret-${process.pid}-${Date.now()}`;
  const base = await mkdtemp(path.join(os.tmpdir(), 'crossgo-versitygw-'));
  const root = path.join(base, 'root');
  const accessLog = path.join(base, 'access.log');
  // versitygw's posix backend takes a folder made outside it as a bucket (its metadata lives in
  // extended attributes, which it creates on first use).
  for (const bucket of options.buckets ?? []) await mkdir(path.join(root, bucket), { recursive: true });
  await mkdir(root, { recursive: true });
  const port = await freePort();
  const child: ChildProcess = spawn(
    goTool('versitygw'),
    ['--port', `127.0.0.1:${port}`, '--quiet', '--access-log', accessLog, 'posix', root],
    {
      // Secrets from the environment only, never in argv (ps would show them).
      env: { ...process.env, ROOT_ACCESS_KEY: accessKey, ROOT_SECRET_KEY: secretKey, VGW_REGION: region },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  const collect = (d: Buffer) => {
    output += d.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const halt = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  const stop = async () => {
    await halt();
    await rm(base, { recursive: true, force: true });
  };
  // Ready when it answers: an unsigned request gets versitygw's own 403 (AccessDenied).
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`versitygw exited: ${output}`);
    }
    const answered = await fetch(`http://127.0.0.1:${port}/`).then(
      (r) => r.status === 403,
      () => false,
    );
    if (answered) break;
    if (attempt > 200) {
      await stop();
      throw new Error(`versitygw did not answer on port ${port}: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    endpoint: `http://127.0.0.1:${port}`,
    root,
    accessKey,
    secretKey,
    region,
    requests: async () => {
      const text = await readFile(accessLog, 'utf8').catch(() => '');
      // `- <bucket> [<time>] <ip> - <request id> s3_<Action> <key> <uri> <status> …`
      return text
        .split('\n')
        .map((line) => /\] \S+ \S+ \S+ (s3_\w+) (\S+) \S+ (\d{3}) /.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ({ action: m[1] as string, key: m[2] as string, status: Number(m[3]) }));
    },
    halt,
    stop,
  };
}
