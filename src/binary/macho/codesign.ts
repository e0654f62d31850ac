import * as crypto from 'node:crypto';
import { FormatError } from '../errors.js';
import { type ByteSource, readBytes } from '../source.js';
import { StructView } from '../view.js';
import type { MachoFile } from './read.js';

export type CodeSignatureStatus = 'none' | 'adhoc-valid' | 'adhoc-invalid' | 'other';

/*
 * Embedded code signatures (xnu osfmk/kern/cs_blobs.h; Go's src/cmd/internal/codesign/codesign.go,
 * which writes the ad-hoc form Go's linker puts on darwin/arm64). All fields are big-endian.
 * SuperBlob: magic @0, length @4, count @8, then count × {type, offset} index entries.
 * CodeDirectory: magic @0, length @4, version @8, flags @12, hashOffset @16, identOffset @20,
 * nSpecialSlots @24, nCodeSlots @28, codeLimit @32, hashSize u8 @36, hashType u8 @37,
 * platform u8 @38, pageSize u8 @39 (log2; 0 = one page), spare2 @40, [scatterOffset @44 ≥ 0x20100,
 * teamOffset @48 ≥ 0x20200, spare3 @52, codeLimit64 u64 @56 ≥ 0x20300, execSeg… @64 ≥ 0x20400].
 * The code hashes are slot 0 … nCodeSlots−1 at hashOffset: a hash of each page of the image's bytes
 * before codeLimit, the last page short. Special slots (Info.plist, requirements, entitlements:
 * negative indexes before hashOffset) are not checked.
 */
const CSMAGIC_EMBEDDED_SIGNATURE = 0xfade0cc0;
const CSMAGIC_CODEDIRECTORY = 0xfade0c02;
const CSMAGIC_BLOBWRAPPER = 0xfade0b01;
const CSSLOT_CODEDIRECTORY = 0;
const CSSLOT_SIGNATURESLOT = 0x10000;
const CS_ADHOC = 0x2;
const CD_HEADER = 44;
/** cs_blobs.h CS_HASHTYPE_*: node:crypto algorithm and the stored size. */
const HASH_TYPES = new Map<number, { algorithm: string; size: number }>([
  [1, { algorithm: 'sha1', size: 20 }],
  [2, { algorithm: 'sha256', size: 32 }],
  [3, { algorithm: 'sha256', size: 20 }],
  [4, { algorithm: 'sha384', size: 48 }],
]);
/** How much of the image is read at once while hashing. */
const WINDOW = 1 << 20;

interface CodeDirectory {
  flags: number;
  hashOffset: number;
  nCodeSlots: number;
  codeLimit: number;
  hashSize: number;
  hashType: number;
  pageBits: number;
  view: StructView;
}

/**
 * Verifies the code signature of one Mach-O image: 'none' without LC_CODE_SIGNATURE, 'other' for a
 * signature that is not ad-hoc (CodeDirectory without CS_ADHOC, or a CMS signature with content),
 * else 'adhoc-valid' or 'adhoc-invalid' after hashing every page before codeLimit.
 */
export function verifyCodeSignature(src: ByteSource, file: MachoFile): CodeSignatureStatus {
  if (!file.codeSignature) return 'none';
  const { dataoff, datasize } = file.codeSignature;
  const at = file.base + dataoff;
  if (datasize < 12) throw bad(at, `code signature of ${datasize} bytes is too small for a SuperBlob`);
  const blob = new StructView(readBytes(src, 'macho', at, datasize, 'code signature'), false, 'macho', at);
  const { directory, cms } = readSuperBlob(blob);
  const cd = readCodeDirectory(directory, file);
  if ((cd.flags & CS_ADHOC) === 0 || (cms !== null && cms.length > 8)) return 'other';
  return hashesMatch(src, file, cd) ? 'adhoc-valid' : 'adhoc-invalid';
}

/** The SuperBlob's CodeDirectory (slot 0) and CMS signature wrapper (slot 0x10000), each as its own view. */
function readSuperBlob(blob: StructView): { directory: StructView; cms: StructView | null } {
  const magic = blob.u32(0, 'SuperBlob magic');
  if (magic !== CSMAGIC_EMBEDDED_SIGNATURE) {
    throw bad(
      blob.base,
      `code signature magic 0x${magic.toString(16)} is not 0xfade0cc0 (embedded signature)`,
    );
  }
  const length = blob.u32(4, 'SuperBlob length');
  const count = blob.u32(8, 'SuperBlob count');
  if (length < 12 || length > blob.length) {
    throw bad(blob.base + 4, `code signature SuperBlob length ${length} is outside its ${blob.length} bytes`);
  }
  if (count > Math.floor((length - 12) / 8)) {
    throw bad(blob.base + 8, `code signature SuperBlob count ${count} does not fit in its length ${length}`);
  }
  const indexEnd = 12 + count * 8;
  let directory: StructView | null = null;
  let cms: StructView | null = null;
  for (let i = 0; i < count; i++) {
    const type = blob.u32(12 + i * 8, 'blob type');
    const offset = blob.u32(16 + i * 8, 'blob offset');
    if (type !== CSSLOT_CODEDIRECTORY && type !== CSSLOT_SIGNATURESLOT) continue;
    const inner = innerBlob(blob, offset, indexEnd, length);
    if (type === CSSLOT_CODEDIRECTORY) directory = inner;
    else cms = inner;
  }
  if (!directory) throw bad(blob.base, 'code signature has no CodeDirectory (slot 0)');
  if (cms && cms.u32(0, 'CMS blob magic') !== CSMAGIC_BLOBWRAPPER) {
    throw bad(cms.base, `code signature CMS blob magic 0x${cms.u32(0).toString(16)} is not 0xfade0b01`);
  }
  return { directory, cms };
}

/** A blob {magic, length, …} at `offset` of the SuperBlob: after the index, inside the SuperBlob's length. */
function innerBlob(blob: StructView, offset: number, indexEnd: number, length: number): StructView {
  if (offset < indexEnd || offset + 8 > length) {
    throw bad(
      blob.base + offset,
      `code signature blob offset ${offset} is outside the SuperBlob (${length} bytes)`,
    );
  }
  const size = blob.u32(offset + 4, 'blob length');
  if (size < 8 || offset + size > length) {
    throw bad(
      blob.base + offset + 4,
      `code signature blob length ${size} at offset ${offset} runs past the SuperBlob`,
    );
  }
  return blob.sub(offset, size, 'blob');
}

function readCodeDirectory(v: StructView, file: MachoFile): CodeDirectory {
  const magic = v.u32(0, 'CodeDirectory magic');
  if (magic !== CSMAGIC_CODEDIRECTORY) {
    throw bad(v.base, `CodeDirectory magic 0x${magic.toString(16)} is not 0xfade0c02`);
  }
  if (v.length < CD_HEADER)
    throw bad(v.base + 4, `CodeDirectory length ${v.length} is smaller than ${CD_HEADER}`);
  const version = v.u32(8, 'version');
  const hashType = v.u8(37, 'hashType');
  const hashSize = v.u8(36, 'hashSize');
  const algorithm = HASH_TYPES.get(hashType);
  if (!algorithm || algorithm.size !== hashSize) {
    throw bad(v.base + 36, `CodeDirectory hash type ${hashType} with hash size ${hashSize} is not supported`);
  }
  const pageBits = v.u8(39, 'pageSize');
  if (pageBits > 30) throw bad(v.base + 39, `CodeDirectory page size 2^${pageBits} is implausible`);
  const cd: CodeDirectory = {
    flags: v.u32(12, 'flags'),
    hashOffset: v.u32(16, 'hashOffset'),
    nCodeSlots: v.u32(28, 'nCodeSlots'),
    codeLimit: codeLimit(v, version),
    hashSize,
    hashType,
    pageBits,
    view: v,
  };
  if (cd.codeLimit > file.size) {
    throw bad(
      v.base + 32,
      `CodeDirectory codeLimit 0x${cd.codeLimit.toString(16)} is past the end of the image (0x${file.size.toString(16)})`,
    );
  }
  const pages = pageCount(cd);
  if (cd.nCodeSlots !== pages) {
    throw bad(
      v.base + 28,
      `CodeDirectory nCodeSlots ${cd.nCodeSlots} does not match codeLimit 0x${cd.codeLimit.toString(16)} (${pages} pages)`,
    );
  }
  if (cd.hashOffset + cd.nCodeSlots * hashSize > v.length) {
    throw bad(
      v.base + 16,
      `CodeDirectory hashes (${cd.nCodeSlots} × ${hashSize} bytes at ${cd.hashOffset}) run past its length ${v.length}`,
    );
  }
  return cd;
}

/** codeLimit @32, or codeLimit64 @56 when the version has it and it is set. */
function codeLimit(v: StructView, version: number): number {
  if (version >= 0x20300 && v.length >= 64) {
    const wide = v.u64(56, 'codeLimit64');
    if (wide !== 0n) {
      if (wide > BigInt(Number.MAX_SAFE_INTEGER))
        throw bad(v.base + 56, `CodeDirectory codeLimit64 0x${wide.toString(16)} is out of range`);
      return Number(wide);
    }
  }
  return v.u32(32, 'codeLimit');
}

function pageSize(cd: CodeDirectory): number {
  return cd.pageBits === 0 ? Math.max(cd.codeLimit, 1) : 2 ** cd.pageBits;
}

function pageCount(cd: CodeDirectory): number {
  return Math.ceil(cd.codeLimit / pageSize(cd));
}

/** Hashes the image page by page, reading it a window at a time; stops at the first mismatch. */
function hashesMatch(src: ByteSource, file: MachoFile, cd: CodeDirectory): boolean {
  const { algorithm } = HASH_TYPES.get(cd.hashType) as { algorithm: string };
  const page = pageSize(cd);
  if (page > WINDOW) return hugePagesMatch(src, file, cd, algorithm, page);
  // Windows hold whole pages, so each page is one call of the one-shot hash: most of the cost
  // of hashing a binary's ~400 pages with createHash is making and finishing the Hash objects.
  const step = page * Math.floor(WINDOW / page);
  let slot = 0;
  for (let position = 0; position < cd.codeLimit; position += step) {
    const data = readBytes(
      src,
      'macho',
      file.base + position,
      Math.min(step, cd.codeLimit - position),
      'signed code',
    );
    for (let i = 0; i < data.length; i += page, slot++) {
      const digest = hashOnce(algorithm, data.subarray(i, i + page));
      if (!equalPrefix(digest, cd.view.slice(cd.hashOffset + slot * cd.hashSize, cd.hashSize, 'code hash')))
        return false;
    }
  }
  return true;
}

/** crypto.hash (Node >= 20.12) when there is one, else a Hash object. */
const hashOnce: (algorithm: string, data: Uint8Array) => Uint8Array =
  typeof crypto.hash === 'function'
    ? (algorithm, data) => crypto.hash(algorithm, data, 'buffer')
    : (algorithm, data) => crypto.createHash(algorithm).update(data).digest();

/** Pages larger than a read window (page size 2^21 and up: seen only in crafted files), fed a window at a time. */
function hugePagesMatch(
  src: ByteSource,
  file: MachoFile,
  cd: CodeDirectory,
  algorithm: string,
  page: number,
): boolean {
  let slot = 0;
  for (let start = 0; start < cd.codeLimit; start += page, slot++) {
    const end = Math.min(start + page, cd.codeLimit);
    const hash = crypto.createHash(algorithm);
    for (let position = start; position < end; position += WINDOW) {
      hash.update(
        readBytes(src, 'macho', file.base + position, Math.min(WINDOW, end - position), 'signed code'),
      );
    }
    if (
      !equalPrefix(hash.digest(), cd.view.slice(cd.hashOffset + slot * cd.hashSize, cd.hashSize, 'code hash'))
    )
      return false;
  }
  return true;
}

function equalPrefix(digest: Uint8Array, stored: Uint8Array): boolean {
  for (let i = 0; i < stored.length; i++) if (digest[i] !== stored[i]) return false;
  return true;
}

/** This format's error: every malformed input ends in one. */
function bad(at: number, problem: string): FormatError {
  return new FormatError('macho', at, problem);
}
