// A device's identity key for direct messages: an X25519 key pair, made on first use and kept in
// the person's profile. What is stored is a 32-byte random seed; the key pair is derived from it
// with HPKE's DeriveKeyPair (RFC 9180 §7.1.3), so the public half can never disagree with the
// private half on disk. The device id is derived from the public key, so a server cannot give one
// key two ids or two keys one id without clients noticing.
import crypto from 'node:crypto';
import { PartyPoolError } from '../common/errors.js';
import type { HpkeKeyPair } from './hpke.js';
// The HPKE library is loaded only to derive a key pair (clients): the server only checks public
// keys and ids, and loading it would cost each server about 7 MB of resident memory.

export const DEVICE_SEED_BYTES = 32;
/** Bytes of a raw X25519 public key (hpke.ts's X25519_KEY_BYTES, without loading that module). */
const PUBLIC_KEY_BYTES = 32;
/** 16 characters of lower-case base32: 80 bits, short enough to type in `/devices remove`. */
export const DEVICE_ID_LENGTH = 16;
export const DEVICE_ID_PATTERN = /^[a-z2-7]{16}$/;
/** A raw 32-byte key as unpadded base64url is 43 characters. */
export const PUBLIC_KEY_TEXT_LENGTH = 43;
const DEVICE_ID_LABEL = 'party-pool/v3 device-id';
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** This device's key pair. `seed` is the secret to store; never log it or send it anywhere. */
export interface DeviceKeyPair {
  readonly id: string;
  /** Raw 32-byte X25519 public key. */
  readonly publicKey: Buffer;
  /** The public key as base64url without padding (the form on the wire and in the profile). */
  readonly publicKeyText: string;
  readonly seed: Buffer;
  /** The library's form of the pair, for sealing and opening. */
  readonly hpke: HpkeKeyPair;
}

/** Another device, as the server publishes it and the profile remembers it. */
export interface DevicePublicKey {
  readonly id: string;
  /** base64url, 43 characters. */
  readonly key: string;
}

/** RFC 4648 base32 (lower case, no padding) of the leading bits of `bytes`. */
function base32(bytes: Buffer, length: number): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

/** The device id of a raw public key: base32 of SHA-256(label ‖ key), first 80 bits. */
export function deviceIdOf(publicKey: Uint8Array): string {
  const digest = crypto.createHash('sha256').update(DEVICE_ID_LABEL).update(publicKey).digest();
  return base32(digest, DEVICE_ID_LENGTH);
}

/** base64url without padding. */
export function encodeKey(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/** The raw bytes of a public key in its text form, or undefined when it is not one. */
export function decodePublicKey(text: string): Buffer | undefined {
  if (text.length !== PUBLIC_KEY_TEXT_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  // Only canonical encodings: the last character may not carry stray bits.
  return bytes.length === PUBLIC_KEY_BYTES && encodeKey(bytes) === text ? bytes : undefined;
}

/**
 * Check a device as published by the server: a well-formed key whose id is the one derived from
 * it. Throws DEVICE_KEY_INVALID otherwise (a broken or dishonest server; nothing is recorded).
 */
export function checkDevicePublicKey(device: DevicePublicKey): Buffer {
  const key = decodePublicKey(device.key);
  if (key === undefined) throw new PartyPoolError('DEVICE_KEY_INVALID', `The server sent a malformed key for device ${device.id.slice(0, 32)}.`);
  if (device.id !== deviceIdOf(key)) throw new PartyPoolError('DEVICE_KEY_INVALID', `The server sent device id ${device.id.slice(0, 32)} with a key that does not belong to it.`);
  return key;
}

/** A fresh random seed for a new device key. */
export function newDeviceSeed(): Buffer {
  return crypto.randomBytes(DEVICE_SEED_BYTES);
}

/** The key pair a seed stands for (deterministic). */
export async function deviceKeyFromSeed(seed: Uint8Array): Promise<DeviceKeyPair> {
  if (seed.length !== DEVICE_SEED_BYTES) throw new RangeError(`A device seed is ${DEVICE_SEED_BYTES} bytes.`);
  const { hpkeSuite } = await import('./hpke.js');
  const kem = hpkeSuite().kem;
  const hpke = await kem.deriveKeyPair(seed);
  const publicKey = Buffer.from(await kem.serializePublicKey(hpke.publicKey));
  return { id: deviceIdOf(publicKey), publicKey, publicKeyText: encodeKey(publicKey), seed: Buffer.from(seed), hpke };
}

/** A new device key pair from a fresh seed. */
export async function newDeviceKey(): Promise<DeviceKeyPair> {
  return deviceKeyFromSeed(newDeviceSeed());
}
