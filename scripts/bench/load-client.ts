// A lean protocol client for the bench and soak scripts: real TLS and frames, login by
// challenge-response, and message frames recognised by prefix so the driver stays cheap.
import tls from 'node:tls';
import { channelBinding, computeProof } from '../../src/crypto/auth-proof.js';
import { deriveKey } from '../../src/crypto/kdf.js';
import { FrameDecoder, encodeFrame } from '../../src/protocol/frame.js';

export const MESSAGE_PREFIX = Buffer.from('{"type":"message"');

export class LoadSession {
  readonly decoder = new FrameDecoder(1024 * 1024);
  private nextId = 1;
  private readonly pendingAcks = new Map<number, () => void>();
  welcomed = false;
  /** The room this session chats in (rooms scenario). */
  room: string | undefined;
  /** The last error code the server answered a request with. */
  lastError: string | undefined;
  /** Server error codes seen after login (rate limits, refusals). */
  readonly errors: string[] = [];

  constructor(
    readonly socket: tls.TLSSocket,
    readonly index: number,
  ) {}

  send(message: unknown): void {
    if (!this.socket.destroyed) this.socket.write(encodeFrame(message));
  }

  say(text: string, room?: string): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pendingAcks.set(id, resolve);
      this.send(room ? { type: 'say', id, text, room } : { type: 'say', id, text });
    });
  }

  command(name: string, args: string): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pendingAcks.set(id, resolve);
      this.send({ type: 'command', id, name, args });
    });
  }

  settle(ref: number): void {
    const done = this.pendingAcks.get(ref);
    this.pendingAcks.delete(ref);
    done?.();
  }

  /** Resolve every outstanding request (the connection is gone). */
  settleAll(): void {
    for (const done of this.pendingAcks.values()) done();
    this.pendingAcks.clear();
  }
}

export interface OpenOptions {
  port: number;
  name: string;
  index: number;
  /** Shared by every session of a process: one key derivation, not one per login. */
  key: (kdf: { salt: string; iterations: number }) => Promise<Buffer>;
  onMessageFrame: (payload: Buffer) => void;
  onClose?: (session: LoadSession) => void;
  /** Protocol versions offered in hello: [1] by default, [1, 2] for rooms. */
  versions?: number[];
}

/** Build a `key` function that derives once per salt and shares the result. */
export function sharedKey(passkey: string): OpenOptions['key'] {
  let key: Promise<Buffer> | undefined;
  return (kdf) => (key ??= deriveKey(passkey, { salt: Buffer.from(kdf.salt, 'base64'), iterations: kdf.iterations }));
}

/** Connect, log in, and resolve with the session and how long the login took. */
export function openSession(options: OpenOptions): Promise<{ session: LoadSession; loginMs: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port: options.port, rejectUnauthorized: false, minVersion: 'TLSv1.3' });
    const session = new LoadSession(socket, options.index);
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(new Error(why));
    };
    const timer = setTimeout(() => fail('login timed out'), 60_000);
    socket.setNoDelay(true);
    socket.on('error', (error: Error) => fail(error.message));
    socket.on('close', () => {
      session.settleAll();
      if (settled) options.onClose?.(session);
      fail('closed');
    });
    socket.once('secureConnect', () => session.send({ type: 'hello', versions: options.versions ?? [1], client: 'bench' }));
    socket.on('data', (chunk: Buffer) => {
      let payloads: Buffer[];
      try {
        payloads = session.decoder.push(chunk);
      } catch (error) {
        fail(String(error));
        return;
      }
      for (const payload of payloads) {
        if (payload.subarray(0, MESSAGE_PREFIX.length).equals(MESSAGE_PREFIX)) {
          options.onMessageFrame(payload);
          continue;
        }
        const message = JSON.parse(payload.toString('utf8')) as Record<string, unknown>;
        switch (message.type) {
          case 'challenge': {
            void (async () => {
              const key = await options.key(message.kdf as { salt: string; iterations: number });
              const input = { role: 'user', name: options.name, nonce: Buffer.from(String(message.nonce), 'base64'), channelBinding: channelBinding(socket) };
              session.send({ type: 'auth', name: options.name, role: 'user', proof: computeProof(key, { ...input, purpose: 'passkey' }) });
            })();
            break;
          }
          case 'welcome':
            settled = true;
            clearTimeout(timer);
            session.welcomed = true;
            resolve({ session, loginMs: performance.now() - started });
            break;
          case 'ping':
            session.send({ type: 'pong' });
            break;
          case 'error':
            if (typeof message.ref === 'number') {
              session.lastError = String(message.code);
              if (session.errors.length < 100) session.errors.push(String(message.code));
              session.settle(message.ref);
            } else fail(`${String(message.code)}: ${String(message.message)}`);
            break;
          default:
            if (typeof message.ref === 'number') session.settle(message.ref);
        }
      }
    });
  });
}
