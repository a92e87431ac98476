// Every frame a connection sends costs the server a parse, whatever it holds: pings, pongs and
// messages refused as unexpected included. Before login a connection gets a small, fixed
// allowance (a login needs a hello, an auth, a few retries and pongs); once logged in, a token
// bucket sized from the session's request rates (chat and command buckets, the refusals that
// flooding tolerates, and room for heartbeats). A connection that spends past its budget is
// closed (FLOODING). Checked per socket read, before any frame of it is parsed.

export interface FrameBudgetLimits {
  /** Frames a connection may send before it logs in. */
  readonly preAuthFrames: number;
  /** Bytes a connection may send before it logs in (partial frames count). */
  readonly preAuthBytes: number;
  /** A logged-in user's frame bucket: this many at once... */
  readonly frameBurst: number;
  /** ...then this many per second. */
  readonly framesPerSecond: number;
  /** Root sessions get this many times a user's bucket (scripts pipe commands; roots are trusted, not unlimited). */
  readonly rootFrameFactor: number;
}

export type BudgetPhase = 'login' | 'user' | 'root';

export class FrameBudget {
  private phase: BudgetPhase = 'login';
  private frames = 0;
  private bytes = 0;
  private tokens = 0;
  private capacity = 0;
  private rate = 0;
  private updatedAt: number;

  constructor(
    private readonly limits: FrameBudgetLimits,
    now: number,
  ) {
    this.updatedAt = now;
  }

  /** The connection logged in: its allowance becomes a refilling bucket for its role. */
  admit(role: 'user' | 'root', now: number): void {
    const factor = role === 'root' ? this.limits.rootFrameFactor : 1;
    this.phase = role;
    this.capacity = this.limits.frameBurst * factor;
    this.rate = this.limits.framesPerSecond * factor;
    this.tokens = this.capacity;
    this.updatedAt = now;
  }

  /**
   * Spend one socket read: `frames` complete frames and `bytes` bytes. Returns why the connection
   * is over its budget (a sentence), or undefined when it may go on.
   */
  spend(frames: number, bytes: number, now: number): string | undefined {
    if (this.phase === 'login') {
      this.frames += frames;
      this.bytes += bytes;
      if (this.frames > this.limits.preAuthFrames) return `More than ${this.limits.preAuthFrames} messages before logging in; disconnecting.`;
      if (this.bytes > this.limits.preAuthBytes) return `More than ${Math.round(this.limits.preAuthBytes / 1024)} KiB sent before logging in; disconnecting.`;
      return undefined;
    }
    if (frames === 0) return undefined;
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updatedAt) / 1000) * this.rate);
    this.updatedAt = now;
    this.tokens -= frames;
    if (this.tokens < 0) return `You were disconnected for sending more than ${this.capacity} messages at once or ${this.rate} a second for too long.`;
    return undefined;
  }

  /**
   * Give back one frame: a frame the server accepted as part of bounded bulk work (a file chunk at
   * the right offset of an accepted upload, paid for by the upload's quotas) does not count.
   */
  refund(): void {
    if (this.phase !== 'login') this.tokens = Math.min(this.capacity, this.tokens + 1);
  }

  get current(): BudgetPhase {
    return this.phase;
  }
}
