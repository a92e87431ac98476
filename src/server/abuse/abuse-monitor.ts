// Abuse resistance at a glance, for `stats`: what the guards refused and blocked since start,
// the flood counters the dispatcher keeps, and the limits in force.
import type { ServerSettings } from '../../common/settings.js';
import type { Roster } from '../roster.js';
import type { StorageAlarm } from '../storage/storage-alarm.js';
import type { ConnectionGuard } from './connection-guard.js';
import type { LoginBlocks } from './login-blocks.js';

export interface AbuseSummary {
  refusedForRate: number;
  refusedOverUnauthenticatedCap: number;
  refusedPerAddress: number;
  refusedBanned: number;
  evictedStrangers: number;
  unauthenticatedNow: number;
  strangersNow: number;
  blocksSinceStart: number;
  rateLimited: number;
  disconnectedForFlooding: number;
  storageFailures: number;
  limits: {
    connectionsPerMinute: number;
    maxUnauthenticated: number;
    maxUnauthenticatedPerAddress: number;
    reservedUnauthenticated: number;
    authFailureLimit: number;
    authFailureWindowMs: number;
    messageRatePerSecond: number;
    messageBurst: number;
  };
}

export class AbuseMonitor {
  /** Requests refused for going over their rate since start. */
  rateLimited = 0;
  /** Sessions ended for flooding since start. */
  flooding = 0;

  constructor(
    private readonly guard: ConnectionGuard,
    private readonly loginBlocks: LoginBlocks,
    private readonly alarm: StorageAlarm,
    private readonly roster: Roster,
    private readonly settings: Pick<ServerSettings, 'connectionsPerMinute' | 'maxUnauthenticated' | 'maxUnauthenticatedPerAddress' | 'reservedUnauthenticated' | 'authFailureLimit' | 'authFailureWindowMs' | 'messageRatePerSecond' | 'messageBurst'>,
  ) {}

  summary(): AbuseSummary {
    const settings = this.settings;
    return {
      refusedForRate: this.guard.refused.rate,
      refusedOverUnauthenticatedCap: this.guard.refused.unauthenticated,
      refusedPerAddress: this.guard.refused['per-address'],
      refusedBanned: this.guard.refused.banned,
      evictedStrangers: this.guard.refused.evicted,
      unauthenticatedNow: this.guard.unauthenticated(),
      strangersNow: this.guard.strangerCount,
      blocksSinceStart: this.loginBlocks.blocksSinceStart,
      rateLimited: this.rateLimited,
      disconnectedForFlooding: this.flooding,
      storageFailures: this.alarm.total,
      limits: {
        connectionsPerMinute: settings.connectionsPerMinute,
        maxUnauthenticated: settings.maxUnauthenticated,
        maxUnauthenticatedPerAddress: settings.maxUnauthenticatedPerAddress,
        reservedUnauthenticated: settings.reservedUnauthenticated,
        authFailureLimit: settings.authFailureLimit,
        authFailureWindowMs: settings.authFailureWindowMs,
        messageRatePerSecond: settings.messageRatePerSecond,
        messageBurst: settings.messageBurst,
      },
    };
  }
}
