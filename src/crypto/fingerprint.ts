// Server identity: the SHA-256 of the public key (SPKI DER), written "SHA256:<base64>" as ssh does.
import crypto from 'node:crypto';

const PREFIX = 'SHA256:';

export function fingerprintOfPublicKey(key: crypto.KeyObject): string {
  const der = key.export({ type: 'spki', format: 'der' });
  return PREFIX + crypto.createHash('sha256').update(der).digest('base64').replace(/=+$/, '');
}

export function fingerprintOfCertificate(certificatePem: string | Buffer): string {
  return fingerprintOfPublicKey(new crypto.X509Certificate(certificatePem).publicKey);
}

export function fingerprintOfPeer(raw: Buffer): string {
  return fingerprintOfCertificate(raw);
}

/** Accept "SHA256:abc", "sha256:abc" or bare "abc"; compare in constant time. */
export function fingerprintsMatch(expected: string, actual: string): boolean {
  const normalise = (value: string): Buffer => Buffer.from(value.trim().replace(/^sha256:/i, '').replace(/=+$/, ''));
  const left = normalise(expected);
  const right = normalise(actual);
  return left.length === right.length && crypto.timingSafeEqual(left, right);
}

export function isFingerprint(value: string): boolean {
  return /^(SHA256:)?[A-Za-z0-9+/]{43}=?$/i.test(value.trim());
}
