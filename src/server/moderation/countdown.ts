// The timed shutdown's countdown: a notice when it starts, at 10 s, and at each of the last
// 5 s, then the shutdown itself. Timers are injected so tests can drive it without waiting.

/** The timer functions the countdown uses (the real ones by default). */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // A scheduled shutdown must not be what keeps a process alive.
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Seconds-left marks at which clients hear about a countdown of `seconds` (start included). */
export function countdownMarks(seconds: number): number[] {
  const marks = [seconds, 10, 5, 4, 3, 2, 1].filter((mark) => mark <= seconds);
  return [...new Set(marks)].sort((a, b) => b - a);
}

export interface CountdownHandlers {
  /** Announce that `secondsLeft` remain. */
  announce(secondsLeft: number): void;
  /** Time is up. */
  finish(): void;
}

export class Countdown {
  private handle: unknown;
  private done = false;
  readonly endsAt: number;

  /** Start at once: the first announcement is made before the constructor returns. */
  constructor(
    readonly seconds: number,
    private readonly handlers: CountdownHandlers,
    private readonly timers: Timers,
    startedAt: number,
  ) {
    this.endsAt = startedAt + seconds * 1000;
    const marks = countdownMarks(seconds);
    this.step(marks, 0);
  }

  private step(marks: number[], index: number): void {
    if (this.done) return;
    const current = marks[index];
    if (current === undefined) {
      this.done = true;
      this.handlers.finish();
      return;
    }
    this.handlers.announce(current);
    const next = marks[index + 1] ?? 0;
    this.handle = this.timers.setTimeout(() => this.step(marks, index + 1), (current - next) * 1000);
  }

  get active(): boolean {
    return !this.done;
  }

  cancel(): void {
    if (this.done) return;
    this.done = true;
    this.timers.clearTimeout(this.handle);
  }
}
