// Account passwords: scrypt (RFC 7914) with a per-user random salt. The stored form records
// its own cost, "scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>", so the cost can rise later without
// breaking old accounts. Hashing runs on libuv's thread pool, never on the event loop.
import crypto from 'node:crypto';

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
  keyLength: number;
  saltBytes: number;
  /** Node refuses scrypt above this much memory; it must exceed 128 * N * r. */
  maxmem: number;
}

function scrypt(password: string, salt: Buffer, cost: Pick<ScryptCost, 'N' | 'r' | 'p' | 'keyLength' | 'maxmem'>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    crypto.scrypt(password.normalize('NFC'), salt, cost.keyLength, { N: cost.N, r: cost.r, p: cost.p, maxmem: cost.maxmem }, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });
}

/** Hash a password with a fresh random salt; returns the self-describing stored form. */
export async function hashPassword(password: string, cost: ScryptCost): Promise<string> {
  const salt = crypto.randomBytes(cost.saltBytes);
  const key = await scrypt(password, salt, cost);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Check a password against a stored hash, comparing in constant time. False for a damaged hash. */
export async function verifyPassword(password: string, stored: string, maxmem: number): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const expected = Buffer.from(parts[5] ?? '', 'base64');
  // A damaged or hostile hash must not make the server allocate gigabytes.
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0) || N > 2 ** 20 || r > 32 || p > 16 || expected.length < 16) return false;
  const actual = await scrypt(password, salt, { N, r, p, keyLength: expected.length, maxmem: Math.max(maxmem, 128 * N * r * p + 1024 * 1024) });
  return crypto.timingSafeEqual(actual, expected);
}

// ---- Migrating scrypt hashes to OPAQUE (issue 11) ----
// A stored hash H = scrypt(password, salt) becomes the OPAQUE input "scrypt-v1:" + base64(H): the
// server registers that input itself (it knows H, never the password), and a client that knows
// the password computes the same H from the salt and cost the server names. The password still
// never leaves the client; the slow function is scrypt, run by the client.

/** The scrypt parameters of a migrated account, as the server names them to a client. */
export interface ScryptPrehash {
  N: number;
  r: number;
  p: number;
  /** base64. */
  salt: string;
  /** Length of the stored hash in bytes. */
  keyLength: number;
}

/** The most memory a client spends on a server-named scrypt (128 * N * r bytes). */
export const PREHASH_MAX_MEMORY = 256 * 1024 * 1024;

/** The OPAQUE input for a scrypt hash. */
export function prehashInput(hash: Buffer): string {
  return `scrypt-v1:${hash.toString('base64')}`;
}

/** A stored "scrypt$N$r$p$salt$hash", split; undefined when it is not one. */
export function parseScryptHash(stored: string): { prehash: ScryptPrehash; hash: Buffer } | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const hash = Buffer.from(parts[5] ?? '', 'base64');
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0) || hash.length < 16) return undefined;
  return { prehash: { N, r, p, salt: parts[4] ?? '', keyLength: hash.length }, hash };
}

/**
 * Compute a migrated account's OPAQUE input from the password, with the parameters the server
 * named. A server (or a forger) cannot make the client allocate more than PREHASH_MAX_MEMORY.
 */
export async function computePrehash(password: string, prehash: ScryptPrehash): Promise<string> {
  const { N, r, p, keyLength } = prehash;
  const powerOfTwo = N > 1 && (N & (N - 1)) === 0;
  if (!powerOfTwo || N > 2 ** 20 || r > 32 || p > 16 || keyLength > 64 || 128 * N * r > PREHASH_MAX_MEMORY) {
    throw new RangeError('scrypt parameters outside the safe range');
  }
  const key = await scrypt(password, Buffer.from(prehash.salt, 'base64'), { N, r, p, keyLength, maxmem: 128 * N * r + 16 * 1024 * 1024 });
  return prehashInput(key);
}
