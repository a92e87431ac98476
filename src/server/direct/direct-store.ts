// Direct messages on disk (migration 500-direct-messages): devices, sealed messages and their
// per-device envelopes, retention marks and blocks. Only ciphertext and routing metadata are
// stored; nothing here can read a message. Every method is one statement or one transaction, so
// a commit that returned survives a crash (WAL), like room history.
import crypto from 'node:crypto';
import type { Db, Statement, Store } from '../../data-dir/store.js';
import { nameKey } from '../../protocol/names.js';

/** The settings key of the server's stable id (direct-message profiles are keyed by it). */
export const SERVER_ID_SETTING = 'server-id';

export interface DeviceRow {
  readonly id: string;
  readonly accountKey: string;
  readonly publicKey: string;
  readonly addedAt: number;
  readonly lastSeenAt: number;
  readonly removedAt: number | null;
}

/** One stored message as it goes into the database. */
export interface NewDirect {
  readonly messageId: string;
  readonly senderName: string;
  readonly senderDevice: string;
  readonly senderPublicKey: string;
  readonly recipientName: string;
  readonly sentAt: number;
  readonly clientTime: string;
  readonly fileId: string | undefined;
  readonly body: Buffer;
}

/** One device's copy of a stored message's content key. */
export interface NewEnvelope {
  readonly deviceId: string;
  /** The device's account: the stored budget it counts against. */
  readonly ownerName: string;
  readonly enc: Buffer;
  readonly key: Buffer;
}

/** A stored message for one device, as the login sync sends it. */
export interface PendingDirect {
  readonly seq: number;
  readonly messageId: string;
  readonly senderName: string;
  readonly senderDevice: string;
  readonly senderPublicKey: string;
  readonly recipientName: string;
  readonly clientTime: string;
  readonly fileId: string | undefined;
  readonly body: Buffer;
  readonly enc: Buffer;
  readonly key: Buffer;
}

export interface Usage {
  readonly messages: number;
  readonly bytes: number;
}

export interface StoredTotals {
  readonly devices: number;
  readonly messages: number;
  readonly bytes: number;
}

function field(row: unknown, key: string): unknown {
  return typeof row === 'object' && row !== null ? (Reflect.get(row, key) as unknown) : undefined;
}

function text(row: unknown, key: string): string {
  const value = field(row, key);
  if (typeof value !== 'string') throw new Error(`direct store: ${key} is not text`);
  return value;
}

function int(row: unknown, key: string): number {
  const value = field(row, key);
  if (typeof value !== 'number') throw new Error(`direct store: ${key} is not a number`);
  return value;
}

function bytes(row: unknown, key: string): Buffer {
  const value = field(row, key);
  if (!Buffer.isBuffer(value)) throw new Error(`direct store: ${key} is not a blob`);
  return value;
}

function optionalText(row: unknown, key: string): string | undefined {
  const value = field(row, key);
  return typeof value === 'string' ? value : undefined;
}

function toDevice(row: unknown): DeviceRow {
  const removed = field(row, 'removed_at');
  return { id: text(row, 'id'), accountKey: text(row, 'account_key'), publicKey: text(row, 'public_key'), addedAt: int(row, 'added_at'), lastSeenAt: int(row, 'last_seen_at'), removedAt: typeof removed === 'number' ? removed : null };
}

function toPending(row: unknown): PendingDirect {
  return {
    seq: int(row, 'seq'),
    messageId: text(row, 'message_id'),
    senderName: text(row, 'sender_name'),
    senderDevice: text(row, 'sender_device'),
    senderPublicKey: text(row, 'sender_public_key'),
    recipientName: text(row, 'recipient_name'),
    clientTime: text(row, 'client_time'),
    fileId: optionalText(row, 'file_id'),
    body: bytes(row, 'body'),
    enc: bytes(row, 'enc'),
    key: bytes(row, 'key'),
  };
}

export class DirectStore {
  readonly db: Db;
  private readonly statements: Record<string, Statement>;

  constructor(private readonly store: Store) {
    const db = store.db;
    this.db = db;
    const prepare = (sql: string): Statement => db.prepare(sql);
    this.statements = {
      deviceById: prepare('SELECT * FROM devices WHERE id = ?'),
      activeDevices: prepare('SELECT * FROM devices WHERE account_key = ? AND removed_at IS NULL ORDER BY added_at, id'),
      countActive: prepare('SELECT count(*) FROM devices WHERE account_key = ? AND removed_at IS NULL').pluck(),
      addDevice: prepare('INSERT INTO devices (id, account_key, public_key, added_at, last_seen_at) VALUES (?, ?, ?, ?, ?)'),
      touchDevice: prepare('UPDATE devices SET last_seen_at = ? WHERE id = ?'),
      removeDevice: prepare('UPDATE devices SET removed_at = ? WHERE id = ? AND removed_at IS NULL'),
      findSent: prepare('SELECT seq FROM direct_messages WHERE sender_device = ? AND message_id = ?').pluck(),
      insertMessage: prepare(
        'INSERT INTO direct_messages (message_id, sender_key, sender_name, sender_device, sender_public_key, recipient_key, recipient_name, sent_at, client_time, file_id, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      insertEnvelope: prepare('INSERT INTO direct_envelopes (device_id, seq, owner_key, enc, key) VALUES (?, ?, ?, ?, ?)'),
      deleteMessage: prepare('DELETE FROM direct_messages WHERE seq = ?'),
      deleteIfOrphan: prepare('DELETE FROM direct_messages WHERE seq = ? AND NOT EXISTS (SELECT 1 FROM direct_envelopes WHERE seq = ?)'),
      maxSeq: prepare("SELECT seq FROM sqlite_sequence WHERE name = 'direct_messages'").pluck(),
      pending: prepare(
        `SELECT m.seq, m.message_id, m.sender_name, m.sender_device, m.sender_public_key, m.recipient_name, m.client_time, m.file_id, m.body, e.enc, e.key
         FROM direct_envelopes e JOIN direct_messages m ON m.seq = e.seq
         WHERE e.device_id = ? AND e.seq > ? AND e.seq <= ? ORDER BY e.seq LIMIT ?`,
      ),
      ackUpTo: prepare('DELETE FROM direct_envelopes WHERE device_id = ? AND seq <= ? RETURNING seq'),
      deviceEnvelopes: prepare('DELETE FROM direct_envelopes WHERE device_id = ? RETURNING seq'),
      ownerEnvelopes: prepare('DELETE FROM direct_envelopes WHERE owner_key = ? RETURNING seq'),
      usage: prepare('SELECT count(*) AS n, total(length(body)) AS b FROM direct_messages WHERE seq IN (SELECT seq FROM direct_envelopes WHERE owner_key = ?)'),
      prunedUpTo: prepare('SELECT up_to FROM direct_pruned WHERE device_id = ?').pluck(),
      oldEnvelopes: prepare('DELETE FROM direct_envelopes WHERE seq IN (SELECT seq FROM direct_messages WHERE sent_at < ? ORDER BY sent_at LIMIT ?) RETURNING device_id, seq'),
      oldMessages: prepare('DELETE FROM direct_messages WHERE seq IN (SELECT seq FROM direct_messages WHERE sent_at < ? ORDER BY sent_at LIMIT ?)'),
      markPruned: prepare('INSERT INTO direct_pruned (device_id, up_to) VALUES (?, ?) ON CONFLICT(device_id) DO UPDATE SET up_to = max(up_to, excluded.up_to)'),
      isBlocked: prepare('SELECT 1 FROM direct_blocks WHERE blocker_key = ? AND blocked_key = ?').pluck(),
      block: prepare('INSERT INTO direct_blocks (blocker_key, blocked_key, blocked_name, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(blocker_key, blocked_key) DO UPDATE SET blocked_name = excluded.blocked_name'),
      unblock: prepare('DELETE FROM direct_blocks WHERE blocker_key = ? AND blocked_key = ?'),
      blockedBy: prepare('SELECT blocked_name FROM direct_blocks WHERE blocker_key = ? ORDER BY blocked_key').pluck(),
      totals: prepare('SELECT (SELECT count(*) FROM devices WHERE removed_at IS NULL) AS d, (SELECT count(*) FROM direct_messages) AS n, (SELECT total(length(body)) FROM direct_messages) AS b'),
    };
  }

  private s(name: string): Statement {
    const statement = this.statements[name];
    if (!statement) throw new Error(`direct store: no statement ${name}`);
    return statement;
  }

  /** The server's stable id: random, made on first use, kept in the database (so in backups, and unchanged by rotate-key). */
  serverId(): string {
    const existing = this.store.getSetting(SERVER_ID_SETTING);
    if (existing !== undefined) return existing;
    const made = crypto.randomBytes(16).toString('base64url');
    this.store.setSetting(SERVER_ID_SETTING, made);
    return made;
  }

  // Devices.

  device(id: string): DeviceRow | undefined {
    const row: unknown = this.s('deviceById').get(id);
    return row === undefined ? undefined : toDevice(row);
  }

  /** The account's devices that were not removed, oldest first. */
  activeDevices(name: string): DeviceRow[] {
    return this.s('activeDevices').all(nameKey(name)).map(toDevice);
  }

  countActive(name: string): number {
    const value: unknown = this.s('countActive').get(nameKey(name));
    return typeof value === 'number' ? value : 0;
  }

  addDevice(id: string, name: string, publicKey: string, now: number): void {
    this.s('addDevice').run(id, nameKey(name), publicKey, now, now);
  }

  touchDevice(id: string, now: number): void {
    this.s('touchDevice').run(now, id);
  }

  /** Mark a device removed (its key is never registered again) and drop what it had still to fetch. */
  removeDevice(id: string, now: number): boolean {
    let removed = false;
    this.db.transaction(() => {
      removed = this.s('removeDevice').run(now, id).changes === 1;
      this.dropOrphans(this.seqs(this.s('deviceEnvelopes').all(id)));
    })();
    return removed;
  }

  // Messages.

  /** The seq of a message this device already sent with this id (a retry), if stored. */
  findSent(senderDevice: string, messageId: string): number | undefined {
    const value: unknown = this.s('findSent').get(senderDevice, messageId);
    return typeof value === 'number' ? value : undefined;
  }

  /**
   * Store one message and the envelopes of the devices that fetch it later, in one transaction;
   * returns its seq. With no envelope to keep, the row goes again at once (the seq, used by live
   * delivery, is still never reused).
   */
  insert(message: NewDirect, envelopes: readonly NewEnvelope[]): number {
    let seq = 0;
    this.db.transaction(() => {
      const result = this.s('insertMessage').run(
        message.messageId,
        nameKey(message.senderName),
        message.senderName,
        message.senderDevice,
        message.senderPublicKey,
        nameKey(message.recipientName),
        message.recipientName,
        message.sentAt,
        message.clientTime,
        message.fileId ?? null,
        message.body,
      );
      seq = Number(result.lastInsertRowid);
      for (const envelope of envelopes) this.s('insertEnvelope').run(envelope.deviceId, seq, nameKey(envelope.ownerName), envelope.enc, envelope.key);
      if (envelopes.length === 0) this.s('deleteMessage').run(seq);
    })();
    return seq;
  }

  /** The highest seq ever handed out (0: none yet). */
  maxSeq(): number {
    const value: unknown = this.s('maxSeq').get();
    return typeof value === 'number' ? value : 0;
  }

  /** Messages waiting for `deviceId` with after < seq <= upTo, oldest first, at most `limit`. */
  pending(deviceId: string, after: number, upTo: number, limit: number): PendingDirect[] {
    return this.s('pending').all(deviceId, after, upTo, limit).map(toPending);
  }

  /** The device kept everything up to `upTo`: its envelopes go, and messages nobody else still needs. Returns how many envelopes went. */
  ack(deviceId: string, upTo: number): number {
    let count = 0;
    this.db.transaction(() => {
      const seqs = this.seqs(this.s('ackUpTo').all(deviceId, upTo));
      count = seqs.length;
      this.dropOrphans(seqs);
    })();
    return count;
  }

  /** What the account's devices still have to fetch: messages (each once) and their body bytes. */
  usage(name: string): Usage {
    const row: unknown = this.s('usage').get(nameKey(name));
    return { messages: int(row, 'n'), bytes: int(row, 'b') };
  }

  /** The highest seq retention removed before `deviceId` fetched it (0: none). */
  prunedUpTo(deviceId: string): number {
    const value: unknown = this.s('prunedUpTo').get(deviceId);
    return typeof value === 'number' ? value : 0;
  }

  /** Delete up to `batch` messages sent before `cutoff`, remembering per device what it missed. Returns how many went. */
  deleteOlderThan(cutoff: number, batch: number): number {
    let count = 0;
    this.db.transaction(() => {
      const highest = new Map<string, number>();
      for (const row of this.s('oldEnvelopes').all(cutoff, batch)) {
        const device = text(row, 'device_id');
        highest.set(device, Math.max(highest.get(device) ?? 0, int(row, 'seq')));
      }
      for (const [device, seq] of highest) this.s('markPruned').run(device, seq);
      count = this.s('oldMessages').run(cutoff, batch).changes;
    })();
    return count;
  }

  totals(): StoredTotals {
    const row: unknown = this.s('totals').get();
    return { devices: int(row, 'd'), messages: int(row, 'n'), bytes: int(row, 'b') };
  }

  // Blocks (registered blockers; a guest's blocks live in memory for its session).

  isBlocked(blocker: string, sender: string): boolean {
    return this.s('isBlocked').get(nameKey(blocker), nameKey(sender)) !== undefined;
  }

  block(blocker: string, blocked: string, now: number): void {
    this.s('block').run(nameKey(blocker), nameKey(blocked), blocked, now);
  }

  unblock(blocker: string, blocked: string): boolean {
    return this.s('unblock').run(nameKey(blocker), nameKey(blocked)).changes === 1;
  }

  blockedBy(blocker: string): string[] {
    return this.s('blockedBy')
      .all(nameKey(blocker))
      .flatMap((value: unknown) => (typeof value === 'string' ? [value] : []));
  }

  // Accounts moving or going (run inside the caller's transaction where there is one).

  /** `/nick`: devices, stored messages and blocks follow the person to the new name. */
  rename(oldName: string, newName: string): void {
    const [from, to] = [nameKey(oldName), nameKey(newName)];
    if (from === to && oldName === newName) return;
    const run = (sql: string, ...args: unknown[]): void => void this.db.prepare(sql).run(...args);
    run('UPDATE devices SET account_key = ? WHERE account_key = ?', to, from);
    run('UPDATE direct_messages SET sender_key = ?, sender_name = ? WHERE sender_key = ?', to, newName, from);
    run('UPDATE direct_messages SET recipient_key = ?, recipient_name = ? WHERE recipient_key = ?', to, newName, from);
    run('UPDATE direct_envelopes SET owner_key = ? WHERE owner_key = ?', to, from);
    run('UPDATE OR REPLACE direct_blocks SET blocker_key = ? WHERE blocker_key = ?', to, from);
    run('UPDATE OR REPLACE direct_blocks SET blocked_key = ?, blocked_name = ? WHERE blocked_key = ?', to, newName, from);
  }

  /** Root deleted an account: its devices, what they had to fetch and its blocks go (whoever registers the name next starts afresh). */
  forgetAccount(name: string): void {
    const key = nameKey(name);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM devices WHERE account_key = ?').run(key);
      this.dropOrphans(this.seqs(this.s('ownerEnvelopes').all(key)));
      this.db.prepare('DELETE FROM direct_blocks WHERE blocker_key = ?').run(key);
    })();
  }

  private seqs(rows: unknown[]): number[] {
    return rows.flatMap((row) => {
      const seq = field(row, 'seq');
      return typeof seq === 'number' ? [seq] : [];
    });
  }

  private dropOrphans(seqs: readonly number[]): void {
    for (const seq of new Set(seqs)) this.s('deleteIfOrphan').run(seq, seq);
  }
}
