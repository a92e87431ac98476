// The client's side of the login handshake: hello, the server's challenge, a proof of the
// passkey bound to this TLS channel (and, from an issued package, a proof of its package key),
// retries when the server refuses a name or wants the name's password, and in protocol 3 the
// OPAQUE exchange for a registered name or root (issue 11): the password itself never leaves this
// program. A server that does not speak protocol 3 gets no password of any kind: a forged server
// that pretends to be older learns nothing by it.
import { config } from '../../config.js';
import { PartyPoolError, isPasswordRefusal } from '../common/errors.js';
import { channelBinding, computeProof } from '../crypto/auth-proof.js';
import { deriveKey } from '../crypto/kdf.js';
import { accountBinding, clientFinishLogin, clientFinishRegistration, clientStartLogin, clientStartRegistration, type Stretching } from '../crypto/opaque.js';
import { signPackageProof } from '../crypto/package-key.js';
import { computePrehash } from '../crypto/password.js';
import { OPAQUE_PROTOCOL_VERSION, strongerStretching, type PrehashParams, type StretchingParams } from '../protocol/account-exchange.js';
import type { AuthMessage, ChallengeMessage, ServerMessage, ServerMessageOf } from '../protocol/messages.js';
import { checkPassword } from '../protocol/passwords.js';
import type { PackageKind } from '../protocol/sealed-file.js';
import { ServerRefusal, type ServerLink } from './server-link.js';

/** An issued package's own secret (sealed inside it): it signs each login and is never sent. */
export interface PackageKey {
  kind: PackageKind;
  seed: Buffer;
}

export interface Credentials {
  passkey: string;
  rootPassword?: string;
  /** An issued package presents its id, so the server can refuse a revoked package. */
  packageId?: string;
  /** ...and proves it is that package (packages issued before package keys have none). */
  packageKey?: PackageKey;
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

/** How a login ended well, and what the client should do next about the account. */
export interface LoginResult {
  welcome: Welcome;
  /**
   * Set when a migrated account logged in over its old scrypt hash: the client should register
   * a fresh record with the password now (ChatClient does), so the account gets full OPAQUE.
   */
  migrated?: { password: string; prehashInput: string; prehash: PrehashParams };
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
  /** The least Argon2id a new password is stretched with, whatever the server asks (default: config.login.keyStretching). */
  stretchingFloor?: Stretching;
  /**
   * Protocol 3 (direct messages): this device's key and delivery cursor for the server `serverId`
   * and the name about to be tried; undefined sends none (direct messages off for the session).
   */
  direct?: (serverId: string, name: string) => Promise<Pick<AuthMessage, 'device' | 'directAfter'> | undefined>;
}

const isChallenge = (m: ServerMessage): m is ChallengeMessage => m.type === 'challenge';
type LoginStep = Welcome | ServerMessageOf<'account-challenge'> | ServerMessageOf<'account-registration'>;
const isLoginStep = (m: ServerMessage): m is LoginStep => m.type === 'welcome' || m.type === 'account-challenge' || m.type === 'account-registration';
const isWelcome = (m: ServerMessage): m is Welcome => m.type === 'welcome';

/** The server's Argon2id parameters as the library takes them (the schema already bounds them). */
export function toStretching(params: StretchingParams): Stretching {
  return { memory: params.memory, iterations: params.iterations, parallelism: params.parallelism };
}

/**
 * How a new record is stretched: at least the server's minimum and at least this program's own
 * floor, so a forged server cannot ask for a record that is cheap to attack offline.
 */
export function registrationStretching(serverMinimum: StretchingParams, floor: Stretching = config.login.keyStretching): StretchingParams {
  return strongerStretching(floor, serverMinimum);
}

/** The OPAQUE input for a password: itself, or a migrated account's scrypt prehash of it. */
async function passwordInput(password: string, prehash: PrehashParams | undefined): Promise<string> {
  if (!prehash) return password;
  try {
    return await computePrehash(password, prehash);
  } catch {
    throw new PartyPoolError('CONNECT_FAILED', 'The server asked for password parameters outside the safe range; refusing.');
  }
}

function tooOld(what: string): PartyPoolError {
  return new PartyPoolError('PROTOCOL_VERSION', `The server does not speak protocol ${OPAQUE_PROTOCOL_VERSION}, so this program will not prove ${what} to it (older protocols send it). Ask the admin to update the server.`);
}

/** Say hello, answer the challenge, retry names the server refuses, and run the account's OPAQUE exchange. */
export async function login(link: ServerLink, request: LoginRequest): Promise<LoginResult> {
  link.send({ type: 'hello', versions: [...config.protocolVersions], client: `party-pool/${config.version}` });
  const challenge = await link.next(isChallenge, config.client.connectTimeoutMs);
  link.protocol = challenge.protocol;
  const opaque = challenge.protocol >= OPAQUE_PROTOCOL_VERSION;
  if (request.role === 'root' && !opaque) throw tooOld('the root password');
  const passkeyKey = await request.keyCache.derive(request.credentials.passkey, challenge.kdf);
  // The server may have given up on us while the key was being derived (a slow machine): say why.
  if (link.closed || link.socket.destroyed) throw link.goodbye ?? new PartyPoolError('CONNECTION_LOST', 'The server closed the connection during login.');
  const binding = channelBinding(link.socket);
  const packageKey = opaque ? request.credentials.packageKey : undefined;
  let nonce = Buffer.from(challenge.nonce, 'base64');
  let refusal: ServerRefusal | undefined;
  let name: string | undefined;
  let account: AccountProof | undefined;
  /** A migrated account's scrypt parameters, once the server named them. */
  let prehash: PrehashParams | undefined;
  const accounts = challenge.protocol >= 2 && request.role === 'user' ? request.account : undefined;
  for (;;) {
    const inputChanged = refusal !== undefined && (refusal.details.prehash !== undefined) !== (prehash !== undefined);
    if (refusal && name !== undefined && refusal.serverCode === 'PASSWORD_REQUIRED' && account !== undefined && inputChanged) {
      // The same password, over the input this account uses (a migrated account's prehash, or not).
      prehash = refusal.details.prehash;
    } else if (refusal && name !== undefined && isPasswordRefusal(refusal.serverCode)) {
      // The name is fine; the server wants its password (or a valid one to register it with).
      account = accounts ? await accounts(name, refusal) : undefined;
      if (account === undefined) throw refusal;
      prehash = refusal.details.prehash;
    } else {
      name = await request.chooseName(refusal);
      if (name === undefined) throw refusal ?? new PartyPoolError('CANCELLED');
      account = accounts ? await accounts(name) : undefined;
      prehash = undefined;
    }
    if (account !== undefined && !opaque) throw tooOld('a password');
    if (account?.register && checkPassword(account.password, config.accounts.passwordMinLength, config.accounts.passwordMaxLength)) throw new PartyPoolError('PASSWORD_INVALID');
    const secret = request.role === 'root' ? request.credentials.rootPassword : account?.password;
    const input = secret === undefined ? undefined : request.role === 'root' ? secret : await passwordInput(secret, prehash);
    const loginStart = input === undefined ? undefined : await clientStartLogin(input);
    const registration = account?.register && prehash === undefined ? await clientStartRegistration(account.password) : undefined;
    const proofInput = { role: request.role, name, nonce, channelBinding: binding };
    const resume = challenge.protocol >= 2 ? request.resume?.() : undefined;
    const packageId = request.credentials.packageId;
    const direct = challenge.protocol >= 3 && challenge.serverId !== undefined && request.role === 'user' ? await request.direct?.(challenge.serverId, name) : undefined;
    link.send({
      type: 'auth',
      name,
      role: request.role,
      proof: computeProof(passkeyKey, { ...proofInput, purpose: 'passkey' }),
      ...(packageId !== undefined ? { packageId } : {}),
      ...(packageId !== undefined && packageKey ? { packageProof: signPackageProof(packageKey.seed, { ...proofInput, packageId, kind: packageKey.kind }) } : {}),
      ...(loginStart || registration
        ? { account: { ...(loginStart ? { ke1: loginStart.message } : {}), ...(prehash ? { prehashed: true } : {}), ...(registration ? { registrationRequest: registration.message } : {}) } }
        : {}),
      ...(account?.register ? { register: true } : {}),
      ...(resume ? { resume } : {}),
      ...(direct ?? {}),
    });
    try {
      const step = await link.next(isLoginStep, config.client.connectTimeoutMs);
      if (step.type === 'welcome') return { welcome: step };
      if (step.type === 'account-challenge') {
        if (!loginStart || input === undefined) throw new PartyPoolError('CONNECT_FAILED', 'The server asked for a password proof this program did not offer.');
        const finished = await clientFinishLogin(loginStart.state, step.ke2, input, toStretching(step.stretching));
        // A wrong password, or a server without this account's record (a forged one): say so and send nothing that depends on it.
        if (!finished) link.send({ type: 'account-finish' });
        else link.send({ type: 'account-finish', ke3: finished.ke3, binding: accountBinding(finished.sessionKey, { role: request.role, name, channelBinding: binding }) });
        const welcome = await link.next(isWelcome, config.client.connectTimeoutMs);
        return prehash && account ? { welcome, migrated: { password: account.password, prehashInput: input, prehash } } : { welcome };
      }
      if (!registration || !account) throw new PartyPoolError('CONNECT_FAILED', 'The server asked for a registration this program did not offer.');
      const stretching = registrationStretching(step.stretching, request.stretchingFloor);
      const record = await clientFinishRegistration(registration.state, step.registrationResponse, account.password, toStretching(stretching));
      link.send({ type: 'account-record', record, stretching });
      return { welcome: await link.next(isWelcome, config.client.connectTimeoutMs) };
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
