// Package keys (issue 11, item 1) and the small crypto around OPAQUE logins: a package proof
// verifies only for its own key and exactly the login it was made for; the account binding ties
// an OPAQUE session key to one TLS channel; a server-named scrypt prehash is bounded before any
// memory is allocated.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accountBinding, verifyAccountBinding } from '../../src/crypto/opaque.js';
import { newPackageKey, packagePublicKey, signPackageProof, verifyPackageProof } from '../../src/crypto/package-key.js';
import { computePrehash, hashPassword, parseScryptHash, prehashInput } from '../../src/crypto/password.js';
import { newNonce } from '../../src/crypto/auth-proof.js';

test('a package proof verifies for its key and login only: package id, kind, role, name, nonce and channel are all covered', () => {
  const key = newPackageKey();
  assert.equal(key.seed.length, 32);
  assert.deepEqual(packagePublicKey(key.seed), key.publicKey);
  const input = { packageId: 'abcdefgh2345', kind: 'client', role: 'user', name: 'ann', nonce: newNonce(), channelBinding: Buffer.alloc(32, 3) };
  const proof = signPackageProof(key.seed, input);
  assert.equal(verifyPackageProof(key.publicKey, input, proof), true);
  assert.equal(verifyPackageProof(newPackageKey().publicKey, input, proof), false, 'another package');
  for (const changed of [{ packageId: 'abcdefgh2346' }, { kind: 'root' }, { role: 'root' }, { name: 'bob' }, { nonce: newNonce() }, { channelBinding: Buffer.alloc(32, 4) }]) {
    assert.equal(verifyPackageProof(key.publicKey, { ...input, ...changed }, proof), false, JSON.stringify(changed));
  }
  assert.equal(verifyPackageProof(key.publicKey, input, 'AAAA'), false);
  assert.equal(verifyPackageProof(Buffer.alloc(5), input, proof), false, 'a damaged public key');
  assert.throws(() => signPackageProof(Buffer.alloc(31), input), RangeError);
});

test('the account binding: the same session key and channel agree; another channel or key does not', () => {
  const key = Buffer.alloc(64, 9);
  const input = { role: 'user', name: 'ann', channelBinding: Buffer.alloc(32, 1) };
  const binding = accountBinding(key, input);
  assert.equal(verifyAccountBinding(key, input, binding), true);
  assert.equal(verifyAccountBinding(key, { ...input, channelBinding: Buffer.alloc(32, 2) }, binding), false);
  assert.equal(verifyAccountBinding(Buffer.alloc(64, 8), input, binding), false);
  assert.equal(verifyAccountBinding(key, { ...input, name: 'bob' }, binding), false);
});

test('a migrated scrypt hash and the client\'s prehash of the password are the same input; hostile parameters are refused before allocating', async () => {
  const stored = await hashPassword('correct horse', { N: 2 ** 10, r: 8, p: 1, keyLength: 32, saltBytes: 16, maxmem: 64 * 1024 * 1024 });
  const parsed = parseScryptHash(stored);
  assert.ok(parsed);
  assert.equal(await computePrehash('correct horse', parsed.prehash), prehashInput(parsed.hash));
  assert.notEqual(await computePrehash('correct horsE', parsed.prehash), prehashInput(parsed.hash));
  for (const hostile of [{ N: 2 ** 21 }, { N: 3000 }, { r: 64 }, { p: 32 }, { N: 2 ** 20, r: 8 }]) {
    await assert.rejects(computePrehash('x', { ...parsed.prehash, ...hostile }), RangeError, JSON.stringify(hostile));
  }
  assert.equal(parseScryptHash('argon2$1$2$3$4$5'), undefined);
});
