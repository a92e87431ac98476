// A protocol-level test client: real TLS, real frames, and full control over what is sent.
import tls from 'node:tls';
import { computeProof, channelBinding } from '../../src/crypto/auth-proof.js';
import { deriveKey } from '../../src/crypto/kdf.js';
import { encodeFrame } from '../../src/protocol/frame.js';
import { MessageReader } from '../../src/protocol/message-reader.js';
import { parseServerMessage, type ServerMessage } from '../../src/protocol/messages.js';
import { PASSKEY, ROOT_PASSWORD, trackClient, within } from './server.js';

type Challenge = Extract<ServerMessage, { type: 'challenge' }>;

const keyCache = new Map<string, Promise<Buffer>>();

/** Derive (once per salt and secret) the key a client would. */
export function keyFor(secret: string, kdf: Challenge['kdf']): Promise<Buffer> {
  const id = `${secret}:${kdf.salt}:${kdf.iterations}`;
  let key = keyCache.get(id);
  if (!key) {
    key = deriveKey(secret, { salt: Buffer.from(kdf.salt, 'base64'), iterations: kdf.iterations });
    keyCache.set(id, key);
  }
  return key;
}

export class RawClient {
  readonly received: ServerMessage[] = [];
  private readonly reader = new MessageReader(parseServerMessage, 16 * 1024 * 1024);
  private waiters: { accept: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }[] = [];
  closed = false;
  readonly closedPromise: Promise<void>;
  challenge: Challenge | undefined;
  private nextId = 1;

  private constructor(readonly socket: tls.TLSSocket) {
    socket.on('data', (chunk: Buffer) => {
      for (const payload of this.reader.push(chunk)) {
        const parsed = this.reader.read(payload);
        if (!parsed.ok) throw new Error(`server sent an invalid message: ${parsed.message}`);
        this.received.push(parsed.message);
        if (parsed.message.type === 'ping') this.send({ type: 'pong' });
        for (const waiter of [...this.waiters]) {
          if (waiter.accept(parsed.message)) {
            this.waiters = this.waiters.filter((w) => w !== waiter);
            waiter.resolve(parsed.message);
          }
        }
      }
    });
    socket.on('error', () => undefined);
    trackClient(socket);
    this.closedPromise = new Promise((resolve) => socket.on('close', () => ((this.closed = true), resolve())));
  }

  /** `localAddress` (e.g. 127.0.0.2 on Linux) makes the server see another address. */
  static connect(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host, port, rejectUnauthorized: false, minVersion: 'TLSv1.3', ...(localAddress ? { localAddress } : {}) }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.socket.write(encodeFrame(message));
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Resolve with the first message (already received or future) matching `accept`. */
  waitFor<T extends ServerMessage['type']>(type: T, accept: (m: Extract<ServerMessage, { type: T }>) => boolean = () => true, timeoutMs = 5000): Promise<Extract<ServerMessage, { type: T }>> {
    const matches = (m: ServerMessage): boolean => m.type === type && accept(m as Extract<ServerMessage, { type: T }>);
    const seen = this.received.find(matches);
    if (seen) return Promise.resolve(seen as Extract<ServerMessage, { type: T }>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${type}; got ${JSON.stringify(this.received.map((m) => m.type))}`)), timeoutMs);
      // A wait on a dead connection must not keep the test process alive by itself.
      timer.unref();
      this.waiters.push({
        accept: matches,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m as Extract<ServerMessage, { type: T }>);
        },
      });
    });
  }

  /** Protocol versions this client offers in hello (protocol 1 unless a test asks for more). */
  versions: number[] = [1];

  async hello(): Promise<Challenge> {
    this.send({ type: 'hello', versions: this.versions, client: 'test' });
    this.challenge = await this.waitFor('challenge');
    return this.challenge;
  }

  /** Build an auth message for `name` over the current nonce. */
  async authMessage(
    name: string,
    options: { passkey?: string; role?: 'user' | 'root'; rootPassword?: string; nonce?: string; password?: string; register?: boolean; resume?: { room: string; lastId: number }[] } = {},
  ): Promise<Record<string, unknown>> {
    const challenge = this.challenge ?? (await this.hello());
    const role = options.role ?? 'user';
    const key = await keyFor(options.passkey ?? PASSKEY, challenge.kdf);
    const input = { role, name, nonce: Buffer.from(options.nonce ?? challenge.nonce, 'base64'), channelBinding: channelBinding(this.socket) };
    const message: Record<string, unknown> = { type: 'auth', name, role, proof: computeProof(key, { ...input, purpose: 'passkey' }) };
    if (role === 'root') {
      const rootKey = await keyFor(options.rootPassword ?? ROOT_PASSWORD, challenge.rootKdf);
      message.rootProof = computeProof(rootKey, { ...input, purpose: 'root' });
    }
    if (options.password !== undefined) message.password = options.password;
    if (options.register) message.register = true;
    if (options.resume) message.resume = options.resume;
    return message;
  }

  /** Log in and wait for the welcome. */
  async login(name: string, options: Parameters<RawClient['authMessage']>[1] = {}): Promise<Extract<ServerMessage, { type: 'welcome' }>> {
    this.send(await this.authMessage(name, options));
    return this.waitFor('welcome');
  }

  say(text: string): number {
    const id = this.nextId++;
    this.send({ type: 'say', id, text });
    return id;
  }

  command(name: string, args = ''): number {
    const id = this.nextId++;
    this.send({ type: 'command', id, name, args });
    return id;
  }

  /** Wait for any message carrying `ref` (ack, error or a command's answer). */
  answer(ref: number, timeoutMs = 5000): Promise<ServerMessage> {
    const seen = this.received.find((m) => 'ref' in m && m.ref === ref);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer to ${ref}; got ${JSON.stringify(this.received)}`)), timeoutMs);
      timer.unref();
      this.waiters.push({
        accept: (m) => 'ref' in m && m.ref === ref,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }

  /** Resolves once the connection is closed; fails after `timeoutMs`. */
  gone(timeoutMs = 5000): Promise<void> {
    return within(this.closedPromise, timeoutMs, 'the connection to close');
  }

  close(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** Connect and log in as `name` (from `localAddress` when given). */
export async function loggedIn(port: number, name: string, localAddress?: string): Promise<RawClient> {
  const client = await RawClient.connect(port, '127.0.0.1', localAddress);
  await client.login(name);
  return client;
}

/** Connect with protocol 2, log in as `name` and wait until the login sync (history, `synced`) is done. */
export async function loggedInV2(port: number, name: string, options: Parameters<RawClient['authMessage']>[1] = {}): Promise<RawClient> {
  const client = await RawClient.connect(port);
  client.versions = [1, 2];
  await client.login(name, options);
  await client.waitFor('synced');
  return client;
}
