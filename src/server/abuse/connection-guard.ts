// The first check on a new TCP connection, before any TLS work: at most N new connections per
// address per minute, and a server-wide cap on connections that have not logged in yet (TLS
// handshake included). A refused connection is simply closed: answering it would cost the very
// handshake the limit exists to save.
import type net from 'node:net';
import { parseIpRange } from './ip-range.js';
import { SlidingWindowCounter } from './rate-limit.js';

export interface ConnectionGuardOptions {
  connectionsPerMinute: number;
  maxUnauthenticated: number;
}

export type ConnectionRefusal = 'rate' | 'unauthenticated';

const MINUTE_MS = 60_000;
/** Above this many tracked addresses, expired ones are pruned (at most once a second). */
const PRUNE_ABOVE = 50_000;

/** The key connections are counted under: the IPv4 address, or the IPv6 /64 (one household's prefix). */
export function rateKey(address: string): string {
  if (!address.includes(':')) return address;
  return parseIpRange(`${address}/64`)?.text ?? address;
}

export class ConnectionGuard {
  private readonly recent: SlidingWindowCounter;
  /** Every raw connection accepted and still open (logged in or not). */
  private readonly open = new Set<net.Socket>();
  private lastPrune = 0;
  /** Connections refused since start, by reason (shown by `stats`). */
  readonly refused: Record<ConnectionRefusal, number> = { rate: 0, unauthenticated: 0 };

  constructor(private readonly options: ConnectionGuardOptions) {
    this.recent = new SlidingWindowCounter(options.connectionsPerMinute, MINUTE_MS);
  }

  /**
   * A TCP connection arrived from `address`; `loggedIn` is how many sessions are logged in now.
   * Returns why it is refused, or undefined when it may go on to the TLS handshake.
   */
  admit(socket: net.Socket, address: string, loggedIn: number, now: number): ConnectionRefusal | undefined {
    if (this.recent.size > PRUNE_ABOVE && now - this.lastPrune > 1000) {
      this.lastPrune = now;
      this.recent.prune(now);
    }
    if (!this.recent.hit(rateKey(address), now)) {
      this.refused.rate += 1;
      return 'rate';
    }
    if (this.unauthenticated(loggedIn) >= this.options.maxUnauthenticated) {
      this.refused.unauthenticated += 1;
      return 'unauthenticated';
    }
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
    return undefined;
  }

  /** Open connections that are not logged in (handshaking, saying hello, or logging in). */
  unauthenticated(loggedIn: number): number {
    return Math.max(0, this.open.size - loggedIn);
  }

  /** Open connections. */
  get openCount(): number {
    return this.open.size;
  }

  /** Forget addresses with no connection in the last minute (called periodically). */
  prune(now: number): void {
    this.recent.prune(now);
  }

  /** At shutdown: close whatever is still open (handshakes in progress, refused sockets lingering). */
  destroyAll(): void {
    for (const socket of this.open) socket.destroy();
    this.open.clear();
  }
}
