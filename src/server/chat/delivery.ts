// Getting live traffic to sessions in order. Live frames are encoded once (chat/fanout.ts) and
// the same bytes go to every recipient. While a session is being sent history (login sync,
// /join, /history), live frames for it are held back and released afterwards, so a client sees
// history, then what happened meanwhile: no gap, no duplicate, no reordering. Large transfers wait for the socket to drain
// instead of filling the per-session output limit.
import type { Session } from '../session/session.js';

interface HoldState {
  holds: number;
  /** Live output held back, and the largest frame in each (a run of chat lines is several). */
  held: Buffer[];
  heldLargest: number[];
  heldBytes: number;
}

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

  /**
   * Send pre-encoded live frames (one, or several whose largest is `largestFrame`) now, or hold
   * them while the session is receiving history.
   */
  deliver(session: Session, frame: Buffer, largestFrame = frame.length): void {
    const state = this.states.get(session);
    if (state && state.holds > 0) {
      state.heldBytes += frame.length;
      // Held output counts against the same limit as unsent output.
      if (state.heldBytes > this.maxUnsentBytes) {
        state.held = [];
        state.heldLargest = [];
        session.fail('SLOW_READER');
        return;
      }
      state.held.push(frame);
      state.heldLargest.push(largestFrame);
      return;
    }
    session.sendFrame(frame, largestFrame);
  }

  /** Run `work` (which sends history) with live frames held back; then release them in order. */
  async withHold(session: Session, work: () => Promise<void>): Promise<void> {
    let state = this.states.get(session);
    if (!state) {
      state = { holds: 0, held: [], heldLargest: [], heldBytes: 0 };
      this.states.set(session, state);
    }
    state.holds += 1;
    try {
      await work();
    } finally {
      // Frames that arrive while releasing join the queue; the hold ends only once it is empty.
      while (state.holds === 1 && state.held.length > 0 && isOpen(session)) {
        const frames = state.held;
        const largest = state.heldLargest;
        state.held = [];
        state.heldLargest = [];
        state.heldBytes = 0;
        for (let i = 0; i < frames.length; i++) {
          const frame = frames[i];
          if (frame === undefined) continue;
          await this.drained(session);
          session.sendFrame(frame, largest[i]);
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
  drained(session: Session): Promise<void> {
    return session.drainedBelow(this.frameBudget);
  }
}

function isOpen(session: Session): boolean {
  return session.isOpen;
}
