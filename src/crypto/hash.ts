// Checksums for issued artifacts (SHA256SUMS).
import crypto from 'node:crypto';
import fs from 'node:fs';

/** SHA-256 of a byte buffer, as lower-case hex (the format of SHA256SUMS). */
export function sha256Hex(data: Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex');
}

/** SHA-256 of a file, streamed (executables are ~100 MB). */
export async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A file's digest, streamed: SHA-256 for pinned runtimes, SHA-512 for npm's integrity strings. */
export async function hashFile(file: string, algorithm: 'sha256' | 'sha512', encoding: 'hex' | 'base64'): Promise<string> {
  const hash = crypto.createHash(algorithm);
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer);
  return hash.digest(encoding);
}

/** A SHA-256 fed piece by piece (file transfers hash as the bytes pass). */
export interface Sha256 {
  update(data: Uint8Array): void;
  /** The digest as lower-case hex; the hash cannot be fed after this. */
  digestHex(): string;
}

export function createSha256(): Sha256 {
  const hash = crypto.createHash('sha256');
  return {
    update: (data) => void hash.update(data),
    digestHex: () => hash.digest('hex'),
  };
}
