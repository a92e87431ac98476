// Challenge-response login. The client proves it knows the passkey-derived key by an HMAC over
// the server's fresh nonce, its role and name, and the TLS channel's exported keying material,
// so a captured proof is useless on any other connection or for any other nonce.
import crypto from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { lengthPrefixed } from '../common/length-prefixed.js';

export const NONCE_BYTES = 32;
const EXPORTER_LABEL = 'EXPORTER-party-pool-v1-auth';
const CHANNEL_BINDING_BYTES = 32;

export interface ProofInput {
  purpose: 'passkey' | 'root';
  role: string;
  name: string;
  nonce: Buffer;
  channelBinding: Buffer;
}

export function newNonce(): Buffer {
  return crypto.randomBytes(NONCE_BYTES);
}

/** Keying material both ends of one TLS 1.3 session share and nobody else has. */
export function channelBinding(socket: TLSSocket): Buffer {
  return socket.exportKeyingMaterial(CHANNEL_BINDING_BYTES, EXPORTER_LABEL, Buffer.alloc(0));
}

/** HMAC-SHA256 over an unambiguous encoding of every field; returned as base64. */
export function computeProof(key: Buffer, input: ProofInput): string {
  const message = lengthPrefixed([
    Buffer.from('party-pool/v1 auth'),
    Buffer.from(input.purpose),
    Buffer.from(input.role),
    Buffer.from(input.name),
    input.nonce,
    input.channelBinding,
  ]);
  return crypto.createHmac('sha256', key).update(message).digest('base64');
}

/** Recompute and compare in constant time. */
export function verifyProof(key: Buffer, input: ProofInput, proof: string): boolean {
  const expected = Buffer.from(computeProof(key, input), 'base64');
  const given = Buffer.from(proof, 'base64');
  return given.length === expected.length && crypto.timingSafeEqual(given, expected);
}
