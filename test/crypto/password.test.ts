import assert from 'node:assert/strict';
import { test } from 'node:test';
import { config } from '../../config.js';
import { hashPassword, verifyPassword } from '../../src/crypto/password.js';
import { checkPassword } from '../../src/protocol/passwords.js';

const cost = config.accounts.scrypt;

test('scrypt hashes record their cost, use a fresh salt, and verify in constant time', async () => {
  const [a, b] = await Promise.all([hashPassword('correct horse', cost), hashPassword('correct horse', cost)]);
  assert.match(a, /^scrypt\$32768\$8\$1\$/);
  assert.notEqual(a, b, 'a per-hash random salt');
  assert.equal(await verifyPassword('correct horse', a, cost.maxmem), true);
  assert.equal(await verifyPassword('correct horsE', a, cost.maxmem), false);
  // Unicode is normalised (NFC), so the same password typed on another keyboard still matches.
  const composed = await hashPassword('caf\u00e9 au lait', cost);
  assert.equal(await verifyPassword('cafe\u0301 au lait', composed, cost.maxmem), true);
});

test('a damaged or hostile stored hash is refused, never expensive', async () => {
  for (const bad of ['', 'plain', 'scrypt$1$2$3', 'argon2$x$y$z$a$b', 'scrypt$4194304$8$1$AAAA$' + 'A'.repeat(44), 'scrypt$32768$8$1$AAAA$AAAA']) {
    assert.equal(await verifyPassword('anything', bad, cost.maxmem), false, bad);
  }
});

test('password rule: 8-256 characters, no control characters', () => {
  assert.equal(checkPassword('12345678', 8, 256), undefined);
  assert.equal(checkPassword('1234567', 8, 256), 'PASSWORD_INVALID');
  assert.equal(checkPassword('x'.repeat(257), 8, 256), 'PASSWORD_INVALID');
  assert.equal(checkPassword('ok but\nnewline', 8, 256), 'PASSWORD_INVALID');
  assert.equal(checkPassword('😀'.repeat(8), 8, 256), undefined, 'counted in characters, not bytes');
});
