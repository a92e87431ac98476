// Sealing bytes under a passkey: AES-256-GCM with a key derived from the passkey
// (PBKDF2-HMAC-SHA256, random salt), plus a check value that tells a wrong passkey from damaged
// data. Only bytes live here; the file around them (JSON, base64, what the additional data binds)
// is protocol/sealed-file.ts, and link/packaged-server.ts puts the two together.
import crypto from 'node:crypto';
import { PartyPoolError } from '../common/errors.js';
import { deriveKey } from './kdf.js';

export const SEAL_SALT_BYTES = 16;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** What sealing produces besides the salt the caller chose. */
export interface SealedBytes {
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
  /** Tells a wrong passkey from damaged data; it reveals no more than the GCM tag already does. */
  check: Buffer;
}

export interface SealParams {
  salt: Buffer;
  iterations: number;
  /** Bound to the ciphertext: changing any of it makes opening fail. */
  additionalData: Buffer;
}

export interface OpenLimits {
  minIterations: number;
  maxIterations: number;
}

/** A fresh random salt for one seal (the caller needs it first: the additional data may bind it). */
export function newSealSalt(): Buffer {
  return crypto.randomBytes(SEAL_SALT_BYTES);
}

function subKeys(master: Buffer): { encryption: Buffer; check: Buffer } {
  const expand = (info: string): Buffer => Buffer.from(crypto.hkdfSync('sha256', master, Buffer.alloc(0), info, 32));
  return { encryption: expand('party-pool/v1 seal key'), check: expand('party-pool/v1 seal check') };
}

/** Encrypt `plaintext` under a key derived from `passkey`. */
export async function sealBytes(plaintext: Buffer, passkey: string, params: SealParams): Promise<SealedBytes> {
  const keys = subKeys(await deriveKey(passkey, { salt: params.salt, iterations: params.iterations }));
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', keys.encryption, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(params.additionalData);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return { iv, ciphertext, tag: cipher.getAuthTag(), check: keys.check };
}

/** Sealed data that was altered or damaged (PACKAGE_DAMAGED); `why` says what gave it away. */
export class SealDamaged extends PartyPoolError {
  constructor(readonly why: string) {
    super('PACKAGE_DAMAGED', `The sealed data is damaged or was altered (${why}).`);
  }
}

const damaged = (why: string): SealDamaged => new SealDamaged(why);

/**
 * Decrypt sealed bytes. A wrong passkey is AUTH_FAILED ("Wrong passkey."); anything altered
 * (additional data, ciphertext, tag, a KDF cost outside the safe range) is PACKAGE_DAMAGED.
 */
export async function openBytes(sealed: SealedBytes, passkey: string, params: SealParams, limits: OpenLimits): Promise<Buffer> {
  // A file asking for a huge iteration count would be a CPU trap; a tiny one a weakened seal.
  if (params.iterations < limits.minIterations || params.iterations > limits.maxIterations) throw damaged('unexpected key-derivation cost');
  if (params.salt.length !== SEAL_SALT_BYTES || sealed.iv.length !== IV_BYTES || sealed.tag.length !== TAG_BYTES) throw damaged('bad field sizes');
  const keys = subKeys(await deriveKey(passkey, { salt: params.salt, iterations: params.iterations }));
  if (sealed.check.length !== keys.check.length || !crypto.timingSafeEqual(sealed.check, keys.check)) throw new PartyPoolError('AUTH_FAILED');
  const decipher = crypto.createDecipheriv('aes-256-gcm', keys.encryption, sealed.iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(params.additionalData);
  decipher.setAuthTag(sealed.tag);
  try {
    return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
  } catch {
    throw damaged('integrity check failed');
  }
}
