// Transfers in progress: an upload being written to its partial file, a download being streamed
// from its blob, and how many of them each session runs (the per-session limit).
import type { FileHandle } from 'node:fs/promises';
import type { Sha256 } from '../../crypto/hash.js';
import type { Session } from '../session/session.js';
import type { FileRecord } from './file-records.js';

export class Upload {
  readonly kind = 'upload';
  /** Bytes written and confirmed so far. */
  offset: number;
  /** Bytes received (and hashed) so far: the next chunk must start here. */
  received: number;
  /** The writes queued behind each other (a takeover or a stop waits for them), and how many. */
  chain: Promise<void> = Promise.resolve();
  queued = 0;
  /** No more chunks are taken: it failed, moved, or is finishing. */
  stopped = false;
  /** The last chunk is written: the hash is being checked and the file published. */
  finishing = false;
  /** When updated_at was last written (at most once a minute while chunks arrive). */
  touchedAt: number;

  constructor(
    readonly record: FileRecord,
    readonly handle: FileHandle,
    offset: number,
    readonly hash: Sha256,
    /** The session sending the chunks; a re-offer from another session takes the upload over. */
    public owner: Session,
    now: number,
  ) {
    this.offset = offset;
    this.received = offset;
    this.touchedAt = now;
  }

  get id(): number {
    return this.record.id;
  }
}

export class Download {
  readonly kind = 'download';
  cancelled = false;

  constructor(
    readonly record: FileRecord,
    readonly handle: FileHandle,
    /** The next byte to send. */
    public offset: number,
    readonly session: Session,
  ) {}

  get id(): number {
    return this.record.id;
  }
}

export type Transfer = Upload | Download;

/** Each session's running transfers. */
export class TransferSlots {
  private readonly bySession = new Map<Session, Set<Transfer>>();

  count(session: Session): number {
    return this.bySession.get(session)?.size ?? 0;
  }

  of(session: Session): Transfer[] {
    return [...(this.bySession.get(session) ?? [])];
  }

  add(session: Session, transfer: Transfer): void {
    let set = this.bySession.get(session);
    if (!set) this.bySession.set(session, (set = new Set()));
    set.add(transfer);
  }

  remove(session: Session, transfer: Transfer): void {
    const set = this.bySession.get(session);
    if (!set) return;
    set.delete(transfer);
    if (set.size === 0) this.bySession.delete(session);
  }

  /** Every running transfer, for `stats` and shutdown. */
  all(): Transfer[] {
    return [...this.bySession.values()].flatMap((set) => [...set]);
  }
}
