// The timed shutdown a root schedules: a countdown everyone sees (at the start, at 10 s and in
// the last 5 s), which a root may cancel; at zero the server shuts down with the root's message.
import type { Logger } from '../../common/logger.js';
import type { Clock } from '../clock.js';
import { Countdown, type Timers } from './countdown.js';
import { formatDuration } from './durations.js';
import type { Notices } from './notices.js';

export const DEFAULT_SHUTDOWN_MESSAGE = 'The server is shutting down.';

export interface PendingShutdown {
  endsAt: number;
  seconds: number;
  message: string | undefined;
  by: string;
}

export class ShutdownCountdown {
  private countdown: Countdown | undefined;
  private scheduled: PendingShutdown | undefined;

  constructor(
    private readonly notices: Notices,
    private readonly clock: Clock,
    private readonly timers: Timers,
    private readonly logger: Logger,
    /** Shut the server down now (the server's own shutdown). */
    private readonly shutdown: (message: string) => Promise<void>,
  ) {}

  /** The countdown running now, if any. */
  get pending(): PendingShutdown | undefined {
    return this.scheduled;
  }

  /** Start (or replace) a countdown; when it ends the server shuts down with `message`. */
  schedule(seconds: number, message: string | undefined, by: string): PendingShutdown {
    this.countdown?.cancel();
    const suffix = message ? `: ${message}` : '.';
    const pending: PendingShutdown = { endsAt: this.clock.now() + seconds * 1000, seconds, message, by };
    this.scheduled = pending;
    this.logger.info('shutdown scheduled', { by, seconds });
    this.countdown = new Countdown(
      seconds,
      {
        announce: (left) => this.notices.fromServer(`The server shuts down in ${formatDuration(left * 1000)}${suffix}`),
        finish: () => {
          this.scheduled = undefined;
          this.now(message);
        },
      },
      this.timers,
      this.clock.now(),
    );
    return pending;
  }

  /** Cancel a pending countdown and tell everyone; false when none was pending. */
  cancel(by: string): boolean {
    if (!this.countdown?.active) return false;
    this.countdown.cancel();
    this.countdown = undefined;
    this.scheduled = undefined;
    this.logger.info('shutdown cancelled', { by });
    this.notices.fromServer('The scheduled shutdown was cancelled; the server keeps running.');
    return true;
  }

  /** Shut down now: final message, sockets closed, stats flushed, server.json removed. */
  now(message: string | undefined): void {
    this.shutdown(message ?? DEFAULT_SHUTDOWN_MESSAGE).catch((error: unknown) => this.logger.error('shutdown failed', { reason: error instanceof Error ? error.message : String(error) }));
  }

  /** At shutdown: stop the countdown. */
  stop(): void {
    this.countdown?.cancel();
    this.countdown = undefined;
    this.scheduled = undefined;
  }
}
