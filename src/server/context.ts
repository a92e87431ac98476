// What commands may reach on the server: a narrow interface, so command files do not import
// the server's implementation (and tests can hand them a small fake if they need one).
import type { Logger } from '../common/logger.js';
import type { RequestLog } from './storage/request-log.js';
import type { Store } from '../data-dir/store.js';
import type { Role, Session } from './session/session.js';
import type { CommandSpec } from './commands/types.js';
import type { Moderation } from './moderation/moderation.js';
import type { Community } from './chat/community.js';
import type { Lockdown } from './abuse/lockdown.js';

export interface ServerLimits {
  maxTextLength: number;
  maxRequestLength: number;
}

/** Abuse resistance at a glance, for `stats`: counts since this server started. */
export interface AbuseSummary {
  refusedForRate: number;
  refusedOverUnauthenticatedCap: number;
  unauthenticatedNow: number;
  blocksSinceStart: number;
  rateLimited: number;
  disconnectedForFlooding: number;
  storageFailures: number;
  limits: {
    connectionsPerMinute: number;
    maxUnauthenticated: number;
    authFailureLimit: number;
    authFailureWindowMs: number;
    messageRatePerSecond: number;
    messageBurst: number;
  };
}

export interface ServerContext {
  readonly logger: Logger;
  readonly requests: RequestLog;
  readonly store: Store;
  readonly limits: ServerLimits;
  /** Bans, kicks, notices, timed shutdown, statistics and the audit trail (root commands). */
  readonly moderation: Moderation;
  readonly community: Community;
  now(): number;
  commandsFor(role: Role, protocol?: number): CommandSpec[];
  onlineNames(): string[];
  activeSessions(): Session[];
  reportStorageFailure(what: string, error: unknown): void;
  /** Registered users / issued packages only (root `lockdown`). */
  readonly lockdown: Lockdown;
  /** Users online now whom lockdown would not admit. */
  lockdownOutsiders(): Session[];
  abuseSummary(): AbuseSummary;
}
