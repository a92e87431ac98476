// The audit trail: every root action appended to <log-dir>/audit.log, one JSON object per line
// (JSON, so nothing a root types can forge a second line). Written synchronously and synced:
// root actions are rare and the record must exist before the root is told it happened.
// Callers pass targets only; never a secret and never a broadcast's text (its length instead).
import fs from 'node:fs';
import path from 'node:path';

export interface AuditEntry {
  /** The root session, e.g. "root#3". */
  who: string;
  /** The address it came from. */
  from: string;
  /** The command ("ban", "send", ...) or "login" / "logout". */
  action: string;
  /** Names, addresses, durations, option flags; a message is recorded as "(message: N characters)". */
  targets?: readonly string[];
  /** "ok" or the error code that refused it. */
  result: string;
  /** A short, secret-free note: "kicked 2 sessions", "expires 2026-…". */
  detail?: string;
}

/** Longest target recorded; a root pasting something huge must not bloat the trail. */
const MAX_TARGET_LENGTH = 100;
const MAX_TARGETS = 32;

export class AuditLog {
  readonly file: string;

  constructor(
    logDir: string,
    fileName: string,
    private readonly now: () => number,
    private readonly onError: (error: unknown) => void,
  ) {
    this.file = path.join(logDir, fileName);
  }

  record(entry: AuditEntry): void {
    const line = JSON.stringify({
      time: new Date(this.now()).toISOString(),
      who: entry.who,
      from: entry.from,
      action: entry.action,
      ...(entry.targets && entry.targets.length > 0 ? { targets: entry.targets.slice(0, MAX_TARGETS).map((t) => (t.length > MAX_TARGET_LENGTH ? `${t.slice(0, MAX_TARGET_LENGTH)}…` : t)) } : {}),
      result: entry.result,
      ...(entry.detail ? { detail: entry.detail } : {}),
    });
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      const fd = fs.openSync(this.file, 'a', 0o600);
      try {
        fs.fchmodSync(fd, 0o600);
        fs.writeSync(fd, line + '\n');
        fs.fdatasyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    } catch (error) {
      this.onError(error);
    }
  }
}
