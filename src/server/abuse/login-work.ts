// The bounded login work. Every OPAQUE exchange in progress (a login waiting for KE3, a
// registration waiting for its record) holds a slot from its first message to its last: at most
// `maxExchanges` server-wide and `maxExchangesPerAddress` per address (IPv6: per /64); addresses
// that logged in before may also use a small reserve, so strangers cannot take every slot. A login
// that finds no slot is refused with BUSY (retry shortly), before any work is done for it.
// The elliptic-curve steps themselves (a few milliseconds each) run one at a time, in turns of at
// most `workTurnBudgetMs`, so chat keeps flowing during a login storm; a job whose connection has
// gone by its turn is dropped without running. The queue can never hold more jobs than slots.
import { performance } from 'node:perf_hooks';
import type { LoginLimits } from '../../common/settings.js';
import type { Session } from '../session/session.js';
import { rateKey } from './connection-guard.js';

type Limits = Pick<LoginLimits, 'maxExchanges' | 'maxExchangesPerAddress' | 'trustedReserve' | 'workTurnBudgetMs'>;

interface Job {
  readonly session: Session;
  /** Run the work and settle the caller's promise with its result (or error). */
  readonly execute: () => Promise<void>;
  /** Settle the caller's promise without running. */
  readonly drop: () => void;
}

export class LoginWork {
  /** Sessions holding a slot, with the address key each counts under. */
  private readonly holders = new Map<Session, string>();
  private readonly perAddress = new Map<string, number>();
  private readonly jobs: Job[] = [];
  private pumping = false;
  /** Logins refused with BUSY since start (for `stats`). */
  busy = 0;
  /** Jobs dropped because their connection had gone (for tests and `stats`). */
  dropped = 0;

  constructor(private readonly limits: Limits) {}

  /** Take a slot for `session`'s exchange (it keeps the one it has); false when none is free: answer BUSY. */
  acquire(session: Session, trusted: boolean): boolean {
    if (this.holders.has(session)) return true;
    const key = rateKey(session.address);
    const mine = this.perAddress.get(key) ?? 0;
    const cap = this.limits.maxExchanges + (trusted ? this.limits.trustedReserve : 0);
    if (mine >= this.limits.maxExchangesPerAddress || this.holders.size >= cap) {
      this.busy += 1;
      return false;
    }
    this.holders.set(session, key);
    this.perAddress.set(key, mine + 1);
    return true;
  }

  /** The exchange ended (done, refused, or the connection closed). */
  release(session: Session): void {
    const key = this.holders.get(session);
    if (key === undefined) return;
    this.holders.delete(session);
    const left = (this.perAddress.get(key) ?? 1) - 1;
    if (left > 0) this.perAddress.set(key, left);
    else this.perAddress.delete(key);
  }

  /** Exchanges in progress. */
  get inProgress(): number {
    return this.holders.size;
  }

  /**
   * Run `work` for `session` in its turn. Resolves `{ ran: false }` without running it when the
   * connection has gone by then (nobody is left to answer).
   */
  run<T>(session: Session, work: () => T | Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    return new Promise((resolve, reject) => {
      this.jobs.push({
        session,
        execute: async () => {
          try {
            resolve({ ran: true, value: await work() });
          } catch (error) {
            reject(error instanceof Error ? error : new Error(String(error)));
          }
        },
        drop: () => resolve({ ran: false }),
      });
      if (!this.pumping) void this.pump();
    });
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    let turnStarted = performance.now();
    for (let job = this.jobs.shift(); job; job = this.jobs.shift()) {
      if (job.session.state !== 'open') {
        this.dropped += 1;
        job.drop();
        continue;
      }
      await job.execute();
      if (performance.now() - turnStarted >= this.limits.workTurnBudgetMs) {
        // Let the event loop read sockets and deliver chat before the next job.
        await new Promise((resolve) => setImmediate(resolve));
        turnStarted = performance.now();
      }
    }
    this.pumping = false;
  }
}
