// The server's TLS identity: an EC P-256 key and a self-signed certificate, made by the
// `selfsigned` library (no hand-rolled ASN.1). Clients trust it by pinning the key fingerprint.
import crypto from 'node:crypto';
import { Worker } from 'node:worker_threads';

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

/**
 * Issue a ten-year self-signed certificate for a key pair. It is made on a short-lived worker
 * thread: the X.509 library (and the ASN.1 modules it loads) would otherwise stay in a server's
 * memory for good after its first start, about 8 MB of resident memory it never uses again.
 */
export async function selfSignedCertificate(keys: ServerKeyPair, commonName: string): Promise<ServerCertificate> {
  const worker = new Worker(new URL('./certificate-worker.js', import.meta.url), { workerData: { keys, commonName } satisfies CertificateRequest });
  const certificatePem = await new Promise<string>((resolve, reject) => {
    worker.once('message', (message: unknown) => (typeof message === 'string' ? resolve(message) : reject(new Error('the certificate worker answered nothing usable'))));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the certificate worker stopped (exit ${code}) before answering`)));
  });
  await worker.terminate();
  return { ...keys, certificatePem };
}

export interface CertificateRequest {
  keys: ServerKeyPair;
  commonName: string;
}

/** What the worker runs: the certificate itself, by the `selfsigned` library. */
export async function issueCertificate({ keys, commonName }: CertificateRequest): Promise<string> {
  const { generate } = await import('selfsigned');
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(notBeforeDate.getTime() + 3650 * 24 * 3600 * 1000);
  const result = await generate([{ name: 'commonName', value: commonName }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    keyPair: { privateKey: keys.privateKeyPem, publicKey: keys.publicKeyPem },
  });
  return result.cert;
}

export function publicKeyOf(privateKeyPem: string): crypto.KeyObject {
  return crypto.createPublicKey(crypto.createPrivateKey(privateKeyPem));
}

/** The key pair of an existing private key (to certify a pre-generated key). */
export function keyPairFromPrivateKey(privateKeyPem: string): ServerKeyPair {
  return { privateKeyPem, publicKeyPem: publicKeyOf(privateKeyPem).export({ type: 'spki', format: 'pem' }).toString() };
}
