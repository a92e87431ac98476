// Getting room traffic to sessions in order. Live frames are encoded once and the same bytes
// go to every recipient. While a session is being sent history (login sync, join), live frames
// for it are held back and released afterwards, so a client sees history, then what happened
// meanwhile: no gap, no duplicate, no reordering. Large transfers wait for the socket to drain
// instead of filling the per-session output limit.
import { encodeFrame } from '../../protocol/frame.js';
import type { HistoryMessage, StoredMessage } from '../../protocol/messages.js';
import type { StoredRow } from './history.js';
import type { Session } from '../session/session.js';

interface HoldState {
  holds: number;
  held: Buffer[];
  heldBytes: number;
}

export interface HistoryExtras {
  ref?: number | undefined;
  more?: boolean | undefined;
  truncated?: boolean | undefined;
}

/** Rough JSON overhead of one history frame without its messages. */
const FRAME_OVERHEAD = 200;
/** A frame never carries more messages than this, however short they are. */
const MAX_MESSAGES_PER_FRAME = 500;

export class Delivery {
  private readonly states = new WeakMap<Session, HoldState>();
  /** Frames stay below this size, and a session's queued output below twice this before the next frame. */
  readonly frameBudget: number;

  constructor(
    private readonly maxUnsentBytes: number,
    frameBudgetBytes: number,
  ) {
    this.frameBudget = Math.max(16 * 1024, Math.min(frameBudgetBytes, Math.floor(maxUnsentBytes / 4)));
  }

  /** Send a pre-encoded live frame now, or hold it while the session is receiving history. */
  deliver(session: Session, frame: Buffer): void {
    const state = this.states.get(session);
    if (state && state.holds > 0) {
      state.heldBytes += frame.length;
      // Held output counts against the same limit as unsent output.
      if (state.heldBytes > this.maxUnsentBytes) {
        state.held = [];
        session.fail('SLOW_READER');
        return;
      }
      state.held.push(frame);
      return;
    }
    session.sendFrame(frame);
  }

  /** Run `work` (which sends history) with live frames held back; then release them in order. */
  async withHold(session: Session, work: () => Promise<void>): Promise<void> {
    let state = this.states.get(session);
    if (!state) {
      state = { holds: 0, held: [], heldBytes: 0 };
      this.states.set(session, state);
    }
    state.holds += 1;
    try {
      await work();
    } finally {
      // Frames that arrive while releasing join the queue; the hold ends only once it is empty.
      while (state.holds === 1 && state.held.length > 0 && isOpen(session)) {
        const frames = state.held;
        state.held = [];
        state.heldBytes = 0;
        for (const frame of frames) {
          await this.drained(session);
          session.sendFrame(frame);
        }
      }
      state.holds -= 1;
    }
  }

  /** Send frames one by one, each once the socket has drained below the budget. */
  async sendPaced(session: Session, frames: readonly Buffer[]): Promise<void> {
    for (const frame of frames) {
      await this.drained(session);
      if (!isOpen(session)) return;
      session.sendFrame(frame);
    }
  }

  /** Resolve once the session's unsent output is at most one frame budget (or it closed). */
  async drained(session: Session): Promise<void> {
    const socket = session.socket;
    while (isOpen(session) && session.unsentBytes > this.frameBudget) {
      // Hand this tick's queued output to the socket first, or 'drain' would never come.
      session.flush();
      if (socket.writableLength <= this.frameBudget) break;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          socket.off('drain', done);
          socket.off('close', done);
          resolve();
        };
        socket.on('drain', done);
        socket.on('close', done);
      });
    }
  }

  /**
   * Pack stored rows into `history` frames under the byte budget. Extras (`ref`, `more`) go on
   * the last frame; `truncated` on every frame. With no rows: one empty frame if `emptyFrame`.
   */
  historyFrames(room: string, reason: HistoryMessage['reason'], rows: readonly StoredRow[], extras: HistoryExtras, emptyFrame: boolean): Buffer[] {
    const batches: StoredMessage[][] = [];
    let batch: StoredMessage[] = [];
    let size = FRAME_OVERHEAD;
    for (const row of rows) {
      const message: StoredMessage = { id: row.id, from: row.sender, text: row.body, time: new Date(row.sentAt).toISOString() };
      const bytes = Buffer.byteLength(JSON.stringify(message)) + 1;
      if (batch.length > 0 && (size + bytes > this.frameBudget || batch.length >= MAX_MESSAGES_PER_FRAME)) {
        batches.push(batch);
        batch = [];
        size = FRAME_OVERHEAD;
      }
      batch.push(message);
      size += bytes;
    }
    if (batch.length > 0 || (batches.length === 0 && emptyFrame)) batches.push(batch);
    return batches.map((messages, index) => {
      const last = index === batches.length - 1;
      const frame: HistoryMessage = { type: 'history', room, reason, messages };
      if (extras.truncated) frame.truncated = true;
      if (last && extras.more !== undefined) frame.more = extras.more;
      if (last && extras.ref !== undefined) frame.ref = extras.ref;
      return encodeFrame(frame);
    });
  }
}

function isOpen(session: Session): boolean {
  return session.state !== 'closed' && !session.socket.destroyed;
}
