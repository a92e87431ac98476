// The client's side of the wire: a TLS 1.3 connection pinned to the server's key fingerprint,
// framed and validated, plus the challenge-response login.
import { EventEmitter } from 'node:events';
import tls from 'node:tls';
import { config } from '../../config.js';
import { PartyPoolError, isErrorCode, isPasswordRefusal, type ErrorCode } from '../common/errors.js';
import { channelBinding, computeProof } from '../crypto/auth-proof.js';
import { fingerprintOfPeer, fingerprintsMatch } from '../crypto/fingerprint.js';
import { deriveKey } from '../crypto/kdf.js';
import { FrameDecoder, decodePayload, encodeFrame } from '../protocol/frame.js';
import { parseServerMessage, type AuthMessage, type ChallengeMessage, type ClientMessage, type ServerMessage } from '../protocol/messages.js';

export interface ServerTarget {
  host: string;
  port: number;
}

export interface PinnedTarget {
  targets: ServerTarget[];
  /** Accepted key fingerprints: the current one, and optionally the server's next key. */
  fingerprints: string[];
}

/** Parse "host:port", "[v6]:port" or a bare host (default port). */
export function parseTarget(text: string, defaultPort: number = config.port): ServerTarget {
  const trimmed = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(trimmed);
  const plain = /^([^:\s]+)(?::(\d+))?$/.exec(trimmed);
  const match = bracketed ?? plain;
  const host = match?.[1];
  const port = match?.[2] === undefined ? defaultPort : Number(match[2]);
  if (!host || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new PartyPoolError('USAGE', `"${text}" is not a server address; use HOST:PORT.`);
  }
  return { host, port };
}

function connectOnce(target: ServerTarget, fingerprints: string[], timeoutMs: number): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: target.host,
      port: target.port,
      minVersion: 'TLSv1.3',
      maxVersion: 'TLSv1.3',
      // The certificate is self-signed; trust comes from the pinned key fingerprint below.
      rejectUnauthorized: false,
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new PartyPoolError('CONNECT_FAILED', `Cannot reach ${target.host}:${target.port}: no answer within ${timeoutMs / 1000} s.`));
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const peer = socket.getPeerCertificate(false);
      const actual = peer.raw ? fingerprintOfPeer(peer.raw) : '';
      if (!fingerprints.some((expected) => fingerprintsMatch(expected, actual))) {
        socket.destroy();
        reject(
          new PartyPoolError(
            'IDENTITY_MISMATCH',
            `The server at ${target.host}:${target.port} presented key ${actual || '(none)'}, not the pinned ${fingerprints[0] ?? '(none)'}. ` +
              'Someone may be intercepting the connection, or the server got a new key; check the fingerprint with the admin (or ask for a new package).',
          ),
        );
        return;
      }
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      // The server closes a connection before the TLS handshake when an address opens too many.
      const why = error.code === 'ECONNRESET' ? 'the server closed the connection during the TLS handshake (too many connections from your address? wait a minute)' : (error.code ?? error.message);
      reject(new PartyPoolError('CONNECT_FAILED', `Cannot connect to ${target.host}:${target.port}: ${why}.`, { cause: error }));
    });
  });
}

/** Try each address in order; the first that answers with a pinned key wins. */
export async function openPinnedConnection(pin: PinnedTarget, timeoutMs: number = config.client.connectTimeoutMs): Promise<tls.TLSSocket> {
  let lastError: unknown;
  for (const target of pin.targets) {
    try {
      return await connectOnce(target, pin.fingerprints, timeoutMs);
    } catch (error) {
      // An identity mismatch is never "try the next address": it is an answer.
      if (error instanceof PartyPoolError && error.code === 'IDENTITY_MISMATCH') throw error;
      lastError = error;
    }
  }
  throw lastError instanceof Error ? lastError : new PartyPoolError('CONNECT_FAILED');
}

interface LinkEvents {
  message: [ServerMessage];
  invalid: [string];
  close: [];
}

/** A framed, validated message stream over one TLS socket. */
export class ServerLink extends EventEmitter<LinkEvents> {
  private readonly decoder = new FrameDecoder(config.limits.maxFrameBytes * 16);
  closed = false;
  /** The protocol version the server chose in its challenge (1 until then). */
  protocol = 1;
  /** The server's goodbye, once it sent one (why the connection is ending). */
  goodbye: ServerRefusal | undefined;

  constructor(readonly socket: tls.TLSSocket) {
    super();
    socket.on('data', (chunk: Buffer) => {
      let payloads: Buffer[];
      try {
        payloads = this.decoder.push(chunk);
      } catch {
        this.emit('invalid', 'The server sent a frame that is too large.');
        socket.destroy();
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
        if (parsed.ok && parsed.message.type === 'bye') this.goodbye = errorFromServer(parsed.message.code, parsed.message.message);
        if (parsed.ok) this.emit('message', parsed.message);
        else this.emit('invalid', `The server sent a message this client does not understand (${parsed.detail}).`);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.emit('close');
    });
  }

  send(message: ClientMessage): void {
    if (!this.closed) this.socket.write(encodeFrame(message));
  }

  /** Wait for the next message that satisfies `accept` (or the link closing). */
  next<T extends ServerMessage>(accept: (m: ServerMessage) => m is T, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new PartyPoolError('CONNECT_FAILED', 'The server did not answer in time.')), timeoutMs);
      const onMessage = (message: ServerMessage): void => {
        if (accept(message)) done(undefined, message);
        else if (message.type === 'error' && (message.ref === undefined || message.nonce !== undefined)) done(errorFromServer(message.code, message.message, message.nonce));
        else if (message.type === 'bye') done(errorFromServer(message.code, message.message));
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

/** An error reply from the server, as a PartyPoolError carrying the server's code and nonce. */
export class ServerRefusal extends PartyPoolError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly serverCode: string,
    readonly nonce?: string,
  ) {
    super(code, message);
  }
}

function errorFromServer(code: string, message: string, nonce?: string): ServerRefusal {
  return new ServerRefusal(isErrorCode(code) ? code : 'CONNECTION_LOST', message, code, nonce);
}

export interface Credentials {
  passkey: string;
  rootPassword?: string;
  /** An issued package presents its id, so the server can refuse a revoked package. */
  packageId?: string;
}

/** Derived keys, cached per salt so a reconnect does not pay the KDF again. */
export class KeyCache {
  private readonly keys = new Map<string, Promise<Buffer>>();

  derive(secret: string, kdf: ChallengeMessage['kdf']): Promise<Buffer> {
    if (kdf.iterations < config.kdf.minIterations || kdf.iterations > config.kdf.maxIterations) {
      return Promise.reject(new PartyPoolError('CONNECT_FAILED', `The server asked for ${kdf.iterations} key-derivation rounds, outside the safe range; refusing.`));
    }
    const cacheKey = `${kdf.salt}:${kdf.iterations}:${secret.length}`;
    let key = this.keys.get(cacheKey);
    if (!key) {
      key = deriveKey(secret, { salt: Buffer.from(kdf.salt, 'base64'), iterations: kdf.iterations });
      this.keys.set(cacheKey, key);
    }
    return key;
  }
}

export type Welcome = Extract<ServerMessage, { type: 'welcome' }>;

/** The account side of a login (protocol 2): the name's password, and whether to register it. */
export interface AccountProof {
  password: string;
  register?: boolean;
}

export interface LoginRequest {
  role: 'user' | 'root';
  credentials: Credentials;
  keyCache: KeyCache;
  /** Called for the first name and again after a name is refused; undefined gives up. */
  chooseName: (refusal?: ServerRefusal) => Promise<string | undefined>;
  /**
   * The account password for `name`: called first without a refusal (a password already at
   * hand), then after PASSWORD_REQUIRED / REGISTRATION_REQUIRED / PASSWORD_INVALID; undefined gives up.
   */
  account?: (name: string, refusal?: ServerRefusal) => Promise<AccountProof | undefined>;
  /** The last message id seen per room, for a reconnect to receive exactly what it missed. */
  resume?: () => AuthMessage['resume'];
}

const isChallenge = (m: ServerMessage): m is ChallengeMessage => m.type === 'challenge';
const isWelcome = (m: ServerMessage): m is Welcome => m.type === 'welcome';

/** Say hello, answer the challenge, and retry names the server refuses. */
export async function login(link: ServerLink, request: LoginRequest): Promise<Welcome> {
  link.send({ type: 'hello', versions: [...config.protocolVersions], client: `party-pool/${config.version}` });
  const challenge = await link.next(isChallenge, config.client.connectTimeoutMs);
  link.protocol = challenge.protocol;
  const passkeyKey = await request.keyCache.derive(request.credentials.passkey, challenge.kdf);
  const rootKey = request.role === 'root' && request.credentials.rootPassword !== undefined ? await request.keyCache.derive(request.credentials.rootPassword, challenge.rootKdf) : undefined;
  // The server may have given up on us while the key was being derived (a slow machine): say why.
  if (link.closed || link.socket.destroyed) throw link.goodbye ?? new PartyPoolError('CONNECTION_LOST', 'The server closed the connection during login.');
  const binding = channelBinding(link.socket);
  let nonce = Buffer.from(challenge.nonce, 'base64');
  let refusal: ServerRefusal | undefined;
  let name: string | undefined;
  let account: AccountProof | undefined;
  const accounts = challenge.protocol >= 2 && request.role === 'user' ? request.account : undefined;
  for (;;) {
    if (refusal && name !== undefined && isPasswordRefusal(refusal.serverCode)) {
      // The name is fine; the server wants its password (or a valid one to register it with).
      account = accounts ? await accounts(name, refusal) : undefined;
      if (account === undefined) throw refusal;
    } else {
      name = await request.chooseName(refusal);
      if (name === undefined) throw refusal ?? new PartyPoolError('CANCELLED');
      account = accounts ? await accounts(name) : undefined;
    }
    const input = { role: request.role, name, nonce, channelBinding: binding };
    const resume = challenge.protocol >= 2 ? request.resume?.() : undefined;
    link.send({
      type: 'auth',
      name,
      role: request.role,
      proof: computeProof(passkeyKey, { ...input, purpose: 'passkey' }),
      ...(rootKey ? { rootProof: computeProof(rootKey, { ...input, purpose: 'root' }) } : {}),
      ...(request.credentials.packageId !== undefined ? { packageId: request.credentials.packageId } : {}),
      ...(account ? { password: account.password, ...(account.register ? { register: true } : {}) } : {}),
      ...(resume ? { resume } : {}),
    });
    try {
      return await link.next(isWelcome, config.client.connectTimeoutMs);
    } catch (error) {
      if (error instanceof ServerRefusal && error.nonce && !link.closed) {
        refusal = error;
        nonce = Buffer.from(error.nonce, 'base64');
        continue;
      }
      throw error;
    }
  }
}
