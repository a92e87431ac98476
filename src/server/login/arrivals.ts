// What a login and the end of a session change, in one place: the roster, the welcome, the
// join and leave announcements, statistics, the root audit trail, last-seen times and the
// protocol-2 login sync.
import type { Logger } from '../../common/logger.js';
import type { ServerLimits } from '../../common/settings.js';
import type { AuthMessage } from '../../protocol/messages.js';
import type { ConnectionGuard } from '../abuse/connection-guard.js';
import { MessageLimiter } from '../abuse/message-limiter.js';
import type { AccountService } from '../accounts/account-service.js';
import { Audience, type Fanout } from '../chat/fanout.js';
import type { HistoryReplay } from '../chat/history-replay.js';
import type { Clock } from '../clock.js';
import type { DirectService } from '../direct/direct-service.js';
import { noMetrics, type ServerMetrics } from '../metrics.js';
import type { AuditLog } from '../moderation/audit.js';
import type { Statistics } from '../moderation/statistics.js';
import type { Roster } from '../roster.js';
import { Member, type Identity } from '../session/member.js';
import type { LocalConsoles } from './local-consoles.js';
import type { CloseReason, Session } from '../session/session.js';

type ArrivalLimits = Pick<ServerLimits, 'maxPresenceAnnounced' | 'messageRatePerSecond' | 'messageBurst' | 'commandRatePerSecond' | 'commandBurst' | 'floodMaxRejections' | 'floodWindowMs'>;

export class Arrivals {
  /** Set at shutdown: nobody is announced as leaving a server that is going away. */
  private closing = false;

  constructor(
    private readonly roster: Roster,
    private readonly accounts: AccountService,
    private readonly replay: HistoryReplay,
    private readonly fanout: Fanout,
    /** Frees the connection's pre-login slot and trusts its address from now on. */
    private readonly guard: ConnectionGuard,
    private readonly stats: Statistics,
    private readonly audit: AuditLog,
    private readonly logger: Logger,
    private readonly clock: Clock,
    private readonly limits: ArrivalLimits,
    private readonly direct: DirectService,
    private readonly metrics: ServerMetrics = noMetrics,
    /** Root logins of this process's own consoles (the dashboard) get their label instead of "root". */
    private readonly consoles?: LocalConsoles,
  ) {}

  /**
   * A login passed every check: the member joins the roster and is welcomed in the same tick
   * (nothing can reach it before its welcome), others see it arrive, then a protocol-2 user gets
   * its history and `synced`. Resolves once that sync is done.
   */
  admit(session: Session, identity: Omit<Identity, 'limiter'>, resume: AuthMessage['resume'], directAfter?: number): Promise<void> {
    const user = identity.role === 'user';
    const name = user ? identity.name : `${this.consoles?.labelFor(session) ?? 'root'}#${session.id}`;
    // Root sessions are exempt from message rate limits.
    const member = new Member(session, { ...identity, name, ...(user ? { limiter: new MessageLimiter(this.limits, this.clock.now()) } : {}) });
    // (Failures and successes are the handshake's: it knows which target the login proved.)
    session.admitted(member.role);
    this.guard.loggedIn(session.socket, session.address, member.role, this.clock.now());
    this.roster.add(member);
    this.metrics.loggedIn(member.role);
    this.logger.info('login', { conn: session.id, user: name, role: member.role, address: session.address, via: member.admittedBy, ...(member.packageLogLabel ? { package: member.packageLogLabel } : {}) });
    if (user) this.stats.visited();
    else this.audit.record({ who: name, from: session.address, action: 'login', result: 'ok' });
    const limits = this.limits;
    const rates = user ? { limits: { say: { burst: limits.messageBurst, ratePerSecond: limits.messageRatePerSecond }, command: { burst: limits.commandBurst, ratePerSecond: limits.commandRatePerSecond } } } : {};
    // Protocol 3: the server's stable id and what became of the device key (direct messages).
    const direct = user && member.protocol >= 3 ? { serverId: this.direct.serverId, ...(member.device ? { device: { id: member.device.id, status: member.device.status, ...(member.device.code ? { code: member.device.code } : {}) } } : {}) } : {};
    session.send({ type: 'welcome', name, role: member.role, address: session.address, online: this.roster.userCount, time: this.clock.iso(), ...rates, ...direct });
    if (user && this.announcesPresence()) this.fanout.send(Audience.everyone(session), { type: 'presence', event: 'join', name, time: this.clock.iso() });
    if (!user) return Promise.resolve();
    this.accounts.seen(member);
    if (member.protocol < 2) return Promise.resolve();
    this.direct.devices.arrived(member);
    // Stored direct messages for this device go out with the room history, before `synced`.
    const directSync = this.direct.beginSync(member, directAfter ?? 0);
    return this.replay.loginSync(member, resume, this.accounts.isRegistered(name), directSync);
  }

  /** A connection ended, logged in or not. */
  depart(session: Session, reason: CloseReason): void {
    this.stats.ended(session);
    const member = this.roster.remove(session);
    if (member) this.direct.devices.departed(member);
    this.direct.blocks.departed(session);
    if (member?.role === 'root') this.audit.record({ who: member.name, from: session.address, action: 'logout', result: 'ok', detail: reason.code });
    // A password exchange still in progress ends with its session.
    this.accounts.ended(session);
    if (member?.role === 'user') {
      this.accounts.seen(member);
      if (!this.closing && this.announcesPresence()) this.fanout.send(Audience.everyone(), { type: 'presence', event: 'leave', name: member.name, time: this.clock.iso(), reason: leaveReason(reason) });
    }
    this.logger.info('disconnect', { conn: session.id, ...(member ? { user: member.name } : {}), reason: reason.code });
  }

  /** The server is shutting down: departures from now on are not announced. */
  shuttingDown(): void {
    this.closing = true;
  }

  /**
   * Joins and leaves are announced while the crowd is small enough for them to be news; in a
   * crowd they are noise, and announcing each to everyone costs O(n²) frames in a login storm.
   */
  private announcesPresence(): boolean {
    return this.roster.size <= this.limits.maxPresenceAnnounced;
  }
}

function leaveReason(reason: CloseReason): string {
  switch (reason.code) {
    case 'LEFT':
      return 'left';
    case 'HEARTBEAT_TIMEOUT':
      return 'timed out';
    case 'KICKED':
      return 'kicked';
    case 'BANNED':
      return 'banned';
    case 'DISCONNECTED':
      return 'connection lost';
    default:
      return 'disconnected';
  }
}
