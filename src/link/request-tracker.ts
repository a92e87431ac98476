// Requests in flight on one connection: each gets an id; the server's reply (ack, result or
// error) carries it back as `ref` and settles the request. A dropped connection settles every
// open request as unanswered, so nobody waits for a reply that cannot come.
import type { ServerMessage } from '../protocol/messages.js';

/** What happens when a request is answered (remember a new password, undo an optimistic switch). */
export type ReplyEffect = (reply: ServerMessage) => void;

export class RequestTracker {
  private nextId = 1;
  private readonly open = new Map<number, { settle: (answered: boolean) => void; effect: ReplyEffect | undefined }>();

  /** Start a request: its id, and a promise of whether the server answered it (true) or the connection dropped first (false). */
  start(effect?: ReplyEffect): { id: number; answered: Promise<boolean> } {
    const id = this.nextId++;
    const answered = new Promise<boolean>((settle) => this.open.set(id, { settle, effect }));
    return { id, answered };
  }

  /** A message from the server: settles the request it answers, if any. */
  reply(message: ServerMessage): void {
    if (!('ref' in message) || message.ref === undefined) return;
    const request = this.open.get(message.ref);
    if (!request) return;
    this.open.delete(message.ref);
    request.effect?.(message);
    request.settle(true);
  }

  /** The connection dropped: every open request ends unanswered. */
  dropAll(): void {
    for (const request of this.open.values()) request.settle(false);
    this.open.clear();
  }
}
