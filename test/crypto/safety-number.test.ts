import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newDeviceKey } from '../../src/crypto/device-key.js';
import { fingerprintDigits, formatSafetyNumber, logicalKeyBytes, safetyNumber } from '../../src/crypto/safety-number.js';

// libsignal's published numeric-fingerprint test vector (NumericFingerprintGeneratorTest, and
// tests/test_fingerprint.c in libsignal-protocol-c): two 33-byte serialised identity keys, phone
// numbers as identifiers, 5200 iterations.
const ALICE_IDENTITY = Buffer.from('0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868', 'hex');
const BOB_IDENTITY = Buffer.from('05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b', 'hex');
const DISPLAYABLE_FINGERPRINT = '300354477692869396892869876765458257569162576843440918079131';

test("the construction reproduces libsignal's test vector, from either side", () => {
  const alice = { identifier: '+14152222222', keys: [ALICE_IDENTITY] };
  const bob = { identifier: '+14153333333', keys: [BOB_IDENTITY] };
  assert.equal(safetyNumber(alice, bob), DISPLAYABLE_FINGERPRINT);
  assert.equal(safetyNumber(bob, alice), DISPLAYABLE_FINGERPRINT);
  assert.equal(fingerprintDigits(ALICE_IDENTITY, '+14152222222').length, 30);
});

test('a safety number is 60 digits in 12 groups of 5, equal on both sides, for several devices too', async () => {
  const [a1, a2, b1, b2, b3] = await Promise.all([newDeviceKey(), newDeviceKey(), newDeviceKey(), newDeviceKey(), newDeviceKey()]);
  const alice = { identifier: 'alice', keys: [a1.publicKey, a2.publicKey] };
  const bob = { identifier: 'bob', keys: [b1.publicKey, b2.publicKey, b3.publicKey] };
  const number = safetyNumber(alice, bob);
  assert.match(number, /^\d{60}$/);
  assert.equal(safetyNumber(bob, alice), number);
  // Device order does not matter: the keys are sorted.
  assert.equal(safetyNumber({ identifier: 'bob', keys: [b3.publicKey, b1.publicKey, b2.publicKey] }, { identifier: 'alice', keys: [a2.publicKey, a1.publicKey] }), number);
  const formatted = formatSafetyNumber(number);
  assert.match(formatted, /^(\d{5} ){11}\d{5}$/);
  assert.equal(formatted.split(' ').length, 12);
});

test('the safety number changes when any key changes, a device is added or removed, or a name differs', async () => {
  const [a1, a2, b1, b2, x] = await Promise.all([newDeviceKey(), newDeviceKey(), newDeviceKey(), newDeviceKey(), newDeviceKey()]);
  const base = safetyNumber({ identifier: 'alice', keys: [a1.publicKey] }, { identifier: 'bob', keys: [b1.publicKey, b2.publicKey] });
  const variants = [
    safetyNumber({ identifier: 'alice', keys: [x.publicKey] }, { identifier: 'bob', keys: [b1.publicKey, b2.publicKey] }),
    safetyNumber({ identifier: 'alice', keys: [a1.publicKey] }, { identifier: 'bob', keys: [b1.publicKey, x.publicKey] }),
    safetyNumber({ identifier: 'alice', keys: [a1.publicKey, a2.publicKey] }, { identifier: 'bob', keys: [b1.publicKey, b2.publicKey] }),
    safetyNumber({ identifier: 'alice', keys: [a1.publicKey] }, { identifier: 'bob', keys: [b1.publicKey] }),
    safetyNumber({ identifier: 'carol', keys: [a1.publicKey] }, { identifier: 'bob', keys: [b1.publicKey, b2.publicKey] }),
  ];
  for (const variant of variants) assert.notEqual(variant, base);
  // A server that swaps bob's key for its own gives alice and bob different numbers.
  const aliceSees = safetyNumber({ identifier: 'alice', keys: [a1.publicKey] }, { identifier: 'bob', keys: [x.publicKey] });
  const bobSees = safetyNumber({ identifier: 'bob', keys: [b1.publicKey] }, { identifier: 'alice', keys: [a1.publicKey] });
  assert.notEqual(aliceSees, bobSees);
});

test('a party needs at least one key', () => {
  assert.throws(() => logicalKeyBytes([]), RangeError);
});
