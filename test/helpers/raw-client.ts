// A protocol-level test client: real TLS, real frames, and full control over what is sent.
// Protocol 3 logins with a password (and every root login) run the OPAQUE exchange here, the way
// a real client does, so tests can say `login(name, { password })` and attack each step by hand.
import tls from 'node:tls';
import { computeProof, channelBinding } from '../../src/crypto/auth-proof.js';
import { deriveKey } from '../../src/crypto/kdf.js';
import { accountBinding, clientFinishLogin, clientFinishRegistration, clientStartLogin, clientStartRegistration, type ClientStart } from '../../src/crypto/opaque.js';
import { signPackageProof } from '../../src/crypto/package-key.js';
import { computePrehash } from '../../src/crypto/password.js';
import { toStretching, type PackageKey } from '../../src/link/login.js';
import type { PrehashParams } from '../../src/protocol/account-exchange.js';
import { encodeFrame } from '../../src/protocol/frame.js';
import { MessageReader } from '../../src/protocol/message-reader.js';
import { parseServerMessage, type ServerMessage } from '../../src/protocol/messages.js';
import { PASSKEY, ROOT_PASSWORD, trackClient, within } from './server.js';

/** What an auth message can carry; `packageKey` signs the package proof (with `packageId`). */
export interface AuthOptions {
  passkey?: string;
  role?: 'user' | 'root';
  rootPassword?: string;
  nonce?: string;
  password?: string;
  register?: boolean;
  resume?: { room: string; lastId: number }[];
  packageId?: string;
  packageKey?: PackageKey;
  /** A migrated account's scrypt parameters: the password's OPAQUE input is its prehash. */
  prehash?: PrehashParams;
}

/** The client's half of an exchange begun by the last auth message. */
interface OpenExchange {
  name: string;
  role: 'user' | 'root';
  input?: string;
  login?: ClientStart;
  registration?: ClientStart;
  password?: string;
  options: AuthOptions;
}

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

  /** The exchange the last auth message began (its OPAQUE state stays here, as in a real client). */
  private exchange: OpenExchange | undefined;

  /**
   * Build an auth message for `name` over the current nonce. Protocol 3: a root login and a
   * password carry KE1 (and, with `register`, a registration request); protocols 1 and 2 get the
   * old fields (`rootProof`, `password`), which a protocol-3 server refuses.
   */
  async authMessage(name: string, options: AuthOptions = {}): Promise<Record<string, unknown>> {
    // Root and passwords need protocol 3: offer it unless the test already chose.
    if (!this.challenge && (options.role === 'root' || options.password !== undefined) && !this.versions.includes(3) && !this.versionsChosen) this.versions = [...this.versions, 3];
    const challenge = this.challenge ?? (await this.hello());
    const role = options.role ?? 'user';
    const key = await keyFor(options.passkey ?? PASSKEY, challenge.kdf);
    const nonce = Buffer.from(options.nonce ?? challenge.nonce, 'base64');
    const input = { role, name, nonce, channelBinding: channelBinding(this.socket) };
    const message: Record<string, unknown> = { type: 'auth', name, role, proof: computeProof(key, { ...input, purpose: 'passkey' }) };
    if (options.packageId !== undefined) message.packageId = options.packageId;
    if (options.packageId !== undefined && options.packageKey) message.packageProof = signPackageProof(options.packageKey.seed, { ...input, packageId: options.packageId, kind: options.packageKey.kind });
    const exchange: OpenExchange = { name, role, options };
    if (challenge.protocol >= 3) {
      const secret = role === 'root' ? (options.rootPassword ?? ROOT_PASSWORD) : options.password;
      if (secret !== undefined) {
        exchange.input = options.prehash ? await computePrehash(secret, { ...options.prehash }) : secret;
        exchange.login = await clientStartLogin(exchange.input);
        exchange.password = secret;
        const account: Record<string, unknown> = { ke1: exchange.login.message };
        if (options.prehash) account.prehashed = true;
        if (options.register && !options.prehash) {
          exchange.registration = await clientStartRegistration(secret);
          account.registrationRequest = exchange.registration.message;
        }
        message.account = account;
      }
    } else {
      if (role === 'root' && challenge.rootKdf) {
        const rootKey = await keyFor(options.rootPassword ?? ROOT_PASSWORD, challenge.rootKdf);
        message.rootProof = computeProof(rootKey, { ...input, purpose: 'root' });
      }
      if (options.password !== undefined) message.password = options.password;
    }
    if (options.register) message.register = true;
    if (options.resume) message.resume = options.resume;
    this.exchange = exchange;
    return message;
  }

  /** Set when a test picked `versions` itself: authMessage then leaves them alone. */
  versionsChosen = false;

  /**
   * Drive the login begun by the last auth message: answer account-challenge (KE3, or "did not
   * open" for a wrong password) and account-registration (the record), and follow a migrated
   * account's PASSWORD_REQUIRED with its prehash. Resolves with the welcome or the error that ended it.
   */
  async finishLogin(from = 0, timeoutMs = 5000): Promise<Extract<ServerMessage, { type: 'welcome' | 'error' }>> {
    for (;;) {
      const index = await this.nextIndex(from, (m) => m.type === 'welcome' || m.type === 'error' || m.type === 'account-challenge' || m.type === 'account-registration', timeoutMs);
      from = index + 1;
      const message = this.received[index];
      const exchange = this.exchange;
      if (!message) throw new Error('the login message went missing');
      if (message.type === 'welcome') return message;
      if (message.type === 'error') {
        if (message.code === 'PASSWORD_REQUIRED' && message.prehash && exchange?.password !== undefined && !exchange.options.prehash && message.nonce) {
          this.send(await this.authMessage(exchange.name, { ...exchange.options, prehash: message.prehash, nonce: message.nonce }));
          continue;
        }
        return message;
      }
      if (message.type === 'account-challenge') {
        if (!exchange?.login || exchange.input === undefined) throw new Error('account-challenge without a login begun');
        const finished = await clientFinishLogin(exchange.login.state, message.ke2, exchange.input, toStretching(message.stretching));
        if (!finished) this.send({ type: 'account-finish' });
        else this.send({ type: 'account-finish', ke3: finished.ke3, binding: accountBinding(finished.sessionKey, { role: exchange.role, name: exchange.name, channelBinding: channelBinding(this.socket) }) });
        continue;
      }
      if (message.type === 'account-registration') {
        if (!exchange?.registration || exchange.password === undefined) throw new Error('account-registration without a registration begun');
        // A test client stretches as little as the server allows (the genuine client has a floor of its own).
        const record = await clientFinishRegistration(exchange.registration.state, message.registrationResponse, exchange.password, toStretching(message.stretching));
        this.send({ type: 'account-record', record, stretching: message.stretching });
      }
    }
  }

  /** Log in and wait for the welcome (an error ending the login fails with its code). */
  async login(name: string, options: AuthOptions = {}): Promise<Extract<ServerMessage, { type: 'welcome' }>> {
    const first = this.received.length;
    this.send(await this.authMessage(name, options));
    const end = await this.finishLoginFrom(first);
    if (end.type === 'error') throw new Error(`login as ${name} failed: ${end.code} (${end.message})`);
    return end;
  }

  /** One login attempt: the welcome's "welcome", or the code of the error that ended it. */
  async attempt(name: string, options: AuthOptions = {}): Promise<string> {
    const first = this.received.length;
    this.send(await this.authMessage(name, options));
    const end = await this.finishLoginFrom(first);
    return end.type === 'welcome' ? 'welcome' : end.code;
  }

  /** Only what arrives after this auth counts (an earlier refusal is history). */
  private finishLoginFrom(first: number): Promise<Extract<ServerMessage, { type: 'welcome' | 'error' }>> {
    return this.finishLogin(first);
  }

  /** Protocol 3, logged in: register this name with `password` (the OPAQUE exchange). Resolves with the final answer. */
  async registerAccount(password: string): Promise<ServerMessage> {
    const started = await clientStartRegistration(password);
    const first = await this.answer(this.command('register', started.message));
    if (first.type !== 'account-registration') return first;
    const record = await clientFinishRegistration(started.state, first.registrationResponse, password, toStretching(first.stretching));
    const id = this.nextId++;
    this.send({ type: 'account-record', id, record, stretching: first.stretching });
    return this.answer(id);
  }

  /** Protocol 3, logged in: /password old -> new. Resolves with the final answer (account, or an error). */
  async changePassword(oldPassword: string, newPassword: string | undefined, options: { prehash?: PrehashParams; flags?: string[] } = {}): Promise<ServerMessage> {
    const input = options.prehash ? await computePrehash(oldPassword, options.prehash) : oldPassword;
    const started = await clientStartLogin(input);
    const flags = [...(options.prehash ? ['prehashed'] : []), ...(options.flags ?? [])];
    const challenge = await this.answer(this.command('password', [started.message, ...flags].join(' ')));
    if (challenge.type !== 'account-challenge') return challenge;
    const finished = await clientFinishLogin(started.state, challenge.ke2, input, toStretching(challenge.stretching));
    const id = this.nextId++;
    if (!finished) {
      this.send({ type: 'account-finish', id });
      return this.answer(id);
    }
    const welcome = this.received.find((m) => m.type === 'welcome');
    const name = welcome?.type === 'welcome' ? welcome.name : '';
    const binding = accountBinding(finished.sessionKey, { role: 'user', name, channelBinding: channelBinding(this.socket) });
    if (newPassword === undefined) {
      // Only prove the current password (what the interactive client asks before the new one).
      this.send({ type: 'account-finish', id, ke3: finished.ke3, binding });
      return this.answer(id);
    }
    const registration = await clientStartRegistration(newPassword);
    this.send({ type: 'account-finish', id, ke3: finished.ke3, binding, registrationRequest: registration.message });
    const response = await this.answer(id);
    if (response.type !== 'account-registration') return response;
    const record = await clientFinishRegistration(registration.state, response.registrationResponse, newPassword, toStretching(response.stretching));
    const last = this.nextId++;
    this.send({ type: 'account-record', id: last, record, stretching: response.stretching });
    return this.answer(last);
  }

  /** The first message (already received or future) that `accept`s. */
  async nextOf(accept: (m: ServerMessage) => boolean, timeoutMs = 5000): Promise<ServerMessage> {
    const index = await this.nextIndex(0, accept, timeoutMs);
    const message = this.received[index];
    if (!message) throw new Error('the message went missing');
    return message;
  }

  /** The index of the first message at or after `from` that `accept`s (waiting for it if need be). */
  private nextIndex(from: number, accept: (m: ServerMessage) => boolean, timeoutMs: number): Promise<number> {
    const found = this.received.findIndex((m, i) => i >= from && accept(m));
    if (found >= 0) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for the login to go on; got ${JSON.stringify(this.received.map((m) => m.type))}`)), timeoutMs);
      timer.unref();
      this.waiters.push({
        accept,
        resolve: () => {
          clearTimeout(timer);
          resolve(this.received.findIndex((m, i) => i >= from && accept(m)));
        },
      });
    });
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

/**
 * Connect offering protocols 1-3 (rooms, accounts and history are protocol 2; proving a password
 * is protocol 3), log in as `name` and wait until the login sync (history, `synced`) is done.
 */
export async function loggedInV2(port: number, name: string, options: AuthOptions = {}): Promise<RawClient> {
  const client = await RawClient.connect(port);
  client.versions = [1, 2, 3];
  await client.login(name, options);
  await client.waitFor('synced');
  return client;
}

/** How one login attempt from an address ended. */
export interface AttemptResult {
  /** "welcome", or the error code that ended it. */
  code: string;
  message: string;
  retryAfterMs?: number;
  /** Refused right after the TLS handshake (a banned or blocked address), before any challenge. */
  refusedEarly: boolean;
  /** Whether the server began an OPAQUE exchange (sent KE2): did password work happen? */
  gotAccountChallenge: boolean;
}

/** One login attempt (protocol 3) from `localAddress`, driven to its end; the connection is closed after. */
export async function attemptFrom(port: number, localAddress: string, name: string, options: AuthOptions = {}): Promise<AttemptResult> {
  const client = await RawClient.connect(port, '127.0.0.1', localAddress);
  try {
    client.versions = [1, 2, 3];
    client.send({ type: 'hello', versions: client.versions, client: 'test' });
    const first = await client.nextOf((m) => m.type === 'challenge' || m.type === 'error');
    if (first.type === 'error') return { code: first.code, message: first.message, refusedEarly: true, gotAccountChallenge: false };
    if (first.type === 'challenge') client.challenge = first;
    const from = client.received.length;
    client.send(await client.authMessage(name, options));
    const end = await client.finishLogin(from);
    const gotAccountChallenge = client.received.some((m) => m.type === 'account-challenge');
    if (end.type === 'welcome') return { code: 'welcome', message: '', refusedEarly: false, gotAccountChallenge };
    return { code: end.code, message: end.message, ...(end.retryAfterMs === undefined ? {} : { retryAfterMs: end.retryAfterMs }), refusedEarly: false, gotAccountChallenge };
  } finally {
    client.destroy();
  }
}
