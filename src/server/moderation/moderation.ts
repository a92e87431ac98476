// What root administration adds to the server: bans (checked on every new connection and
// login), kicks, root notices, the timed shutdown, statistics and the audit trail. The server
// calls the small hooks at the top; root commands call the actions below them.
import { config } from '../../../config.js';
import { ErrorCodes, type ErrorCode } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { encodeFrame } from '../../protocol/frame.js';
import type { ServerMessage } from '../../protocol/messages.js';
import { nameKey } from '../../protocol/names.js';
import { AuditLog, type AuditEntry } from './audit.js';
import { BanList, type Ban } from './bans.js';
import { Countdown, realTimers, type Timers } from './countdown.js';
import { AUTO_BLOCK_BY } from '../abuse/login-blocks.js';
import { formatDuration } from './durations.js';
import { rangeContains, type IpRange } from '../abuse/ip-range.js';
import type { CloseReason, Role, Session } from '../session/session.js';
import { ServerStats, type LiveSessions } from './stats.js';
import type { Store } from '../../data-dir/store.js';

/** What moderation needs from the server around it. */
export interface ModerationHost {
  readonly logger: Logger;
  now(): number;
  /** Logged-in sessions, users and roots. */
  activeSessions(): Session[];
  broadcast(message: ServerMessage, except?: Session): void;
  shutdown(message?: string): Promise<void>;
  /** A write failed: logged and told to the roots (rate-limited). */
  reportStorageFailure(what: string, error: unknown): void;
}

export interface ModerationOptions {
  dataDir: string;
  logDir: string;
  /** Injected for tests: the timers behind the shutdown countdown. */
  timers?: Timers;
}

export interface Refusal {
  code: ErrorCode;
  message: string;
}

export interface PendingShutdown {
  endsAt: number;
  seconds: number;
  message: string | undefined;
  by: string;
}

export const DEFAULT_SHUTDOWN_MESSAGE = 'The server is shutting down.';

/** "for another 1h 59m" / "permanently", for refusal sentences. */
export function banTerm(ban: Ban, now: number): string {
  return ban.expiresAt === null ? 'permanently' : `for another ${formatDuration(ban.expiresAt - now)}`;
}

export class Moderation {
  readonly bans: BanList;
  readonly stats: ServerStats;
  readonly audit: AuditLog;
  private readonly timers: Timers;
  private countdown: Countdown | undefined;
  private pending: PendingShutdown | undefined;
  private statsTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly host: ModerationHost,
    store: Store,
    options: ModerationOptions,
  ) {
    const now = (): number => host.now();
    this.timers = options.timers ?? realTimers;
    this.bans = new BanList(store.db, now);
    this.stats = new ServerStats({ dataDir: options.dataDir, fileName: config.admin.statsFileName, maxAddresses: config.admin.statsMaxAddresses, now });
    if (this.stats.load() === 'damaged') host.logger.warn('stats file damaged; statistics start afresh', { file: this.stats.file });
    this.audit = new AuditLog(options.logDir, config.admin.auditFileName, now, (error) => host.reportStorageFailure('audit', error));
  }

  /** Once the server listens: write stats.json every minute from now on. */
  startStatsTimer(): void {
    this.statsTimer ??= setInterval(() => this.writeStats(), config.admin.statsIntervalMs);
    this.statsTimer.unref();
  }

  // ---- Hooks the server calls -------------------------------------------------------------

  /** Why `address` is refused, if a ban (or a block for failed logins) covers it. */
  addressRefusal(address: string): Refusal | undefined {
    const ban = this.bans.forAddress(address);
    if (!ban) return undefined;
    const now = this.host.now();
    if (ban.createdBy === AUTO_BLOCK_BY) return { code: 'BANNED', message: `Too many failed logins from your address; it is blocked ${banTerm(ban, now)}.` };
    return { code: 'BANNED', message: `Your address is banned from this server ${banTerm(ban, now)}.` };
  }

  /** A TLS connection was accepted: count it, and return why it is refused if the address is banned. */
  connectionRefusal(address: string): Refusal | undefined {
    this.stats.connection(address);
    return this.addressRefusal(address);
  }

  /** After a valid proof: a banned address or name, or a user login during a pending shutdown, is refused. */
  loginRefusal(name: string, role: Role, address: string): Refusal | undefined {
    // The address may have been banned while this connection was still logging in.
    const addressBan = this.addressRefusal(address);
    if (addressBan) return addressBan;
    if (role !== 'user') return undefined; // a root may still log in, e.g. to cancel a shutdown
    const ban = this.bans.forName(name);
    if (ban) return { code: 'BANNED', message: `The name "${name}" is banned from this server ${banTerm(ban, this.host.now())}.` };
    if (this.pending) return { code: 'SERVER_SHUTTING_DOWN', message: `The server shuts down in ${formatDuration(this.pending.endsAt - this.host.now())}; try again later.` };
    return undefined;
  }

  /** A wrong passkey or root password from `address`. */
  authFailed(address: string): void {
    this.stats.authFailed(address);
  }

  /** A session logged in. */
  sessionStarted(session: Session): void {
    if (session.role === 'user') this.stats.visit(this.userSessions().length);
    else this.audit.record({ who: session.name, from: session.address, action: 'login', result: 'ok' });
  }

  /** A connection ended (logged in or not). */
  sessionEnded(session: Session, reason: CloseReason, wasActive: boolean): void {
    this.stats.sessionEnded(session.bytesIn, session.bytesOut);
    if (wasActive && session.role === 'root') this.audit.record({ who: session.name, from: session.address, action: 'logout', result: 'ok', detail: reason.code });
  }

  /** A chat line was relayed (hot path: one increment). */
  messageRelayed(): void {
    this.stats.messageRelayed();
  }

  // ---- Queries -------------------------------------------------------------------------------

  userSessions(): Session[] {
    return this.host.activeSessions().filter((s) => s.role === 'user');
  }

  /** The user logged in under `name` (case-insensitive). */
  userNamed(name: string): Session | undefined {
    const key = nameKey(name);
    return this.userSessions().find((s) => nameKey(s.name) === key);
  }

  /** Users connected from `address` (canonical form). */
  usersAt(address: string): Session[] {
    return this.userSessions().filter((s) => s.address === address);
  }

  liveSessions(): LiveSessions {
    let users = 0;
    let roots = 0;
    let bytesIn = 0;
    let bytesOut = 0;
    for (const session of this.host.activeSessions()) {
      if (session.role === 'user') users++;
      else roots++;
      bytesIn += session.bytesIn;
      bytesOut += session.bytesOut;
    }
    return { users, roots, bytesIn, bytesOut };
  }

  get pendingShutdown(): PendingShutdown | undefined {
    return this.pending;
  }

  // ---- Actions -------------------------------------------------------------------------------

  /** Disconnect a user; they are told `message`, everyone else sees them leave ("kicked"). */
  kick(session: Session, message: string = ErrorCodes.KICKED.message): void {
    this.host.logger.info('kicked', { conn: session.id, user: session.name, address: session.address });
    session.close({ code: 'KICKED', message });
  }

  /** Ban a name (logged in or not) and disconnect whoever uses it now. */
  banName(name: string, durationMs: number | undefined, by: string): { ban: Ban; removed: Session[] } {
    const ban = this.bans.add('name', name, durationMs, by);
    const session = this.userNamed(name);
    const removed = session ? [session] : [];
    for (const victim of removed) this.removeBanned(victim, `You were banned from this server ${banTerm(ban, this.host.now())}.`);
    return { ban, removed };
  }

  /** Ban an address or range and disconnect every user inside it. */
  banAddress(range: IpRange, durationMs: number | undefined, by: string): { ban: Ban; removed: Session[] } {
    const ban = this.bans.add('address', range.text, durationMs, by);
    const removed = this.userSessions().filter((s) => rangeContains(range, s.address));
    const counted = new Set<string>();
    if (!range.text.includes('/')) {
      this.stats.banned(range.text);
      counted.add(range.text);
    }
    for (const victim of removed) this.removeBanned(victim, `Your address was banned from this server ${banTerm(ban, this.host.now())}.`, counted);
    return { ban, removed };
  }

  private removeBanned(session: Session, message: string, counted = new Set<string>()): void {
    if (!counted.has(session.address)) {
      this.stats.banned(session.address);
      counted.add(session.address);
    }
    this.host.logger.info('banned', { conn: session.id, user: session.name, address: session.address });
    session.close({ code: 'BANNED', message });
  }

  /** A root notice to every logged-in session except the sender; returns how many got it. */
  noticeAll(text: string, sender: Session): number {
    this.host.broadcast({ type: 'notice', from: 'root', text, time: new Date(this.host.now()).toISOString() }, sender);
    return this.host.activeSessions().filter((s) => s !== sender).length;
  }

  /** A root notice to these sessions only. */
  noticeTo(sessions: readonly Session[], text: string): void {
    const frame = encodeFrame({ type: 'notice', from: 'root', text, time: new Date(this.host.now()).toISOString() });
    for (const session of sessions) session.sendFrame(frame);
  }

  private serverNotice(text: string): void {
    this.host.broadcast({ type: 'notice', from: 'server', text, time: new Date(this.host.now()).toISOString() });
  }

  /** Start (or replace) a countdown; when it ends the server shuts down with `message`. */
  scheduleShutdown(seconds: number, message: string | undefined, by: string): PendingShutdown {
    this.countdown?.cancel();
    const suffix = message ? `: ${message}` : '.';
    const pending: PendingShutdown = { endsAt: this.host.now() + seconds * 1000, seconds, message, by };
    this.pending = pending;
    this.host.logger.info('shutdown scheduled', { by, seconds });
    this.countdown = new Countdown(
      seconds,
      {
        announce: (left) => this.serverNotice(`The server shuts down in ${formatDuration(left * 1000)}${suffix}`),
        finish: () => {
          this.pending = undefined;
          this.shutdownNow(message);
        },
      },
      this.timers,
      this.host.now(),
    );
    return pending;
  }

  /** Cancel a pending countdown and tell everyone; false when none was pending. */
  cancelShutdown(by: string): boolean {
    if (!this.countdown?.active) return false;
    this.countdown.cancel();
    this.countdown = undefined;
    this.pending = undefined;
    this.host.logger.info('shutdown cancelled', { by });
    this.serverNotice('The scheduled shutdown was cancelled; the server keeps running.');
    return true;
  }

  /** Shut down now: final message, sockets closed, stats flushed, server.json removed. */
  shutdownNow(message: string | undefined): void {
    this.host.shutdown(message ?? DEFAULT_SHUTDOWN_MESSAGE).catch((error: unknown) => this.host.logger.error('shutdown failed', { reason: error instanceof Error ? error.message : String(error) }));
  }

  /** Append to the audit trail. */
  record(entry: AuditEntry): void {
    this.audit.record(entry);
  }

  writeStats(): void {
    try {
      this.stats.write(this.liveSessions());
    } catch (error) {
      this.host.reportStorageFailure('stats', error);
    }
  }

  /** At shutdown: stop the countdown and the stats timer, and write the final statistics. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.countdown?.cancel();
    this.pending = undefined;
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.writeStats();
  }
}
