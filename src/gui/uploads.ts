// Files a page uploads: the browser cannot hand this program a path (and must not learn one),
// so it sends the bytes over its WebSocket, announced by `upload-start` and then in binary
// messages of at most UPLOAD_CHUNK_BYTES, with at most UPLOAD_WINDOW_BYTES not yet written to
// disk. They land in a private temporary folder (0700, a file 0600 named with the browser's
// name made safe), and once complete the bridge hands that path to FileTransfers, exactly as
// `/send` would; the folder is removed when the transfer ends, the page goes or the program ends.
// Everything the page declares is checked before a byte is stored: the size against the limit,
// the name reduced to one safe file name, each frame against its upload's window and size.
import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { formatSize } from '../common/sizes.js';
import { safeFileName } from '../protocol/file-names.js';
import { UPLOAD_CHUNK_BYTES, UPLOAD_FRAME, UPLOAD_WINDOW_BYTES } from './upload-frames.js';

export interface UploadLimits {
  /** The largest file accepted from a page. */
  maxBytes: number;
  /** Uploads received or waiting to be sent, across all pages. */
  maxPending: number;
}

/** A complete upload, on disk, ready for FileTransfers. */
export interface ReceivedFile {
  path: string;
  name: string;
  size: number;
  /** Remove the private folder (after the transfer ended). */
  discard(): Promise<void>;
}

export interface UploadEvents<P> {
  /** Bytes written so far (the page's acknowledgement: it may send up to the window beyond this). */
  progress(page: P, upload: number, received: number): void;
  complete(page: P, upload: number, file: ReceivedFile): void;
  failed(page: P, upload: number, code: string, message: string): void;
}

interface Incoming {
  id: number;
  name: string;
  size: number;
  /** Bytes that arrived (in order). */
  received: number;
  /** Bytes on disk. */
  written: number;
  dir: string;
  file: string;
  handle: Promise<FileHandle>;
  /** Writes in arrival order. */
  chain: Promise<void>;
  ended: boolean;
}

export class PageUploads<P> {
  private readonly byPage = new Map<P, Map<number, Incoming>>();
  /** Uploads received and not yet discarded (being sent, or waiting their turn). */
  private handedOver = 0;
  private closed = false;

  constructor(
    private readonly baseDir: string,
    private readonly limits: UploadLimits,
    private readonly events: UploadEvents<P>,
  ) {}

  private pending(): number {
    let receiving = 0;
    for (const uploads of this.byPage.values()) receiving += uploads.size;
    return receiving + this.handedOver;
  }

  /** `upload-start`: undefined when accepted, or why not (code, sentence). */
  start(page: P, id: number, untrustedName: string, size: number): { code: string; message: string } | undefined {
    if (this.closed) return { code: 'NOT_NOW', message: 'Party Pool is closing.' };
    const uploads = this.byPage.get(page) ?? new Map<number, Incoming>();
    if (uploads.has(id)) return { code: 'BAD_MESSAGE', message: 'That upload number is in use.' };
    if (size > this.limits.maxBytes) return { code: 'FILE_TOO_LARGE', message: `That file is too large: at most ${formatSize(this.limits.maxBytes)} can be shared.` };
    if (this.pending() >= this.limits.maxPending) return { code: 'UPLOAD_BUSY', message: `${this.limits.maxPending} files are on their way already; send this one when they are done.` };
    const name = safeFileName(untrustedName);
    let dir: string;
    try {
      dir = fs.mkdtempSync(path.join(this.baseDir, 'party-pool-upload-'));
    } catch (error) {
      return { code: 'UPLOAD_FAILED', message: `Could not store the upload: ${describe(error)}.` };
    }
    this.dirs.add(dir);
    const file = path.join(dir, name);
    // O_EXCL in a fresh folder: nothing to follow or overwrite; 0600, read by this program only.
    const handle = fs.promises.open(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
    const incoming: Incoming = { id, name, size, received: 0, written: 0, dir, file, handle, chain: Promise.resolve(), ended: false };
    uploads.set(id, incoming);
    this.byPage.set(page, uploads);
    // A failed open is reported by the catch below; the writes chained on this see `ended`.
    incoming.chain = handle.then(
      () => undefined,
      () => undefined,
    );
    if (size === 0) this.finishWhenWritten(page, incoming);
    else this.events.progress(page, id, 0);
    handle.catch((error: unknown) => this.fail(page, incoming, 'UPLOAD_FAILED', `Could not store the upload: ${describe(error)}.`));
    return undefined;
  }

  /** A binary message: undefined when taken, or why it was refused (the page broke the rules). */
  data(page: P, frame: Buffer): string | undefined {
    if (frame.length < UPLOAD_FRAME.headerBytes) return 'A binary message is an upload chunk: 4 bytes of upload number first.';
    const id = frame.readUInt32BE(0);
    const incoming = this.byPage.get(page)?.get(id);
    // An upload this page cancelled (or that failed) may still have a window's worth of frames in flight: dropped quietly.
    if (!incoming) return this.inFlightAfterEnd(page, id, frame.length - UPLOAD_FRAME.headerBytes) ? undefined : 'No such upload.';
    const bytes = frame.subarray(UPLOAD_FRAME.headerBytes);
    if (bytes.length === 0 || bytes.length > UPLOAD_CHUNK_BYTES) return `An upload chunk is 1 to ${UPLOAD_CHUNK_BYTES} bytes.`;
    if (incoming.received + bytes.length > incoming.size) {
      this.fail(page, incoming, 'BAD_MESSAGE', 'More bytes came than the file was said to have.');
      return 'More bytes than announced.';
    }
    if (incoming.received + bytes.length - incoming.written > UPLOAD_WINDOW_BYTES) {
      this.fail(page, incoming, 'BAD_MESSAGE', 'The page sent faster than it was allowed to.');
      return 'Upload window exceeded.';
    }
    const offset = incoming.received;
    incoming.received += bytes.length;
    // The frame's buffer is ws's; copy before it is written later.
    const copy = Buffer.from(bytes);
    incoming.chain = incoming.chain.then(async () => {
      if (incoming.ended) return;
      const handle = await incoming.handle;
      let done = 0;
      while (done < copy.length) done += (await handle.write(copy, done, copy.length - done, offset + done)).bytesWritten;
      incoming.written += copy.length;
      if (incoming.written < incoming.size) this.events.progress(page, id, incoming.written);
    });
    incoming.chain.catch((error: unknown) => this.fail(page, incoming, 'UPLOAD_FAILED', `Could not store the upload: ${describe(error)}.`));
    if (incoming.received === incoming.size) this.finishWhenWritten(page, incoming);
    return undefined;
  }

  /** Every private folder not yet removed (the program's end removes what is left). */
  private readonly dirs = new Set<string>();

  /** Uploads that ended, per page: the bytes still tolerated for each (frames already in flight). */
  private readonly ended = new Map<P, Map<number, number>>();

  private inFlightAfterEnd(page: P, id: number, bytes: number): boolean {
    const ended = this.ended.get(page);
    const allowance = ended?.get(id);
    if (!ended || allowance === undefined) return false;
    ended.set(id, allowance - bytes);
    return allowance - bytes >= 0;
  }

  private forget(page: P, incoming: Incoming): void {
    incoming.ended = true;
    this.byPage.get(page)?.delete(incoming.id);
    if (this.byPage.get(page)?.size === 0) this.byPage.delete(page);
    const ended = this.ended.get(page) ?? new Map<number, number>();
    ended.set(incoming.id, UPLOAD_WINDOW_BYTES);
    // Only the last few are remembered: enough for frames still in flight.
    if (ended.size > 16) ended.delete(ended.keys().next().value ?? 0);
    this.ended.set(page, ended);
  }

  private finishWhenWritten(page: P, incoming: Incoming): void {
    void incoming.chain
      .then(async () => {
        if (incoming.ended) return;
        await (await incoming.handle).close();
        // Cancelled, or the page went, while the file was being closed: nothing is handed over.
        if (incoming.ended) return;
        this.forget(page, incoming);
        this.handedOver += 1;
        let discarded = false;
        this.events.complete(page, incoming.id, {
          path: incoming.file,
          name: incoming.name,
          size: incoming.size,
          discard: async () => {
            if (discarded) return;
            discarded = true;
            this.handedOver -= 1;
            await fs.promises.rm(incoming.dir, { recursive: true, force: true });
            this.dirs.delete(incoming.dir);
          },
        });
      })
      .catch((error: unknown) => this.fail(page, incoming, 'UPLOAD_FAILED', `Could not store the upload: ${describe(error)}.`));
  }

  private fail(page: P, incoming: Incoming, code: string, message: string): void {
    if (incoming.ended) return;
    this.forget(page, incoming);
    void this.remove(incoming);
    this.events.failed(page, incoming.id, code, message);
  }

  private async remove(incoming: Incoming): Promise<void> {
    await incoming.chain.catch(() => undefined);
    await incoming.handle.then((handle) => handle.close()).catch(() => undefined);
    await fs.promises.rm(incoming.dir, { recursive: true, force: true });
    this.dirs.delete(incoming.dir);
  }

  /** The page gave up on an upload. */
  cancel(page: P, id: number): void {
    const incoming = this.byPage.get(page)?.get(id);
    if (!incoming) return;
    this.forget(page, incoming);
    void this.remove(incoming);
  }

  /** The page went away: what it was still sending is deleted. */
  dropPage(page: P): void {
    for (const incoming of [...(this.byPage.get(page)?.values() ?? [])]) this.cancel(page, incoming.id);
    this.byPage.delete(page);
    this.ended.delete(page);
  }

  /**
   * The program ends: every copy is deleted, unfinished or handed over, at once (synchronously:
   * the process may exit right after).
   */
  close(): void {
    this.closed = true;
    const all = [...this.byPage.entries()].flatMap(([page, uploads]) => [...uploads.values()].map((incoming) => ({ page, incoming })));
    for (const { page, incoming } of all) this.forget(page, incoming);
    for (const dir of this.dirs) fs.rmSync(dir, { recursive: true, force: true });
    this.dirs.clear();
    for (const { incoming } of all) void incoming.handle.then((handle) => handle.close()).catch(() => undefined);
  }

  /** Uploads being received now (tests look). */
  get receiving(): number {
    let count = 0;
    for (const uploads of this.byPage.values()) count += uploads.size;
    return count;
  }
}

function describe(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOSPC' ? 'the disk is full' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (code ?? (error instanceof Error ? error.message : String(error)));
}
