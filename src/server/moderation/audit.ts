// The audit trail: every root action appended to <log-dir>/audit.log, one JSON object per line
// (JSON, so nothing a root types can forge a second line). Written synchronously and synced:
// root actions are rare and the record must exist before the root is told it happened.
// Callers pass targets only; never a secret and never a broadcast's text (its length instead).
// It rotates like server.log: past the size limit audit.log becomes audit.log.1 (and .1 becomes
// .2, ...), keeping the same number of files.
import fs from 'node:fs';
import path from 'node:path';
import { config } from '../../../config.js';

export interface AuditRotation {
  maxFileBytes: number;
  /** Files kept in all: audit.log and maxFiles - 1 rotated ones. */
  maxFiles: number;
}

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
  /** The current file's size, once known (undefined: stat it before the next append). */
  private size: number | undefined;

  constructor(
    logDir: string,
    fileName: string,
    private readonly now: () => number,
    private readonly onError: (error: unknown) => void,
    private readonly rotation: AuditRotation = { maxFileBytes: config.log.maxFileBytes, maxFiles: config.log.maxFiles },
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
    const bytes = Buffer.byteLength(line) + 1;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      this.size ??= fileSize(this.file);
      if (this.size > 0 && this.size + bytes > this.rotation.maxFileBytes) this.rotate();
      const fd = fs.openSync(this.file, 'a', 0o600);
      try {
        fs.fchmodSync(fd, 0o600);
        fs.writeSync(fd, line + '\n');
        fs.fdatasyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      this.size += bytes;
    } catch (error) {
      // Stat again next time: the file may have been moved or the disk cleaned up.
      this.size = undefined;
      this.onError(error);
    }
  }

  /** audit.log -> audit.log.1 -> ...; the oldest beyond maxFiles is removed. */
  private rotate(): void {
    const keep = this.rotation.maxFiles - 1;
    if (keep < 1) fs.rmSync(this.file, { force: true });
    else {
      fs.rmSync(`${this.file}.${keep}`, { force: true });
      for (let i = keep - 1; i >= 1; i--) if (fs.existsSync(`${this.file}.${i}`)) fs.renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
      fs.renameSync(this.file, `${this.file}.1`);
    }
    this.size = 0;
  }
}

function fileSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}
