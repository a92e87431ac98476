// Safety numbers: 60 digits two people compare (aloud, or side by side) to be sure that nobody —
// the server included — swapped the keys between them. Signal's "numeric fingerprint"
// construction, unchanged (libsignal's NumericFingerprintGenerator; the tests check this code
// against libsignal's published test vector):
//
//   per party:  h = 0x0000 (version 0, 2 bytes) ‖ keys ‖ identifier
//               repeat 5200 times: h = SHA-512(h ‖ keys)
//               30 digits = six 5-digit groups, group i = (bytes 5i..5i+4 of h as a big-endian
//               40-bit integer) mod 100000, zero-padded
//   number:     the two 30-digit halves, the smaller string first — the same on both sides.
//
// `keys` is a party's identity keys: for Party Pool, the raw 32-byte X25519 public keys of ALL the
// account's devices, sorted bytewise and concatenated (Signal's "logical key" for a key list), so
// the number changes when a device is added, removed or replaced. `identifier` is the account
// name in its case-insensitive form (lower case), UTF-8.
import crypto from 'node:crypto';

export const SAFETY_NUMBER_ITERATIONS = 5200;
const FINGERPRINT_VERSION = 0;
const HALF_DIGITS = 30;

/** One party: its account name (already lower-cased by the caller) and its devices' raw public keys. */
export interface SafetyParty {
  readonly identifier: string;
  readonly keys: readonly Uint8Array[];
}

/** A party's keys in one canonical order: sorted bytewise, concatenated. */
export function logicalKeyBytes(keys: readonly Uint8Array[]): Buffer {
  if (keys.length === 0) throw new RangeError('A safety number needs at least one key per party.');
  return Buffer.concat([...keys].map((key) => Buffer.from(key)).sort((a, b) => Buffer.compare(a, b)));
}

/** The 30 digits of one party (Signal's getDisplayStringFor). */
export function fingerprintDigits(keyBytes: Uint8Array, identifier: string, iterations: number = SAFETY_NUMBER_ITERATIONS): string {
  const version = Buffer.alloc(2);
  version.writeUInt16BE(FINGERPRINT_VERSION, 0);
  let hash = Buffer.concat([version, keyBytes, Buffer.from(identifier, 'utf8')]);
  for (let i = 0; i < iterations; i += 1) hash = crypto.createHash('sha512').update(hash).update(keyBytes).digest();
  let digits = '';
  for (let offset = 0; offset < HALF_DIGITS; offset += 5) digits += String(hash.readUIntBE(offset, 5) % 100_000).padStart(5, '0');
  return digits;
}

/** The 60-digit safety number of two parties; the same whichever side computes it. */
export function safetyNumber(local: SafetyParty, remote: SafetyParty, iterations: number = SAFETY_NUMBER_ITERATIONS): string {
  const mine = fingerprintDigits(logicalKeyBytes(local.keys), local.identifier, iterations);
  const theirs = fingerprintDigits(logicalKeyBytes(remote.keys), remote.identifier, iterations);
  return mine <= theirs ? mine + theirs : theirs + mine;
}

/** "12345 67890 …": twelve groups of five digits. */
export function formatSafetyNumber(digits: string): string {
  return (digits.match(/\d{1,5}/g) ?? []).join(' ');
}
