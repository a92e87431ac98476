// Stored chat history: one row per room message, committed before the sender is acknowledged
// (WAL; with the default synchronous=NORMAL an acknowledged message survives a crash or SIGKILL
// of the server, with PARTY_POOL_DB_SYNC=full also power loss). A background job enforces
// retention by age and by count per room, in small batches.
import type { Db, Statement } from '../../data-dir/store.js';

export interface StoredRow {
  id: number;
  roomId: number;
  sender: string;
  body: string;
  sentAt: number;
}

export interface HistoryOptions {
  /** false: nothing is written; ids still increase while the server runs. */
  enabled: boolean;
  retentionDays: number;
  maxPerRoom: number;
  deleteBatch: number;
}

export interface RetentionResult {
  byAge: number;
  byCount: number;
}

const DAY_MS = 24 * 3600 * 1000;

function toRow(row: unknown): StoredRow | undefined {
  if (typeof row !== 'object' || row === null) return undefined;
  const [id, roomId, sender, body, sentAt] = ['id', 'room_id', 'sender', 'body', 'sent_at'].map((key) => Reflect.get(row, key) as unknown);
  if (typeof id !== 'number' || typeof roomId !== 'number' || typeof sender !== 'string' || typeof body !== 'string' || typeof sentAt !== 'number') return undefined;
  return { id, roomId, sender, body, sentAt };
}

function rows(list: unknown[]): StoredRow[] {
  return list.flatMap((row) => toRow(row) ?? []);
}

export class HistoryStore {
  private readonly insertRow: Statement;
  private readonly selectAfter: Statement;
  private readonly selectBefore: Statement;
  private readonly selectHasBefore: Statement;
  private readonly selectPruned: Statement;
  private readonly deleteOld: Statement;
  private readonly deleteRoomOverflow: Statement;
  private readonly countPerRoom: Statement;
  private readonly overflowThreshold: Statement;
  private readonly markPruned: Statement;
  /** The next id when history is off (nothing is stored, so SQLite cannot hand them out). */
  private counter: number;
  private timer: NodeJS.Timeout | undefined;
  /** Messages deleted at start because history is switched off. */
  readonly clearedAtStart: number = 0;
  private running: Promise<RetentionResult> | undefined;

  constructor(
    private readonly db: Db,
    readonly options: HistoryOptions,
  ) {
    this.insertRow = db.prepare('INSERT INTO messages (room_id, sender, body, sent_at) VALUES (?, ?, ?, ?)');
    this.selectAfter = db.prepare('SELECT * FROM messages WHERE room_id = ? AND id > ? AND id <= ? ORDER BY id LIMIT ?');
    this.selectBefore = db.prepare('SELECT * FROM messages WHERE room_id = ? AND id < ? ORDER BY id DESC LIMIT ?');
    this.selectHasBefore = db.prepare('SELECT 1 FROM messages WHERE room_id = ? AND id < ? LIMIT 1').pluck();
    this.selectPruned = db.prepare('SELECT pruned_up_to FROM rooms WHERE id = ?').pluck();
    this.deleteOld = db.prepare('DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE sent_at < ? ORDER BY sent_at LIMIT ?) RETURNING id, room_id');
    this.deleteRoomOverflow = db.prepare('DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE room_id = ? AND id <= ? ORDER BY id LIMIT ?) RETURNING id, room_id');
    this.countPerRoom = db.prepare('SELECT room_id, count(*) AS n FROM messages GROUP BY room_id');
    this.overflowThreshold = db.prepare('SELECT id FROM messages WHERE room_id = ? ORDER BY id DESC LIMIT 1 OFFSET ?').pluck();
    this.markPruned = db.prepare('UPDATE rooms SET pruned_up_to = max(pruned_up_to, ?) WHERE id = ?');
    const sequence: unknown = db.prepare("SELECT seq FROM sqlite_sequence WHERE name = 'messages'").pluck().get();
    this.counter = typeof sequence === 'number' ? sequence : 0;
    if (!options.enabled) this.clearedAtStart = this.deleteEverything();
  }

  get enabled(): boolean {
    return this.options.enabled;
  }

  /** Store several messages in one transaction (one commit, one fsync); ids in the same order. */
  appendMany(messages: readonly { roomId: number; sender: string; body: string; sentAt: number }[]): number[] {
    if (!this.options.enabled) return messages.map(() => ++this.counter);
    if (messages.length === 0) return [];
    const ids: number[] = [];
    this.db.transaction(() => {
      for (const m of messages) ids.push(Number(this.insertRow.run(m.roomId, m.sender, m.body, m.sentAt).lastInsertRowid));
    })();
    return ids;
  }

  /** Bytes stored since `since` (ms since the epoch), per sender and room: today's quotas after a restart. */
  bytesSince(since: number): { sender: string; roomId: number; bytes: number }[] {
    if (!this.options.enabled) return [];
    const out: { sender: string; roomId: number; bytes: number }[] = [];
    for (const row of this.db.prepare('SELECT sender, room_id, sum(length(CAST(body AS BLOB))) AS bytes FROM messages WHERE sent_at >= ? GROUP BY sender, room_id').all(since)) {
      const sender: unknown = Reflect.get(row as object, 'sender');
      const roomId: unknown = Reflect.get(row as object, 'room_id');
      const bytes: unknown = Reflect.get(row as object, 'bytes');
      if (typeof sender === 'string' && typeof roomId === 'number' && typeof bytes === 'number') out.push({ sender, roomId, bytes });
    }
    return out;
  }

  /** The newest message id per room (rooms without messages are absent). */
  latestIds(): Map<number, number> {
    const out = new Map<number, number>();
    for (const row of this.db.prepare('SELECT room_id, max(id) AS id FROM messages GROUP BY room_id').all()) {
      const roomId: unknown = Reflect.get(row as object, 'room_id');
      const id: unknown = Reflect.get(row as object, 'id');
      if (typeof roomId === 'number' && typeof id === 'number') out.set(roomId, id);
    }
    return out;
  }

  /** Messages with afterId < id <= upTo, oldest first, at most `limit`. */
  after(roomId: number, afterId: number, upTo: number, limit: number): StoredRow[] {
    if (!this.options.enabled) return [];
    return rows(this.selectAfter.all(roomId, afterId, upTo, limit));
  }

  /** The `limit` newest messages with id < beforeId, oldest first. */
  before(roomId: number, beforeId: number, limit: number): StoredRow[] {
    if (!this.options.enabled || limit <= 0) return [];
    return rows(this.selectBefore.all(roomId, beforeId, limit)).reverse();
  }

  hasBefore(roomId: number, id: number): boolean {
    return this.options.enabled && this.selectHasBefore.get(roomId, id) !== undefined;
  }

  /** The highest message id of this room that retention removed (0: none). */
  prunedUpTo(roomId: number): number {
    const value: unknown = this.selectPruned.get(roomId);
    return typeof value === 'number' ? value : 0;
  }

  /** Remove old messages: older than the retention age, and beyond the per-room count. Batched. */
  async enforceRetention(now: number): Promise<RetentionResult> {
    if (this.running) return this.running;
    this.running = this.retain(now).finally(() => (this.running = undefined));
    return this.running;
  }

  private async retain(now: number): Promise<RetentionResult> {
    const result: RetentionResult = { byAge: 0, byCount: 0 };
    if (!this.options.enabled) return result;
    const cutoff = now - this.options.retentionDays * DAY_MS;
    for (;;) {
      const removed = this.deleteBatch(() => this.deleteOld.all(cutoff, this.options.deleteBatch));
      result.byAge += removed;
      if (removed < this.options.deleteBatch) break;
      await yieldToEventLoop();
    }
    for (const row of this.countPerRoom.all()) {
      const roomId: unknown = Reflect.get(row as object, 'room_id');
      const count: unknown = Reflect.get(row as object, 'n');
      if (typeof roomId !== 'number' || typeof count !== 'number' || count <= this.options.maxPerRoom) continue;
      const threshold: unknown = this.overflowThreshold.get(roomId, this.options.maxPerRoom);
      if (typeof threshold !== 'number') continue;
      for (;;) {
        const removed = this.deleteBatch(() => this.deleteRoomOverflow.all(roomId, threshold, this.options.deleteBatch));
        result.byCount += removed;
        if (removed < this.options.deleteBatch) break;
        await yieldToEventLoop();
      }
    }
    return result;
  }

  /** Run one delete in a transaction together with the per-room "pruned up to" marks. */
  private deleteBatch(run: () => unknown[]): number {
    let count = 0;
    this.db.transaction(() => {
      const deleted = run();
      const highest = new Map<number, number>();
      for (const row of deleted) {
        const id: unknown = Reflect.get(row as object, 'id');
        const roomId: unknown = Reflect.get(row as object, 'room_id');
        if (typeof id === 'number' && typeof roomId === 'number') highest.set(roomId, Math.max(highest.get(roomId) ?? 0, id));
      }
      for (const [roomId, id] of highest) this.markPruned.run(id, roomId);
      count = deleted.length;
    })();
    return count;
  }

  /** Run retention now and then every `intervalMs` (the timer never keeps the process alive). */
  startRetention(intervalMs: number, now: () => number, onError: (error: unknown) => void): void {
    const run = (): void => void this.enforceRetention(now()).catch(onError);
    run();
    this.timer = setInterval(run, intervalMs);
    this.timer.unref();
  }

  /** Stop the job and wait for a batch in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** History switched off: nothing stays behind from when it was on. Returns how many rows went. */
  private deleteEverything(): number {
    return this.db.prepare('DELETE FROM messages').run().changes;
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
