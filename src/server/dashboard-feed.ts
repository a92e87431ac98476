// What the admin dashboard reads from the server it runs in: the server's facts, a snapshot of
// its live state (sessions, rooms, statistics, bans, lockdown, a pending shutdown, packages,
// requests) and its live log. Reading is all it does: every action the dashboard takes goes
// through the root command path (a root login, the one dispatcher, the audit trail). The shapes
// are protocol/dashboard.ts's; nothing here holds a message body or a secret (the log has none).
import fs from 'node:fs';
import TransportStream from 'winston-transport';
import type { Logger } from '../common/logger.js';
import { DASHBOARD_REQUESTS, DASHBOARD_ROWS, type DashboardHost, type DashboardLogLine, type DashboardSnapshot, type DashboardSource } from '../protocol/dashboard.js';
import type { Services } from './services.js';

/** Log lines kept for a page that opens later. */
const RECENT_LOG_LINES = 200;
/** The longest log line passed on (the file keeps the whole line). */
const MAX_LOG_TEXT = 500;

const iso = (ms: number): string => new Date(ms).toISOString();

/** A log line as the console shows it: the message, then its fields as key=value. */
function logText(info: Record<string, unknown>): string {
  const fields = Object.entries(info)
    .filter(([key]) => key !== 'level' && key !== 'message' && key !== 'timestamp')
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`);
  const text = [String(info.message), ...fields].join(' ');
  return text.length > MAX_LOG_TEXT ? `${text.slice(0, MAX_LOG_TEXT)}…` : text;
}

/** A winston transport that hands each line to the feed. */
class LogTap extends TransportStream {
  constructor(private readonly onLine: (line: DashboardLogLine) => void) {
    super({ level: 'info' });
  }

  override log(info: unknown, next: () => void): void {
    const fields: Record<string, unknown> = typeof info === 'object' && info !== null ? { ...info } : { message: String(info) };
    this.onLine({ time: new Date().toISOString(), level: typeof fields.level === 'string' ? fields.level : 'info', text: logText(fields) });
    next();
  }
}

export class DashboardFeed implements DashboardSource {
  private readonly lines: DashboardLogLine[] = [];
  private readonly listeners = new Set<(line: DashboardLogLine) => void>();
  private readonly tap: LogTap;
  /** The request file as last read: re-read only when it changed. */
  private requestsSeen = { stamp: '', lines: [] as string[] };

  constructor(
    readonly host: DashboardHost,
    private readonly services: Services,
    private readonly logger: Logger,
    private readonly now: () => number,
  ) {
    this.tap = new LogTap((line) => this.logged(line));
    logger.add(this.tap);
  }

  private logged(line: DashboardLogLine): void {
    this.lines.push(line);
    if (this.lines.length > RECENT_LOG_LINES) this.lines.splice(0, this.lines.length - RECENT_LOG_LINES);
    for (const listener of this.listeners) listener(line);
  }

  recentLog(): DashboardLogLine[] {
    return [...this.lines];
  }

  onLog(listener: (line: DashboardLogLine) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stop listening to the log (the dashboard closed). */
  close(): void {
    this.listeners.clear();
    this.logger.remove(this.tap);
  }

  async snapshot(): Promise<DashboardSnapshot> {
    const { roster, stats, moderation, shutdown, packages, context, roomData } = this.services;
    const now = this.now();
    const members = [...roster.members()].sort((a, b) => a.session.connectedAt - b.session.connectedAt);
    const online = new Set(roster.userMembers().map((member) => member.key));
    const counters = stats.snapshot();
    const bans = moderation.bans.list();
    const lockdown = context.lockdown.current;
    const pending = shutdown.pending;
    const issued = packages.list(DASHBOARD_ROWS);
    const lobby = roomData.lobby;
    const rooms = roomData.all().sort((a, b) => (a === lobby ? -1 : b === lobby ? 1 : a.key.localeCompare(b.key)));
    return {
      usersOnline: roster.userCount,
      rootsOnline: members.length - roster.userCount,
      sessions: members.slice(0, DASHBOARD_ROWS).map((member) => ({
        id: member.session.id,
        name: member.name,
        role: member.role,
        address: member.session.address,
        connectedAt: iso(member.session.connectedAt),
        idleSeconds: Math.max(0, Math.floor((now - member.session.lastActiveAt) / 1000)),
        packageId: member.packageId ?? null,
      })),
      sessionsTotal: members.length,
      rooms: rooms.slice(0, DASHBOARD_ROWS).map((room) => {
        const isLobby = room === lobby;
        return {
          name: room.name,
          private: room.private,
          owner: room.ownerKey === null ? null : (room.members.get(room.ownerKey) ?? room.ownerKey),
          members: isLobby ? online.size : room.members.size,
          online: isLobby ? online.size : [...room.members.keys()].filter((key) => online.has(key)).length,
        };
      }),
      stats: {
        startedAt: counters.startedAt,
        uptimeSeconds: counters.uptimeSeconds,
        since: counters.since,
        totalVisits: counters.totalVisits,
        peakSessions: counters.peakSessions,
        peakAt: counters.peakAt,
        messagesRelayed: counters.messagesRelayed,
        bytesIn: counters.bytesIn,
        bytesOut: counters.bytesOut,
        addresses: counters.addresses.slice(0, DASHBOARD_ROWS),
      },
      bans: bans.slice(0, DASHBOARD_ROWS).map((ban) => ({ kind: ban.kind, target: ban.target, by: ban.createdBy, since: iso(ban.createdAt), expires: ban.expiresAt === null ? null : iso(ban.expiresAt) })),
      bansTotal: bans.length,
      lockdown: { on: lockdown.on, since: lockdown.since > 0 ? iso(lockdown.since) : null, by: lockdown.by },
      shutdown: pending ? { endsAt: iso(pending.endsAt), by: pending.by, message: pending.message ?? null } : null,
      packages: issued.packages,
      packagesTotal: issued.total,
      requests: await this.latestRequests(),
    };
  }

  /** The newest requests; the files are read again only when the current one changed. */
  private async latestRequests(): Promise<string[]> {
    const requests = this.services.requests;
    let stamp = 'missing';
    try {
      const stat = fs.statSync(requests.file);
      stamp = `${stat.size}:${stat.mtimeMs}`;
    } catch {
      // No request yet (or unreadable: tail says so below by returning nothing).
    }
    if (stamp === this.requestsSeen.stamp) return this.requestsSeen.lines;
    let lines: string[];
    try {
      lines = await requests.tail(DASHBOARD_REQUESTS);
    } catch (error) {
      this.services.alarm.report('requests', error);
      lines = [];
    }
    this.requestsSeen = { stamp, lines };
    return lines;
  }
}
