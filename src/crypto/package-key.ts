// Each issued package's own secret: an Ed25519 key pair made at build time. The 32-byte seed is
// sealed inside the package under the passkey (never sent); the server keeps only the public key.
// At login the program signs the login's nonce, names and TLS channel with it, so naming a
// package id proves nothing and a signature is worthless on any other connection.
import crypto from 'node:crypto';
import { lengthPrefixed } from '../common/length-prefixed.js';

export const PACKAGE_KEY_BYTES = 32;

// DER wrappers around a raw Ed25519 key (RFC 8410): node:crypto imports keys in these forms.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export interface PackageKeyPair {
  /** The private seed: sealed into the package, never stored by the server. */
  seed: Buffer;
  /** The raw public key: all the server keeps. */
  publicKey: Buffer;
}

/** A fresh key pair for one package. */
export function newPackageKey(): PackageKeyPair {
  const pair = crypto.generateKeyPairSync('ed25519');
  const seed = pair.privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
  const publicKey = pair.publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
  return { seed: Buffer.from(seed), publicKey: Buffer.from(publicKey) };
}

function privateKeyFrom(seed: Buffer): crypto.KeyObject {
  if (seed.length !== PACKAGE_KEY_BYTES) throw new RangeError('a package key seed is 32 bytes');
  return crypto.createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

function publicKeyFrom(raw: Buffer): crypto.KeyObject | undefined {
  if (raw.length !== PACKAGE_KEY_BYTES) return undefined;
  try {
    return crypto.createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

/** The public key of a seed (to check a sealed package against its record). */
export function packagePublicKey(seed: Buffer): Buffer {
  return Buffer.from(crypto.createPublicKey(privateKeyFrom(seed)).export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length));
}

export interface PackageProofInput {
  packageId: string;
  /** The package's kind ("client" or "root"), so a root package's proof never passes for a user login. */
  kind: string;
  role: string;
  name: string;
  nonce: Buffer;
  /** The TLS exporter of this connection (auth-proof.ts channelBinding). */
  channelBinding: Buffer;
}

function proofMessage(input: PackageProofInput): Buffer {
  return lengthPrefixed([
    Buffer.from('party-pool/v3 package'),
    Buffer.from(input.packageId),
    Buffer.from(input.kind),
    Buffer.from(input.role),
    Buffer.from(input.name),
    input.nonce,
    input.channelBinding,
  ]);
}

/** Sign one login with the package's seed; base64. */
export function signPackageProof(seed: Buffer, input: PackageProofInput): string {
  return crypto.sign(null, proofMessage(input), privateKeyFrom(seed)).toString('base64');
}

/** Check a login's package proof against the recorded public key. */
export function verifyPackageProof(publicKey: Buffer, input: PackageProofInput, proof: string): boolean {
  const key = publicKeyFrom(publicKey);
  const signature = Buffer.from(proof, 'base64');
  if (!key || signature.length !== 64) return false;
  try {
    return crypto.verify(null, proofMessage(input), key, signature);
  } catch {
    return false;
  }
}
