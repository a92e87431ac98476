// Unguessable tokens handed to people, such as room invite codes.
import crypto from 'node:crypto';

/** `bytes` random bytes as base64url (16 bytes: 128 bits, 22 characters). */
export function randomToken(bytes: number): string {
  return crypto.randomBytes(bytes).toString('base64url');
}
