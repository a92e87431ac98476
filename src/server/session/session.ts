// One TLS connection: its reader (frames to messages), its inbox (messages handled one at a time,
// in order) and its outbox. Who is behind it once logged in is a Member, kept by the roster; the
// login itself is the handshake's. Anything a handler throws ends this session only.
import type { TLSSocket } from 'node:tls';
import { ErrorCodes, PartyPoolError, type ErrorCode } from '../../common/errors.js';
import { channelBinding } from '../../crypto/auth-proof.js';
import { encodeFrame } from '../../protocol/frame.js';
import { CLIENT_MESSAGE_SHAPE, MessageReader, maxPiecesFor } from '../../protocol/message-reader.js';
import { parseClientMessage, type ClientMessage, type ServerMessage } from '../../protocol/messages.js';
import { DeadlineQueue } from './deadlines.js';
import { FrameBudget, type FrameBudgetLimits } from './frame-budget.js';
import { Outbox, type OutboxLimits } from './outbox.js';

/** Frames buffered before the socket is paused (each is at most maxFrameBytes). */
const MAX_INBOX_FRAMES = 64;
/** Chat lines from one session that may await storage together. */
const MAX_LINES_IN_FLIGHT = 256;
/** A closing connection that has not finished within this is destroyed. */
const CLOSE_LINGER_MS = 2000;

/** Closing connections that linger: one timer for all of them. */
const lingering = new DeadlineQueue<TLSSocket>(CLOSE_LINGER_MS, (socket) => socket.destroy());

export interface SessionLimits extends OutboxLimits, FrameBudgetLimits {
  readonly maxFrameBytes: number;
  /** Invalid messages tolerated before the connection is closed (TOO_MANY_ERRORS). */
  readonly maxInvalidFrames: number;
}

/** What the server does with a session's messages and its end. */
export interface SessionHandlers {
  /** Handle one valid message; a returned promise holds the next message back until it settles. */
  message(session: Session, message: ClientMessage): Promise<void> | void;
  /** A handler threw: logged by the server; the session then ends with INTERNAL. */
  crashed(session: Session, error: unknown): void;
  /** The connection is gone, whatever the reason. */
  closed(session: Session, reason: CloseReason): void;
  /** An error went out to the peer (metrics count refusals by code). */
  errorSent?(session: Session, code: ErrorCode): void;
}

export interface CloseReason {
  code: ErrorCode;
  message: string;
}

export class Session {
  readonly connectedAt: number;
  /** Resolves once the session has fully ended and the server has been told. */
  readonly ended: Promise<void>;
  private markEnded: () => void = () => undefined;
  private finished = false;
  private closeReason: CloseReason | undefined;
  private seenAt: number;
  private activeAt: number;
  private received = 0;
  private invalidFrames = 0;
  private readonly reader: MessageReader<ClientMessage>;
  private readonly outbox: Outbox;
  /** What this connection may still send (a small allowance before login, a bucket after). */
  private readonly budget: FrameBudget;
  /** Frames waiting to be handled: one at a time, in order, even when a handler awaits. */
  private readonly inbox: Buffer[] = [];
  private handling = false;
  /** A parsed message waiting for earlier chat lines to be stored. */
  private deferred: ClientMessage | undefined;
  /** Chat lines handed on but not yet answered (stored and acknowledged). */
  private linesInFlight: Promise<void>[] = [];

  constructor(
    readonly socket: TLSSocket,
    readonly id: number,
    readonly address: string,
    private readonly limits: SessionLimits,
    private readonly handlers: SessionHandlers,
    private readonly now: () => number,
  ) {
    this.ended = new Promise((resolve) => (this.markEnded = resolve));
    this.connectedAt = now();
    this.seenAt = this.connectedAt;
    this.activeAt = this.connectedAt;
    this.reader = new MessageReader(parseClientMessage, limits.maxFrameBytes, maxPiecesFor(limits.maxFrameBytes), CLIENT_MESSAGE_SHAPE);
    this.budget = new FrameBudget(limits, this.connectedAt);
    this.outbox = new Outbox(socket, limits, () => this.cutOff());
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined); // 'close' follows and carries the consequence
    socket.on('close', () => this.finish(this.closeReason ?? { code: 'DISCONNECTED', message: ErrorCodes.DISCONNECTED.message }));
  }

  /** 'open' until close() or fail(), 'closing' while the goodbye goes out, then 'closed'. */
  get state(): 'open' | 'closing' | 'closed' {
    return this.finished ? 'closed' : this.closeReason ? 'closing' : 'open';
  }

  /** Whether frames can still be sent. */
  get isOpen(): boolean {
    return !this.finished && !this.socket.destroyed;
  }

  /** When the peer last sent anything (heartbeats). */
  get lastSeenAt(): number {
    return this.seenAt;
  }

  /** When the peer last did something a person does (chat, commands): idle time for `list-conn`. */
  get lastActiveAt(): number {
    return this.activeAt;
  }

  /** The connection logged in (as `role`): its frame allowance becomes a refilling bucket. */
  admitted(role: 'user' | 'root'): void {
    this.budget.admit(role, this.now());
  }

  /** Count a chat line or command as activity. */
  touch(now: number): void {
    this.activeAt = now;
  }

  get bytesIn(): number {
    return this.received;
  }

  get bytesOut(): number {
    return this.outbox.bytesOut;
  }

  /** Output not yet handed to the kernel. */
  get unsentBytes(): number {
    return this.outbox.unsentBytes;
  }

  /** TLS exporter material for this connection (login proofs are bound to it). */
  channelBinding(): Buffer {
    return channelBinding(this.socket);
  }

  send(message: ServerMessage): void {
    this.sendFrame(encodeFrame(message));
  }

  /**
   * Queue pre-encoded bytes: one frame, or several whose largest is `largestFrame`; everything
   * queued in one tick goes out as one write.
   */
  sendFrame(frame: Buffer, largestFrame = frame.length): void {
    if (this.finished) return;
    this.outbox.push(frame, largestFrame);
  }

  /** Hand this tick's queued output to the socket now (before waiting for it to drain). */
  /**
   * Resolve once at most `budget` bytes of this session's output are still unsent (or it closed):
   * how paced senders (history replay, file downloads) keep one person's backlog small.
   */
  async drainedBelow(budget: number): Promise<void> {
    const socket = this.socket;
    while (this.isOpen && this.unsentBytes > budget) {
      // Hand this tick's queued output to the socket first, or 'drain' would never come.
      this.flush();
      if (socket.writableLength <= budget) break;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          socket.off('drain', done);
          socket.off('close', done);
          resolve();
        };
        socket.on('drain', done);
        socket.on('close', done);
      });
    }
  }

  flush(): void {
    this.outbox.flush();
  }

  sendError(code: ErrorCode, message?: string, extra: { ref?: number; nonce?: string } = {}): void {
    this.handlers.errorSent?.(this, code);
    this.send({ type: 'error', code, message: message ?? ErrorCodes[code].message, ...extra });
  }

  /** Send a final error and close; the client reads the code and the sentence. */
  fail(code: ErrorCode, message?: string, ref?: number): void {
    if (this.finished || this.closeReason) return;
    const text = message ?? ErrorCodes[code].message;
    this.sendError(code, text, ref === undefined ? {} : { ref });
    this.close({ code, message: text });
  }

  /** Close politely: say goodbye, flush, then end the socket (destroyed if it lingers). */
  close(reason: CloseReason): void {
    if (this.finished || this.closeReason) return;
    this.closeReason = reason;
    if (this.socket.destroyed) return;
    this.send({ type: 'bye', code: reason.code, message: reason.message });
    this.flush();
    this.socket.end();
    lingering.set(this.socket);
  }

  /** Count invalid input; a client that keeps sending garbage is disconnected. */
  rejectInput(code: ErrorCode, message?: string, ref?: number): void {
    this.invalidFrames += 1;
    if (this.invalidFrames > this.limits.maxInvalidFrames) return this.cutOffHostile('TOO_MANY_ERRORS');
    this.sendError(code, message, ref === undefined ? {} : { ref });
  }

  /**
   * Fail a connection that is abusing the server, and stop reading from it: whatever it keeps
   * streaming is left in the kernel (TCP pushes back) instead of being decrypted for nothing
   * while the goodbye lingers.
   */
  private cutOffHostile(code: ErrorCode, message?: string): void {
    this.fail(code, message);
    if (!this.socket.destroyed) this.socket.pause();
  }

  /** The outbox gave up on this client: it stopped reading. */
  private cutOff(): void {
    this.closeReason ??= { code: 'SLOW_READER', message: ErrorCodes.SLOW_READER.message };
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.finished || this.closeReason) return;
    this.received += chunk.length;
    this.seenAt = this.now();
    let payloads: Buffer[];
    try {
      payloads = this.reader.push(chunk);
    } catch (error) {
      const known = error instanceof PartyPoolError;
      return this.cutOffHostile(known ? error.code : 'BAD_MESSAGE', known ? error.message : undefined);
    }
    // Every frame counts, pings and pongs included, before any of this read's frames is parsed.
    const overBudget = this.budget.spend(payloads.length, chunk.length, this.seenAt);
    if (overBudget) return this.cutOffHostile('FLOODING', overBudget);
    if (payloads.length === 0) return;
    for (const payload of payloads) this.inbox.push(payload);
    // A client that floods faster than we handle stops being read (TCP pushes back) until caught up.
    if (this.inbox.length > MAX_INBOX_FRAMES) this.socket.pause();
    if (!this.handling) this.drainInbox();
  }

  /** One frame this session sent does not count against its frame budget (see FrameBudget.refund). */
  refundFrame(): void {
    this.budget.refund();
  }

  /** Handle queued frames in order; synchronous handlers run without a promise per frame. */
  private drainInbox(): void {
    while (this.inbox.length > 0 || this.deferred) {
      if (this.finished || this.closeReason) {
        this.inbox.length = 0;
        this.deferred = undefined;
        return;
      }
      let message = this.deferred;
      this.deferred = undefined;
      if (!message) {
        const payload = this.inbox.shift();
        if (payload === undefined) break;
        const read = this.reader.read(payload);
        if (!read.ok) {
          this.rejectInput(read.code, read.message, read.ref);
          continue;
        }
        message = read.message;
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
    if (this.socket.isPaused() && !this.finished && !this.closeReason) this.socket.resume();
  }

  private waitFor(work: Promise<unknown>): void {
    this.handling = true;
    void work.then(() => {
      this.handling = false;
      this.drainInbox();
    });
  }

  /** Hand one valid message on; returns a promise only when the handler awaits. */
  private dispatch(message: ClientMessage): Promise<void> | undefined {
    try {
      const result = this.handlers.message(this, message);
      if (result) return result.catch((error: unknown) => this.crashed(error));
    } catch (error) {
      this.crashed(error);
    }
    return undefined;
  }

  /** A handler threw: this session ends, the server goes on. */
  private crashed(error: unknown): void {
    this.handlers.crashed(this, error);
    this.fail('INTERNAL');
  }

  private finish(reason: CloseReason): void {
    if (this.finished) return;
    this.finished = true;
    lingering.cancel(this.socket);
    try {
      this.handlers.closed(this, reason);
    } finally {
      this.markEnded();
    }
  }
}
