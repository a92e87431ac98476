// The sealed server file inside every issued package (`sealed-server.json`): an envelope
// readable by anyone (format, package id/kind/version, KDF parameters, ciphertext) and the
// sealed content only the passkey opens. Shared by the package builder and the packaged client.
import { z } from 'zod';
import { PartyPoolError } from '../common/errors.js';

export const SEALED_FILE_NAME = 'sealed-server.json';

export const PACKAGE_KINDS = ['client', 'root'] as const;
export type PackageKind = (typeof PACKAGE_KINDS)[number];

/** Package ids: what `newPackageId` makes (12 characters of lower-case base32). */
export const PACKAGE_ID_PATTERN = /^[a-z2-7]{12}$/;

const base64 = (max: number): z.ZodString => z.string().max(max).regex(/^[A-Za-z0-9+/]*={0,2}$/);

export const sealedEnvelopeSchema = z.object({
  format: z.literal('party-pool-sealed'),
  formatVersion: z.literal(1),
  package: z.object({ id: z.string().regex(PACKAGE_ID_PATTERN), kind: z.enum(PACKAGE_KINDS), version: z.string().min(1).max(64) }),
  kdf: z.object({ algorithm: z.literal('pbkdf2-sha256'), salt: base64(64), iterations: z.int().min(1).max(1_000_000_000) }),
  check: base64(64),
  cipher: z.literal('aes-256-gcm'),
  iv: base64(64),
  ciphertext: base64(64 * 1024),
  tag: base64(64),
});
export type SealedFile = z.infer<typeof sealedEnvelopeSchema>;

/** What the passkey opens: where the server is and which keys it may present. */
export const sealedContentSchema = z.object({
  packageId: z.string().regex(PACKAGE_ID_PATTERN),
  kind: z.enum(PACKAGE_KINDS),
  version: z.string().min(1).max(64),
  serverName: z.string().min(1).max(256),
  /** host:port, tried in order. */
  addresses: z.array(z.string().min(1).max(300)).min(1).max(16),
  /** The server's current key fingerprint, then the next (backup) one. */
  fingerprints: z.array(z.string().min(1).max(100)).min(1).max(4),
  issuedAt: z.string().max(40),
});
export type SealedContent = z.infer<typeof sealedContentSchema>;

/** Parse the readable part of a sealed file; anything malformed is PACKAGE_DAMAGED. */
export function parseSealedFile(text: string): SealedFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new PartyPoolError('PACKAGE_DAMAGED', "This package's server file is not valid JSON; ask the admin for a new package.");
  }
  const parsed = sealedEnvelopeSchema.safeParse(json);
  if (!parsed.success) throw new PartyPoolError('PACKAGE_DAMAGED', "This package's server file is damaged or was altered; ask the admin for a new package.");
  return parsed.data;
}

/** Parse decrypted content and check it belongs to the envelope it came from. */
export function parseSealedContent(plaintext: Buffer, envelope: SealedFile): SealedContent {
  let json: unknown;
  try {
    json = JSON.parse(plaintext.toString('utf8'));
  } catch {
    json = undefined;
  }
  const parsed = sealedContentSchema.safeParse(json);
  if (!parsed.success || parsed.data.packageId !== envelope.package.id || parsed.data.kind !== envelope.package.kind) {
    throw new PartyPoolError('PACKAGE_DAMAGED', "This package's server file does not hold what a package needs; ask the admin for a new package.");
  }
  return parsed.data;
}
