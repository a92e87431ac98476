// File sharing (issue 14): offers checked against every limit before a byte moves, uploads written
// chunk by chunk to a partial file at confirmed offsets and published only once their SHA-256
// matches, downloads streamed from disk no faster than the client reads, listings, removal, and
// the sweep that expires old files and stale partial uploads. Refusals are CommandErrors (the
// dispatcher answers them with the request's id); a transfer that stops later gets `file-failed`.
// File names are never logged (like message bodies): ids, sizes, rooms and users are.
import { ErrorCodes, errorText, type ErrorCode } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { ServerLimits } from '../../common/settings.js';
import { formatSize } from '../../common/sizes.js';
import { isStorageError } from '../../common/storage-errors.js';
import { createSha256 } from '../../crypto/hash.js';
import { safeFileName } from '../../protocol/file-names.js';
import { FILES_PROTOCOL_VERSION, decodeChunk, encodeFileFrame, type FileEntry, type FileOffer, type FileShared } from '../../protocol/files.js';
import type { ServerMessageOf } from '../../protocol/messages.js';
import { nameKey } from '../../protocol/names.js';
import type { Accounts } from '../accounts/accounts.js';
import { Audience, type Fanout } from '../chat/fanout.js';
import type { RoomService } from '../chat/room-service.js';
import type { Room } from '../chat/rooms.js';
import type { Clock } from '../clock.js';
import { CommandError } from '../commands/command-error.js';
import type { Outcome, Reply } from '../commands/reply.js';
import type { Roster } from '../roster.js';
import type { Member } from '../session/member.js';
import type { Session } from '../session/session.js';
import type { StorageQuotas } from '../storage/quotas.js';
import type { StorageAlarm } from '../storage/storage-alarm.js';
import type { BlobStore, DiskSpace } from './blob-store.js';
import type { FileRecord, FileRecords, FileTarget } from './file-records.js';
import { Download, TransferSlots, Upload, type Transfer } from './transfers.js';

export type FileLimits = Pick<
  ServerLimits,
  | 'filesEnabled'
  | 'fileMaxBytes'
  | 'fileUserQuotaBytes'
  | 'fileTotalBytes'
  | 'fileMinFreePercent'
  | 'fileRetentionDays'
  | 'filePartialExpiryMs'
  | 'fileTransfersPerSession'
  | 'fileChunkBytes'
  | 'fileSendBudgetBytes'
>;

export interface FileServiceOptions {
  /** fsync a file before publishing it (with PARTY_POOL_DB_SYNC=full). */
  readonly durable: boolean;
  readonly sweepIntervalMs: number;
}

/** The most files one `files` answer lists. */
const LISTED_FILES = 200;
/** Chunk writes queued for one upload before its connection is held (a disk slower than the network). */
const MAX_QUEUED_WRITES = 8;
/** A partial upload's updated_at is written at most this often while its chunks arrive. */
const TOUCH_INTERVAL_MS = 60_000;
const DAY_MS = 86_400_000;

type ResolvedTarget = { kind: 'room'; room: Room } | { kind: 'direct'; recipientKey: string; recipient: string };

function refusal(code: ErrorCode, message?: string): CommandError {
  return new CommandError(code, message);
}

/** The file id in a command's words ("7" or "#7"... only digits are ids). */
function fileIdFrom(word: string): number {
  const value = /^\d{1,15}$/.test(word) ? Number(word) : NaN;
  if (!Number.isSafeInteger(value) || value < 1) throw refusal('INVALID_ARGUMENT', `"${word.slice(0, 20)}" is not a file id; ids are the numbers /files shows.`);
  return value;
}

export class FileService {
  private readonly uploads = new Map<number, Upload>();
  /** Detaches under way (awaited by stop()). */
  private readonly detaching = new Set<Promise<void>>();
  private readonly downloads = new Set<Download>();
  /** Downloads being sent (shutdown waits for them to close their files). */
  private readonly pumps = new Set<Promise<void>>();
  private readonly slots = new TransferSlots();
  /** Sessions whose end already releases their transfers. */
  private readonly watched = new WeakSet<Session>();
  /** Blobs being published right now: the sweep must not take them for orphans. */
  private readonly publishing = new Set<string>();
  /** Offers run one at a time, so two cannot both pass a quota only one of them fits. */
  private offers: Promise<unknown> = Promise.resolve();
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<unknown> | undefined;
  private disk: DiskSpace | undefined;

  constructor(
    private readonly records: FileRecords,
    private readonly store: BlobStore,
    private readonly rooms: RoomService,
    private readonly accounts: Accounts,
    private readonly roster: Roster,
    private readonly fanout: Fanout,
    private readonly alarm: StorageAlarm,
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly limits: FileLimits,
    /** Upload bytes per person, per address and server-wide a day; nothing new below the disk reserve (issue 11). */
    private readonly quotas: StorageQuotas,
    private readonly options: FileServiceOptions,
  ) {}

  /** Prepare the folders, then sweep now and every interval. */
  start(): void {
    this.store.prepare();
    void this.sweep();
    this.sweeper = setInterval(() => void this.sweep(), this.options.sweepIntervalMs);
    this.sweeper.unref();
  }

  /** Stop sweeping and close every open file (the server is shutting down; its sessions are closed already). */
  async stop(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    await this.sweeping;
    await this.offers;
    for (const download of this.downloads) download.cancelled = true;
    await Promise.all([...this.pumps, ...[...this.uploads.values()].map((upload) => this.detach(upload))]);
    await Promise.allSettled([...this.detaching]);
  }

  // Offers and uploads.

  /** `file-offer`: check the target and every limit, find an upload to continue or start one; `file-accepted` says where to begin. */
  offer(member: Member, offer: FileOffer): Promise<Outcome> {
    const run = this.offers.then(() => this.acceptOffer(member, offer));
    this.offers = run.catch(() => undefined);
    return run;
  }

  private async acceptOffer(member: Member, offer: FileOffer): Promise<Outcome> {
    if (!this.limits.filesEnabled) throw refusal('FILES_OFF');
    const session = member.session;
    const target = this.resolveTarget(member, offer);
    if (offer.size > this.limits.fileMaxBytes) throw refusal('FILE_TOO_LARGE', errorText('FILE_TOO_LARGE', { max: formatSize(this.limits.fileMaxBytes), size: formatSize(offer.size) }));
    if (target.kind === 'room' && (offer.name === undefined || offer.name.trim() === '')) throw refusal('INVALID_ARGUMENT', 'A file shared in a room needs its name.');
    if (target.kind === 'room' && offer.sha256 === undefined) throw refusal('INVALID_ARGUMENT', 'A file shared in a room needs its SHA-256.');
    const place: FileTarget = target.kind === 'room' ? { roomId: target.room.id } : { recipientKey: target.recipientKey, recipient: target.recipient };
    let record = this.resumable(member, offer, place);
    const active = record ? this.uploads.get(record.id) : undefined;
    if (active?.finishing) throw refusal('INVALID_ARGUMENT', 'That upload is being checked and published right now.');
    const sameSession = active?.owner === session;
    if (!sameSession && this.slots.count(session) >= this.limits.fileTransfersPerSession) throw this.busy();
    // The same upload from another connection (a reconnect, a restarted program): it moves here.
    if (active) await this.detach(active);
    const created = !record;
    if (!record) {
      await this.checkRoom(member, offer.size);
      // A new upload spends today's upload budgets once, for its whole size (a resume spends nothing).
      const overBudget = this.quotas.spend({ kind: 'uploads', user: member.name, address: session.address, amount: offer.size });
      if (overBudget) throw refusal(overBudget.code, overBudget.message);
      record = this.records.create({ uploaderKey: member.key, uploader: member.name, target: place, name: target.kind === 'room' ? safeFileName(offer.name ?? '') : '', size: offer.size, sha256: offer.sha256, now: this.clock.now() });
      this.logger.info('file upload', { conn: session.id, user: member.name, file: record.id, size: record.size, ...(target.kind === 'room' ? { room: target.room.name } : { to: target.recipient }) });
    }
    let upload: Upload;
    try {
      upload = await this.open(record, session);
    } catch (error) {
      // A new upload that could not even start leaves nothing behind to count against anyone.
      if (created) this.discard(record);
      throw error;
    }
    if (!created) this.logger.info('file upload resumed', { conn: session.id, user: member.name, file: record.id, offset: upload.offset });
    this.uploads.set(record.id, upload);
    this.hold(session, upload);
    const reply: Reply = { type: 'file-accepted', file: record.id, offset: upload.offset, chunkBytes: this.limits.fileChunkBytes };
    // Everything was here already (an empty file, or a restart right after the last chunk).
    if (upload.offset === record.size) return { reply, afterReply: () => this.finish(upload) };
    return { reply };
  }

  /** Where an offer goes: a room the member is in, or someone registered or online. */
  private resolveTarget(member: Member, offer: FileOffer): ResolvedTarget {
    if ((offer.room === undefined) === (offer.to === undefined)) throw refusal('INVALID_ARGUMENT', 'A file goes to a room or to one person.');
    if (offer.room !== undefined) return { kind: 'room', room: this.rooms.memberRoom(member, offer.room) };
    const to = (offer.to ?? '').replace(/^@/, '');
    if (nameKey(to) === member.key) throw refusal('INVALID_ARGUMENT', 'That is you: send files to someone else.');
    const account = this.accounts.find(to);
    const online = this.roster.named(to);
    const recipient = account?.name ?? (online?.role === 'user' ? online.name : undefined);
    if (recipient === undefined) throw refusal('NO_SUCH_USER', `Nobody called ${to.slice(0, 24)} is registered or online.`);
    return { kind: 'direct', recipientKey: nameKey(recipient), recipient };
  }

  /** The partial upload this offer continues: the one it names, or the same bytes to the same place. */
  private resumable(member: Member, offer: FileOffer, place: FileTarget): FileRecord | undefined {
    if (offer.resume !== undefined) {
      const named = this.records.get(offer.resume);
      const samePlace = named && ('roomId' in place ? named.roomId === place.roomId : named.recipientKey === place.recipientKey);
      if (named && named.state === 'partial' && named.uploaderKey === member.key && samePlace && named.size === offer.size && (offer.sha256 === undefined || offer.sha256 === named.sha256)) return named;
    }
    return offer.sha256 === undefined ? undefined : this.records.findPartial(member.key, place, offer.size, offer.sha256);
  }

  /** Refuse an upload that does not fit: the user's allowance, then the server's budget and the disk. */
  private async checkRoom(member: Member, size: number): Promise<void> {
    const used = this.records.usageOf(member.key);
    if (used + size > this.limits.fileUserQuotaBytes) {
      throw refusal('FILE_QUOTA_EXCEEDED', errorText('FILE_QUOTA_EXCEEDED', { used: formatSize(used + size), quota: formatSize(this.limits.fileUserQuotaBytes), size: formatSize(size) }));
    }
    const totals = this.records.totals();
    if (totals.readyBytes + totals.partialBytes + size > this.limits.fileTotalBytes) {
      this.logger.warn('file storage budget reached', { user: member.name, size, budget: this.limits.fileTotalBytes });
      throw refusal('FILE_STORAGE_FULL', `The server's file storage (${formatSize(this.limits.fileTotalBytes)}) has no room for ${formatSize(size)} more; ask the admin, or /unshare old files.`);
    }
    const disk = await this.diskSpace();
    // Uploads in progress will take their whole declared size: count it as taken already.
    const keepFree = (disk.total * this.limits.fileMinFreePercent) / 100;
    if (disk.free - totals.partialBytes - size < keepFree) {
      this.logger.warn('file storage: disk nearly full', { user: member.name, size, free: disk.free });
      throw refusal('FILE_STORAGE_FULL', `The server's disk is nearly full (it keeps ${this.limits.fileMinFreePercent}% free), so it has no room for ${formatSize(size)}; ask the admin.`);
    }
  }

  private async diskSpace(): Promise<DiskSpace> {
    try {
      this.disk = await this.store.diskSpace();
    } catch (error) {
      this.alarm.report('files', error);
      throw refusal('STORAGE_FAILED', 'The server could not check its disk space; try again later.');
    }
    return this.disk;
  }

  /** Open an upload's partial file; what is there already is hashed again (the hash state died with the last connection). */
  private async open(record: FileRecord, session: Session): Promise<Upload> {
    const now = this.clock.now();
    let opened: Awaited<ReturnType<BlobStore['openPartial']>>;
    try {
      opened = await this.store.openPartial(record.id);
    } catch (error) {
      throw this.storageFailure(error, 'The server could not open the upload on its disk; try again later.');
    }
    const { handle } = opened;
    try {
      let size = opened.size;
      // Longer than declared cannot be the same file: start it again.
      if (size > record.size) {
        await this.store.truncate(handle, 0);
        size = 0;
      }
      const hash = createSha256();
      await this.store.hashPrefix(handle, size, hash);
      this.records.touch(record.id, now);
      return new Upload(record, handle, size, hash, session, now);
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw this.storageFailure(error, 'The server could not read the upload so far; try again later.');
    }
  }

  /**
   * `file-chunk`: bytes at the upload's offset. Checked and hashed now, in order; written by a
   * queue of writes behind it, so the next chunk is read off the connection while this one goes
   * to disk; each written chunk is confirmed with `file-ack`, and the last one publishes the file.
   * The connection is held only when several writes wait (a disk slower than the network).
   */
  chunk(member: Member, file: number, offset: number, data: string): Promise<undefined> | undefined {
    const upload = this.uploads.get(file);
    // Chunks still on their way for an upload that stopped or moved to another connection: dropped.
    if (!upload || upload.owner !== member.session || upload.stopped) return undefined;
    const bytes = decodeChunk(data);
    if (!bytes) {
      void this.stopUpload(upload, 'BAD_MESSAGE', 'A chunk of the upload was not base64; the upload stopped. Send the file again to continue.', false);
      return undefined;
    }
    if (offset !== upload.received || bytes.length === 0 || bytes.length > this.limits.fileChunkBytes || offset + bytes.length > upload.record.size) {
      void this.stopUpload(upload, 'FILE_OFFSET_MISMATCH', `A chunk of the upload came at byte ${offset}, not ${upload.received}; the upload stopped. Send the file again to continue.`, false);
      return undefined;
    }
    upload.received += bytes.length;
    upload.hash.update(bytes);
    // A full-size (or the final) accepted chunk is paid for by the upload's quotas and window, not
    // the frame budget; smaller ones count like any frame, so tiny chunks cannot buy free frames.
    if (bytes.length === this.limits.fileChunkBytes || upload.received === upload.record.size) member.session.refundFrame();
    upload.queued += 1;
    const step = upload.chain.then(() => this.write(upload, bytes, offset));
    upload.chain = step;
    return upload.queued > MAX_QUEUED_WRITES ? step.then(() => undefined) : undefined;
  }

  private async write(upload: Upload, bytes: Buffer, at: number): Promise<void> {
    upload.queued -= 1;
    if (upload.stopped) return;
    try {
      await this.store.write(upload.handle, upload.id, bytes, at);
    } catch (error) {
      if (upload.stopped) return;
      const full = ['ENOSPC', 'EDQUOT', 'EFBIG'].includes((error as NodeJS.ErrnoException).code ?? '');
      this.alarm.report('files', error);
      this.logger.warn('file upload failed', { conn: upload.owner.id, file: upload.id, reason: (error as NodeJS.ErrnoException).code ?? 'write error' });
      // The queue behind this write is skipped (stopped), and nothing of the upload is kept.
      upload.stopped = true;
      await upload.handle.close().catch(() => undefined);
      this.end(upload, full ? 'FILE_DISK_FULL' : 'STORAGE_FAILED', full ? undefined : 'The server could not write the upload to its disk, so it removed it; try again later.', true);
      return;
    }
    upload.offset = at + bytes.length;
    // Taken over by another connection meanwhile: the bytes are on disk, the new owner counts them.
    if (this.uploads.get(upload.id) !== upload) return;
    upload.owner.send({ type: 'file-ack', file: upload.id, offset: upload.offset });
    const now = this.clock.now();
    if (now - upload.touchedAt >= TOUCH_INTERVAL_MS) {
      upload.touchedAt = now;
      this.tryStore(() => this.records.touch(upload.id, now));
    }
    if (upload.offset === upload.record.size) await this.finish(upload);
  }

  /** The last byte is written: check the SHA-256, make the partial file a blob, publish the row, announce it. */
  private async finish(upload: Upload): Promise<void> {
    upload.finishing = true;
    upload.stopped = true;
    const record = upload.record;
    try {
      if (this.options.durable) await upload.handle.sync();
    } catch (error) {
      this.alarm.report('files', error);
    }
    await upload.handle.close().catch(() => undefined);
    const sha256 = upload.hash.digestHex();
    if (record.sha256 !== null && sha256 !== record.sha256) {
      this.logger.warn('file hash mismatch', { conn: upload.owner.id, user: record.uploader, file: record.id });
      return this.end(upload, 'FILE_HASH_MISMATCH', `The upload did not match the SHA-256 it was sent with, so the server threw it away.`, true);
    }
    const room = record.roomId === null ? undefined : this.roomById(record.roomId);
    if (record.roomId !== null && (!room || !this.rooms.rooms.isMember(room, record.uploader))) {
      return this.end(upload, room ? 'NOT_MEMBER' : 'NO_SUCH_ROOM', room ? `You are no longer in ${room.name}, so the file was not shared.` : 'The room is gone, so the file was not shared.', true);
    }
    this.publishing.add(sha256);
    let published: boolean;
    try {
      await this.store.publish(record.id, sha256);
      published = this.records.publish(record.id, sha256, this.clock.now());
    } catch (error) {
      this.publishing.delete(sha256);
      this.alarm.report('files', error);
      return this.end(upload, 'STORAGE_FAILED', 'The server could not store the finished file; try again later.', true);
    }
    this.publishing.delete(sha256);
    if (!published) return this.end(upload, 'NO_SUCH_FILE', 'The file was removed while it was being uploaded.', false);
    this.release(upload);
    const ready = this.records.get(record.id);
    if (!ready) return;
    const event = this.describe(ready);
    this.logger.info('file shared', { conn: upload.owner.id, user: record.uploader, file: record.id, size: record.size, ...(room ? { room: room.name } : { to: record.recipient ?? '' }) });
    // Clients older than protocol 3 cannot fetch files: they are not told.
    if (room) this.fanout.send(Audience.room(room, { also: upload.owner }), event, 'none', FILES_PROTOCOL_VERSION);
    else if (upload.owner.isOpen) upload.owner.send(event);
  }

  /** Stop an upload with `file-failed` once its queued writes are done; `discard` also removes what it wrote. */
  private async stopUpload(upload: Upload, code: ErrorCode, message: string | undefined, discard: boolean): Promise<void> {
    if (this.uploads.get(upload.id) !== upload || upload.stopped) return;
    upload.stopped = true;
    this.release(upload);
    await upload.chain.catch(() => undefined);
    await upload.handle.close().catch(() => undefined);
    this.end(upload, code, message, discard);
  }

  private end(upload: Upload, code: ErrorCode, message: string | undefined, discard: boolean): void {
    this.release(upload);
    if (discard) this.discard(upload.record);
    const session = upload.owner;
    if (session.isOpen) session.send({ type: 'file-failed', file: upload.id, code, message: message ?? ErrorCodes[code].message });
  }

  /** Forget an unfinished upload's row and bytes. */
  private discard(record: FileRecord): void {
    this.tryStore(() => this.records.delete(record.id));
    this.tryStore(() => this.store.removePartial(record.id));
  }

  /** An upload stops being sent on its connection; its partial file stays for a later resume. */
  private detach(upload: Upload): Promise<void> {
    // stop() waits for these too: one started by a closing session (no longer in `uploads`) still
    // writes its row after its file is closed, and must do so before the database closes.
    const run = this.detachNow(upload);
    this.detaching.add(run);
    void run.finally(() => this.detaching.delete(run)).catch(() => undefined);
    return run;
  }

  private async detachNow(upload: Upload): Promise<void> {
    // Writes still queued are skipped: the next offer starts from what is on disk.
    upload.stopped = true;
    this.release(upload);
    await upload.chain.catch(() => undefined);
    await upload.handle.close().catch(() => undefined);
    if (upload.offset < upload.record.size) this.tryStore(() => this.records.touch(upload.id, this.clock.now()));
  }

  private release(upload: Upload): void {
    if (this.uploads.get(upload.id) === upload) this.uploads.delete(upload.id);
    this.slots.remove(upload.owner, upload);
  }

  // Downloads.

  /** `file-info`: a file's description (`file`, with the request's ref). */
  info(member: Member, id: number): Reply {
    return this.describe(this.visible(member, id));
  }

  /** `file-get`: `file-start` now, then the bytes from `offset`, no faster than the client reads. */
  async get(member: Member, id: number, offset: number): Promise<Outcome> {
    if (!this.limits.filesEnabled) throw refusal('FILES_OFF');
    const record = this.visible(member, id);
    if (offset > record.size) throw refusal('INVALID_ARGUMENT', `The file has ${record.size} bytes; it cannot be read from byte ${offset}.`);
    const session = member.session;
    // Asking again on the same connection restarts the download from the new offset.
    for (const transfer of this.slots.of(session)) if (transfer instanceof Download && transfer.id === id) this.stopDownload(transfer);
    if (this.slots.count(session) >= this.limits.fileTransfersPerSession) throw this.busy();
    let handle: Awaited<ReturnType<BlobStore['openBlob']>>;
    try {
      handle = await this.store.openBlob(record.sha256 ?? '');
    } catch (error) {
      this.logger.error('file data missing', { file: record.id, reason: (error as NodeJS.ErrnoException).code ?? 'open failed' });
      throw refusal('NO_SUCH_FILE', "The server cannot read that file's data; ask the admin.");
    }
    const download = new Download(record, handle, offset, session);
    this.downloads.add(download);
    this.hold(session, download);
    const start = (): void => {
      const pumping = this.pump(download);
      this.pumps.add(pumping);
      void pumping.finally(() => this.pumps.delete(pumping));
    };
    return { reply: { type: 'file-start', file: record.id, offset, size: record.size }, afterReply: start };
  }

  /** Send a download's chunks, each once the session's unsent output is under the budget: a slow reader holds one chunk, not the file. */
  private async pump(download: Download): Promise<void> {
    const { record, session, handle } = download;
    const chunkBytes = this.limits.fileChunkBytes;
    let failure: { code: ErrorCode; message: string } | undefined;
    try {
      while (download.offset < record.size && !download.cancelled && session.isOpen) {
        await this.sendRoom(session);
        if (download.cancelled || !session.isOpen) break;
        const length = Math.min(chunkBytes, record.size - download.offset);
        const buffer = Buffer.allocUnsafe(length);
        const { bytesRead } = await handle.read(buffer, 0, length, download.offset);
        if (bytesRead !== length) throw Object.assign(new Error('the stored file is shorter than its record'), { code: 'EIO' });
        if (download.cancelled || !session.isOpen) break;
        session.sendFrame(encodeFileFrame('file-data', record.id, download.offset, buffer));
        download.offset += length;
      }
      if (!download.cancelled && session.isOpen && download.offset >= record.size) session.send({ type: 'file-end', file: record.id });
    } catch (error) {
      if (isStorageError(error)) this.alarm.report('files', error);
      this.logger.error('file download failed', { conn: session.id, file: record.id, reason: error instanceof Error ? error.message : String(error) });
      failure = { code: 'STORAGE_FAILED', message: 'The server could not read the file; try again later.' };
    } finally {
      this.downloads.delete(download);
      this.slots.remove(session, download);
      await handle.close().catch(() => undefined);
    }
    if (failure && session.isOpen) session.send({ type: 'file-failed', file: record.id, ...failure });
    else if (download.cancelled && download.offset < record.size && session.isOpen && !this.records.get(record.id)) {
      session.send({ type: 'file-failed', file: record.id, code: 'NO_SUCH_FILE', message: 'The file was removed while you were downloading it.' });
    }
  }

  /** Resolve once the session's unsent output is within the file budget (or it closed). */
  private sendRoom(session: Session): Promise<void> {
    return session.drainedBelow(this.limits.fileSendBudgetBytes);
  }

  private stopDownload(download: Download): void {
    download.cancelled = true;
    this.downloads.delete(download);
    this.slots.remove(download.session, download);
  }

  /** `file-cancel`: this session stops sending or receiving `id` (an upload's partial file stays). */
  cancel(member: Member, id: number): undefined {
    for (const transfer of this.slots.of(member.session)) {
      if (transfer.id !== id) continue;
      if (transfer instanceof Download) this.stopDownload(transfer);
      else void this.detach(transfer);
    }
    return undefined;
  }

  // Listing and removing.

  /** `files [#room|@name]`: a room's files, or the files two people sent each other; newest first. */
  list(member: Member, target: string | undefined): Reply {
    if (target !== undefined && !target.startsWith('#')) {
      const other = target.replace(/^@/, '');
      const { files, total } = this.records.between(member.key, nameKey(other), LISTED_FILES);
      const known = files[0] ? (files[0].uploaderKey === member.key ? files[0].recipient : files[0].uploader) : other;
      return { type: 'files', with: known ?? other, files: files.map((record) => this.entry(record)), total };
    }
    const room = this.rooms.memberRoom(member, target ?? this.rooms.rooms.lobby.name);
    const { files, total } = this.records.inRoom(room.id, LISTED_FILES);
    return { type: 'files', room: room.name, files: files.map((record) => this.entry(record)), total };
  }

  /** `unshare <id>`: its uploader, the room's owner or root removes a file. */
  unshare(member: Member, word: string): Reply {
    const record = this.visible(member, fileIdFrom(word));
    const room = record.roomId === null ? undefined : this.roomById(record.roomId);
    const allowed = member.role === 'root' || record.uploaderKey === member.key || (room !== undefined && room.ownerKey === member.key);
    if (!allowed) throw refusal('NOT_PERMITTED', 'Only whoever shared a file, the room owner or root can remove it.');
    this.remove(record, member.name);
    return { type: 'ack', text: `File ${record.id}${record.name ? ` (${record.name})` : ''} was removed.` };
  }

  /** Root: `delete-file <id>` removes any file, finished or not. */
  deleteAny(member: Member, word: string): Reply {
    const id = fileIdFrom(word);
    const record = this.records.get(id);
    if (!record) throw refusal('NO_SUCH_FILE', `There is no file ${id}.`);
    const upload = this.uploads.get(id);
    if (upload) void this.stopUpload(upload, 'NO_SUCH_FILE', 'An admin removed this upload.', false);
    this.remove(record, member.name);
    return { type: 'ack', text: `File ${id} (${formatSize(record.size)}, from ${record.uploader}) was deleted.` };
  }

  /** Delete a file's row, stop its downloads, and its blob once nothing else uses it. */
  private remove(record: FileRecord, by: string): void {
    this.records.delete(record.id);
    if (record.state === 'partial') this.store.removePartial(record.id);
    for (const download of [...this.downloads]) if (download.id === record.id) this.stopDownload(download);
    this.dropBlobIfUnused(record.sha256);
    this.logger.info('file removed', { file: record.id, by, size: record.size });
  }

  private dropBlobIfUnused(sha256: string | null): void {
    if (sha256 === null || this.publishing.has(sha256) || this.records.blobInUse(sha256)) return;
    this.tryStore(() => this.store.removeBlob(sha256));
  }

  /** Root: `files [n]` — the n largest, then the n newest, with owner and place. */
  rootList(count: number): Reply {
    const totals = this.records.totals();
    const largest = this.records.largest(count);
    const newest = this.records.newest(count).filter((record) => !largest.some((shown) => shown.id === record.id));
    const row = (record: FileRecord): string[] => [
      String(record.id),
      record.recipientKey === null ? record.name : '(direct, encrypted)',
      formatSize(record.size),
      record.uploader,
      this.placeOf(record),
      record.state === 'ready' && record.sharedAt !== null ? new Date(record.sharedAt).toISOString().replace('T', ' ').slice(0, 16) : 'uploading',
    ];
    return {
      type: 'result',
      title: 'Files',
      lines: [this.totalsLine(totals), `The ${largest.length} largest${newest.length > 0 ? `, then the newest not among them` : ''}:`],
      columns: ['id', 'name', 'size', 'owner', 'where', 'shared (UTC)'],
      rows: [...largest, ...newest].map(row),
    };
  }

  /** For root `stats`: storage in total and per user. */
  usageLines(): string[] {
    const totals = this.records.totals();
    const users = this.records.perUser(20);
    const disk = this.disk ? `; disk ${formatSize(this.disk.free)} free of ${formatSize(this.disk.total)}` : '';
    return [
      `${this.totalsLine(totals)}${disk}; ${this.slots.all().length} transfer${this.slots.all().length === 1 ? '' : 's'} running`,
      `File storage per user: ${users.length === 0 ? 'none' : users.map((user) => `${user.uploader} ${formatSize(user.bytes)} (${user.files})`).join(', ')}`,
    ];
  }

  private totalsLine(totals: ReturnType<FileRecords['totals']>): string {
    const budget = this.limits.filesEnabled ? ` of ${formatSize(this.limits.fileTotalBytes)}` : ' (file sharing is off)';
    return `Files: ${totals.readyFiles} stored, ${formatSize(totals.readyBytes)}${budget}; ${totals.partialFiles} upload${totals.partialFiles === 1 ? '' : 's'} in progress (${formatSize(totals.partialBytes)})`;
  }

  // Expiry.

  /** Remove files past retention, partial uploads nobody continued, and bytes no row uses. */
  sweep(): Promise<void> {
    const run = (this.sweeping ?? Promise.resolve()).then(() => this.sweepOnce());
    this.sweeping = run.catch(() => undefined);
    return run;
  }

  private async sweepOnce(): Promise<void> {
    const now = this.clock.now();
    try {
      let removed = 0;
      for (const record of this.records.stale(now - this.limits.filePartialExpiryMs)) {
        if (this.uploads.has(record.id)) continue;
        this.records.delete(record.id);
        this.store.removePartial(record.id);
        removed += 1;
      }
      for (const record of this.records.expired(now - this.limits.fileRetentionDays * DAY_MS)) {
        this.remove(record, 'retention');
        removed += 1;
      }
      // Bytes without a row: a crash between writing and recording, or a room deleted with its files.
      const partials = this.records.partialIds();
      for (const id of this.store.partialIds()) if (!partials.has(id)) this.store.removePartial(id);
      const ready = this.records.readyHashes();
      for (const sha256 of this.store.blobHashes()) if (!ready.has(sha256) && !this.publishing.has(sha256)) this.store.removeBlob(sha256);
      if (removed > 0) this.logger.info('files expired', { removed });
      this.disk = await this.store.diskSpace();
    } catch (error) {
      this.alarm.report('files', error);
    }
  }

  // Shared pieces.

  /** A ready file this member may see (room files: members; direct files: the two people), or NO_SUCH_FILE. */
  private visible(member: Member, id: number): FileRecord {
    const record = this.records.get(id);
    const missing = refusal('NO_SUCH_FILE', `There is no file ${id} that you can see.`);
    if (!record || record.state !== 'ready') throw missing;
    if (member.role === 'root') return record;
    if (record.roomId !== null) {
      const room = this.roomById(record.roomId);
      if (!room || !this.rooms.rooms.isMember(room, member.name)) throw missing;
      return record;
    }
    if (record.uploaderKey !== member.key && record.recipientKey !== member.key) throw missing;
    return record;
  }

  private describe(record: FileRecord): ServerMessageOf<'file'> {
    const entry = this.entry(record);
    const event: FileShared = { type: 'file', ...entry };
    return event;
  }

  private entry(record: FileRecord): FileEntry {
    const room = record.roomId === null ? undefined : this.roomById(record.roomId);
    return {
      id: record.id,
      ...(room ? { room: room.name } : {}),
      ...(record.recipient !== null ? { to: record.recipient } : {}),
      from: record.uploader,
      name: record.name,
      size: record.size,
      sha256: record.sha256 ?? '',
      time: new Date(record.sharedAt ?? record.createdAt).toISOString(),
    };
  }

  private placeOf(record: FileRecord): string {
    if (record.recipient !== null) return `to ${record.recipient}`;
    return (record.roomId === null ? undefined : this.roomById(record.roomId))?.name ?? '(deleted room)';
  }

  private roomById(id: number): Room | undefined {
    return this.rooms.rooms.all().find((room) => room.id === id);
  }

  private busy(): CommandError {
    return refusal('TOO_MANY_TRANSFERS', `You already have ${this.limits.fileTransfersPerSession} file transfer${this.limits.fileTransfersPerSession === 1 ? '' : 's'} running, the most the server allows; wait for one to finish.`);
  }

  /** Count a transfer against its session, and release everything the session runs when it ends. */
  private hold(session: Session, transfer: Transfer): void {
    this.slots.add(session, transfer);
    if (this.watched.has(session)) return;
    this.watched.add(session);
    void session.ended.then(() => {
      for (const running of this.slots.of(session)) {
        if (running instanceof Download) this.stopDownload(running);
        else if (!running.finishing) void this.detach(running);
      }
    });
  }

  private storageFailure(error: unknown, message: string): unknown {
    if (!isStorageError(error)) return error;
    this.alarm.report('files', error);
    return refusal('STORAGE_FAILED', message);
  }

  /** A bookkeeping write that may fail without losing anything a person waits for. */
  private tryStore(work: () => void): void {
    try {
      work();
    } catch (error) {
      if (!isStorageError(error)) throw error;
      this.alarm.report('files', error);
    }
  }
}
