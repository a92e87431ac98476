// Key derivation: PBKDF2-HMAC-SHA256, run on libuv's thread pool so it never blocks the loop.
import crypto from 'node:crypto';

export const KEY_BYTES = 32;

export interface KdfParams {
  salt: Buffer;
  iterations: number;
}

/** Derive a 32-byte key from a secret; async, off the event loop. */
export function deriveKey(secret: string, params: KdfParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    crypto.pbkdf2(secret.normalize('NFC'), params.salt, params.iterations, KEY_BYTES, 'sha256', (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

export function randomBytes(count: number): Buffer {
  return crypto.randomBytes(count);
}

/** A value that proves a key was derived from the same secret, without revealing the key. */
export function keyVerifier(key: Buffer): string {
  return crypto.createHmac('sha256', key).update('party-pool/v1 verifier').digest('base64');
}

/** Constant-time comparison of two strings of base64 (or any text). */
export function safeEqualText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && crypto.timingSafeEqual(left, right);
}
