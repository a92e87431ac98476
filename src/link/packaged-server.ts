// How an issued package finds its server: the sealed server file (beside the script, or an
// asset inside the executable) opened with the passkey gives the addresses and pinned keys.
import { config } from '../../config.js';
import { PartyPoolError } from '../common/errors.js';
import { openWithPasskey } from '../crypto/seal.js';
import { parseSealedContent, parseSealedFile, type SealedContent, type SealedFile } from '../protocol/sealed-file.js';
import { parseTarget, type PinnedTarget, type ServerTarget } from './connection.js';

export interface OpenedPackage {
  content: SealedContent;
  pin: PinnedTarget;
}

/** The readable part of a sealed file (package id, kind, version); no passkey needed. */
export function readPackageHeader(sealedText: string): SealedFile['package'] {
  return parseSealedFile(sealedText).package;
}

/** Open the sealed server file: wrong passkey is AUTH_FAILED (exit 3), anything altered PACKAGE_DAMAGED. */
export async function openPackagedServer(sealedText: string, passkey: string): Promise<OpenedPackage> {
  const envelope = parseSealedFile(sealedText);
  const plaintext = await openWithPasskey(envelope, passkey, { minIterations: config.kdf.minIterations, maxIterations: config.kdf.maxIterations });
  const content = parseSealedContent(plaintext, envelope);
  let targets: ServerTarget[];
  try {
    targets = content.addresses.map((address) => parseTarget(address));
  } catch {
    throw new PartyPoolError('PACKAGE_DAMAGED', "This package's server file holds an address that cannot be used; ask the admin for a new package.");
  }
  return { content, pin: { targets, fingerprints: content.fingerprints } };
}
