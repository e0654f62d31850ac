import { appendFile } from 'node:fs/promises';
import { type CacheEntry, LocalStore } from './local.js';
import { failureWords, type Remote } from './remote.js';
import { openRemote } from './stores.js';
import type { StoreUrl } from './storeUrl.js';
import { UploadQueue } from './uploads.js';

/** What one cache served: tests and benchmarks read these (`--stats FILE`, the build's summary). */
export interface CacheStats {
  gets: number;
  localHits: number;
  remoteHits: number;
  misses: number;
  puts: number;
  uploads: number;
  uploadFailures: number;
  remoteMismatches: number;
}

export interface CacheCoreOptions {
  dir: string;
  remote: StoreUrl | null;
  readonly: boolean;
  env: NodeJS.ProcessEnv;
  warn: (line: string) => void;
  /** How the warnings name their scope: "this go command" (cache-prog) or "this run" (crossgo build). */
  scope: string;
}

/** An answer to a get: the entry (a hit, its bytes at `local.objectPath`) or null (a miss). */
export type Lookup = CacheEntry | null;

/** At most this many uploads at once: enough to hide latency, few enough not to starve go. */
const UPLOADS = 4;

/**
 * The two tiers behind every connection: the local folder first, then the remote store. The first
 * remote failure ends the remote for the core's life (one warning); uploads run in the background
 * and `flush` waits for them. One core serves one cache-prog, or every go command of a crossgo run.
 */
export class CacheCore {
  readonly local: LocalStore;
  readonly stats: CacheStats = {
    gets: 0,
    localHits: 0,
    remoteHits: 0,
    misses: 0,
    puts: 0,
    uploads: 0,
    uploadFailures: 0,
    remoteMismatches: 0,
  };
  private readonly remote: Remote | null;
  private remoteUsable: boolean;
  private mismatchWarned = false;
  private readonly uploads = new UploadQueue(UPLOADS);

  constructor(private readonly options: CacheCoreOptions) {
    this.local = new LocalStore(options.dir);
    this.remote = options.remote ? openRemote(options.remote, options.env) : null;
    this.remoteUsable = this.remote !== null;
  }

  async init(): Promise<void> {
    await this.local.init();
  }

  private remoteFailed(error: unknown): void {
    if (!this.remoteUsable || !this.remote) return;
    this.remoteUsable = false;
    this.options.warn(
      `crossgo cache-prog: remote cache ${this.remote.where}: ${failureWords(error)}; using the local cache only for the rest of ${this.options.scope}`,
    );
  }

  async get(actionID: string): Promise<Lookup> {
    this.stats.gets++;
    const found = await this.local.get(actionID);
    if (found) {
      this.stats.localHits++;
      return found;
    }
    const remote = this.remote;
    if (remote && this.remoteUsable) {
      try {
        const entry = await remote.getEntry(actionID);
        if (entry && (await this.fetchObject(remote, entry))) {
          await this.local.putEntry(actionID, entry);
          this.stats.remoteHits++;
          return entry;
        }
      } catch (error) {
        this.remoteFailed(error);
      }
    }
    this.stats.misses++;
    return null;
  }

  /** Whether the entry's object is here now: already, or fetched and checked against its ID. */
  private async fetchObject(remote: Remote, entry: CacheEntry): Promise<boolean> {
    if (await this.local.hasObject(entry.outputID, entry.size)) return true;
    const temp = this.local.tempPath();
    const fetched = await remote.getObject(entry.outputID, entry.size, temp);
    if (fetched.ok) {
      await this.local.adoptObject(entry.outputID, temp);
      return true;
    }
    if (fetched.why === 'mismatch') {
      this.stats.remoteMismatches++;
      if (!this.mismatchWarned)
        this.options.warn(
          `crossgo cache-prog: remote cache ${remote.where}: object ${entry.outputID} does not match its SHA-256 (corrupt or tampered): treated as a miss`,
        );
      this.mismatchWarned = true;
    }
    return false;
  }

  /** Keeps a checked temporary file as the output of `actionID`, then uploads it in the background. */
  async put(actionID: string, outputID: string, size: number, temp: string): Promise<CacheEntry> {
    this.stats.puts++;
    await this.local.adoptObject(outputID, temp);
    const entry: CacheEntry = { outputID, size, time: new Date().toISOString() };
    await this.local.putEntry(actionID, entry);
    const remote = this.remote;
    if (remote && !this.options.readonly)
      this.uploads.add(async () => {
        if (!this.remoteUsable) return;
        try {
          await remote.put(actionID, entry, this.local.objectPath(outputID));
          this.stats.uploads++;
        } catch (error) {
          this.stats.uploadFailures++;
          this.remoteFailed(error);
        }
      });
    return entry;
  }

  /** Local hits a relay answered itself (they never reached this core). */
  countRelayHits(count: number): void {
    this.stats.gets += count;
    this.stats.localHits += count;
  }

  /** Waits for every upload; then appends the counters to `statsFile`, when given. */
  async flush(statsFile?: string): Promise<CacheStats> {
    await this.uploads.flush();
    if (statsFile) await appendFile(statsFile, `${JSON.stringify(this.stats)}\n`).catch(() => {});
    return { ...this.stats };
  }
}
