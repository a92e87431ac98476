// The client's file transfers (issue 14): /send and /get on a ChatClient. At most two run at once
// (the server's per-session limit; more wait their turn). An upload hashes the file, offers it
// (the server refuses a file that does not fit before a byte is sent), then sends chunks with a
// bounded number of bytes in flight, so a chat line typed meanwhile waits behind little; the
// server confirms offsets, and the `file` event it sends once the SHA-256 matched ends it. A
// download writes to a hidden partial file beside its final name, checks the SHA-256, and only
// then takes a name that overwrites nothing. A dropped connection pauses both: after the
// reconnect they resume from the server's offset (uploads) or the partial file's size
// (downloads), and the next /send or /get of the same file in a new program does the same.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { config } from '../../config.js';
import { PartyPoolError } from '../common/errors.js';
import { createSha256 } from '../crypto/hash.js';
import type { TransferNotice, TransferView } from '../cli/file-view.js';
import { safeFileName } from '../protocol/file-names.js';
import { decodeChunk, encodeFileFrame, type FileShared } from '../protocol/files.js';
import type { ServerMessage } from '../protocol/messages.js';
import type { ChatClient } from './chat-client.js';
import { FileOpener, SealedFileReader, decodeFileKey, encodeFileKey, newFileKey, sealedSize, type DirectFile, type DirectFileChannel } from './direct-files.js';
import { hashRange, openLocalFile, partialDownloadPath, publishDownload, type LocalFile } from './local-files.js';

/** Where a file goes: a room, or one person. */
export type FileDestination = { readonly room: string } | { readonly to: string };

export interface FileTransfersOptions {
  /** Where /get saves when no folder is given. */
  readonly downloadsDir: string;
  /** Relative paths are read and written from here. */
  readonly cwd?: string;
  /** The DM layer's channel (ChatClient.directFiles): without it, files to one person are refused. */
  readonly direct?: DirectFileChannel | undefined;
  readonly maxConcurrent?: number;
  readonly uploadWindowBytes?: number;
  readonly downloadBufferBytes?: number;
  /** How long a finished transfer's bar stays on screen. */
  readonly lingerMs?: number;
  /** How often progress is reported while something runs. */
  readonly progressIntervalMs?: number;
  readonly now?: () => number;
}

interface TransferEvents {
  /** The transfers on screen, every progress interval while any runs, and once when the last is gone. */
  progress: [TransferView[]];
  /** A transfer ended: saved, sent, or why not. */
  notice: [TransferNotice];
}

/** The connection dropped under a transfer: it waits for the reconnect. */
class Interrupted extends Error {}

/** The server (or this program) refused or stopped a transfer; `shown` when the person already saw the server's error. */
class TransferFailed extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly shown = false,
  ) {
    super(message);
  }
}

const SPEED_WINDOW_MS = 3000;

/** Server messages about one file, collected from the moment a request is made (replies can come in the same read as the next frames). */
class FileWatch {
  acked = -1;
  failed: { code: string; message: string } | undefined;
  published: FileShared | undefined;
  ended = false;
  /** The download's `file-start` came: data frames from then on are this request's (not an abandoned one's). */
  started = false;
  data: { offset: number; bytes: Buffer }[] = [];
  queuedBytes = 0;
  dropped = false;
  private wake: (() => void) | undefined;
  private readonly onMessage = (message: ServerMessage): void => this.see(message);
  private readonly onDrop = (): void => {
    this.dropped = true;
    this.poke();
  };

  constructor(
    private readonly client: ChatClient,
    /** The file id, once known (an upload learns it from `file-accepted`). */
    public file: number | undefined,
  ) {
    client.on('message', this.onMessage);
    client.on('disconnected', this.onDrop);
    client.on('closed', this.onDrop);
  }

  private see(message: ServerMessage): void {
    switch (message.type) {
      case 'file-ack':
        if (message.file === this.file) this.acked = Math.max(this.acked, message.offset);
        break;
      case 'file-failed':
        if (message.file === this.file) this.failed = { code: message.code, message: message.message };
        break;
      case 'file':
        if (message.id === this.file && message.ref === undefined) this.published = message;
        break;
      case 'file-start':
        if (message.file === this.file) this.started = true;
        break;
      case 'file-data':
        if (message.file === this.file && this.started) {
          // Not base64: an empty piece at its offset, which the download takes for a gap and asks again.
          const bytes = decodeChunk(message.data) ?? Buffer.alloc(0);
          this.data.push({ offset: message.offset, bytes });
          this.queuedBytes += bytes.length;
        }
        break;
      case 'file-end':
        if (message.file === this.file) this.ended = true;
        break;
      default:
        return;
    }
    this.poke();
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Wait until `ready()` holds; Interrupted once the connection dropped. */
  async until(ready: () => boolean): Promise<void> {
    while (!ready()) {
      if (this.dropped) throw new Interrupted();
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  dispose(): void {
    this.client.off('message', this.onMessage);
    this.client.off('disconnected', this.onDrop);
    this.client.off('closed', this.onDrop);
    this.poke();
  }
}

abstract class Job {
  name: string;
  size = 0;
  done = 0;
  phase: TransferView['phase'] = 'queued';
  endedAt: number | undefined;
  private samples: { at: number; done: number }[] = [];

  constructor(
    readonly key: number,
    readonly direction: 'upload' | 'download',
    name: string,
  ) {
    this.name = name;
  }

  abstract run(): Promise<void>;

  /** Progress, and its speed over the last few seconds. */
  view(now: number): TransferView {
    if (this.phase === 'sending' || this.phase === 'receiving') {
      this.samples.push({ at: now, done: this.done });
      while (this.samples.length > 2 && (this.samples[0]?.at ?? now) < now - SPEED_WINDOW_MS) this.samples.shift();
    }
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    const span = first && last ? (last.at - first.at) / 1000 : 0;
    const speed = first && last && span >= 0.2 ? (last.done - first.done) / span : undefined;
    return { key: this.key, direction: this.direction, name: this.name, size: this.size, done: this.done, bytesPerSecond: speed, phase: this.phase };
  }

  /** Forget the speed samples (after a pause, the old ones would lie). */
  restartSpeed(): void {
    this.samples = [];
  }
}

export class FileTransfers extends EventEmitter<TransferEvents> {
  private readonly jobs: Job[] = [];
  private readonly running = new Set<Job>();
  /** Jobs waiting for a free slot, each a function that starts it. */
  private readonly waiting: (() => void)[] = [];
  private nextKey = 1;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];
  private closed = false;
  private readonly now: () => number;
  private readonly maxConcurrent: number;

  constructor(
    private readonly client: ChatClient,
    private readonly options: FileTransfersOptions,
  ) {
    super();
    this.now = options.now ?? Date.now;
    this.maxConcurrent = options.maxConcurrent ?? config.files.transfersPerSession;
  }

  /** `/send`: share `file` in a room or send it to one person. Resolves true once answered (shared, or refused), false if the connection ended first. */
  send(file: string, destination: FileDestination): Promise<boolean> {
    const full = path.resolve(this.options.cwd ?? process.cwd(), file);
    const job = new UploadJob(this.nextKey++, full, destination, this);
    // The same file to the same place twice at once would take the upload from itself.
    if (this.jobs.some((other) => other.endedAt === undefined && other instanceof UploadJob && other.sameAs(job))) return this.refuseDouble(`${path.basename(full)} is being sent there already.`);
    return this.schedule(job);
  }

  /** `/get`: download file `id` into `dir` (default: the downloads folder). Resolves like `send`. */
  get(id: number, dir?: string): Promise<boolean> {
    const folder = path.resolve(this.options.cwd ?? process.cwd(), dir ?? this.options.downloadsDir);
    if (this.jobs.some((other) => other.endedAt === undefined && other instanceof DownloadJob && other.id === id)) return this.refuseDouble(`File ${id} is being downloaded already.`);
    return this.schedule(new DownloadJob(this.nextKey++, id, folder, this));
  }

  private refuseDouble(message: string): Promise<boolean> {
    this.report({ type: 'error', code: 'INVALID_ARGUMENT', message });
    return Promise.resolve(true);
  }

  /** Resolves once nothing runs or waits. */
  idle(): Promise<void> {
    if (!this.jobs.some((job) => job.endedAt === undefined)) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Every transfer on screen now. */
  views(): TransferView[] {
    const now = this.now();
    return this.jobs.map((job) => job.view(now));
  }

  /** Stop reporting (the program is leaving; open transfers end with the connection). */
  close(): void {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  // What the jobs use.

  get connection(): ChatClient {
    return this.client;
  }

  get direct(): DirectFileChannel | undefined {
    return this.options.direct;
  }

  get uploadWindow(): number {
    return this.options.uploadWindowBytes ?? config.files.uploadWindowBytes;
  }

  get downloadBuffer(): number {
    return this.options.downloadBufferBytes ?? config.files.downloadBufferBytes;
  }

  clock(): number {
    return this.now();
  }

  /** Resolves true once connected (now or after a reconnect), false once the client has closed for good. */
  connected(): Promise<boolean> {
    if (this.client.connected) return Promise.resolve(true);
    if (this.client.finished) return Promise.resolve(false);
    return new Promise((resolve) => {
      const back = (): void => finish(true);
      const gone = (): void => finish(false);
      const finish = (value: boolean): void => {
        this.client.off('reconnected', back);
        this.client.off('closed', gone);
        // 'reconnected' comes before the messages that followed the welcome: let them through first.
        setImmediate(() => resolve(value));
      };
      this.client.on('reconnected', back);
      this.client.on('closed', gone);
    });
  }

  report(notice: TransferNotice): void {
    this.emit('notice', notice);
  }

  changed(): void {
    if (!this.closed) this.emit('progress', this.views());
  }

  private schedule(job: Job): Promise<boolean> {
    this.jobs.push(job);
    const result = new Promise<boolean>((resolve) => {
      const start = (): void => {
        this.running.add(job);
        this.tick();
        void this.execute(job).then(resolve);
      };
      if (this.running.size < this.maxConcurrent) start();
      else this.waiting.push(start);
    });
    this.changed();
    return result;
  }

  /** Run a job to its end, through reconnects; true when it was answered (done or refused). */
  private async execute(job: Job): Promise<boolean> {
    let answered = true;
    try {
      await job.run();
      job.phase = 'done';
    } catch (error) {
      job.phase = 'failed';
      if (error instanceof TransferFailed) {
        if (!error.shown) this.report({ type: 'error', code: error.code, message: error.message, ...(job instanceof DownloadJob ? { id: job.id } : {}) });
        answered = error.code !== 'CONNECTION_LOST';
      } else {
        const code = error instanceof PartyPoolError ? error.code : job.direction === 'upload' ? 'FILE_UNREADABLE' : 'SAVE_FAILED';
        this.report({ type: 'error', code, message: error instanceof Error ? error.message : String(error) });
      }
    }
    job.endedAt = this.now();
    this.running.delete(job);
    this.waiting.shift()?.();
    this.changed();
    const linger = this.options.lingerMs ?? 0;
    if (linger > 0 && !this.closed) setTimeout(() => this.forget(job), linger).unref();
    else this.forget(job);
    return answered;
  }

  private forget(job: Job): void {
    const index = this.jobs.indexOf(job);
    if (index >= 0) this.jobs.splice(index, 1);
    this.changed();
    if (this.running.size === 0 && this.waiting.length === 0) {
      if (this.timer) clearInterval(this.timer);
      this.timer = undefined;
    }
    if (!this.jobs.some((other) => other.endedAt === undefined)) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  private tick(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => this.changed(), this.options.progressIntervalMs ?? 250);
    this.timer.unref();
  }
}

/** A refusal from the server (an `error` answer the screen already showed), as a TransferFailed. */
function refusedBy(reply: ServerMessage | undefined, expected: string): TransferFailed | Interrupted {
  if (reply === undefined) return new Interrupted();
  if (reply.type === 'error') return new TransferFailed(reply.code, reply.message, true);
  return new TransferFailed('BAD_MESSAGE', `The server answered ${reply.type} where ${expected} was expected.`);
}

/** Retry `attempt` across reconnects until it finishes or fails for good. */
async function throughReconnects(owner: FileTransfers, job: Job, attempt: () => Promise<void>): Promise<void> {
  for (;;) {
    if (!(await owner.connected())) throw new TransferFailed('CONNECTION_LOST', 'The connection ended before the transfer finished; the next /send or /get of the same file continues it.');
    try {
      return await attempt();
    } catch (error) {
      // A request made just as the connection dropped is refused locally: the same as a drop.
      const dropped = error instanceof Interrupted || (error instanceof PartyPoolError && error.code === 'CONNECTION_LOST');
      if (!dropped) throw error;
      job.phase = 'paused';
      job.restartSpeed();
      owner.changed();
    }
  }
}

class UploadJob extends Job {
  private fileId: number | undefined;

  constructor(
    key: number,
    private readonly file: string,
    private readonly destination: FileDestination,
    private readonly owner: FileTransfers,
  ) {
    super(key, 'upload', path.basename(file));
  }

  /** The same local file to the same room or person. */
  sameAs(other: UploadJob): boolean {
    const where = (d: FileDestination): string => ('room' in d ? `room ${d.room.toLowerCase()}` : `to ${d.to.replace(/^@/, '').toLowerCase()}`);
    return this.file === other.file && where(this.destination) === where(other.destination);
  }

  async run(): Promise<void> {
    const direct = 'to' in this.destination;
    const channel = this.owner.direct;
    if (direct && !channel) throw new PartyPoolError('DIRECT_FILES_UNAVAILABLE');
    if (this.owner.connection.protocol < 3) throw new TransferFailed('CLIENT_TOO_OLD', 'This server is too old for file sharing (it needs protocol 3).');
    this.phase = 'checking';
    this.owner.changed();
    // Refused before a byte is sent: someone the key could not go to (keys changed since verified, none at all).
    if (direct && channel?.checkRecipient) await channel.checkRecipient(this.destination.to.replace(/^@/, ''));
    const local = await openLocalFile(this.file, (hashed, total) => {
      this.done = hashed;
      this.size = total;
    });
    const started = this.owner.clock();
    try {
      this.name = local.name;
      const key = direct ? newFileKey() : undefined;
      this.size = key ? sealedSize(local.size) : local.size;
      this.done = 0;
      let published: FileShared | undefined;
      await throughReconnects(this.owner, this, async () => {
        published = await this.uploadOnce(local, key);
      });
      if (!published) throw new TransferFailed('CONNECTION_LOST', 'The upload did not finish.');
      const seconds = (this.owner.clock() - started) / 1000;
      if (key && channel && 'to' in this.destination) await this.handOver(channel, published, local, key);
      this.owner.report({ type: 'sent', id: published.id, name: local.name, size: local.size, seconds, ...('to' in this.destination ? { to: published.to ?? this.destination.to } : {}) });
    } finally {
      await local.handle.close().catch(() => undefined);
    }
  }

  /** One connection's go: offer (resuming where the server stands), send chunks within the window, wait for the publication. */
  private async uploadOnce(local: LocalFile, key: Buffer | undefined): Promise<FileShared> {
    const client = this.owner.connection;
    const watch = new FileWatch(client, this.fileId);
    try {
      const destination = 'room' in this.destination ? { room: this.destination.room } : { to: this.destination.to.replace(/^@/, '') };
      const reply = await client.exchange((id) => ({
        type: 'file-offer',
        id,
        ...destination,
        size: this.size,
        ...(key ? {} : { name: local.name, sha256: local.sha256 }),
        ...(this.fileId === undefined ? {} : { resume: this.fileId }),
      }));
      if (reply?.type !== 'file-accepted') throw refusedBy(reply, 'file-accepted');
      this.fileId = reply.file;
      watch.file = reply.file;
      const source = key ? new SealedFileReader(local.handle, local.size, key, String(reply.file)) : { read: (offset: number, length: number) => readAt(local.handle, offset, length) };
      let sent = reply.offset;
      watch.acked = Math.max(watch.acked, reply.offset);
      this.done = reply.offset;
      this.phase = 'sending';
      this.owner.changed();
      const window = Math.max(this.owner.uploadWindow, reply.chunkBytes);
      while (sent < this.size) {
        await watch.until(() => watch.failed !== undefined || sent - watch.acked < window);
        this.done = watch.acked;
        if (watch.failed) break;
        const length = Math.min(reply.chunkBytes, this.size - sent);
        const data = await source.read(sent, length);
        if (!client.post(encodeFileFrame('file-chunk', reply.file, sent, data))) throw new Interrupted();
        sent += length;
      }
      await watch.until(() => {
        this.done = Math.max(this.done, watch.acked);
        return watch.failed !== undefined || watch.published !== undefined;
      });
      if (watch.failed) throw new TransferFailed(watch.failed.code, watch.failed.message);
      this.done = this.size;
      const published = watch.published;
      if (!published) throw new Interrupted();
      if (!key && published.sha256 !== local.sha256) throw new TransferFailed('FILE_HASH_MISMATCH', 'The server published a different SHA-256 than this file has.');
      return published;
    } finally {
      watch.dispose();
    }
  }

  /** The ciphertext is stored: its key, name and real size go to the person in a direct message. */
  private async handOver(channel: DirectFileChannel, published: FileShared, local: LocalFile, key: Buffer): Promise<void> {
    const to = published.to ?? ('to' in this.destination ? this.destination.to : '');
    const file: DirectFile = { id: String(published.id), name: safeFileName(local.name), size: local.size, sha256: local.sha256, key: encodeFileKey(key) };
    try {
      // A drop before the server took it: after the reconnect it goes again (the same message id, taken once).
      await throughReconnects(this.owner, this, () => channel.sendFile(to, file));
    } catch (error) {
      // Nobody can open it without the key: do not leave the ciphertext behind.
      void this.owner.connection.command('unshare', String(published.id)).catch(() => false);
      throw error;
    }
    this.owner.report({ type: 'file', id: published.id, to, from: published.from, name: file.name, size: local.size, sha256: local.sha256, time: published.time });
  }
}

async function readAt(handle: FileHandle, offset: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let filled = 0;
  while (filled < length) {
    const { bytesRead } = await handle.read(buffer, filled, length - filled, offset + filled);
    if (bytesRead === 0) throw new PartyPoolError('FILE_CHANGED', 'The file got shorter while it was being sent; send it again.');
    filled += bytesRead;
  }
  return buffer;
}

/** What /get needs to know before it starts: what the file is and how to check it. */
interface DownloadPlan {
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
  /** For a file sent to one person: its key (the bytes on the server are sealed). */
  readonly key: Buffer | undefined;
}

class DownloadJob extends Job {
  constructor(
    key: number,
    readonly id: number,
    private readonly dir: string,
    private readonly owner: FileTransfers,
  ) {
    super(key, 'download', `file ${id}`);
  }

  async run(): Promise<void> {
    if (this.owner.connection.protocol < 3) throw new TransferFailed('CLIENT_TOO_OLD', 'This server is too old for file sharing (it needs protocol 3).');
    const started = this.owner.clock();
    let saved: { path: string; plan: DownloadPlan } | undefined;
    await throughReconnects(this.owner, this, async () => {
      saved = await this.downloadOnce();
    });
    if (!saved) throw new TransferFailed('CONNECTION_LOST', 'The download did not finish.');
    const seconds = (this.owner.clock() - started) / 1000;
    this.owner.report({ type: 'saved', id: this.id, name: path.basename(saved.path), path: saved.path, size: saved.plan.size, sha256: saved.plan.sha256, seconds });
  }

  private async plan(): Promise<DownloadPlan> {
    const reply = await this.owner.connection.exchange((request) => ({ type: 'file-info', id: request, file: this.id }));
    if (reply?.type !== 'file') throw refusedBy(reply, 'file');
    if (reply.to === undefined) return { name: safeFileName(reply.name), size: reply.size, sha256: reply.sha256, key: undefined };
    // The direct messages that waited for this device at login are opened first: one may carry the key.
    await this.owner.connection.settled();
    const known = this.owner.direct?.fileFor(String(this.id), reply.from);
    if (!known) throw new PartyPoolError('FILE_KEY_UNKNOWN', this.owner.direct ? undefined : `File ${this.id} was sent to one person; opening it needs its key from a direct message, and direct messages are off in this session.`);
    return { name: safeFileName(known.name), size: known.size, sha256: known.sha256, key: decodeFileKey(known.key) };
  }

  private async downloadOnce(): Promise<{ path: string; plan: DownloadPlan }> {
    const client = this.owner.connection;
    const plan = await this.plan();
    this.name = plan.name;
    this.size = plan.size;
    try {
      await fs.promises.mkdir(this.dir, { recursive: true });
    } catch (error) {
      throw saveFailed(this.dir, error);
    }
    const partial = partialDownloadPath(this.dir, plan.name, plan.sha256);
    let handle: FileHandle;
    try {
      handle = await fs.promises.open(partial, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
    } catch (error) {
      throw saveFailed(partial, error);
    }
    let finished = false;
    const watch = new FileWatch(client, this.id);
    let held = false;
    const hold = (on: boolean): void => {
      if (held === on) return;
      held = on;
      client.holdInput(on);
    };
    try {
      // What an earlier try left: sealed files resume at a whole chunk.
      const have = Math.min((await handle.stat()).size, plan.size);
      const resume = plan.key ? FileOpener.resumePoint(have, plan.size) : { plain: have, sealed: have, index: 0 };
      await handle.truncate(resume.plain);
      const hash = createSha256();
      await hashRange(handle, 0, resume.plain, hash);
      const opener = plan.key ? new FileOpener(plan.key, String(this.id), plan.size, resume.index) : undefined;
      const reply = await client.exchange((request) => ({ type: 'file-get', id: request, file: this.id, offset: resume.sealed }));
      if (reply?.type !== 'file-start') throw refusedBy(reply, 'file-start');
      this.phase = 'receiving';
      this.done = resume.plain;
      this.owner.changed();
      let expected = resume.sealed;
      let written = resume.plain;
      const write = async (bytes: Buffer): Promise<void> => {
        try {
          let done = 0;
          while (done < bytes.length) done += (await handle.write(bytes, done, bytes.length - done, written + done)).bytesWritten;
        } catch (error) {
          client.post({ type: 'file-cancel', file: this.id });
          throw saveFailed(partial, error);
        }
        hash.update(bytes);
        written += bytes.length;
        this.done = written;
      };
      for (;;) {
        await watch.until(() => watch.data.length > 0 || watch.ended || watch.failed !== undefined);
        if (watch.failed) throw new TransferFailed(watch.failed.code, watch.failed.message);
        const item = watch.data.shift();
        if (!item) break; // ended, and every chunk is written
        watch.queuedBytes -= item.bytes.length;
        if (item.offset !== expected || item.bytes.length === 0) {
          client.post({ type: 'file-cancel', file: this.id });
          throw new Interrupted();
        }
        expected += item.bytes.length;
        // A disk slower than the network: stop reading until the backlog is written.
        if (watch.queuedBytes > this.owner.downloadBuffer) hold(true);
        if (opener) for (const plain of opener.push(item.bytes)) await write(plain);
        else await write(item.bytes);
        if (watch.queuedBytes < this.owner.downloadBuffer / 4) hold(false);
      }
      hold(false);
      if (opener) await write(opener.finish());
      const digest = hash.digestHex();
      if (written !== plan.size || digest !== plan.sha256) {
        await handle.close().catch(() => undefined);
        await fs.promises.rm(partial, { force: true });
        throw new TransferFailed('FILE_HASH_MISMATCH', `File ${this.id} did not match its SHA-256 (or its size), so the download was deleted; /get it again.`);
      }
      await handle.close();
      finished = true;
      let saved: string;
      try {
        saved = await publishDownload(partial, this.dir, plan.name);
      } catch (error) {
        throw saveFailed(this.dir, error);
      }
      return { path: saved, plan };
    } catch (error) {
      if (error instanceof PartyPoolError && error.code === 'DECRYPT_FAILED') {
        await handle.close().catch(() => undefined);
        await fs.promises.rm(partial, { force: true });
        throw new TransferFailed('DECRYPT_FAILED', `File ${this.id} did not open with its key: it was altered or damaged, so the download was deleted.`);
      }
      throw error;
    } finally {
      hold(false);
      watch.dispose();
      if (!finished) await handle.close().catch(() => undefined);
    }
  }
}

function saveFailed(where: string, error: unknown): PartyPoolError {
  if (error instanceof PartyPoolError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === 'ENOSPC' ? 'the disk is full' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'the disk is read-only' : (code ?? String(error));
  return new PartyPoolError('SAVE_FAILED', `Cannot write ${where}: ${why}. What was downloaded so far is kept: /get again continues it.`);
}
