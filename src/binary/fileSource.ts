import { closeSync, fstatSync, readSync } from 'node:fs';
import { openRegularSync } from '../fs/open.js';
import type { ByteSource } from './source.js';

// Headers, tables and notes are small and scattered: page-sized blocks keep reads and garbage small.
const BLOCK = 16 * 1024;

/**
 * A ByteSource over an open file: reads only what a reader asks for, through a small
 * block cache, so inspecting a 100 MB binary touches a few hundred KB of it.
 */
export class FileSource implements ByteSource {
  readonly size: number;
  private readonly blocks = new Map<number, Uint8Array>();
  private constructor(private readonly fd: number) {
    const info = fstatSync(fd);
    this.size = info.size;
  }

  /** A source over a descriptor from openRegularSync, so a caller can also hash the very same file. */
  static fromDescriptor(fd: number): FileSource {
    return new FileSource(fd);
  }

  /** Opens a regular file without blocking (a FIFO, socket or device is refused: see open.ts). */
  static open(file: string, shown?: string): FileSource {
    return new FileSource(openRegularSync(file, { shown: shown ?? file }).fd);
  }

  read(offset: number, length: number): Uint8Array {
    if (length === 0) return new Uint8Array(0);
    const first = Math.floor(offset / BLOCK);
    const last = Math.floor((offset + length - 1) / BLOCK);
    if (first === last) {
      const block = this.block(first);
      return block.subarray(offset - first * BLOCK, offset - first * BLOCK + length);
    }
    // Large reads go straight to the file.
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, out, done, length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return out.subarray(0, done);
  }

  private block(index: number): Uint8Array {
    let block = this.blocks.get(index);
    if (!block) {
      const size = Math.min(BLOCK, this.size - index * BLOCK);
      block = new Uint8Array(Math.max(0, size));
      let done = 0;
      while (done < block.length) {
        const n = readSync(this.fd, block, done, block.length - done, index * BLOCK + done);
        if (n === 0) break;
        done += n;
      }
      if (this.blocks.size > 256) this.blocks.clear();
      this.blocks.set(index, block);
    }
    return block;
  }

  close(): void {
    closeSync(this.fd);
  }
}
