// Sealing the server's address and identity inside an issued package: AES-256-GCM under a key
// derived from the passkey (PBKDF2-HMAC-SHA256, random salt), so whoever finds a package but
// lacks the passkey learns nothing from it. The package id, kind and version stay readable
// (for --package-info) but are bound to the ciphertext as additional data: editing them breaks it.
import crypto from 'node:crypto';
import { PartyPoolError } from '../common/errors.js';
import { lengthPrefixed } from './auth-proof.js';
import { deriveKey } from './kdf.js';

export const SEALED_FORMAT = 'party-pool-sealed';
export const SEALED_FORMAT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SALT_BYTES = 16;

/** What a sealed file says about itself in the clear. */
export interface SealHeader {
  id: string;
  kind: string;
  version: string;
}

/** The sealed file, as stored in a package (JSON). Binary fields are base64. */
export interface SealedEnvelope {
  format: typeof SEALED_FORMAT;
  formatVersion: typeof SEALED_FORMAT_VERSION;
  package: SealHeader;
  kdf: { algorithm: 'pbkdf2-sha256'; salt: string; iterations: number };
  /** Tells a wrong passkey from a damaged file; it reveals no more than the GCM tag already does. */
  check: string;
  cipher: 'aes-256-gcm';
  iv: string;
  ciphertext: string;
  tag: string;
}

export interface OpenLimits {
  minIterations: number;
  maxIterations: number;
}

function subKeys(master: Buffer): { encryption: Buffer; check: string } {
  const expand = (info: string): Buffer => Buffer.from(crypto.hkdfSync('sha256', master, Buffer.alloc(0), info, 32));
  return { encryption: expand('party-pool/v1 seal key'), check: expand('party-pool/v1 seal check').toString('base64') };
}

function additionalData(header: SealHeader, kdf: SealedEnvelope['kdf']): Buffer {
  return lengthPrefixed([
    Buffer.from(`${SEALED_FORMAT}/v${SEALED_FORMAT_VERSION}`),
    Buffer.from(header.id),
    Buffer.from(header.kind),
    Buffer.from(header.version),
    Buffer.from(kdf.algorithm),
    Buffer.from(kdf.salt),
    Buffer.from(String(kdf.iterations)),
  ]);
}

/** Encrypt `plaintext` under a key derived from `passkey`; the header stays readable but bound. */
export async function sealWithPasskey(plaintext: Buffer, passkey: string, header: SealHeader, iterations: number): Promise<SealedEnvelope> {
  const salt = crypto.randomBytes(SALT_BYTES);
  const kdf = { algorithm: 'pbkdf2-sha256' as const, salt: salt.toString('base64'), iterations };
  const keys = subKeys(await deriveKey(passkey, { salt, iterations }));
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', keys.encryption, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(header, kdf));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return {
    format: SEALED_FORMAT,
    formatVersion: SEALED_FORMAT_VERSION,
    package: { id: header.id, kind: header.kind, version: header.version },
    kdf,
    check: keys.check,
    cipher: 'aes-256-gcm',
    iv: iv.toString('base64'),
    ciphertext: ciphertext.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  };
}

const damaged = (why: string): PartyPoolError => new PartyPoolError('PACKAGE_DAMAGED', `This package's server file is damaged or was altered (${why}); ask the admin for a new package.`);

/**
 * Decrypt a sealed envelope. A wrong passkey is AUTH_FAILED ("Wrong passkey."); anything
 * altered (header, ciphertext, tag, KDF cost outside the safe range) is PACKAGE_DAMAGED.
 */
export async function openWithPasskey(envelope: SealedEnvelope, passkey: string, limits: OpenLimits): Promise<Buffer> {
  // A file asking for a huge iteration count would be a CPU trap; a tiny one a weakened seal.
  if (envelope.kdf.iterations < limits.minIterations || envelope.kdf.iterations > limits.maxIterations) throw damaged('unexpected key-derivation cost');
  const salt = Buffer.from(envelope.kdf.salt, 'base64');
  const iv = Buffer.from(envelope.iv, 'base64');
  const tag = Buffer.from(envelope.tag, 'base64');
  if (salt.length !== SALT_BYTES || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw damaged('bad field sizes');
  const keys = subKeys(await deriveKey(passkey, { salt, iterations: envelope.kdf.iterations }));
  const expectedCheck = Buffer.from(keys.check);
  const givenCheck = Buffer.from(envelope.check);
  if (expectedCheck.length !== givenCheck.length || !crypto.timingSafeEqual(expectedCheck, givenCheck)) throw new PartyPoolError('AUTH_FAILED');
  const decipher = crypto.createDecipheriv('aes-256-gcm', keys.encryption, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(additionalData(envelope.package, envelope.kdf));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(Buffer.from(envelope.ciphertext, 'base64')), decipher.final()]);
  } catch {
    throw damaged('integrity check failed');
  }
}

/** A short random id a person can type: 12 characters of lower-case base32. */
export function newPackageId(): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  return [...crypto.randomBytes(12)].map((byte) => alphabet[byte % 32]).join('');
}
