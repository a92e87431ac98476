// The server's TLS identity, created on first start and kept across restarts, plus a
// pre-generated NEXT key: its fingerprint is sealed into every package as a backup, so
// `party-pool rotate-key` can move the server to it without orphaning issued packages.
import path from 'node:path';
import { PartyPoolError } from '../common/errors.js';
import { generateKeyPair, publicKeyOf, selfSignedCertificate } from '../crypto/certificate.js';
import { fingerprintOfCertificate, fingerprintOfPublicKey } from '../crypto/fingerprint.js';
import { readTextIfExists, writePrivateFile } from './files.js';

export interface ServerIdentity {
  privateKeyPem: string;
  certificatePem: string;
  fingerprint: string;
  /** Fingerprint of the key the next rotation switches to. */
  nextFingerprint: string;
}

export const KEY_FILE = 'server-key.pem';
export const CERT_FILE = 'server-cert.pem';
export const NEXT_KEY_FILE = 'server-next-key.pem';

/** The next key's PEM, created (mode 0600) when missing: new data dirs and ones from older versions. */
export function loadOrCreateNextKey(dataDir: string): string {
  const file = path.join(dataDir, NEXT_KEY_FILE);
  const existing = readTextIfExists(file);
  if (existing !== undefined) return existing;
  const made = generateKeyPair().privateKeyPem;
  writePrivateFile(file, made);
  return made;
}

/** Fingerprint of a private key's public half. */
export function fingerprintOfPrivateKey(privateKeyPem: string): string {
  return fingerprintOfPublicKey(publicKeyOf(privateKeyPem));
}

/** Load the key and certificate from the data dir, or create them (key mode 0600). */
export async function loadOrCreateIdentity(dataDir: string, commonName: string): Promise<ServerIdentity> {
  const keyFile = path.join(dataDir, KEY_FILE);
  const certFile = path.join(dataDir, CERT_FILE);
  let privateKeyPem = readTextIfExists(keyFile);
  let certificatePem = readTextIfExists(certFile);
  if (privateKeyPem === undefined || certificatePem === undefined) {
    // A key without its certificate (or the reverse) is a damaged identity: start afresh.
    const made = await selfSignedCertificate(generateKeyPair(), commonName);
    privateKeyPem = made.privateKeyPem;
    certificatePem = made.certificatePem;
    writePrivateFile(keyFile, privateKeyPem);
    writePrivateFile(certFile, certificatePem);
  }
  const fingerprint = fingerprintOfCertificate(certificatePem);
  if (fingerprint !== fingerprintOfPrivateKey(privateKeyPem)) {
    throw new PartyPoolError('DATA_DIR_UNUSABLE', `${keyFile} and ${certFile} do not belong together (an interrupted rotate-key?); restore them from a backup, or move both away to start with a new identity.`);
  }
  const nextFingerprint = fingerprintOfPrivateKey(loadOrCreateNextKey(dataDir));
  return { privateKeyPem, certificatePem, fingerprint, nextFingerprint };
}

/**
 * The fingerprints a package pins, read from an existing identity (the server need not be
 * running). The next key is created if this data dir predates it.
 */
export function readPinnedFingerprints(dataDir: string): { current: string; next: string } {
  const certificatePem = readTextIfExists(path.join(dataDir, CERT_FILE));
  if (certificatePem === undefined || readTextIfExists(path.join(dataDir, KEY_FILE)) === undefined) {
    throw new PartyPoolError('SERVER_NOT_SET_UP', `${dataDir} has no server identity yet; start the server once (it creates one), or pass the right --data-dir.`);
  }
  return { current: fingerprintOfCertificate(certificatePem), next: fingerprintOfPrivateKey(loadOrCreateNextKey(dataDir)) };
}
