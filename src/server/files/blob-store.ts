// Where shared files' bytes live, under the data directory (folders 0700, files 0600):
//
//   files/partial/<id>.part      an upload in progress, written at the offsets the uploader sends
//   files/blobs/<ab>/<sha256>    a published file, named by its SHA-256 (one copy per content)
//
// A partial file becomes a blob only after its SHA-256 was checked (file-service.ts), by a rename
// in the same file system, so a blob is always whole. The database says which blobs are in use.
import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Sha256 } from '../../crypto/hash.js';

export const FILES_DIR = 'files';

export interface DiskSpace {
  readonly total: number;
  readonly free: number;
}

/** Hooks for tests: a disk that looks nearly full, or one that fills up in the middle of an upload. */
export interface BlobStoreHooks {
  diskSpace?: (dir: string) => Promise<DiskSpace>;
  /** Runs before each chunk is written; throwing (ENOSPC, say) is a failed write. */
  beforeWrite?: (id: number, offset: number, length: number) => void;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;
const PARTIAL_FILE = /^(\d{1,16})\.part$/;
/** Bytes read at a time when an interrupted upload's hash is rebuilt. */
const REHASH_PIECE = 256 * 1024;

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}

export class BlobStore {
  readonly root: string;
  private readonly blobs: string;
  private readonly partials: string;

  constructor(
    dataDir: string,
    private readonly hooks: BlobStoreHooks = {},
  ) {
    this.root = path.join(dataDir, FILES_DIR);
    this.blobs = path.join(this.root, 'blobs');
    this.partials = path.join(this.root, 'partial');
  }

  /** Create the folders (owner-only) at start. */
  prepare(): void {
    for (const dir of [this.root, this.blobs, this.partials]) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  partialPath(id: number): string {
    return path.join(this.partials, `${id}.part`);
  }

  blobPath(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new Error('not a SHA-256');
    return path.join(this.blobs, sha256.slice(0, 2), sha256);
  }

  /** Open (creating, empty, if missing) an upload's partial file; its size is where the upload stands. */
  async openPartial(id: number): Promise<{ handle: FileHandle; size: number }> {
    const handle = await fs.promises.open(this.partialPath(id), fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
    try {
      const { size } = await handle.stat();
      return { handle, size };
    } catch (error) {
      await handle.close();
      throw error;
    }
  }

  /** Write one chunk at its offset. */
  async write(handle: FileHandle, id: number, data: Buffer, offset: number): Promise<void> {
    this.hooks.beforeWrite?.(id, offset, data.length);
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await handle.write(data, done, data.length - done, offset + done);
      done += bytesWritten;
    }
  }

  /** Feed the first `length` bytes of a partial file to `hash` (an upload resumed after its hash state was lost). */
  async hashPrefix(handle: FileHandle, length: number, hash: Sha256): Promise<void> {
    const piece = Buffer.allocUnsafe(Math.min(REHASH_PIECE, Math.max(length, 1)));
    for (let at = 0; at < length; ) {
      const { bytesRead } = await handle.read(piece, 0, Math.min(piece.length, length - at), at);
      if (bytesRead === 0) throw Object.assign(new Error('the partial file is shorter than expected'), { code: 'EIO' });
      hash.update(piece.subarray(0, bytesRead));
      at += bytesRead;
    }
  }

  /** Cut a partial file back to `length` bytes (a chunk whose write failed halfway). */
  async truncate(handle: FileHandle, length: number): Promise<void> {
    await handle.truncate(length);
  }

  /** Make a checked partial file the blob for `sha256` (or drop it when that content is stored already). */
  async publish(id: number, sha256: string): Promise<void> {
    const target = this.blobPath(sha256);
    const partial = this.partialPath(id);
    if (fs.existsSync(target)) {
      await fs.promises.rm(partial, { force: true });
      return;
    }
    await fs.promises.mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
    await fs.promises.rename(partial, target);
  }

  async openBlob(sha256: string): Promise<FileHandle> {
    return fs.promises.open(this.blobPath(sha256), 'r');
  }

  removePartial(id: number): void {
    try {
      fs.unlinkSync(this.partialPath(id));
    } catch (error) {
      ignoreMissing(error);
    }
  }

  /** Remove a blob nobody uses (an open download keeps reading it where the system allows). */
  removeBlob(sha256: string): void {
    try {
      fs.unlinkSync(this.blobPath(sha256));
    } catch (error) {
      ignoreMissing(error);
    }
  }

  /** The disk's size and free space where files are kept. */
  async diskSpace(): Promise<DiskSpace> {
    if (this.hooks.diskSpace) return this.hooks.diskSpace(this.root);
    const stats = await fs.promises.statfs(this.root);
    return { total: stats.blocks * stats.bsize, free: stats.bavail * stats.bsize };
  }

  /** The SHA-256 of every blob on disk. */
  blobHashes(): string[] {
    const out: string[] = [];
    for (const prefix of readDir(this.blobs)) for (const name of readDir(path.join(this.blobs, prefix))) if (SHA256_HEX.test(name) && name.startsWith(prefix)) out.push(name);
    return out;
  }

  /** The id of every partial file on disk. */
  partialIds(): number[] {
    return readDir(this.partials).flatMap((name) => {
      const match = PARTIAL_FILE.exec(name);
      return match?.[1] ? [Number(match[1])] : [];
    });
  }
}

function readDir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch (error) {
    ignoreMissing(error);
    return [];
  }
}
