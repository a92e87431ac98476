// What a session sends: frames queued during one turn of the event loop go out as one write
// (one TLS record and one syscall instead of one per message). Two limits hold here and only
// here: no frame larger than a client accepts, and no client that stops reading may grow server
// memory (it is cut off: SLOW_READER). A queued buffer may hold several frames (a run of chat
// lines encoded once for a whole room): the common case is one buffer per session per tick,
// written as it is, shared with every other recipient and never copied.
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
  /** This tick's output: the first buffer, and every buffer once there is more than one. */
  private first: Buffer | undefined;
  private all: Buffer[] | undefined;
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
   * Queue encoded bytes: one frame, or several whose largest is `largestFrame` (a broadcast
   * shares the same bytes between outboxes). Throws REPLY_TOO_LARGE, queuing nothing, for a
   * frame over the outbound limit.
   */
  push(frame: Buffer, largestFrame = frame.length): void {
    if (largestFrame > this.limits.maxOutboundFrameBytes) throw new PartyPoolError('REPLY_TOO_LARGE');
    if (this.cut || this.socket.destroyed) return;
    // Output still unsent from earlier ticks means the client is not reading: that is the slow
    // reader. What this tick queues is bounded separately (a burst is not the client's fault).
    if (this.queuedBytes === 0) this.unsentAtTickStart = this.socket.writableLength;
    if (this.unsentAtTickStart > this.limits.maxUnsentBytes || this.queuedBytes + frame.length > this.limits.maxUnsentBytes * MAX_TICK_OUTPUT_FACTOR) {
      this.cut = true;
      this.first = undefined;
      this.all = undefined;
      this.queuedBytes = 0;
      this.onSlowReader();
      return;
    }
    this.sent += frame.length;
    if (this.first === undefined) {
      this.first = frame;
      scheduleFlush(this);
    } else if (this.all === undefined) this.all = [this.first, frame];
    else this.all.push(frame);
    this.queuedBytes += frame.length;
  }

  /**
   * Write whatever this tick queued (the flush scheduler calls it once per tick; closing calls
   * it early). Several buffers are joined: through TLS that is cheaper than cork and a write
   * each (measured: docs/PERFORMANCE.md), and a run shared by a room already arrives joined.
   */
  flush(): void {
    const data = this.all === undefined ? this.first : Buffer.concat(this.all, this.queuedBytes);
    this.first = undefined;
    this.all = undefined;
    this.queuedBytes = 0;
    if (data !== undefined && !this.socket.destroyed) this.socket.write(data);
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
