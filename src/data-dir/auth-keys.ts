// The login keys, derived once at server start from the passkey and the root password.
// Only salts, the iteration count and verifiers are stored (auth.json, mode 0600).
import path from 'node:path';
import { z } from 'zod';
import { PartyPoolError } from '../common/errors.js';
import { deriveKey, keyVerifier, randomBytes, safeEqualText } from '../crypto/kdf.js';
import { config } from '../../config.js';
import { readTextIfExists, writePrivateFile } from './files.js';

export const AUTH_FILE = 'auth.json';

const storedKdfSchema = z.object({ salt: z.string(), iterations: z.int(), verifier: z.string() });
const authFileSchema = z.object({ passkey: storedKdfSchema, root: storedKdfSchema });
type StoredKdf = z.infer<typeof storedKdfSchema>;

export interface DerivedSecret {
  key: Buffer;
  salt: Buffer;
  iterations: number;
}

export interface AuthKeys {
  passkey: DerivedSecret;
  root: DerivedSecret;
}

export interface AuthKeyOptions {
  dataDir: string;
  passkey: string;
  rootPassword: string;
  iterations: number;
  /** Accept secrets that differ from the stored ones and start over with them. */
  replaceSecrets?: boolean;
}

/** Refuse weak or confusable secrets before anything is derived. */
export function checkServerSecrets(passkey: string, rootPassword: string): void {
  if (passkey.length < config.passkey.minLength) {
    throw new PartyPoolError('SECRET_TOO_SHORT', `The passkey must be at least ${config.passkey.minLength} characters long.`);
  }
  if (rootPassword.length < config.passkey.rootMinLength) {
    throw new PartyPoolError('SECRET_TOO_SHORT', `The root password must be at least ${config.passkey.rootMinLength} characters long.`);
  }
  if (rootPassword === passkey) {
    throw new PartyPoolError('SECRET_MISMATCH', 'The root password must differ from the passkey.');
  }
}

async function deriveOne(secret: string, stored: StoredKdf | undefined, iterations: number, what: string): Promise<{ derived: DerivedSecret; record: StoredKdf }> {
  if (stored) {
    const salt = Buffer.from(stored.salt, 'base64');
    const key = await deriveKey(secret, { salt, iterations: stored.iterations });
    if (!safeEqualText(keyVerifier(key), stored.verifier)) {
      throw new PartyPoolError(
        'SECRET_MISMATCH',
        `The ${what} does not match the one this server was set up with. Type it again, or start with --replace-secrets to change it (issued packages then need the new one).`,
      );
    }
    return { derived: { key, salt, iterations: stored.iterations }, record: stored };
  }
  const salt = randomBytes(config.kdf.saltBytes);
  const key = await deriveKey(secret, { salt, iterations });
  return { derived: { key, salt, iterations }, record: { salt: salt.toString('base64'), iterations, verifier: keyVerifier(key) } };
}

/** Validate auth.json's text; a damaged file is one clear error, never a crash or a silent reset. */
function parseAuthFile(file: string, raw: string): z.infer<typeof authFileSchema> {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    json = undefined;
  }
  const parsed = authFileSchema.safeParse(json);
  if (!parsed.success) throw new PartyPoolError('DATA_DIR_UNUSABLE', `${file} is damaged; move it away to start with new secrets.`);
  return parsed.data;
}

/** Derive both login keys (in parallel, off the event loop) and persist their salts. */
export async function loadAuthKeys(options: AuthKeyOptions): Promise<AuthKeys> {
  checkServerSecrets(options.passkey, options.rootPassword);
  const file = path.join(options.dataDir, AUTH_FILE);
  const raw = options.replaceSecrets ? undefined : readTextIfExists(file);
  const stored = raw === undefined ? undefined : parseAuthFile(file, raw);
  const [passkey, root] = await Promise.all([
    deriveOne(options.passkey, stored?.passkey, options.iterations, 'passkey'),
    deriveOne(options.rootPassword, stored?.root, options.iterations, 'root password'),
  ]);
  if (!stored) writePrivateFile(file, JSON.stringify({ passkey: passkey.record, root: root.record }, null, 2) + '\n');
  return { passkey: passkey.derived, root: root.derived };
}

/**
 * Check a passkey against the one this data dir's server was set up with (auth.json), without
 * starting the server: the package builder uses it so nobody issues packages that cannot be opened.
 */
export async function verifyStoredPasskey(dataDir: string, passkey: string): Promise<void> {
  const file = path.join(dataDir, AUTH_FILE);
  const raw = readTextIfExists(file);
  if (raw === undefined) throw new PartyPoolError('SERVER_NOT_SET_UP', `${dataDir} has no server set up yet (no ${AUTH_FILE}); start the server once first, or pass the right --data-dir.`);
  const stored = parseAuthFile(file, raw).passkey;
  const key = await deriveKey(passkey, { salt: Buffer.from(stored.salt, 'base64'), iterations: stored.iterations });
  if (!safeEqualText(keyVerifier(key), stored.verifier)) {
    throw new PartyPoolError('AUTH_FAILED', "Wrong passkey: that is not this server's passkey, and packages sealed with it could not be opened by anyone.");
  }
}

/**
 * Whether `secret` is the passkey (or root password) this data dir's server was set up with;
 * undefined when there is no server set up yet. The menu checks each secret as it is typed, so a
 * mistyped one is asked again on the spot instead of failing after every question.
 */
export async function matchesStoredSecret(dataDir: string, which: 'passkey' | 'root', secret: string): Promise<boolean | undefined> {
  const file = path.join(dataDir, AUTH_FILE);
  const raw = readTextIfExists(file);
  if (raw === undefined) return undefined;
  const stored = parseAuthFile(file, raw)[which];
  const key = await deriveKey(secret, { salt: Buffer.from(stored.salt, 'base64'), iterations: stored.iterations });
  return safeEqualText(keyVerifier(key), stored.verifier);
}
