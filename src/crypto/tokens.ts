// Unguessable tokens handed to people, such as room invite codes and package ids.
import crypto from 'node:crypto';

/** `bytes` random bytes as base64url (16 bytes: 128 bits, 22 characters). */
export function randomToken(bytes: number): string {
  return crypto.randomBytes(bytes).toString('base64url');
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** `length` random characters of lower-case base32: ids a person can type, such as package ids. */
export function randomBase32(length: number): string {
  return [...crypto.randomBytes(length)].map((byte) => BASE32[byte % 32]).join('');
}

/** Compare a presented token with the expected one in constant time (for equal lengths). */
export function sameToken(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
