// The sealed server file inside every issued package (`sealed-server.json`), defined once: an
// envelope readable by anyone (format, package id/kind/version, KDF parameters, the sealed bytes
// in base64) and the content only the passkey opens. This file owns the JSON shape and what the
// additional data binds; crypto/seal.ts only seals and opens bytes.
import { z } from 'zod';
import { PartyPoolError } from '../common/errors.js';
import { lengthPrefixed } from '../common/length-prefixed.js';

export const SEALED_FILE_NAME = 'sealed-server.json';
export const SEALED_FORMAT = 'party-pool-sealed';
export const SEALED_FORMAT_VERSION = 1;
export const SEAL_KDF_ALGORITHM = 'pbkdf2-sha256';
export const SEAL_CIPHER = 'aes-256-gcm';

export const PACKAGE_KINDS = ['client', 'root'] as const;
export type PackageKind = (typeof PACKAGE_KINDS)[number];

/** Package ids: 12 characters of lower-case base32 (crypto/tokens.ts randomBase32). */
export const PACKAGE_ID_LENGTH = 12;
export const PACKAGE_ID_PATTERN = new RegExp(`^[a-z2-7]{${PACKAGE_ID_LENGTH}}$`);

const base64 = (max: number): z.ZodString => z.string().max(max).regex(/^[A-Za-z0-9+/]*={0,2}$/);

const packageHeaderSchema = z.object({ id: z.string().regex(PACKAGE_ID_PATTERN), kind: z.enum(PACKAGE_KINDS), version: z.string().min(1).max(64) });
const kdfSchema = z.object({ algorithm: z.literal(SEAL_KDF_ALGORITHM), salt: base64(64), iterations: z.int().min(1).max(1_000_000_000) });

export const sealedEnvelopeSchema = z.object({
  format: z.literal(SEALED_FORMAT),
  formatVersion: z.literal(SEALED_FORMAT_VERSION),
  package: packageHeaderSchema,
  kdf: kdfSchema,
  /** Tells a wrong passkey from a damaged file (see crypto/seal.ts). */
  check: base64(64),
  cipher: z.literal(SEAL_CIPHER),
  iv: base64(64),
  ciphertext: base64(64 * 1024),
  tag: base64(64),
});
export type SealedFile = z.infer<typeof sealedEnvelopeSchema>;
/** What a sealed file says about itself in the clear (for --package-info). */
export type PackageHeader = SealedFile['package'];
export type SealKdf = SealedFile['kdf'];

/** What the passkey opens: where the server is and which keys it may present. */
export const sealedContentSchema = z.object({
  packageId: z.string().regex(PACKAGE_ID_PATTERN),
  kind: z.enum(PACKAGE_KINDS),
  version: z.string().min(1).max(64),
  serverName: z.string().min(1).max(256),
  /** host:port (protocol/address.ts), tried in order. */
  addresses: z.array(z.string().min(1).max(300)).min(1).max(16),
  /** The server's current key fingerprint, then the next (backup) one. */
  fingerprints: z.array(z.string().min(1).max(100)).min(1).max(4),
  issuedAt: z.string().max(40),
  /**
   * Issue 11: the package's own Ed25519 seed (32 bytes, base64), which proves at login that this
   * program is the issued one (crypto/package-key.ts). Never sent; the server keeps only the
   * public key. Absent from packages issued before it existed.
   */
  packageKey: base64(64).optional(),
});
export type SealedContent = z.infer<typeof sealedContentSchema>;

/**
 * Sealed content is padded with spaces to a multiple of this many bytes, so the ciphertext's
 * length does not tell how many addresses (or how long a server name) a package holds: every
 * ordinary package seals exactly one block. JSON.parse ignores trailing whitespace, so programs
 * that never heard of the padding open padded content unchanged. An executable's sealed slot
 * (32 KiB, packaging/sealed-slot.ts) holds the base64 of several blocks with room to spare.
 */
export const SEALED_CONTENT_BLOCK_BYTES = 4096;

/** The content's JSON as the bytes to seal: padded with spaces to a whole number of blocks. */
export function paddedSealedContent(content: SealedContent): Buffer {
  const json = Buffer.from(JSON.stringify(content), 'utf8');
  const blocks = Math.max(1, Math.ceil(json.length / SEALED_CONTENT_BLOCK_BYTES));
  const padded = Buffer.alloc(blocks * SEALED_CONTENT_BLOCK_BYTES, 0x20);
  json.copy(padded);
  return padded;
}

/**
 * The bytes bound to the ciphertext as additional data: the format, the readable header and
 * the KDF parameters, so editing any of them (say, a package id for --package-info) breaks it.
 */
export function sealedFileAdditionalData(header: PackageHeader, kdf: SealKdf): Buffer {
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

/** The sealed bytes of an envelope, decoded from base64. */
export interface SealedFields {
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
  check: Buffer;
}

/** Build the envelope a package stores, from the header, the KDF parameters and the sealed bytes. */
export function sealedEnvelope(header: PackageHeader, kdf: SealKdf, sealed: SealedFields): SealedFile {
  return {
    format: SEALED_FORMAT,
    formatVersion: SEALED_FORMAT_VERSION,
    package: { id: header.id, kind: header.kind, version: header.version },
    kdf,
    check: sealed.check.toString('base64'),
    cipher: SEAL_CIPHER,
    iv: sealed.iv.toString('base64'),
    ciphertext: sealed.ciphertext.toString('base64'),
    tag: sealed.tag.toString('base64'),
  };
}

/** The sealed bytes of a parsed envelope. */
export function sealedFields(envelope: SealedFile): SealedFields {
  return {
    iv: Buffer.from(envelope.iv, 'base64'),
    ciphertext: Buffer.from(envelope.ciphertext, 'base64'),
    tag: Buffer.from(envelope.tag, 'base64'),
    check: Buffer.from(envelope.check, 'base64'),
  };
}

/** The file's text: pretty JSON, one trailing newline. */
export function formatSealedFile(envelope: SealedFile): string {
  return JSON.stringify(envelope, null, 2) + '\n';
}

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
