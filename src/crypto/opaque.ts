// Account and root passwords by OPAQUE (RFC 9807), through @serenity-kit/opaque (Facebook's
// opaque-ke compiled to WebAssembly: ristretto255, 3DH, Argon2id as the key-stretching function).
// The password never leaves the client; the server keeps a registration record and one server
// setup. Every string here is the library's base64url. The library is loaded on first use (it
// compiles its WebAssembly then), so programs that never log in with a password do not pay for it.
import crypto from 'node:crypto';
import { Worker } from 'node:worker_threads';
import type * as OpaqueModule from '@serenity-kit/opaque';
import { lengthPrefixed } from '../common/length-prefixed.js';

type OpaqueLibrary = typeof OpaqueModule;

let library: Promise<OpaqueLibrary> | undefined;

function opaque(): Promise<OpaqueLibrary> {
  library ??= import('@serenity-kit/opaque').then(async (loaded) => {
    await loaded.ready;
    return loaded;
  });
  return library;
}

/** Argon2id parameters the password is stretched with on the client: memory in KiB, passes, lanes. */
export interface Stretching {
  readonly memory: number;
  readonly iterations: number;
  readonly parallelism: number;
}

/** The library's "memory-constrained" default (RFC 9106's second recommendation): 64 MiB, 3 passes, 4 lanes. */
export const DEFAULT_STRETCHING: Stretching = { memory: 65_536, iterations: 3, parallelism: 4 };
/** For inputs that are already the output of a slow function (a migrated scrypt hash). */
export const MINIMAL_STRETCHING: Stretching = { memory: 8, iterations: 1, parallelism: 1 };

function keyStretching(stretching: Stretching): { 'argon2id-custom': { memory: number; iterations: number; parallelism: number } } {
  return { 'argon2id-custom': { memory: stretching.memory, iterations: stretching.iterations, parallelism: stretching.parallelism } };
}

/** Passwords are compared as typed in any Unicode normal form (as the scrypt hashes were). */
function normalized(input: string): string {
  return input.normalize('NFC');
}

// ---- Client side ----

export interface ClientStart {
  /** Secret: stays on the client until finish. */
  readonly state: string;
  /** The message for the server (KE1, or the registration request): a blinded value, independent of the password. */
  readonly message: string;
}

/** Begin a login: KE1 over `input` (the password, or a migrated account's prehash). */
export async function clientStartLogin(input: string): Promise<ClientStart> {
  const lib = await opaque();
  const started = lib.client.startLogin({ password: normalized(input) });
  return { state: started.clientLoginState, message: started.startLoginRequest };
}

export interface ClientLogin {
  /** KE3 for the server. */
  readonly ke3: string;
  /** Shared with the server only if both ran OPAQUE with the right record. */
  readonly sessionKey: Buffer;
}

/**
 * Finish a login with the server's KE2. Undefined when the envelope does not open: a wrong
 * password, or a server that does not hold this account's record (a forged server) — the
 * client then sends nothing that depends on the password.
 */
export async function clientFinishLogin(state: string, ke2: string, input: string, stretching: Stretching): Promise<ClientLogin | undefined> {
  const lib = await opaque();
  let finished;
  try {
    finished = lib.client.finishLogin({ clientLoginState: state, loginResponse: ke2, password: normalized(input), keyStretching: keyStretching(stretching) });
  } catch {
    return undefined;
  }
  if (!finished) return undefined;
  return { ke3: finished.finishLoginRequest, sessionKey: Buffer.from(finished.sessionKey, 'base64url') };
}

/** Begin a registration (a new account, a new password): the request is a blinded value. */
export async function clientStartRegistration(input: string): Promise<ClientStart> {
  const lib = await opaque();
  const started = lib.client.startRegistration({ password: normalized(input) });
  return { state: started.clientRegistrationState, message: started.registrationRequest };
}

/** Finish a registration: the record the server keeps (no password, no hash of it the server could test alone). */
export async function clientFinishRegistration(state: string, response: string, input: string, stretching: Stretching): Promise<string> {
  const lib = await opaque();
  return lib.client.finishRegistration({ clientRegistrationState: state, registrationResponse: response, password: normalized(input), keyStretching: keyStretching(stretching) }).registrationRecord;
}

// ---- Server side ----

/** A new server setup: the OPRF seed and the server's long-term key pair (a secret of the data dir). */
export async function createServerSetup(): Promise<string> {
  return (await opaque()).server.createSetup();
}

/** The server setup's public key (what a client sees of it), or undefined for a damaged setup. */
export async function serverPublicKey(setup: string): Promise<string | undefined> {
  try {
    return (await opaque()).server.getPublicKey(setup);
  } catch {
    return undefined;
  }
}

export interface ServerLoginStart {
  /** Kept by the server until KE3 arrives. */
  readonly state: string;
  readonly ke2: string;
}

/** Answer KE1 for the credential `id` and its record; undefined when KE1 (or the record) is malformed. */
export async function serverStartLogin(setup: string, id: string, record: string, ke1: string): Promise<ServerLoginStart | undefined> {
  const lib = await opaque();
  try {
    const started = lib.server.startLogin({ serverSetup: setup, userIdentifier: id, registrationRecord: record, startLoginRequest: ke1 });
    return { state: started.serverLoginState, ke2: started.loginResponse };
  } catch {
    return undefined;
  }
}

/** Check KE3: the session key when the client opened the record (knew the password), else undefined. */
export async function serverFinishLogin(state: string, ke3: string): Promise<Buffer | undefined> {
  const lib = await opaque();
  try {
    return Buffer.from(lib.server.finishLogin({ serverLoginState: state, finishLoginRequest: ke3 }).sessionKey, 'base64url');
  } catch {
    return undefined;
  }
}

/** Answer a registration request for the credential `id`; undefined when the request is malformed. */
export async function serverRegistrationResponse(setup: string, id: string, request: string): Promise<string | undefined> {
  const lib = await opaque();
  try {
    return lib.server.createRegistrationResponse({ serverSetup: setup, userIdentifier: id, registrationRequest: request }).registrationResponse;
  } catch {
    return undefined;
  }
}

/**
 * Both halves of a registration on one machine: the server makes a record for `input` itself
 * (the root password at setup, a migrated scrypt hash). Nothing but the record is kept.
 */
export async function registerLocally(setup: string, id: string, input: string, stretching: Stretching): Promise<string> {
  const started = await clientStartRegistration(input);
  const response = await serverRegistrationResponse(setup, id, started.message);
  if (response === undefined) throw new Error('the OPAQUE library refused its own registration request');
  return clientFinishRegistration(started.state, response, input, stretching);
}

/** What registerInWorker hands its thread. */
export interface LocalRegistration {
  readonly setup: string;
  readonly id: string;
  readonly input: string;
  readonly stretching: Stretching;
}

/**
 * registerLocally on a short-lived worker thread (opaque-worker.ts), for a long-running process:
 * the stretching's 64 MiB of WebAssembly memory goes with the thread instead of staying resident.
 * The password crosses to the thread in memory only.
 */
export async function registerInWorker(setup: string, id: string, input: string, stretching: Stretching): Promise<string> {
  const worker = new Worker(new URL('./opaque-worker.js', import.meta.url), { workerData: { setup, id, input, stretching } satisfies LocalRegistration });
  try {
    return await new Promise<string>((resolve, reject) => {
      worker.once('message', (message: unknown) => (typeof message === 'string' ? resolve(message) : reject(new Error('the OPAQUE worker answered nothing usable'))));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the OPAQUE worker stopped (exit ${code}) before answering`)));
    });
  } finally {
    await worker.terminate();
  }
}

// ---- Binding a login to its TLS channel ----

export interface BindingInput {
  role: string;
  name: string;
  /** The TLS exporter of this connection (auth-proof.ts channelBinding). */
  channelBinding: Buffer;
}

/**
 * A MAC under the OPAQUE session key over the TLS channel's exported keying material: the
 * library exposes no OPAQUE context, so the channel is bound here. A relay (forged package ->
 * its server -> the real server) has a different TLS session on each side and cannot make it.
 */
export function accountBinding(sessionKey: Buffer, input: BindingInput): string {
  const message = lengthPrefixed([Buffer.from('party-pool/v3 account binding'), Buffer.from(input.role), Buffer.from(input.name), input.channelBinding]);
  return crypto.createHmac('sha256', sessionKey).update(message).digest('base64');
}

/** Recompute and compare in constant time. */
export function verifyAccountBinding(sessionKey: Buffer, input: BindingInput, binding: string): boolean {
  const expected = Buffer.from(accountBinding(sessionKey, input), 'base64');
  const given = Buffer.from(binding, 'base64');
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}
