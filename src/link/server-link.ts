// One TLS connection to the server as a stream of framed, validated messages: bytes stay
// `unknown` until the protocol's schemas parse them.
import { EventEmitter } from 'node:events';
import type tls from 'node:tls';
import { config } from '../../config.js';
import { PartyPoolError, isErrorCode, type ErrorCode } from '../common/errors.js';
import { FrameDecoder, decodePayload, encodeFrame } from '../protocol/frame.js';
import type { PrehashParams } from '../protocol/account-exchange.js';
import { parseServerMessage, type ClientMessage, type ServerMessage } from '../protocol/messages.js';

interface LinkEvents {
  message: [ServerMessage];
  invalid: [string];
  close: [];
}

/** What a protocol-3 refusal may add (issue 11): a migrated account's prehash, when to try again. */
export interface RefusalDetails {
  readonly prehash?: PrehashParams | undefined;
  readonly retryAfterMs?: number | undefined;
}

/** An error reply from the server, as a PartyPoolError carrying the server's code and nonce. */
export class ServerRefusal extends PartyPoolError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly serverCode: string,
    readonly nonce?: string,
    readonly details: RefusalDetails = {},
  ) {
    super(code, message);
  }
}

/** A code from the wire this build does not know is a lost connection, keeping the server's words. */
export function refusalFromServer(code: string, message: string, nonce?: string, details?: RefusalDetails): ServerRefusal {
  return new ServerRefusal(isErrorCode(code) ? code : 'CONNECTION_LOST', message, code, nonce, details);
}

/** A framed, validated message stream over one TLS socket. */
export class ServerLink extends EventEmitter<LinkEvents> {
  // The server's replies are bounded by its own frame limit; a far larger frame is hostile.
  private readonly decoder = new FrameDecoder(config.limits.maxFrameBytes * 16);
  closed = false;
  /** The protocol version the server chose in its challenge (1 until then). */
  protocol = 1;
  /** The server's goodbye, once it sent one (why the connection is ending). */
  goodbye: ServerRefusal | undefined;

  constructor(readonly socket: tls.TLSSocket) {
    super();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.emit('close');
    });
  }

  private onData(chunk: Buffer): void {
    let payloads: Buffer[];
    try {
      payloads = this.decoder.push(chunk);
    } catch {
      this.emit('invalid', 'The server sent a frame that is too large.');
      this.socket.destroy();
      return;
    }
    for (const payload of payloads) {
      let value: unknown;
      try {
        value = decodePayload(payload);
      } catch {
        this.emit('invalid', 'The server sent a frame that is not JSON.');
        continue;
      }
      const parsed = parseServerMessage(value);
      if (parsed.ok && parsed.message.type === 'bye') this.goodbye = refusalFromServer(parsed.message.code, parsed.message.message);
      if (parsed.ok) this.emit('message', parsed.message);
      else this.emit('invalid', `The server sent a message this client does not understand (${parsed.detail}).`);
    }
  }

  send(message: ClientMessage): void {
    if (!this.closed) this.socket.write(encodeFrame(message));
  }

  /** Send a frame encoded already (a file chunk, built without JSON.stringify). */
  sendFrame(frame: Buffer): void {
    if (!this.closed) this.socket.write(frame);
  }

  /** Wait for the next message that satisfies `accept` (or the link closing, or an error reply). */
  next<T extends ServerMessage>(accept: (m: ServerMessage) => m is T, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new PartyPoolError('CONNECT_FAILED', 'The server did not answer in time.')), timeoutMs);
      const onMessage = (message: ServerMessage): void => {
        if (accept(message)) done(undefined, message);
        else if (message.type === 'error' && (message.ref === undefined || message.nonce !== undefined)) done(refusalFromServer(message.code, message.message, message.nonce, { prehash: message.prehash, retryAfterMs: message.retryAfterMs }));
        else if (message.type === 'bye') done(refusalFromServer(message.code, message.message));
      };
      const onClose = (): void => done(new PartyPoolError('CONNECTION_LOST', 'The server closed the connection.'));
      const done = (error?: Error, message?: T): void => {
        clearTimeout(timer);
        this.off('message', onMessage);
        this.off('close', onClose);
        if (error) reject(error);
        else if (message) resolve(message);
      };
      this.on('message', onMessage);
      this.on('close', onClose);
    });
  }

  close(): void {
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }
}
