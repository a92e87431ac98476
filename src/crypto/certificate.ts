// The server's TLS identity: an EC P-256 key and a self-signed certificate, made by the
// `selfsigned` library (no hand-rolled ASN.1). Clients trust it by pinning the key fingerprint.
import crypto from 'node:crypto';
import { generate } from 'selfsigned';

export interface ServerKeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

export interface ServerCertificate extends ServerKeyPair {
  certificatePem: string;
}

export function generateKeyPair(): ServerKeyPair {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** Issue a ten-year self-signed certificate for a key pair. */
export async function selfSignedCertificate(keys: ServerKeyPair, commonName: string): Promise<ServerCertificate> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + 3650 * 24 * 3600 * 1000);
  const result = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    keyPair: { privateKey: keys.privateKeyPem, publicKey: keys.publicKeyPem },
  });
  return { ...keys, certificatePem: result.cert };
}

export function publicKeyOf(privateKeyPem: string): crypto.KeyObject {
  return crypto.createPublicKey(crypto.createPrivateKey(privateKeyPem));
}

/** The key pair of an existing private key (to certify a pre-generated key). */
export function keyPairFromPrivateKey(privateKeyPem: string): ServerKeyPair {
  return { privateKeyPem, publicKeyPem: publicKeyOf(privateKeyPem).export({ type: 'spki', format: 'pem' }).toString() };
}
