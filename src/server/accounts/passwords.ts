// The server's half of OPAQUE, for the root password and for accounts: answer KE1 with KE2,
// check KE3 and the channel binding, answer a registration request. Everything that costs more
// than a hash runs through the bounded login work (abuse/login-work.ts) and is skipped when the
// connection has gone by its turn.
import type { LoginLimits } from '../../common/settings.js';
import { serverFinishLogin, serverRegistrationResponse, serverStartLogin, verifyAccountBinding, type BindingInput, type Stretching } from '../../crypto/opaque.js';
import { ROOT_CREDENTIAL_ID, type OpaqueKeys } from '../../data-dir/auth-keys.js';
import { stretchingAtLeast, type StretchingParams } from '../../protocol/account-exchange.js';
import type { LoginWork } from '../abuse/login-work.js';
import type { Session } from '../session/session.js';

/** A credential a login is checked against: the root password's, or an account's. */
export interface Credential {
  id: string;
  record: string;
  stretching: Stretching;
}

/** A work step's outcome: its value, the connection gone meanwhile, or an input the library refused. */
export type WorkResult<T> = { ok: true; value: T } | { ok: false; why: 'gone' | 'malformed' };

/** Argon2id parameters as the wire names them. */
export function stretchingParams(stretching: Stretching): StretchingParams {
  return { algorithm: 'argon2id', memory: stretching.memory, iterations: stretching.iterations, parallelism: stretching.parallelism };
}

export class Passwords {
  constructor(
    private readonly keys: OpaqueKeys,
    readonly work: LoginWork,
    private readonly limits: Pick<LoginLimits, 'keyStretching'>,
  ) {}

  /** The root password's credential. */
  get root(): Credential {
    return { id: ROOT_CREDENTIAL_ID, record: this.keys.root.record, stretching: this.keys.root.stretching };
  }

  /** The least stretching a new password's record may have (clients may use more). */
  get stretching(): Stretching {
    return this.limits.keyStretching;
  }

  /** The stretching a client says it used for a new record, if it is at least this server's minimum. */
  acceptedStretching(params: StretchingParams): Stretching | undefined {
    const given = { memory: params.memory, iterations: params.iterations, parallelism: params.parallelism };
    return stretchingAtLeast(given, this.stretching) ? given : undefined;
  }

  /** KE2 for `ke1` against `credential`, in the login work's turn. */
  async startLogin(session: Session, credential: Credential, ke1: string): Promise<WorkResult<{ state: string; ke2: string }>> {
    const done = await this.work.run(session, () => serverStartLogin(this.keys.serverSetup, credential.id, credential.record, ke1));
    if (!done.ran) return { ok: false, why: 'gone' };
    return done.value ? { ok: true, value: done.value } : { ok: false, why: 'malformed' };
  }

  /** Whether KE3 proves the password and the binding ties it to this TLS channel (cheap: no queue). */
  async finishLogin(state: string, ke3: string | undefined, binding: string | undefined, channel: BindingInput): Promise<boolean> {
    if (ke3 === undefined || binding === undefined) return false;
    const sessionKey = await serverFinishLogin(state, ke3);
    return sessionKey !== undefined && verifyAccountBinding(sessionKey, channel, binding);
  }

  /** The registration response for `request`, bound to the credential id `id`. */
  async registrationResponse(session: Session, id: string, request: string): Promise<WorkResult<string>> {
    const done = await this.work.run(session, () => serverRegistrationResponse(this.keys.serverSetup, id, request));
    if (!done.ran) return { ok: false, why: 'gone' };
    return done.value === undefined ? { ok: false, why: 'malformed' } : { ok: true, value: done.value };
  }
}
