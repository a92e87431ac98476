// Notices: a root's to everyone or to some sessions, and the server's own (countdown, cancel).
import { Audience, type Fanout } from '../chat/fanout.js';
import type { Clock } from '../clock.js';
import type { Session } from '../session/session.js';

export class Notices {
  constructor(
    private readonly fanout: Fanout,
    private readonly clock: Clock,
  ) {}

  /** A root notice to every logged-in session except the sender's; returns how many got it. */
  fromRootToAll(text: string, sender: Session): number {
    return this.fanout.send(Audience.everyone(sender), { type: 'notice', from: 'root', text, time: this.clock.iso() });
  }

  /** A root notice to these sessions only; returns how many got it. */
  fromRootTo(sessions: Iterable<Session>, text: string): number {
    return this.fanout.send(Audience.sessions(sessions), { type: 'notice', from: 'root', text, time: this.clock.iso() });
  }

  /** A server notice to every logged-in session. */
  fromServer(text: string): void {
    this.fanout.send(Audience.everyone(), { type: 'notice', from: 'server', text, time: this.clock.iso() });
  }
}
