// The client's side of the login handshake: hello, the server's challenge, a proof of the
// passkey (and root password) bound to this TLS channel, and retries when the server refuses
// a name or wants the name's password.
import { config } from '../../config.js';
import { PartyPoolError, isPasswordRefusal } from '../common/errors.js';
import { channelBinding, computeProof } from '../crypto/auth-proof.js';
import { deriveKey } from '../crypto/kdf.js';
import type { AuthMessage, ChallengeMessage, ServerMessage } from '../protocol/messages.js';
import { ServerRefusal, type ServerLink } from './server-link.js';

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
  /**
   * Protocol 3 (direct messages): this device's key and delivery cursor for the server `serverId`
   * and the name about to be tried; undefined sends none (direct messages off for the session).
   */
  direct?: (serverId: string, name: string) => Promise<Pick<AuthMessage, 'device' | 'directAfter'> | undefined>;
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
    const direct = challenge.protocol >= 3 && challenge.serverId !== undefined && request.role === 'user' ? await request.direct?.(challenge.serverId, name) : undefined;
    link.send({
      type: 'auth',
      name,
      role: request.role,
      proof: computeProof(passkeyKey, { ...input, purpose: 'passkey' }),
      ...(rootKey ? { rootProof: computeProof(rootKey, { ...input, purpose: 'root' }) } : {}),
      ...(request.credentials.packageId !== undefined ? { packageId: request.credentials.packageId } : {}),
      ...(account ? { password: account.password, ...(account.register ? { register: true } : {}) } : {}),
      ...(resume ? { resume } : {}),
      ...(direct ?? {}),
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
