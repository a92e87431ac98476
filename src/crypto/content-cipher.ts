// Content encrypted once under a fresh random key: the body of a direct message (whose key is
// then sealed to each device with HPKE, see direct-seal.ts) and, for issue 14, a file sent to a
// person (whose key travels inside a direct message). AES-256-GCM in the STREAM construction
// (Hoang, Reyhanitabar, Rogaway, Vizár, "Online Authenticated-Encryption and its Nonce-Reuse
// Misuse-Resistance", CRYPTO 2015; the same nonce layout as age v1's payload): chunk i of a
// stream is sealed with the nonce  i as an 88-bit big-endian counter ‖ 0x01 for the last chunk,
// 0x00 otherwise. A key is never used for two streams, so nonces never repeat; chunks cannot be
// reordered, dropped from the end, or moved to another stream (its id is in the additional data).
import crypto from 'node:crypto';
import { PartyPoolError } from '../common/errors.js';
import { lengthPrefixed } from '../common/length-prefixed.js';

export const CONTENT_KEY_BYTES = 32;
export const CONTENT_TAG_BYTES = 16;
const NONCE_BYTES = 12;

/** What a stream is: a direct message's body (id: the message id) or a file (id: the file id). */
export interface ContentBinding {
  readonly purpose: 'direct-body' | 'file';
  readonly id: string;
}

export interface ChunkPosition {
  /** 0, 1, 2, … in order. */
  readonly index: number;
  /** True for the stream's last chunk (a one-chunk stream: index 0, final). */
  readonly final: boolean;
}

/** A fresh random content key (never reuse one for a second stream). */
export function newContentKey(): Buffer {
  return crypto.randomBytes(CONTENT_KEY_BYTES);
}

function nonceFor(position: ChunkPosition): Buffer {
  if (!Number.isSafeInteger(position.index) || position.index < 0) throw new RangeError('A chunk index is a non-negative safe integer.');
  const nonce = Buffer.alloc(NONCE_BYTES);
  // Bytes 0-10 are the 88-bit counter; a safe integer fits in its low 8 bytes (3-10).
  nonce.writeBigUInt64BE(BigInt(position.index), 3);
  nonce[11] = position.final ? 1 : 0;
  return nonce;
}

function additionalData(binding: ContentBinding): Buffer {
  return lengthPrefixed([Buffer.from(`party-pool/v3 ${binding.purpose}`), Buffer.from(binding.id, 'utf8')]);
}

function checkKey(key: Uint8Array): void {
  if (key.length !== CONTENT_KEY_BYTES) throw new RangeError(`A content key is ${CONTENT_KEY_BYTES} bytes.`);
}

/** Encrypt one chunk; the result is ciphertext ‖ 16-byte tag. */
export function sealChunk(key: Uint8Array, binding: ContentBinding, position: ChunkPosition, plaintext: Uint8Array): Buffer {
  checkKey(key);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, nonceFor(position), { authTagLength: CONTENT_TAG_BYTES });
  cipher.setAAD(additionalData(binding));
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** Decrypt one chunk sealed by sealChunk with the same key, binding and position; DECRYPT_FAILED otherwise. */
export function openChunk(key: Uint8Array, binding: ContentBinding, position: ChunkPosition, sealed: Uint8Array): Buffer {
  checkKey(key);
  if (sealed.length < CONTENT_TAG_BYTES) throw new PartyPoolError('DECRYPT_FAILED');
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, nonceFor(position), { authTagLength: CONTENT_TAG_BYTES });
  decipher.setAAD(additionalData(binding));
  decipher.setAuthTag(sealed.subarray(sealed.length - CONTENT_TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - CONTENT_TAG_BYTES)), decipher.final()]);
  } catch {
    throw new PartyPoolError('DECRYPT_FAILED');
  }
}
