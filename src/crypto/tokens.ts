// Unguessable tokens handed to people, such as room invite codes.
import crypto from 'node:crypto';

/** `bytes` random bytes as base64url (16 bytes: 128 bits, 22 characters). */
export function randomToken(bytes: number): string {
  return crypto.randomBytes(bytes).toString('base64url');
}

/** Compare a presented token with the expected one in constant time (for equal lengths). */
export function sameToken(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}
