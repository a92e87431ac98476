// Storage failures at run time (a full disk, an unwritable file, a database error) are reported
// to the log and to every connected root session, once per kind per interval, so a failing disk
// cannot flood either. The server itself carries on: chat goes on, the lost action is answered
// with STORAGE_FAILED by whoever lost it.
import type { Logger } from '../../common/logger.js';
import { describeStorageError } from '../../common/storage-errors.js';
import { Audience, type Fanout } from '../chat/fanout.js';
import type { Clock } from '../clock.js';

/** What each kind of failure means for the admin, in one phrase. */
const WHAT: Readonly<Record<string, string>> = {
  requests: 'a /request to client_requests.txt (the user was told it was not stored)',
  history: 'chat messages to the database (their senders were told they were not sent)',
  database: 'a change to the database (the user was told it was not saved)',
  accounts: "an account's last-seen time to the database",
  retention: 'the history clean-up in the database',
  bans: 'a ban to the database',
  lockdown: 'the lockdown setting to the database (it holds until the next restart)',
  stats: 'stats.json',
  audit: 'an entry to audit.log',
  log: 'to server.log',
  files: 'a shared file under files/ in the data directory (its uploader was told)',
};

export class StorageAlarm {
  private readonly last = new Map<string, { at: number; suppressed: number }>();
  /** Failures reported or suppressed since start, for `stats`. */
  total = 0;

  constructor(
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly fanout: Fanout,
    private readonly intervalMs: number,
  ) {}

  /** A write failed: log it and tell the roots, unless this kind was reported within the interval. */
  report(what: string, error: unknown): void {
    this.total += 1;
    const now = this.clock.now();
    const previous = this.last.get(what);
    if (previous && now - previous.at < this.intervalMs) {
      previous.suppressed += 1;
      return;
    }
    const suppressed = previous?.suppressed ?? 0;
    this.last.set(what, { at: now, suppressed: 0 });
    const reason = describeStorageError(error);
    // The log may be what is failing; a failing log must not stop the roots being told.
    try {
      this.logger.error('storage failure', { what, reason, ...(suppressed > 0 ? { alsoFailedSinceLastReport: suppressed } : {}) });
    } catch {
      // nothing more to do: the roots below are the other channel
    }
    const again = suppressed > 0 ? ` (${suppressed} more failure${suppressed === 1 ? '' : 's'} since the last report)` : '';
    const text = `Storage problem: could not write ${WHAT[what] ?? what}: ${reason}${again}. The server keeps running; free disk space or fix the permissions.`;
    this.fanout.send(Audience.roots, { type: 'notice', from: 'server', text, time: new Date(now).toISOString() });
  }
}
