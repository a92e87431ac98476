// Files sent to one person (issue 14) are sealed on the sender's device and opened on the
// recipient's: the server stores ciphertext only. Each file gets a fresh random key; its plaintext
// is cut into 64 KiB chunks, each sealed with content-cipher.ts's STREAM construction bound to the
// file's id (so chunks cannot be reordered, dropped from the end or moved to another file), and
// the sealed chunks are uploaded back to back. The key, the real name, the plaintext size and
// SHA-256 travel inside an end-to-end encrypted direct message (payload kind "file").
//
// The DM layer (direct-chat.ts, issue 13) provides a DirectFileChannel (ChatClient.directFiles):
// file-transfers.ts calls `sendFile` once the ciphertext is stored, and `fileFor` when someone
// types /get for a file a direct message announced. A session without a usable device has no
// channel: /send @name is then refused (DIRECT_FILES_UNAVAILABLE) and such files cannot be opened
// (FILE_KEY_UNKNOWN).
import type { FileHandle } from 'node:fs/promises';
import { PartyPoolError } from '../common/errors.js';
import { CONTENT_TAG_BYTES, newContentKey, openChunk, sealChunk, type ContentBinding } from '../crypto/content-cipher.js';
import type { DirectPayload } from '../protocol/direct-payload.js';

/** What a direct message of kind "file" carries: {id, name, size, sha256, key (base64url)}. */
export type DirectFile = Extract<DirectPayload, { kind: 'file' }>['file'];

/** What the DM layer gives file transfers. */
export interface DirectFileChannel {
  /**
   * Before the upload: could the key go to `to` now (a usable device, their keys, trust)? Rejects
   * with the refusal (VERIFY_REQUIRED, RECIPIENT_NO_KEYS, …), so a file is not uploaded for nothing.
   */
  checkRecipient?(to: string): Promise<void>;
  /**
   * Send `file` (key included) to `to` in an end-to-end encrypted direct message: payload
   * `{v:1, kind:"file", from, to, file}`, routing `fileId: file.id`. Resolves once the server
   * acknowledged it; rejects with the refusal (VERIFY_REQUIRED, DEVICES_CHANGED, …) otherwise.
   */
  sendFile(to: string, file: DirectFile): Promise<void>;
  /**
   * The file a direct message gave this device (or that this account sent), by file id; kept in
   * the profile, so it survives a restart. With `from` (the uploader the server names), a message
   * from that person is preferred: anyone can send a direct message naming any file id.
   */
  fileFor(id: string, from?: string): DirectFile | undefined;
}

/** Plaintext bytes per sealed chunk: fixed by the format, whatever the transfer's chunk size. */
export const DIRECT_FILE_PLAIN_CHUNK = 64 * 1024;
export const DIRECT_FILE_SEALED_CHUNK = DIRECT_FILE_PLAIN_CHUNK + CONTENT_TAG_BYTES;

function chunkCount(plainSize: number): number {
  // An empty file is one (empty, final) chunk.
  return Math.max(1, Math.ceil(plainSize / DIRECT_FILE_PLAIN_CHUNK));
}

/** The size on the server of a file of `plainSize` bytes once sealed. */
export function sealedSize(plainSize: number): number {
  return plainSize + chunkCount(plainSize) * CONTENT_TAG_BYTES;
}

function binding(fileId: string): ContentBinding {
  return { purpose: 'file', id: fileId };
}

/** A fresh key for one file (never used for another). */
export function newFileKey(): Buffer {
  return newContentKey();
}

/** The key as a direct message carries it, and back. */
export function encodeFileKey(key: Uint8Array): string {
  return Buffer.from(key).toString('base64url');
}

export function decodeFileKey(text: string): Buffer {
  return Buffer.from(text, 'base64url');
}

/**
 * A plaintext file read as its sealed form, from any offset: an upload that resumes in the middle
 * of a sealed chunk seals that chunk again (same key, same nonce, same bytes: AES-GCM is
 * deterministic for them) and sends its tail.
 */
export class SealedFileReader {
  readonly size: number;
  private cached: { index: number; sealed: Buffer } | undefined;

  constructor(
    private readonly handle: FileHandle,
    private readonly plainSize: number,
    private readonly key: Uint8Array,
    private readonly fileId: string,
  ) {
    this.size = sealedSize(plainSize);
  }

  /** `length` sealed bytes from `offset` (within the file). */
  async read(offset: number, length: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let at = offset;
    const end = Math.min(this.size, offset + length);
    while (at < end) {
      const index = Math.floor(at / DIRECT_FILE_SEALED_CHUNK);
      const sealed = await this.sealed(index);
      const from = at - index * DIRECT_FILE_SEALED_CHUNK;
      const take = Math.min(sealed.length - from, end - at);
      parts.push(sealed.subarray(from, from + take));
      at += take;
    }
    return parts.length === 1 && parts[0] ? parts[0] : Buffer.concat(parts);
  }

  private async sealed(index: number): Promise<Buffer> {
    if (this.cached?.index === index) return this.cached.sealed;
    const start = index * DIRECT_FILE_PLAIN_CHUNK;
    const length = Math.min(DIRECT_FILE_PLAIN_CHUNK, this.plainSize - start);
    const plain = Buffer.alloc(Math.max(0, length));
    let filled = 0;
    while (filled < plain.length) {
      const { bytesRead } = await this.handle.read(plain, filled, plain.length - filled, start + filled);
      if (bytesRead === 0) throw new PartyPoolError('FILE_CHANGED', 'The file got shorter while it was being sent; send it again.');
      filled += bytesRead;
    }
    const sealed = sealChunk(this.key, binding(this.fileId), { index, final: index === chunkCount(this.plainSize) - 1 }, plain);
    this.cached = { index, sealed };
    return sealed;
  }
}

/**
 * Sealed bytes in, plaintext out: chunks are opened as they complete, in order. A chunk that does
 * not open (altered, reordered, from another file) is DECRYPT_FAILED.
 */
export class FileOpener {
  private buffered: Buffer[] = [];
  private bufferedBytes = 0;
  private index: number;
  private readonly chunks: number;

  constructor(
    private readonly key: Uint8Array,
    private readonly fileId: string,
    plainSize: number,
    /** The first sealed chunk still to come (a resumed download). */
    startIndex: number,
  ) {
    this.chunks = chunkCount(plainSize);
    this.index = startIndex;
  }

  /** Where a download of `plainSize` bytes resumes when `plainBytes` are already saved: whole chunks only, and never past the final one (it must be opened to prove the end). */
  static resumePoint(plainBytes: number, plainSize: number): { plain: number; sealed: number; index: number } {
    const index = Math.min(Math.floor(plainBytes / DIRECT_FILE_PLAIN_CHUNK), chunkCount(plainSize) - 1);
    return { plain: index * DIRECT_FILE_PLAIN_CHUNK, sealed: index * DIRECT_FILE_SEALED_CHUNK, index };
  }

  /** Feed sealed bytes; returns the plaintext of every chunk they completed. */
  push(data: Buffer): Buffer[] {
    this.buffered.push(data);
    this.bufferedBytes += data.length;
    const out: Buffer[] = [];
    while (this.index < this.chunks - 1 && this.bufferedBytes >= DIRECT_FILE_SEALED_CHUNK) out.push(this.open(this.take(DIRECT_FILE_SEALED_CHUNK), false));
    return out;
  }

  /** The stream ended: open the final chunk (whatever is left). */
  finish(): Buffer {
    if (this.index !== this.chunks - 1) throw new PartyPoolError('DECRYPT_FAILED', 'The file ended early: a part of it is missing.');
    return this.open(this.take(this.bufferedBytes), true);
  }

  private open(sealed: Buffer, final: boolean): Buffer {
    const plain = openChunk(this.key, binding(this.fileId), { index: this.index, final }, sealed);
    this.index += 1;
    return plain;
  }

  private take(count: number): Buffer {
    const all = this.buffered.length === 1 && this.buffered[0] ? this.buffered[0] : Buffer.concat(this.buffered, this.bufferedBytes);
    const taken = all.subarray(0, count);
    const rest = all.subarray(count);
    this.buffered = rest.length > 0 ? [rest] : [];
    this.bufferedBytes = rest.length;
    return taken;
  }
}
