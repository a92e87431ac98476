// The server's TLS identity, created on first start and kept across restarts.
import path from 'node:path';
import { generateKeyPair, selfSignedCertificate } from '../crypto/certificate.js';
import { fingerprintOfCertificate } from '../crypto/fingerprint.js';
import { readTextIfExists, writePrivateFile } from './files.js';

export interface ServerIdentity {
  privateKeyPem: string;
  certificatePem: string;
  fingerprint: string;
}

export const KEY_FILE = 'server-key.pem';
export const CERT_FILE = 'server-cert.pem';

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
  return { privateKeyPem, certificatePem, fingerprint: fingerprintOfCertificate(certificatePem) };
}
