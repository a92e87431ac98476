// The `files` table: one row per shared file or upload in progress. What the bytes are is the
// blob store's business (blob-store.ts); who may see a row, the service's (file-service.ts).
import type { Db, Statement } from '../../data-dir/store.js';

export type FileState = 'partial' | 'ready';

export interface FileRecord {
  readonly id: number;
  readonly state: FileState;
  readonly uploaderKey: string;
  readonly uploader: string;
  readonly roomId: number | null;
  readonly recipientKey: string | null;
  readonly recipient: string | null;
  /** Safe (protocol/file-names.ts); '' for a file sent to one person. */
  readonly name: string;
  readonly size: number;
  /** Declared by the uploader of a room file; measured once the file is ready. */
  readonly sha256: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly sharedAt: number | null;
}

/** Where a file goes: a room (by id) or one person (by name). */
export type FileTarget = { readonly roomId: number } | { readonly recipientKey: string; readonly recipient: string };

export interface NewUpload {
  readonly uploaderKey: string;
  readonly uploader: string;
  readonly target: FileTarget;
  readonly name: string;
  readonly size: number;
  readonly sha256: string | undefined;
  readonly now: number;
}

export interface StorageTotals {
  /** Ready files (rows), and the bytes their distinct blobs take. */
  readonly readyFiles: number;
  readonly readyBytes: number;
  /** Uploads in progress, and the bytes they will take (declared sizes). */
  readonly partialFiles: number;
  readonly partialBytes: number;
}

export interface UserUsage {
  readonly uploader: string;
  readonly files: number;
  readonly bytes: number;
}

function field(row: unknown, key: string): unknown {
  return typeof row === 'object' && row !== null ? (Reflect.get(row, key) as unknown) : undefined;
}

function text(row: unknown, key: string): string | null {
  const value = field(row, key);
  return typeof value === 'string' ? value : null;
}

function int(row: unknown, key: string): number | null {
  const value = field(row, key);
  return typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : null;
}

function toRecord(row: unknown): FileRecord | undefined {
  const id = int(row, 'id');
  const state = text(row, 'state');
  const uploaderKey = text(row, 'uploader_key');
  const uploader = text(row, 'uploader');
  const size = int(row, 'size');
  if (id === null || (state !== 'partial' && state !== 'ready') || uploaderKey === null || uploader === null || size === null) return undefined;
  return {
    id,
    state,
    uploaderKey,
    uploader,
    roomId: int(row, 'room_id'),
    recipientKey: text(row, 'recipient_key'),
    recipient: text(row, 'recipient'),
    name: text(row, 'name') ?? '',
    size,
    sha256: text(row, 'sha256'),
    createdAt: int(row, 'created_at') ?? 0,
    updatedAt: int(row, 'updated_at') ?? 0,
    sharedAt: int(row, 'shared_at'),
  };
}

export class FileRecords {
  private readonly insert: Statement;
  private readonly selectOne: Statement;
  private readonly selectPartialForRoom: Statement;
  private readonly selectPartialForRecipient: Statement;
  private readonly updateTouched: Statement;
  private readonly updatePublished: Statement;
  private readonly remove: Statement;
  private readonly userBytes: Statement;
  private readonly readyBlobBytes: Statement;
  private readonly readyCount: Statement;
  private readonly partialSums: Statement;
  private readonly byUser: Statement;
  private readonly inRoomRows: Statement;
  private readonly inRoomCount: Statement;
  private readonly betweenRows: Statement;
  private readonly betweenCount: Statement;
  private readonly largestRows: Statement;
  private readonly newestRows: Statement;
  private readonly stalePartials: Statement;
  private readonly expiredReady: Statement;
  private readonly readyWithHash: Statement;
  private readonly allReadyHashes: Statement;
  private readonly allPartialIds: Statement;

  constructor(db: Db) {
    this.insert = db.prepare(
      `INSERT INTO files (state, uploader_key, uploader, room_id, recipient_key, recipient, name, size, sha256, created_at, updated_at)
       VALUES ('partial', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.selectOne = db.prepare('SELECT * FROM files WHERE id = ?');
    this.selectPartialForRoom = db.prepare("SELECT * FROM files WHERE state = 'partial' AND uploader_key = ? AND room_id = ? AND size = ? AND sha256 = ? ORDER BY id DESC LIMIT 1");
    this.selectPartialForRecipient = db.prepare("SELECT * FROM files WHERE state = 'partial' AND uploader_key = ? AND recipient_key = ? AND size = ? AND sha256 = ? ORDER BY id DESC LIMIT 1");
    this.updateTouched = db.prepare('UPDATE files SET updated_at = ? WHERE id = ?');
    this.updatePublished = db.prepare("UPDATE files SET state = 'ready', sha256 = ?, shared_at = ?, updated_at = ? WHERE id = ? AND state = 'partial'");
    this.remove = db.prepare('DELETE FROM files WHERE id = ?');
    this.userBytes = db.prepare('SELECT COALESCE(SUM(size), 0) FROM files WHERE uploader_key = ?').pluck();
    this.readyBlobBytes = db.prepare("SELECT COALESCE(SUM(size), 0) FROM (SELECT sha256, MAX(size) AS size FROM files WHERE state = 'ready' GROUP BY sha256)").pluck();
    this.readyCount = db.prepare("SELECT COUNT(*) FROM files WHERE state = 'ready'").pluck();
    this.partialSums = db.prepare("SELECT COUNT(*) AS files, COALESCE(SUM(size), 0) AS bytes FROM files WHERE state = 'partial'");
    this.byUser = db.prepare('SELECT uploader_key, MAX(uploader) AS uploader, COUNT(*) AS files, SUM(size) AS bytes FROM files GROUP BY uploader_key ORDER BY bytes DESC, uploader_key LIMIT ?');
    this.inRoomRows = db.prepare("SELECT * FROM files WHERE state = 'ready' AND room_id = ? ORDER BY id DESC LIMIT ?");
    this.inRoomCount = db.prepare("SELECT COUNT(*) FROM files WHERE state = 'ready' AND room_id = ?").pluck();
    this.betweenRows = db.prepare(
      "SELECT * FROM files WHERE state = 'ready' AND ((uploader_key = ? AND recipient_key = ?) OR (uploader_key = ? AND recipient_key = ?)) ORDER BY id DESC LIMIT ?",
    );
    this.betweenCount = db.prepare("SELECT COUNT(*) FROM files WHERE state = 'ready' AND ((uploader_key = ? AND recipient_key = ?) OR (uploader_key = ? AND recipient_key = ?))").pluck();
    this.largestRows = db.prepare('SELECT * FROM files ORDER BY size DESC, id DESC LIMIT ?');
    this.newestRows = db.prepare('SELECT * FROM files ORDER BY id DESC LIMIT ?');
    this.stalePartials = db.prepare("SELECT * FROM files WHERE state = 'partial' AND updated_at < ? ORDER BY id LIMIT 1000");
    this.expiredReady = db.prepare("SELECT * FROM files WHERE state = 'ready' AND shared_at < ? ORDER BY id LIMIT 1000");
    this.readyWithHash = db.prepare("SELECT 1 FROM files WHERE state = 'ready' AND sha256 = ? LIMIT 1").pluck();
    this.allReadyHashes = db.prepare("SELECT DISTINCT sha256 FROM files WHERE state = 'ready'").pluck();
    this.allPartialIds = db.prepare("SELECT id FROM files WHERE state = 'partial'").pluck();
  }

  /** Record a new upload (state 'partial'). */
  create(upload: NewUpload): FileRecord {
    const target = upload.target;
    const [roomId, recipientKey, recipient] = 'roomId' in target ? [target.roomId, null, null] : [null, target.recipientKey, target.recipient];
    const id = Number(this.insert.run(upload.uploaderKey, upload.uploader, roomId, recipientKey, recipient, upload.name, upload.size, upload.sha256 ?? null, upload.now, upload.now).lastInsertRowid);
    const record = this.get(id);
    if (!record) throw new Error('the new file row is missing');
    return record;
  }

  get(id: number): FileRecord | undefined {
    return toRecord(this.selectOne.get(id));
  }

  /** This uploader's unfinished upload of the same bytes (size and SHA-256) to the same place. */
  findPartial(uploaderKey: string, target: FileTarget, size: number, sha256: string): FileRecord | undefined {
    const row = 'roomId' in target ? this.selectPartialForRoom.get(uploaderKey, target.roomId, size, sha256) : this.selectPartialForRecipient.get(uploaderKey, target.recipientKey, size, sha256);
    return toRecord(row);
  }

  /** A partial upload made progress (it does not expire for another day). */
  touch(id: number, now: number): void {
    this.updateTouched.run(now, id);
  }

  /** The upload is complete and verified; false when the row went meanwhile (its room was deleted). */
  publish(id: number, sha256: string, now: number): boolean {
    return this.updatePublished.run(sha256, now, now, id).changes === 1;
  }

  delete(id: number): void {
    this.remove.run(id);
  }

  /** Bytes this uploader has stored or is uploading (declared sizes). */
  usageOf(uploaderKey: string): number {
    return Number(this.userBytes.get(uploaderKey));
  }

  totals(): StorageTotals {
    const partial = this.partialSums.get();
    return {
      readyFiles: Number(this.readyCount.get()),
      readyBytes: Number(this.readyBlobBytes.get()),
      partialFiles: int(partial, 'files') ?? 0,
      partialBytes: int(partial, 'bytes') ?? 0,
    };
  }

  /** Storage per uploader (ready and partial), largest first. */
  perUser(limit: number): UserUsage[] {
    return this.byUser.all(limit).map((row) => ({ uploader: text(row, 'uploader') ?? '?', files: int(row, 'files') ?? 0, bytes: int(row, 'bytes') ?? 0 }));
  }

  /** A room's ready files, newest first, and how many there are. */
  inRoom(roomId: number, limit: number): { files: FileRecord[]; total: number } {
    return { files: this.inRoomRows.all(roomId, limit).flatMap((row) => toRecord(row) ?? []), total: Number(this.inRoomCount.get(roomId)) };
  }

  /** Files two people sent each other, newest first, and how many there are. */
  between(aKey: string, bKey: string, limit: number): { files: FileRecord[]; total: number } {
    return { files: this.betweenRows.all(aKey, bKey, bKey, aKey, limit).flatMap((row) => toRecord(row) ?? []), total: Number(this.betweenCount.get(aKey, bKey, bKey, aKey)) };
  }

  largest(limit: number): FileRecord[] {
    return this.largestRows.all(limit).flatMap((row) => toRecord(row) ?? []);
  }

  newest(limit: number): FileRecord[] {
    return this.newestRows.all(limit).flatMap((row) => toRecord(row) ?? []);
  }

  /** Partial uploads with no progress since `before` (a batch). */
  stale(before: number): FileRecord[] {
    return this.stalePartials.all(before).flatMap((row) => toRecord(row) ?? []);
  }

  /** Ready files shared before `before` (a batch). */
  expired(before: number): FileRecord[] {
    return this.expiredReady.all(before).flatMap((row) => toRecord(row) ?? []);
  }

  /** Whether any ready file still uses the blob with this SHA-256. */
  blobInUse(sha256: string): boolean {
    return this.readyWithHash.get(sha256) !== undefined;
  }

  readyHashes(): Set<string> {
    return new Set(this.allReadyHashes.all().filter((value): value is string => typeof value === 'string'));
  }

  partialIds(): Set<number> {
    return new Set(this.allPartialIds.all().flatMap((value) => (typeof value === 'number' ? [value] : [])));
  }
}
