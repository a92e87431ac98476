// What a session sends: frames queued during one turn of the event loop go out as one write
// (one TLS record and one syscall instead of one per message). Two limits hold here and only
// here: no frame larger than a client accepts, and no client that stops reading may grow server
// memory (it is cut off: SLOW_READER).
import type { TLSSocket } from 'node:tls';
import { PartyPoolError } from '../../common/errors.js';

/** One tick may queue up to this many times maxUnsentBytes for a session (a burst, not a stall). */
export const MAX_TICK_OUTPUT_FACTOR = 4;

export interface OutboxLimits {
  /** Output unsent from earlier ticks beyond this means the client is not reading. */
  readonly maxUnsentBytes: number;
  /** The largest frame a client accepts; a bigger one is refused before it is queued. */
  readonly maxOutboundFrameBytes: number;
}

let needsFlush: Outbox[] = [];

/** Flush every outbox that queued output this tick, once, after the tick's work is done. */
function scheduleFlush(outbox: Outbox): void {
  needsFlush.push(outbox);
  if (needsFlush.length === 1) process.nextTick(flushAll);
}

function flushAll(): void {
  // Swap first: a write below may queue more output, which then gets a tick of its own.
  const batch = needsFlush;
  needsFlush = [];
  for (const outbox of batch) outbox.flush();
}

export class Outbox {
  private frames: Buffer[] = [];
  private queuedBytes = 0;
  /** The socket's unsent bytes when this tick's first frame was queued. */
  private unsentAtTickStart = 0;
  private sent = 0;
  private cut = false;

  constructor(
    private readonly socket: TLSSocket,
    private readonly limits: OutboxLimits,
    /** Called once when the client is cut off for not reading; the session ends it. */
    private readonly onSlowReader: () => void,
  ) {}

  /**
   * Queue one encoded frame (a broadcast shares the same bytes between outboxes). Throws
   * REPLY_TOO_LARGE, queuing nothing, for a frame over the outbound limit.
   */
  push(frame: Buffer): void {
    if (frame.length > this.limits.maxOutboundFrameBytes) throw new PartyPoolError('REPLY_TOO_LARGE');
    if (this.cut || this.socket.destroyed) return;
    // Output still unsent from earlier ticks means the client is not reading: that is the slow
    // reader. What this tick queues is bounded separately (a burst is not the client's fault).
    if (this.queuedBytes === 0) this.unsentAtTickStart = this.socket.writableLength;
    if (this.unsentAtTickStart > this.limits.maxUnsentBytes || this.queuedBytes + frame.length > this.limits.maxUnsentBytes * MAX_TICK_OUTPUT_FACTOR) {
      this.cut = true;
      this.frames = [];
      this.queuedBytes = 0;
      this.onSlowReader();
      return;
    }
    this.sent += frame.length;
    if (this.queuedBytes === 0) scheduleFlush(this);
    this.frames.push(frame);
    this.queuedBytes += frame.length;
  }

  /** Write whatever this tick queued (the flush scheduler calls it once per tick; closing calls it early). */
  flush(): void {
    if (this.queuedBytes === 0) return;
    const data = this.frames.length === 1 ? this.frames[0] : Buffer.concat(this.frames, this.queuedBytes);
    this.frames = [];
    this.queuedBytes = 0;
    if (data && !this.socket.destroyed) this.socket.write(data);
  }

  /** Output not yet handed to the kernel: the socket's buffer plus what this tick queued. */
  get unsentBytes(): number {
    return this.socket.writableLength + this.queuedBytes;
  }

  /** Bytes queued for this client so far. */
  get bytesOut(): number {
    return this.sent;
  }
}
