// A chat line: checked, counted, stored (when history is on), sent to its room, acknowledged.
// Lines that arrive in the same turn of the event loop, from any sessions, are committed
// together (one transaction, one fsync for all); each sender's next message waits for its
// line's answer (session.ts), so every session's replies stay in order.
import { errorText } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { ServerMessage } from '../../protocol/messages.js';
import { isLobby } from '../../protocol/rooms.js';
import { checkText } from '../../protocol/text.js';
import type { Clock } from '../clock.js';
import { CommandError } from '../commands/command-error.js';
import { ACK, PendingAnswer } from '../commands/reply.js';
import { noMetrics, type ServerMetrics } from '../metrics.js';
import type { Statistics } from '../moderation/statistics.js';
import type { Member } from '../session/member.js';
import type { StorageQuotas } from '../storage/quotas.js';
import type { StorageAlarm } from '../storage/storage-alarm.js';
import { Audience, type Fanout } from './fanout.js';
import type { HistoryStore } from './history.js';
import type { RoomService } from './room-service.js';
import type { Room } from './rooms.js';

/** A chat line accepted and waiting for its commit. */
interface PendingLine {
  readonly from: string;
  readonly text: string;
  readonly room: Room;
  readonly at: number;
  readonly answer: PendingAnswer;
}

export class ChatLines {
  private pending: PendingLine[] = [];

  constructor(
    private readonly rooms: RoomService,
    private readonly history: HistoryStore,
    private readonly fanout: Fanout,
    private readonly stats: Statistics,
    private readonly alarm: StorageAlarm,
    /** What a sender, an address, a room and the server may store a day; nothing below the disk reserve. */
    private readonly quotas: StorageQuotas,
    private readonly logger: Logger,
    private readonly clock: Clock,
    /** The longest line, in characters. */
    private readonly maxTextLength: number,
    private readonly metrics: ServerMetrics = noMetrics,
  ) {}

  /**
   * Post a line to `roomName` (default #lobby). Refusals of the text or the room throw at once;
   * the returned answer is the acknowledgement, given once the line is stored and sent.
   */
  post(member: Member, raw: string, roomName?: string): PendingAnswer {
    const checked = checkText(raw, this.maxTextLength);
    if ('error' in checked) throw new CommandError(checked.error, checked.error === 'TEXT_TOO_LONG' ? errorText('TEXT_TOO_LONG', { what: 'message', max: this.maxTextLength }) : undefined);
    this.stats.messageRelayed();
    // Protocol-1 clients cannot receive room traffic, so they cannot post into rooms either.
    if (roomName !== undefined && member.protocol < 2 && !isLobby(roomName)) throw new CommandError('CLIENT_TOO_OLD');
    const room = roomName === undefined ? this.rooms.rooms.lobby : this.rooms.memberRoom(member, roomName);
    if (this.history.enabled) {
      const refusal = this.quotas.spend({ kind: 'history', user: member.name, address: member.session.address, roomId: room.id, roomName: room.name, amount: Buffer.byteLength(checked.text, 'utf8') });
      if (refusal) throw new CommandError(refusal.code, refusal.message);
    }
    const answer = new PendingAnswer();
    this.pending.push({ from: member.name, text: checked.text, room, at: this.clock.now(), answer });
    if (this.pending.length === 1) setImmediate(() => this.commitPending());
    return answer;
  }

  /** Store the waiting lines in one transaction, then send each to its room and acknowledge it. */
  private commitPending(): void {
    const batch = this.pending;
    this.pending = [];
    const startedAt = this.metrics.now();
    const rooms = this.rooms.rooms;
    try {
      // A room may have gone, or its sender been removed from it, since the line was accepted.
      const accepted = batch.filter((line) => {
        const refusal = rooms.find(line.room.name) !== line.room ? 'NO_SUCH_ROOM' : !rooms.isMember(line.room, line.from) ? 'NOT_MEMBER' : undefined;
        if (refusal) line.answer.fail(new CommandError(refusal));
        return refusal === undefined;
      });
      let ids: number[];
      try {
        ids = this.history.appendMany(accepted.map((line) => ({ roomId: line.room.id, sender: line.from, body: line.text, sentAt: line.at })));
      } catch (error) {
        this.alarm.report('history', error);
        for (const line of accepted) line.answer.fail(new CommandError('STORAGE_FAILED', 'Your message could not be stored, so it was not sent; please try again.'));
        return;
      }
      const lobby = rooms.lobby;
      accepted.forEach((line, index) => {
        const id = ids[index] ?? 0;
        line.room.lastId = id;
        const time = new Date(line.at).toISOString();
        const message: ServerMessage = { type: 'message', from: line.from, text: line.text, time, room: line.room.name, id };
        // Protocol-1 clients see #lobby only, in the older form without room and id.
        this.metrics.relayed(this.fanout.send(Audience.room(line.room), message, line.room === lobby ? { type: 'message', from: line.from, text: line.text, time } : 'none'));
        line.answer.answer(ACK);
      });
      this.metrics.committed(startedAt, accepted.length);
    } catch (error) {
      // This runs outside any session's handling: a bug here must not end the server. Lines not
      // answered yet get the error (an answer already given ignores it).
      this.logger.error('chat commit failed', { reason: error instanceof Error ? error.message : String(error) });
      for (const line of batch) line.answer.fail(error);
    }
  }
}
