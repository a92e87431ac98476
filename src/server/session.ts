// One TLS connection and, once it has logged in, the identity behind it. A session owns its
// frame decoder, its write budget and its timers; anything it throws ends this session only.
import type { TLSSocket } from 'node:tls';
import { ErrorCodes, PartyPoolError, type ErrorCode } from '../common/errors.js';
import { channelBinding, newNonce } from '../crypto/auth-proof.js';
import { FrameDecoder, decodePayload, encodeFrame } from '../protocol/frame.js';
import { parseClientMessage, type ClientMessage, type ServerMessage } from '../protocol/messages.js';

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
  code: ErrorCode | 'LEFT' | 'DISCONNECTED' | 'KICKED' | 'SHUTDOWN';
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
  private invalidFrames = 0;
  private readonly decoder: FrameDecoder;
  private authTimer: NodeJS.Timeout | undefined;
  private closeReason: CloseReason | undefined;
  /** Resolves once the session has fully ended and the server has been told. */
  readonly ended: Promise<void>;
  private markEnded: () => void = () => undefined;
  /** Messages are handled one at a time, in order, even when a handler awaits. */
  private work: Promise<void> = Promise.resolve();

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

  /** Write pre-encoded bytes (a broadcast encodes once); cut off a client that stopped reading. */
  sendFrame(frame: Buffer): void {
    if (this.state === 'closed' || this.socket.destroyed) return;
    if (this.socket.writableLength + frame.length > this.host.maxUnsentBytes) {
      this.closeReason = { code: 'SLOW_READER', message: ErrorCodes.SLOW_READER.message };
      this.socket.destroy();
      return;
    }
    this.bytesOut += frame.length;
    this.socket.write(frame);
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
    for (const payload of payloads) this.work = this.work.then(() => this.onPayload(payload));
  }

  private async onPayload(payload: Buffer): Promise<void> {
    if (this.state === 'closed' || this.closeReason) return;
    let value: unknown;
    try {
      value = decodePayload(payload);
    } catch (error) {
      this.rejectInput(error instanceof PartyPoolError ? error.code : 'BAD_JSON');
      return;
    }
    const parsed = parseClientMessage(value);
    if (!parsed.ok) {
      this.rejectInput('BAD_MESSAGE', `${ErrorCodes.BAD_MESSAGE.message} (${parsed.detail})`, refOf(value));
      return;
    }
    try {
      await this.host.handleMessage(this, parsed.message);
    } catch (error) {
      this.host.logError(this, error);
      this.fail('INTERNAL');
    }
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
