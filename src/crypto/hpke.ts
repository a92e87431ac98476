// The one HPKE (RFC 9180) cipher suite Party Pool uses for direct messages, and the only place
// that imports the HPKE library: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM
// (KEM 0x0020, KDF 0x0001, AEAD 0x0002). Everything else goes through device-key.ts and
// direct-seal.ts, so swapping the implementation touches this file only.
import { Aes256Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';

/** Bytes of an X25519 public key, of a private key, and of the encapsulated key `enc`. */
export const X25519_KEY_BYTES = 32;

let suite: CipherSuite | undefined;

/** The suite, made on first use (the library keeps no global state, so one instance serves all). */
export function hpkeSuite(): CipherSuite {
  suite ??= new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes256Gcm() });
  return suite;
}

/** An HPKE key pair, as the library represents it (opaque to callers). */
export type HpkeKeyPair = CryptoKeyPair;
