// Stored history sent to one session: at login (recent or missed messages per room, then
// `synced`), on /join (the room's recent messages) and for /history (older pages). Frames are
// packed under a byte budget and paced to the socket; live traffic is held meanwhile (Delivery).
import { encodeFrame } from '../../protocol/frame.js';
import type { AuthMessage, HistoryMessage, StoredMessage } from '../../protocol/messages.js';
import { roomKey } from '../../protocol/rooms.js';
import { CommandError } from '../commands/command-error.js';
import type { Member } from '../session/member.js';
import type { Session } from '../session/session.js';
import type { DirectSync } from '../direct/direct-service.js';
import type { Delivery } from './delivery.js';
import type { HistoryStore, StoredRow } from './history.js';
import { roomSummary, type Room, type Rooms } from './rooms.js';

/** Rows read from the database per step of a resume. */
const RESUME_BATCH = 500;
/** Rough JSON overhead of one history frame without its messages. */
const FRAME_OVERHEAD = 200;
/** A frame never carries more messages than this, however short they are. */
const MAX_MESSAGES_PER_FRAME = 500;

export interface HistoryExtras {
  more?: boolean | undefined;
  truncated?: boolean | undefined;
}

export class HistoryReplay {
  constructor(
    private readonly history: HistoryStore,
    private readonly rooms: Rooms,
    private readonly delivery: Delivery,
    /** Messages sent per room at login and on /join. */
    private readonly onJoin: number,
  ) {}

  get enabled(): boolean {
    return this.history.enabled;
  }

  /**
   * After `welcome`: a protocol-2 user gets, per room, exactly the messages after the ids in
   * `resume`, or the recent ones; then `synced`. Live traffic waits until that is done.
   */
  async loginSync(member: Member, resume: AuthMessage['resume'], registered: boolean, direct?: DirectSync): Promise<void> {
    const session = member.session;
    // The snapshot is taken in the same tick as the login: everything up to here is history,
    // everything after arrives live (held until the history is out).
    const snapshot = this.rooms.roomsOf(member.name).map((room) => ({ room, upTo: room.lastId }));
    const resumeFrom = resume ? new Map(resume.map((entry) => [roomKey(entry.room), entry.lastId])) : undefined;
    await this.delivery.withHold(session, async () => {
      if (this.history.enabled) {
        for (const { room, upTo } of snapshot) {
          const from = resumeFrom?.get(room.key);
          if (from !== undefined) await this.missed(session, room, from, upTo);
          else await this.recent(session, room, upTo, 'recent');
        }
      }
      // Protocol 3: the device's stored direct messages, then their cursor in `synced`.
      const directSynced = direct ? await direct.send(session) : undefined;
      await this.delivery.drained(session);
      session.send({
        type: 'synced',
        rooms: snapshot.map(({ room, upTo }) => ({ ...roomSummary(room), lastId: upTo })),
        history: this.history.enabled,
        registered,
        ...(directSynced ? { direct: directSynced } : {}),
      });
    });
  }

  /** The last `onJoin` messages of `room` up to `upTo`, if there are any (and history is on). */
  async recent(session: Session, room: Room, upTo: number, reason: 'recent' | 'join'): Promise<void> {
    if (!this.history.enabled) return;
    const rows = this.history.before(room.id, upTo + 1, this.onJoin);
    const first = rows[0];
    if (!first) return;
    await this.sendPaced(session, this.pack(room.name, reason, rows, { more: this.history.hasBefore(room.id, first.id) }, false));
  }

  /**
   * Up to `count` messages before `before` (default: the newest), oldest first: the last frame
   * is the answer to the request (it carries its `ref`), the others precede it.
   */
  older(room: Room, count: number, before: number | undefined): { pages: HistoryMessage[]; last: HistoryMessage } {
    if (!this.history.enabled) throw new CommandError('HISTORY_OFF', 'This server keeps no history (the admin turned it off).');
    const rows = this.history.before(room.id, before ?? room.lastId + 1, count);
    const first = rows[0];
    const more = first ? this.history.hasBefore(room.id, first.id) : false;
    const pages = this.pack(room.name, 'older', rows, { more }, true);
    const last = pages.pop();
    if (!last) throw new Error('an empty history transfer has one frame');
    return { pages, last };
  }

  /** Send whole history messages, each once the socket has drained below the budget. */
  sendPaced(session: Session, pages: readonly HistoryMessage[]): Promise<void> {
    return this.delivery.sendPaced(session, pages.map(encodeFrame));
  }

  /** Replay messages with from < id <= upTo, in order, in batches. */
  private async missed(session: Session, room: Room, from: number, upTo: number): Promise<void> {
    const truncated = from < this.history.prunedUpTo(room.id);
    let cursor = from;
    for (let first = true; ; first = false) {
      const rows = this.history.after(room.id, cursor, upTo, RESUME_BATCH);
      const last = rows.at(-1);
      if (!last) {
        if (first && truncated) await this.sendPaced(session, this.pack(room.name, 'resume', [], { truncated }, true));
        return;
      }
      await this.sendPaced(session, this.pack(room.name, 'resume', rows, { truncated }, false));
      cursor = last.id;
      if (rows.length < RESUME_BATCH) return;
    }
  }

  /**
   * Pack stored rows into `history` messages under the frame budget. `more` goes on the last;
   * `truncated` on every one. With no rows: one empty message if `emptyFrame`.
   */
  private pack(room: string, reason: HistoryMessage['reason'], rows: readonly StoredRow[], extras: HistoryExtras, emptyFrame: boolean): HistoryMessage[] {
    const budget = this.delivery.frameBudget;
    const batches: StoredMessage[][] = [];
    let batch: StoredMessage[] = [];
    let size = FRAME_OVERHEAD;
    for (const row of rows) {
      const message: StoredMessage = { id: row.id, from: row.sender, text: row.body, time: new Date(row.sentAt).toISOString() };
      const bytes = Buffer.byteLength(JSON.stringify(message)) + 1;
      if (batch.length > 0 && (size + bytes > budget || batch.length >= MAX_MESSAGES_PER_FRAME)) {
        batches.push(batch);
        batch = [];
        size = FRAME_OVERHEAD;
      }
      batch.push(message);
      size += bytes;
    }
    if (batch.length > 0 || (batches.length === 0 && emptyFrame)) batches.push(batch);
    return batches.map((messages, index) => {
      const frame: HistoryMessage = { type: 'history', room, reason, messages };
      if (extras.truncated) frame.truncated = true;
      if (index === batches.length - 1 && extras.more !== undefined) frame.more = extras.more;
      return frame;
    });
  }
}
