// How an issued package finds its server: the sealed server file (beside the script, or an
// asset inside the executable) opened with the passkey gives the addresses and pinned keys.
// The package builder seals it here too, so one module puts crypto (bytes) and protocol (the
// file's shape) together in both directions.
import { config } from '../../config.js';
import { PartyPoolError } from '../common/errors.js';
import { SealDamaged, newSealSalt, openBytes, sealBytes } from '../crypto/seal.js';
import { PACKAGE_KEY_BYTES } from '../crypto/package-key.js';
import { randomBase32 } from '../crypto/tokens.js';
import {
  PACKAGE_ID_LENGTH,
  SEAL_KDF_ALGORITHM,
  formatSealedFile,
  parseSealedContent,
  paddedSealedContent,
  parseSealedFile,
  sealedEnvelope,
  sealedFields,
  sealedFileAdditionalData,
  type PackageHeader,
  type SealKdf,
  type SealedContent,
} from '../protocol/sealed-file.js';
import type { PackageKey } from './login.js';
import { parseTarget, type PinnedTarget, type ServerTarget } from './pin.js';

export interface OpenedPackage {
  content: SealedContent;
  pin: PinnedTarget;
  /** The package's own key (issue 11), if it was issued with one. */
  packageKey?: PackageKey;
}

/** A new package id (what the sealed file's header and the server's records name a package by). */
export function newPackageId(): string {
  return randomBase32(PACKAGE_ID_LENGTH);
}

/** The readable part of a sealed file (package id, kind, version); no passkey needed. */
export function readPackageHeader(sealedText: string): PackageHeader {
  return parseSealedFile(sealedText).package;
}

/** Seal `content` under the passkey: the text of the sealed server file a package carries. */
export async function sealServerFile(content: SealedContent, passkey: string, iterations: number): Promise<string> {
  const header: PackageHeader = { id: content.packageId, kind: content.kind, version: content.version };
  const salt = newSealSalt();
  const kdf: SealKdf = { algorithm: SEAL_KDF_ALGORITHM, salt: salt.toString('base64'), iterations };
  const sealed = await sealBytes(paddedSealedContent(content), passkey, { salt, iterations, additionalData: sealedFileAdditionalData(header, kdf) });
  return formatSealedFile(sealedEnvelope(header, kdf, sealed));
}

/** Open the sealed server file: wrong passkey is AUTH_FAILED (exit 3), anything altered PACKAGE_DAMAGED. */
export async function openPackagedServer(sealedText: string, passkey: string): Promise<OpenedPackage> {
  const envelope = parseSealedFile(sealedText);
  const params = { salt: Buffer.from(envelope.kdf.salt, 'base64'), iterations: envelope.kdf.iterations, additionalData: sealedFileAdditionalData(envelope.package, envelope.kdf) };
  let plaintext: Buffer;
  try {
    plaintext = await openBytes(sealedFields(envelope), passkey, params, { minIterations: config.kdf.minIterations, maxIterations: config.kdf.maxIterations });
  } catch (error) {
    if (!(error instanceof SealDamaged)) throw error;
    throw new PartyPoolError('PACKAGE_DAMAGED', `This package's server file is damaged or was altered (${error.why}); ask the admin for a new package.`, { cause: error });
  }
  const content = parseSealedContent(plaintext, envelope);
  let targets: ServerTarget[];
  try {
    targets = content.addresses.map((address) => parseTarget(address));
  } catch {
    throw new PartyPoolError('PACKAGE_DAMAGED', "This package's server file holds an address that cannot be used; ask the admin for a new package.");
  }
  const seed = content.packageKey === undefined ? undefined : Buffer.from(content.packageKey, 'base64');
  if (seed !== undefined && seed.length !== PACKAGE_KEY_BYTES) throw new PartyPoolError('PACKAGE_DAMAGED', "This package's key is damaged; ask the admin for a new package.");
  return { content, pin: { targets, fingerprints: content.fingerprints }, ...(seed ? { packageKey: { kind: content.kind, seed } } : {}) };
}
