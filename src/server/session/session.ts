// One TLS connection and, once it has logged in, the identity behind it. A session owns its
// frame decoder, its write budget and its timers; anything it throws ends this session only.
import type { TLSSocket } from 'node:tls';
import { ErrorCodes, PartyPoolError, type ErrorCode } from '../../common/errors.js';
import { channelBinding, newNonce } from '../../crypto/auth-proof.js';
import { FrameDecoder, decodePayload, encodeFrame } from '../../protocol/frame.js';
import { parseClientMessage, type ClientMessage, type ServerMessage } from '../../protocol/messages.js';
import type { MessageLimiter } from '../abuse/message-limiter.js';

/** Frames buffered before the socket is paused (each is at most maxFrameBytes). */
const MAX_INBOX_FRAMES = 64;
/** One tick may queue up to this many times maxUnsentBytes for a session (a burst, not a stall). */
export const MAX_TICK_OUTPUT_FACTOR = 4;
/** Chat lines from one session that may await storage together. */
const MAX_LINES_IN_FLIGHT = 256;

let needsFlush: Session[] = [];

/** Flush every session that queued output this tick, once, after the tick's work is done. */
function scheduleFlush(session: Session): void {
  needsFlush.push(session);
  if (needsFlush.length === 1) process.nextTick(flushAll);
}

function flushAll(): void {
  // Swap first: a write below may queue more output, which then gets a tick of its own.
  const batch = needsFlush;
  needsFlush = [];
  for (const session of batch) session.flush();
}

export type SessionState = 'hello' | 'auth' | 'active' | 'closed';
export type Role = 'user' | 'root';

/** What a session needs from the server around it (kept narrow so sessions stay testable). */
export interface SessionHost {
  readonly maxFrameBytes: number;
  readonly maxUnsentBytes: number;
  readonly maxInvalidFrames: number;
  now(): number;
  handleMessage(session: Session, message: ClientMessage): Promise<void> | void;
  sessionClosed(session: Session, reason: CloseReason, wasActive: boolean): void;
  logError(session: Session, error: unknown): void;
}

export interface CloseReason {
  code: ErrorCode;
  message: string;
}

export class Session {
  readonly id: number;
  readonly address: string;
  readonly connectedAt: number;
  state: SessionState = 'hello';
  name = '';
  role: Role = 'user';
  /** The wire protocol version agreed in hello (1 until then). */
  protocol = 1;
  nonce: Buffer = newNonce();
  lastSeenAt: number;
  lastActiveAt: number;
  bytesIn = 0;
  bytesOut = 0;
  /** The issued package this session logged in with, if any (so revoking it can end the session). */
  packageId: string | undefined;
  packageLogLabel: string | undefined;
  /** Chat and command rate limits, set at login for users (root sessions have none: exempt). */
  limiter: MessageLimiter | undefined;
  private invalidFrames = 0;
  private readonly decoder: FrameDecoder;
  private authTimer: NodeJS.Timeout | undefined;
  private readonly authTimeoutMs: number;
  /** Logins refused with "try another name/password" on this connection so far. */
  loginRetries = 0;
  private closeReason: CloseReason | undefined;
  /** Resolves once the session has fully ended and the server has been told. */
  readonly ended: Promise<void>;
  private markEnded: () => void = () => undefined;
  /** Frames waiting to be handled: one at a time, in order, even when a handler awaits. */
  private readonly inbox: Buffer[] = [];
  private handling = false;
  /** A parsed message waiting for earlier chat lines to be stored. */
  private deferred: ClientMessage | undefined;
  /** Chat lines handed on but not yet answered (stored and acknowledged). */
  private linesInFlight: Promise<void>[] = [];
  /** Output collected during this tick, written as one chunk when the tick ends. */
  private outbox: Buffer[] = [];
  private outboxBytes = 0;
  /** The socket's unsent bytes when this tick's first frame was queued. */
  private unsentAtTickStart = 0;

  constructor(
    readonly socket: TLSSocket,
    id: number,
    address: string,
    private readonly host: SessionHost,
    authTimeoutMs: number,
  ) {
    this.ended = new Promise((resolve) => (this.markEnded = resolve));
    this.id = id;
    this.address = address;
    this.connectedAt = host.now();
    this.lastSeenAt = this.connectedAt;
    this.lastActiveAt = this.connectedAt;
    this.decoder = new FrameDecoder(host.maxFrameBytes);
    this.authTimeoutMs = authTimeoutMs;
    this.authTimer = setTimeout(() => this.fail('AUTH_TIMEOUT'), authTimeoutMs);
    this.authTimer.unref();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined); // 'close' follows and carries the consequence
    socket.on('close', () => this.finish(this.closeReason ?? { code: 'DISCONNECTED', message: 'connection lost' }));
  }

  get isActive(): boolean {
    return this.state === 'active';
  }

  /** TLS exporter material for this connection (auth proofs are bound to it). */
  channelBinding(): Buffer {
    return channelBinding(this.socket);
  }

  /** A person is choosing another name: give them a fresh authentication window. */
  restartAuthClock(): void {
    if (!this.authTimer || this.state !== 'auth') return;
    clearTimeout(this.authTimer);
    this.authTimer = setTimeout(() => this.fail('AUTH_TIMEOUT'), this.authTimeoutMs);
    this.authTimer.unref();
  }

  /** Mark the session logged in; stops the authentication clock. */
  activate(name: string, role: Role): void {
    this.name = name;
    this.role = role;
    this.state = 'active';
    if (this.authTimer) clearTimeout(this.authTimer);
    this.authTimer = undefined;
  }

  send(message: ServerMessage): void {
    this.sendFrame(encodeFrame(message));
  }

  /**
   * Queue pre-encoded bytes (a broadcast encodes once and shares them). Everything queued in
   * one tick goes out as one write: one TLS record and one syscall instead of one per message.
   * A client whose unsent output passes the cap is cut off, so it cannot grow server memory.
   */
  sendFrame(frame: Buffer): void {
    if (this.state === 'closed' || this.socket.destroyed) return;
    // Output still unsent from earlier ticks means the client is not reading: that is the slow
    // reader. What this tick queues is bounded separately (a burst is not the client's fault).
    if (this.outboxBytes === 0) this.unsentAtTickStart = this.socket.writableLength;
    if (this.unsentAtTickStart > this.host.maxUnsentBytes || this.outboxBytes + frame.length > this.host.maxUnsentBytes * MAX_TICK_OUTPUT_FACTOR) {
      this.closeReason = { code: 'SLOW_READER', message: ErrorCodes.SLOW_READER.message };
      this.outbox = [];
      this.outboxBytes = 0;
      this.socket.destroy();
      return;
    }
    this.bytesOut += frame.length;
    if (this.outboxBytes === 0) scheduleFlush(this);
    this.outbox.push(frame);
    this.outboxBytes += frame.length;
  }

  /** Output not yet handed to the kernel: the socket's buffer plus what this tick queued. */
  get unsentBytes(): number {
    return this.socket.writableLength + this.outboxBytes;
  }

  /** Write whatever this tick queued (called once per tick by the flush scheduler). */
  flush(): void {
    if (this.outboxBytes === 0) return;
    const data = this.outbox.length === 1 ? this.outbox[0] : Buffer.concat(this.outbox, this.outboxBytes);
    this.outbox = [];
    this.outboxBytes = 0;
    if (data && !this.socket.destroyed) this.socket.write(data);
  }

  sendError(code: ErrorCode, message?: string, extra: { ref?: number; nonce?: string } = {}): void {
    this.send({ type: 'error', code, message: message ?? ErrorCodes[code].message, ...extra });
  }

  /** Send a final error and close; the client reads the code and the sentence. */
  fail(code: ErrorCode, message?: string, ref?: number): void {
    if (this.state === 'closed') return;
    const text = message ?? ErrorCodes[code].message;
    this.sendError(code, text, ref === undefined ? {} : { ref });
    this.close({ code, message: text });
  }

  /** Close politely: say goodbye, flush, then end the socket (destroyed if it lingers). */
  close(reason: CloseReason): void {
    if (this.state === 'closed' || this.closeReason) return;
    this.closeReason = reason;
    if (!this.socket.destroyed) {
      this.send({ type: 'bye', code: reason.code, message: reason.message });
      this.flush();
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 2000).unref();
    }
  }

  private onData(chunk: Buffer): void {
    if (this.state === 'closed' || this.closeReason) return;
    this.bytesIn += chunk.length;
    this.lastSeenAt = this.host.now();
    let payloads: Buffer[];
    try {
      payloads = this.decoder.push(chunk);
    } catch (error) {
      const code = error instanceof PartyPoolError ? error.code : 'BAD_MESSAGE';
      this.fail(code, error instanceof Error ? error.message : undefined);
      return;
    }
    if (payloads.length === 0) return;
    this.inbox.push(...payloads);
    // A client that floods faster than we handle stops being read (TCP pushes back) until caught up.
    if (this.inbox.length > MAX_INBOX_FRAMES) this.socket.pause();
    if (!this.handling) this.drainInbox();
  }

  /** Handle queued frames in order; synchronous handlers run without a promise per frame. */
  private drainInbox(): void {
    while (this.inbox.length > 0 || this.deferred) {
      if (this.state === 'closed' || this.closeReason) {
        this.inbox.length = 0;
        this.deferred = undefined;
        return;
      }
      let message = this.deferred;
      this.deferred = undefined;
      if (!message) {
        const payload = this.inbox.shift();
        if (payload === undefined) break;
        message = this.parsePayload(payload);
        if (!message) continue;
      }
      // Consecutive chat lines are pipelined: they share one group commit and are answered in
      // order. Anything else first waits for the lines before it, so it sees them stored.
      if (message.type !== 'say' && this.linesInFlight.length > 0) {
        this.deferred = message;
        this.waitFor(Promise.all(this.linesInFlight));
        this.linesInFlight = [];
        return;
      }
      const pending = this.dispatch(message);
      if (!pending) continue;
      if (message.type !== 'say') {
        this.waitFor(pending);
        return;
      }
      this.linesInFlight.push(pending);
      if (this.linesInFlight.length >= MAX_LINES_IN_FLIGHT) {
        // Storage is behind this sender: stop taking its lines until these are answered.
        const lines = this.linesInFlight;
        this.linesInFlight = [];
        this.waitFor(Promise.all(lines));
        return;
      }
    }
    if (this.socket.isPaused() && this.state !== 'closed') this.socket.resume();
  }

  private waitFor(work: Promise<unknown>): void {
    this.handling = true;
    void work.then(() => {
      this.handling = false;
      this.drainInbox();
    });
  }

  /** Decode, validate and dispatch one frame; returns a promise only when the handler awaits. */
  private parsePayload(payload: Buffer): ClientMessage | undefined {
    let value: unknown;
    try {
      value = decodePayload(payload);
    } catch (error) {
      this.rejectInput(error instanceof PartyPoolError ? error.code : 'BAD_JSON');
      return undefined;
    }
    const parsed = parseClientMessage(value);
    if (!parsed.ok) {
      this.rejectInput('BAD_MESSAGE', `${ErrorCodes.BAD_MESSAGE.message} (${parsed.detail})`, refOf(value));
      return undefined;
    }
    return parsed.message;
  }

  /** Hand one validated message to the server; returns a promise only when the handler awaits. */
  private dispatch(message: ClientMessage): Promise<void> | undefined {
    try {
      const result = this.host.handleMessage(this, message);
      if (result) return result.catch((error: unknown) => this.crashed(error));
    } catch (error) {
      this.crashed(error);
    }
    return undefined;
  }

  /** A handler threw: this session ends, the server goes on. */
  private crashed(error: unknown): void {
    this.host.logError(this, error);
    this.fail('INTERNAL');
  }

  /** Count invalid input; a client that keeps sending garbage is disconnected. */
  rejectInput(code: ErrorCode, message?: string, ref?: number): void {
    this.invalidFrames += 1;
    if (this.invalidFrames > this.host.maxInvalidFrames) {
      this.fail('TOO_MANY_ERRORS');
      return;
    }
    this.sendError(code, message, ref === undefined ? {} : { ref });
  }

  private finish(reason: CloseReason): void {
    if (this.state === 'closed') return;
    if (this.authTimer) clearTimeout(this.authTimer);
    const wasActive = this.state === 'active';
    this.state = 'closed';
    try {
      this.host.sessionClosed(this, reason, wasActive);
    } finally {
      this.markEnded();
    }
  }
}

/** The request id of an invalid message, when it has one, so the error can point at it. */
function refOf(value: unknown): number | undefined {
  if (typeof value === 'object' && value !== null && 'id' in value) {
    const id: unknown = Reflect.get(value, 'id');
    if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) return id;
  }
  return undefined;
}
