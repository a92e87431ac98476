// What a command handler may use: the services, named. Not the server: a handler reaches exactly
// these, and a test can build a context from the pieces it needs.
import type { Logger } from '../../common/logger.js';
import type { ServerLimits } from '../../common/settings.js';
import type { PackageRegistry } from '../../data-dir/packages.js';
import type { AbuseMonitor } from '../abuse/abuse-monitor.js';
import type { Lockdown } from '../abuse/lockdown.js';
import type { LoginFailures } from '../abuse/login-failures.js';
import type { LoginWork } from '../abuse/login-work.js';
import type { AccountService } from '../accounts/account-service.js';
import type { ChatLines } from '../chat/chat-lines.js';
import type { HistoryReplay } from '../chat/history-replay.js';
import type { RoomService } from '../chat/room-service.js';
import type { Clock } from '../clock.js';
import type { DirectService } from '../direct/direct-service.js';
import type { FileService } from '../files/file-service.js';
import type { Admission } from '../login/admission.js';
import type { LoginHandshake } from '../login/handshake.js';
import type { Moderation } from '../moderation/moderation.js';
import type { Notices } from '../moderation/notices.js';
import type { ShutdownCountdown } from '../moderation/shutdown.js';
import type { Statistics } from '../moderation/statistics.js';
import type { Roster } from '../roster.js';
import type { Role } from '../session/member.js';
import type { RequestLog } from '../storage/request-log.js';
import type { DiskSpace } from '../storage/disk-space.js';
import type { StorageQuotas } from '../storage/quotas.js';
import type { StorageAlarm } from '../storage/storage-alarm.js';

/** A command as `help` lists it. */
export interface CommandListing {
  readonly usage: string;
  readonly help: string;
}

export interface CommandContext {
  readonly limits: ServerLimits;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly roster: Roster;
  readonly handshake: LoginHandshake;
  readonly admission: Admission;
  readonly chat: ChatLines;
  readonly rooms: RoomService;
  readonly replay: HistoryReplay;
  readonly accounts: AccountService;
  readonly moderation: Moderation;
  readonly notices: Notices;
  readonly shutdown: ShutdownCountdown;
  readonly stats: Statistics;
  readonly abuse: AbuseMonitor;
  readonly lockdown: Lockdown;
  /** Issue 11: failed logins per source and target, distributed guessing; the login work. */
  readonly loginFailures: LoginFailures;
  readonly loginWork: LoginWork;
  readonly packages: PackageRegistry;
  readonly requests: RequestLog;
  readonly alarm: StorageAlarm;
  /** Storage budgets and the low-disk reserve (issue 11): spend before storing anything new. */
  readonly quotas: StorageQuotas;
  readonly disk: DiskSpace;
  /** Direct messages (protocol 3): devices, blocks, sealed messages. */
  readonly direct: DirectService;
  /** File sharing (issue 14). */
  readonly files: FileService;
  /** The commands `role` may use at this protocol version (for `help`). */
  listCommands(role: Role, protocol?: number): CommandListing[];
}
