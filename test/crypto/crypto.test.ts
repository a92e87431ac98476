import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeProof, newNonce, verifyProof } from '../../src/crypto/auth-proof.js';
import { fingerprintsMatch, isFingerprint } from '../../src/crypto/fingerprint.js';
import { deriveKey } from '../../src/crypto/kdf.js';

test('a proof verifies only for the same key, nonce, name, role and channel', async () => {
  const salt = Buffer.alloc(16, 1);
  const key = await deriveKey('passkey-one', { salt, iterations: 1000 });
  const other = await deriveKey('passkey-two', { salt, iterations: 1000 });
  const input = { purpose: 'passkey' as const, role: 'user', name: 'alice', nonce: newNonce(), channelBinding: Buffer.alloc(32, 7) };
  const proof = computeProof(key, input);
  assert.equal(verifyProof(key, input, proof), true);
  assert.equal(verifyProof(other, input, proof), false);
  assert.equal(verifyProof(key, { ...input, nonce: newNonce() }, proof), false);
  assert.equal(verifyProof(key, { ...input, name: 'mallory' }, proof), false);
  assert.equal(verifyProof(key, { ...input, role: 'root' }, proof), false);
  assert.equal(verifyProof(key, { ...input, purpose: 'root' }, proof), false);
  assert.equal(verifyProof(key, { ...input, channelBinding: Buffer.alloc(32, 8) }, proof), false);
  assert.equal(verifyProof(key, input, 'not base64 at all!'), false);
  assert.equal(verifyProof(key, input, ''), false);
});

test('fingerprints compare with or without prefix and padding', () => {
  const fp = 'SHA256:HWZZ4D+VwhfM+YBZKXfJ/2IVBZDY+EtbCSuwTj3Bw7M';
  assert.equal(isFingerprint(fp), true);
  assert.equal(isFingerprint('nonsense'), false);
  assert.equal(fingerprintsMatch(fp, 'sha256:HWZZ4D+VwhfM+YBZKXfJ/2IVBZDY+EtbCSuwTj3Bw7M='), true);
  assert.equal(fingerprintsMatch(fp, 'SHA256:AWZZ4D+VwhfM+YBZKXfJ/2IVBZDY+EtbCSuwTj3Bw7M'), false);
});
