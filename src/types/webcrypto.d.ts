// The HPKE library's declarations name WebCrypto's global CryptoKey, CryptoKeyPair and
// JsonWebKey. Node 20 has them at run time (globalThis.crypto), but @types/node declares them only
// under node:crypto's `webcrypto` namespace, not globally (that comes with the DOM lib).
import type { webcrypto } from 'node:crypto';

declare global {
  type CryptoKey = webcrypto.CryptoKey;
  type CryptoKeyPair = webcrypto.CryptoKeyPair;
  type JsonWebKey = webcrypto.JsonWebKey;
}
