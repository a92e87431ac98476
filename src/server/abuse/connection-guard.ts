// The first checks on a new TCP connection, before any TLS work, and the pre-login slots:
//   - at most N new connections per address per minute (IPv6: per /64);
//   - at most M connections not logged in yet per address (the server's own machine excepted);
//   - at most `maxUnauthenticated` not logged in server-wide, of which `reservedUnauthenticated`
//     only for trusted addresses (a successful login from there within the trust period; a
//     root's address; the server's own machine: trusted-addresses.ts);
//   - when the slots are full, a newcomer may take the place of the oldest stranger that has not
//     even finished its TLS handshake (an idle socket costs the attacker nothing to hold, so it
//     must not outlast a person knocking); a trusted newcomer may take any stranger's place.
// A refused connection is simply closed: answering it would cost the very handshake the limits
// exist to save. Connections are known by remote address and port, which the raw socket and the
// TLS socket wrapped around it share.
import type net from 'node:net';
import { SlidingWindowCounter } from './rate-limit.js';
import { rateKey } from './rate-key.js';
import { LOCAL_ADDRESSES, type TrustedAddresses } from './trusted-addresses.js';

export { rateKey } from './rate-key.js';

export interface ConnectionGuardOptions {
  connectionsPerMinute: number;
  maxUnauthenticated: number;
  /** Of those, kept for trusted addresses only. */
  reservedUnauthenticated: number;
  /** Connections not logged in per address (the server's own machine is exempt). */
  maxUnauthenticatedPerAddress: number;
  /** A stranger still in its TLS handshake is not evicted before it has had this long. */
  evictAfterMs: number;
  /** Connections from a banned address per minute that still get a TLS handshake and the reason. */
  bannedExplainedPerMinute: number;
}

export type ConnectionRefusal = 'rate' | 'unauthenticated' | 'per-address' | 'banned';

interface Pending {
  readonly id: string;
  readonly socket: net.Socket;
  readonly address: string;
  readonly key: string;
  readonly trusted: boolean;
  readonly at: number;
  /** The TLS handshake finished (a person's client is logging in). */
  secure: boolean;
}

/** What happened to one new connection. */
export interface Admission {
  refusal?: ConnectionRefusal;
  /** Strangers closed to make room for it. */
  evicted: { address: string; secure: boolean }[];
}

const MINUTE_MS = 60_000;
/** Above this many tracked addresses, expired ones are pruned (at most once a second). */
const PRUNE_ABOVE = 50_000;

function connectionId(socket: { remoteAddress?: string | undefined; remotePort?: number | undefined }): string {
  return `${socket.remoteAddress ?? '?'}|${socket.remotePort ?? 0}`;
}

export class ConnectionGuard {
  private readonly recent: SlidingWindowCounter;
  /** Connections from banned addresses still told why (after a handshake), per address per minute. */
  private readonly explained: SlidingWindowCounter;
  /** Every raw connection accepted and still open (logged in or not). */
  private readonly open = new Set<net.Socket>();
  /** Connections not logged in yet, oldest first, by remote address and port. */
  private readonly pending = new Map<string, Pending>();
  /** How many of `pending` each address key holds. */
  private readonly pendingPerKey = new Map<string, number>();
  /** A raw socket's id, kept: a closed socket may no longer know its peer. */
  private readonly ids = new WeakMap<net.Socket, string>();
  private strangers = 0;
  private lastPrune = 0;
  /** Connections refused (or evicted) since start, by reason (shown by `stats`). */
  readonly refused: Record<ConnectionRefusal | 'evicted', number> = { rate: 0, unauthenticated: 0, 'per-address': 0, banned: 0, evicted: 0 };

  constructor(
    private readonly options: ConnectionGuardOptions,
    private readonly trust: TrustedAddresses,
  ) {
    this.recent = new SlidingWindowCounter(options.connectionsPerMinute, MINUTE_MS);
    this.explained = new SlidingWindowCounter(options.bannedExplainedPerMinute, MINUTE_MS);
  }

  /**
   * A TCP connection arrived from `address` (canonical form). Returns why it is refused, or no
   * refusal when it may go on to the TLS handshake (then any strangers evicted for it are closed).
   */
  admit(socket: net.Socket, address: string, now: number): Admission {
    if (this.recent.size > PRUNE_ABOVE && now - this.lastPrune > 1000) {
      this.lastPrune = now;
      this.recent.prune(now);
    }
    const key = rateKey(address);
    if (!this.recent.hit(key, now)) return this.refuse('rate');
    const trusted = this.trust.isTrusted(address, now);
    if (!LOCAL_ADDRESSES.has(address) && (this.pendingPerKey.get(key) ?? 0) >= this.options.maxUnauthenticatedPerAddress) return this.refuse('per-address');
    const evicted: Admission['evicted'] = [];
    const strangerRoom = this.options.maxUnauthenticated - this.options.reservedUnauthenticated;
    const full = (): boolean => this.pending.size >= this.options.maxUnauthenticated || (!trusted && this.strangers >= strangerRoom);
    while (full()) {
      const victim = this.oldestStranger(now, trusted);
      if (!victim) return this.refuse('unauthenticated');
      evicted.push({ address: victim.address, secure: victim.secure });
      this.refused.evicted += 1;
      this.forget(victim.socket);
      victim.socket.destroy();
    }
    this.open.add(socket);
    const entry: Pending = { id: connectionId(socket), socket, address, key, trusted, at: now, secure: false };
    this.pending.set(entry.id, entry);
    this.ids.set(socket, entry.id);
    this.pendingPerKey.set(key, (this.pendingPerKey.get(key) ?? 0) + 1);
    if (!trusted) this.strangers += 1;
    socket.once('close', () => {
      this.open.delete(socket);
      this.forget(socket);
    });
    return { evicted };
  }

  /**
   * A connection from a banned (or blocked) address: true when it may still hear why, after a TLS
   * handshake (a few times a minute per address); false when it is to be cut now (and counted).
   */
  explainsBan(address: string, now: number): boolean {
    if (this.explained.hit(rateKey(address), now)) return true;
    this.refused.banned += 1;
    return false;
  }

  /** The TLS handshake of this connection finished. */
  secured(socket: { remoteAddress?: string | undefined; remotePort?: number | undefined }): void {
    const entry = this.pending.get(connectionId(socket));
    if (entry) entry.secure = true;
  }

  /** This connection logged in: it no longer holds a pre-login slot, and its address is trusted from now on. */
  loggedIn(socket: { remoteAddress?: string | undefined; remotePort?: number | undefined }, address: string, role: 'user' | 'root', now: number): void {
    const entry = this.pending.get(connectionId(socket));
    if (entry) this.forget(entry.socket);
    // Trust is by address; the TLS socket's own address is the raw one, unmapped by the caller.
    this.trust.loggedIn(address, role, now);
  }

  /** Connections that are not logged in (handshaking, saying hello, or logging in). */
  unauthenticated(): number {
    return this.pending.size;
  }

  /** Of those, from addresses not trusted. */
  get strangerCount(): number {
    return this.strangers;
  }

  /** Open connections. */
  get openCount(): number {
    return this.open.size;
  }

  /** The addresses holding the most pre-login slots now, most first (for the log). */
  topHolders(count: number): { address: string; slots: number }[] {
    return [...this.pendingPerKey]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([address, slots]) => ({ address, slots }));
  }

  /** Forget addresses with no connection in the last minute (called periodically). */
  prune(now: number): void {
    this.recent.prune(now);
    this.explained.prune(now);
  }

  /** At shutdown: close whatever is still open (handshakes in progress, refused sockets lingering). */
  destroyAll(): void {
    for (const socket of this.open) socket.destroy();
    this.open.clear();
    this.pending.clear();
    this.pendingPerKey.clear();
    this.strangers = 0;
  }

  private refuse(reason: ConnectionRefusal): Admission {
    this.refused[reason] += 1;
    return { refusal: reason, evicted: [] };
  }

  /**
   * The stranger to close for a newcomer: the oldest one still in its TLS handshake (past the
   * grace period); for a trusted newcomer, failing that, the oldest stranger at all.
   */
  private oldestStranger(now: number, forTrusted: boolean): Pending | undefined {
    let logging: Pending | undefined;
    for (const entry of this.pending.values()) {
      if (entry.trusted) continue;
      if (!entry.secure && now - entry.at >= this.options.evictAfterMs) return entry;
      logging ??= entry;
    }
    return forTrusted ? logging : undefined;
  }

  private forget(socket: net.Socket): void {
    const id = this.ids.get(socket);
    if (id === undefined) return;
    const entry = this.pending.get(id);
    if (!entry || entry.socket !== socket) return;
    this.pending.delete(id);
    const left = (this.pendingPerKey.get(entry.key) ?? 1) - 1;
    if (left <= 0) this.pendingPerKey.delete(entry.key);
    else this.pendingPerKey.set(entry.key, left);
    if (!entry.trusted) this.strangers -= 1;
  }
}
