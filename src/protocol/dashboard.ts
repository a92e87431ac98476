// What the admin dashboard (`party-pool server --dashboard`) shows, as plain data: the server's
// own facts (the status panel's), and a snapshot of its live state. The server produces these
// in-process (server/dashboard-feed.ts); the dashboard (gui/) reads them and sends them to its
// page. Neither program imports the other: both import these shapes, and main.ts wires them.
// Nothing here ever holds a message body or a secret.
import type { PackageRecord } from './messages.js';

/** Where the server listens and how to recognise it. */
export interface DashboardHost {
  version: string;
  /** The address the server listens on (0.0.0.0: every interface) and its port. */
  host: string;
  port: number;
  /** This machine's non-internal IPv4 addresses, with interface name and MAC. */
  privateAddresses: { interface: string; address: string; mac: string }[];
  /** The public IPv4 from the configured look-up, or null (off, offline). */
  publicAddress: string | null;
  fingerprint: string;
  maxClients: number;
  dataDir: string;
  logFile: string;
}

export interface DashboardSession {
  /** The connection's id (root sessions are named root#<id>). */
  id: number;
  name: string;
  role: 'user' | 'root';
  address: string;
  connectedAt: string;
  /** Seconds since the session last did something a person does. */
  idleSeconds: number;
  /** The issued package it logged in with, if any. */
  packageId: string | null;
}

export interface DashboardRoom {
  name: string;
  private: boolean;
  owner: string | null;
  /** Members (#lobby: users online). */
  members: number;
  online: number;
}

export interface DashboardBan {
  kind: 'name' | 'address';
  target: string;
  by: string;
  since: string;
  /** null: permanent. */
  expires: string | null;
}

export interface DashboardStats {
  startedAt: string;
  uptimeSeconds: number;
  /** When these statistics began (they carry over restarts). */
  since: string;
  totalVisits: number;
  peakSessions: number;
  peakAt: string | null;
  messagesRelayed: number;
  bytesIn: number;
  bytesOut: number;
  /** Per address, most recently seen first (at most DASHBOARD_ROWS). */
  addresses: { address: string; connections: number; failedAuth: number; timesBanned: number; lastSeen: string }[];
}

export interface DashboardSnapshot {
  /** Users online (root sessions excluded) and root sessions. */
  usersOnline: number;
  rootsOnline: number;
  /** Oldest first, at most DASHBOARD_ROWS of `sessionsTotal`. */
  sessions: DashboardSession[];
  sessionsTotal: number;
  rooms: DashboardRoom[];
  stats: DashboardStats;
  /** Permanent first, then by expiry; at most DASHBOARD_ROWS of `bansTotal`. */
  bans: DashboardBan[];
  bansTotal: number;
  lockdown: { on: boolean; since: string | null; by: string };
  /** A timed shutdown counting down. */
  shutdown: { endsAt: string; by: string; message: string | null } | null;
  /** Newest first. */
  packages: PackageRecord[];
  packagesTotal: number;
  /** The latest requests users filed with /request, newest last, as stored. */
  requests: string[];
}

/** One line of the server's live log (what its console shows under the status panel). */
export interface DashboardLogLine {
  time: string;
  level: string;
  text: string;
}

/** The most rows of any one table a snapshot carries (the root console's commands show all). */
export const DASHBOARD_ROWS = 500;
/** Requests a snapshot carries. */
export const DASHBOARD_REQUESTS = 20;

/** What the dashboard reads from the server it runs in. */
export interface DashboardSource {
  readonly host: DashboardHost;
  /** The live state now. */
  snapshot(): Promise<DashboardSnapshot>;
  /** The last lines of the live log, oldest first. */
  recentLog(): DashboardLogLine[];
  /** Every new log line from now on; returns how to stop. */
  onLog(listener: (line: DashboardLogLine) => void): () => void;
}
