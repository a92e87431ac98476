// Server statistics while running: the counters (stats.ts) fed from logins, ends and chat
// lines, the live figures from the roster, and stats.json rewritten every minute and at the end.
import type { Roster } from '../roster.js';
import type { Session } from '../session/session.js';
import type { StorageAlarm } from '../storage/storage-alarm.js';
import type { LiveSessions, ServerStats, StatsSnapshot } from './stats.js';

export class Statistics {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    readonly counters: ServerStats,
    private readonly roster: Roster,
    private readonly alarm: StorageAlarm,
    private readonly intervalMs: number,
  ) {}

  /** Once the server listens: write stats.json every interval from now on. */
  start(): void {
    this.timer ??= setInterval(() => this.write(), this.intervalMs);
    this.timer.unref();
  }

  /** A user logged in (the peak counts users online, this one included). */
  visited(): void {
    this.counters.visit(this.roster.userCount);
  }

  /** A connection ended (logged in or not): keep its byte counts. */
  ended(session: Session): void {
    this.counters.sessionEnded(session.bytesIn, session.bytesOut);
  }

  /** A chat line was relayed (hot path: one increment). */
  messageRelayed(): void {
    this.counters.messageRelayed();
  }

  /** Logged-in sessions and their bytes so far. */
  live(): LiveSessions {
    let users = 0;
    let roots = 0;
    let bytesIn = 0;
    let bytesOut = 0;
    for (const member of this.roster.members()) {
      if (member.role === 'user') users++;
      else roots++;
      bytesIn += member.session.bytesIn;
      bytesOut += member.session.bytesOut;
    }
    return { users, roots, bytesIn, bytesOut };
  }

  snapshot(): StatsSnapshot {
    return this.counters.snapshot(this.live());
  }

  /** Rewrite stats.json; a failed write is reported, not thrown. */
  write(): void {
    try {
      this.counters.write(this.live());
    } catch (error) {
      this.alarm.report('stats', error);
    }
  }

  /** At shutdown: stop the timer and write the final figures. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.write();
  }
}
