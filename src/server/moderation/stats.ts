// Server statistics: plain counters bumped on the hot path (no allocation per message), a
// bounded per-address table, and a JSON snapshot written to <data-dir>/stats.json.
// Cumulative figures are read back at start, so they count since stats began, not per run.
import path from 'node:path';
import { z } from 'zod';
import { readTextIfExists, writePrivateFile } from '../../data-dir/files.js';

export interface AddressStats {
  connections: number;
  /** Wrong passkey or wrong root password. */
  failedAuth: number;
  timesBanned: number;
  lastSeen: number;
}

/** What the server knows about sessions right now (it owns them; stats only count). */
export interface LiveSessions {
  users: number;
  roots: number;
  bytesIn: number;
  bytesOut: number;
}

export interface StatsSnapshot {
  version: 1;
  /** When these statistics began (the first start with this data dir, or a reset). */
  since: string;
  startedAt: string;
  writtenAt: string;
  uptimeSeconds: number;
  totalVisits: number;
  sessionsNow: number;
  rootSessionsNow: number;
  peakSessions: number;
  peakAt: string | null;
  messagesRelayed: number;
  bytesIn: number;
  bytesOut: number;
  /** Most recently seen first. */
  addresses: ({ address: string } & Omit<AddressStats, 'lastSeen'> & { lastSeen: string })[];
}

const count = z.int().min(0);
const storedSchema = z.object({
  version: z.literal(1),
  since: z.iso.datetime(),
  totalVisits: count,
  peakSessions: count,
  peakAt: z.iso.datetime().nullable(),
  messagesRelayed: count,
  bytesIn: count,
  bytesOut: count,
  addresses: z.array(z.object({ address: z.string().max(64), connections: count, failedAuth: count, timesBanned: count, lastSeen: z.iso.datetime() })),
});

export interface StatsOptions {
  dataDir: string;
  fileName: string;
  maxAddresses: number;
  now: () => number;
}

export class ServerStats {
  readonly file: string;
  private readonly startedAt: number;
  private since: number;
  private totalVisits = 0;
  private peakSessions = 0;
  private peakAt: number | null = null;
  private messages = 0;
  /** Bytes of sessions that have ended; live sessions are added at snapshot time. */
  private endedBytesIn = 0;
  private endedBytesOut = 0;
  /** Insertion order is recency order: a touched address is moved to the end. */
  private readonly addresses = new Map<string, AddressStats>();

  constructor(private readonly options: StatsOptions) {
    this.file = path.join(options.dataDir, options.fileName);
    this.startedAt = options.now();
    this.since = this.startedAt;
  }

  /** Read back cumulative figures from an earlier run; a damaged file is reported, not fatal. */
  load(): 'loaded' | 'absent' | 'damaged' {
    const text = readTextIfExists(this.file);
    if (text === undefined) return 'absent';
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return 'damaged';
    }
    const parsed = storedSchema.safeParse(json);
    if (!parsed.success) return 'damaged';
    const data = parsed.data;
    this.since = Date.parse(data.since);
    this.totalVisits = data.totalVisits;
    this.peakSessions = data.peakSessions;
    this.peakAt = data.peakAt === null ? null : Date.parse(data.peakAt);
    this.messages = data.messagesRelayed;
    this.endedBytesIn = data.bytesIn;
    this.endedBytesOut = data.bytesOut;
    // Oldest first, so the most recently seen end up last (the recency order kept below).
    const entries = [...data.addresses].reverse().slice(-this.options.maxAddresses);
    for (const entry of entries) this.addresses.set(entry.address, { connections: entry.connections, failedAuth: entry.failedAuth, timesBanned: entry.timesBanned, lastSeen: Date.parse(entry.lastSeen) });
    return 'loaded';
  }

  private touch(address: string): AddressStats {
    let entry = this.addresses.get(address);
    if (entry) this.addresses.delete(address);
    else {
      entry = { connections: 0, failedAuth: 0, timesBanned: 0, lastSeen: 0 };
      if (this.addresses.size >= this.options.maxAddresses) {
        const oldest = this.addresses.keys().next();
        if (!oldest.done) this.addresses.delete(oldest.value);
      }
    }
    entry.lastSeen = this.options.now();
    this.addresses.set(address, entry);
    return entry;
  }

  /** A TLS connection was accepted from `address`. */
  connection(address: string): void {
    this.touch(address).connections += 1;
  }

  /** A wrong passkey or root password came from `address`. */
  authFailed(address: string): void {
    this.touch(address).failedAuth += 1;
  }

  /** A ban hit `address` (its sessions were banned by name, or the address itself). */
  banned(address: string): void {
    this.touch(address).timesBanned += 1;
  }

  /** Failed authentications recorded for `address` so far. */
  failuresFrom(address: string): number {
    return this.addresses.get(address)?.failedAuth ?? 0;
  }

  /** A user logged in; `usersNow` includes them. */
  visit(usersNow: number): void {
    this.totalVisits += 1;
    if (usersNow > this.peakSessions) {
      this.peakSessions = usersNow;
      this.peakAt = this.options.now();
    }
  }

  /** A chat line was relayed. Hot path: one increment. */
  messageRelayed(): void {
    this.messages += 1;
  }

  /** A connection ended; keep its byte counts. */
  sessionEnded(bytesIn: number, bytesOut: number): void {
    this.endedBytesIn += bytesIn;
    this.endedBytesOut += bytesOut;
  }

  snapshot(live: LiveSessions): StatsSnapshot {
    const now = this.options.now();
    const iso = (ms: number): string => new Date(ms).toISOString();
    return {
      version: 1,
      since: iso(this.since),
      startedAt: iso(this.startedAt),
      writtenAt: iso(now),
      uptimeSeconds: Math.max(0, Math.floor((now - this.startedAt) / 1000)),
      totalVisits: this.totalVisits,
      sessionsNow: live.users,
      rootSessionsNow: live.roots,
      peakSessions: this.peakSessions,
      peakAt: this.peakAt === null ? null : iso(this.peakAt),
      messagesRelayed: this.messages,
      bytesIn: this.endedBytesIn + live.bytesIn,
      bytesOut: this.endedBytesOut + live.bytesOut,
      addresses: [...this.addresses].reverse().map(([address, s]) => ({ address, connections: s.connections, failedAuth: s.failedAuth, timesBanned: s.timesBanned, lastSeen: iso(s.lastSeen) })),
    };
  }

  /** Write the snapshot to stats.json atomically, owner-only. */
  write(live: LiveSessions): void {
    writePrivateFile(this.file, JSON.stringify(this.snapshot(live), null, 2) + '\n');
  }
}
