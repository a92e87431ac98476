// What a handler gives back: its reply (the dispatcher adds the request's `ref` and sends it),
// or an Outcome when something has to happen around the reply. A leaf module, so services that
// build replies do not depend on the command table.
import type { ServerMessage } from '../../protocol/messages.js';

type WithoutRef<M> = M extends unknown ? Omit<M, 'ref'> : never;

/** A server message as a handler returns it: without `ref` (the dispatcher sets it). */
export type Reply = WithoutRef<ServerMessage>;

export interface Outcome {
  /** The answer; absent only for messages that carry no request id (bye, auth). */
  readonly reply?: Reply | undefined;
  /** A short, secret-free note for the audit trail ("disconnected 2"); root calls only. */
  readonly detail?: string | undefined;
  /**
   * Frames that must reach the client before the reply (history for /join and /history). The
   * dispatcher runs this with the session's live traffic held, then sends the reply, then
   * releases what was held: history, reply, live — in that order.
   */
  readonly before?: (() => Promise<void>) | undefined;
  /** Runs once the reply is on its way (closing the session, shutting down, login sync). */
  readonly afterReply?: (() => void | Promise<void>) | undefined;
}

export type Answer = Reply | Outcome;

/** The plain acknowledgement. */
export const ACK: Reply = { type: 'ack' };

export function isReply(answer: Answer): answer is Reply {
  return 'type' in answer;
}

type Settlement = { ok: true; answer: Answer } | { ok: false; error: unknown };

/**
 * An answer that comes later but, unlike a promise's, is delivered synchronously when it is
 * given: a chat line's `ack` then goes out in the same write as the line itself (its group
 * commit's tick), instead of one turn later on its own.
 */
export class PendingAnswer {
  private settlement: Settlement | undefined;
  private sink: ((settlement: Settlement) => void) | undefined;

  answer(answer: Answer): void {
    this.settle({ ok: true, answer });
  }

  fail(error: unknown): void {
    this.settle({ ok: false, error });
  }

  /** The dispatcher's hook, called once: at once if already settled, else when it is. */
  onSettled(sink: (settlement: Settlement) => void): void {
    if (this.settlement) sink(this.settlement);
    else this.sink = sink;
  }

  private settle(settlement: Settlement): void {
    if (this.settlement) return;
    this.settlement = settlement;
    this.sink?.(settlement);
    this.sink = undefined;
  }
}
