import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PartyPoolError } from '../../src/common/errors.js';
import { newPackageId, openWithPasskey, sealWithPasskey, type SealedEnvelope } from '../../src/crypto/seal.js';
import { PACKAGE_ID_PATTERN, parseSealedContent, parseSealedFile } from '../../src/protocol/sealed-file.js';

// A low cost keeps these unit tests fast; the packaging test seals at the real 600,000.
const ITERATIONS = 1000;
const LIMITS = { minIterations: ITERATIONS, maxIterations: 10_000_000 };
const header = { id: 'abcdefgh2345', kind: 'client', version: '1.0.0' };
const secret = Buffer.from('{"addresses":["pp-seal-test.invalid:1"]}');

function codeOf(error: unknown): string {
  return error instanceof PartyPoolError ? error.code : String(error);
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error) => codeOf(error) === code);
}

test('sealed data opens with the passkey and only with it', async () => {
  const sealed = await sealWithPasskey(secret, 'the-passkey-1', header, ITERATIONS);
  assert.deepEqual(await openWithPasskey(sealed, 'the-passkey-1', LIMITS), secret);
  await rejectsWith(openWithPasskey(sealed, 'the-passkey-2', LIMITS), 'AUTH_FAILED');
  assert.ok(!JSON.stringify(sealed).includes('pp-seal-test'), 'nothing readable leaks');
  assert.ok(!JSON.stringify(sealed).includes('the-passkey-1'));
});

test('each seal uses a fresh salt and IV', async () => {
  const a = await sealWithPasskey(secret, 'the-passkey-1', header, ITERATIONS);
  const b = await sealWithPasskey(secret, 'the-passkey-1', header, ITERATIONS);
  assert.notEqual(a.kdf.salt, b.kdf.salt);
  assert.notEqual(a.iv, b.iv);
  assert.notEqual(a.ciphertext, b.ciphertext);
});

test('changing anything readable or sealed is PACKAGE_DAMAGED, never garbage', async () => {
  const sealed = await sealWithPasskey(secret, 'the-passkey-1', header, ITERATIONS);
  const flip = (b64: string): string => {
    const bytes = Buffer.from(b64, 'base64');
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    return bytes.toString('base64');
  };
  const variants: SealedEnvelope[] = [
    { ...sealed, package: { ...sealed.package, id: 'zzzzzzzz2345' } },
    { ...sealed, package: { ...sealed.package, kind: 'root' } },
    { ...sealed, package: { ...sealed.package, version: '9.9.9' } },
    { ...sealed, ciphertext: flip(sealed.ciphertext) },
    { ...sealed, tag: flip(sealed.tag) },
    { ...sealed, iv: flip(sealed.iv) },
  ];
  for (const variant of variants) await rejectsWith(openWithPasskey(variant, 'the-passkey-1', LIMITS), 'PACKAGE_DAMAGED');
});

test('a KDF cost outside the safe range is refused before any work', async () => {
  const sealed = await sealWithPasskey(secret, 'the-passkey-1', header, ITERATIONS);
  await rejectsWith(openWithPasskey({ ...sealed, kdf: { ...sealed.kdf, iterations: 999_999_999 } }, 'the-passkey-1', LIMITS), 'PACKAGE_DAMAGED');
  await rejectsWith(openWithPasskey(sealed, 'the-passkey-1', { minIterations: 600_000, maxIterations: 10_000_000 }), 'PACKAGE_DAMAGED');
});

test('the sealed file parser refuses malformed files with PACKAGE_DAMAGED', async () => {
  const sealed = await sealWithPasskey(secret, 'the-passkey-1', header, ITERATIONS);
  assert.equal(parseSealedFile(JSON.stringify(sealed)).package.id, header.id);
  for (const text of ['', 'not json', '[]', JSON.stringify({ ...sealed, format: 'other' }), JSON.stringify({ ...sealed, package: { ...sealed.package, id: 'UPPER' } })]) {
    assert.throws(() => parseSealedFile(text), (error) => codeOf(error) === 'PACKAGE_DAMAGED');
  }
  // Content that decrypts but belongs to another package is refused too.
  const envelope = parseSealedFile(JSON.stringify(sealed));
  const content = { packageId: 'otherpkg2345', kind: 'client', version: '1.0.0', serverName: 'x', addresses: ['a:1'], fingerprints: ['f'], issuedAt: '' };
  assert.throws(() => parseSealedContent(Buffer.from(JSON.stringify(content)), envelope), (error) => codeOf(error) === 'PACKAGE_DAMAGED');
});

test('package ids are 12 characters of lower-case base32 and do not repeat', () => {
  const ids = new Set(Array.from({ length: 500 }, () => newPackageId()));
  assert.equal(ids.size, 500);
  for (const id of ids) assert.match(id, PACKAGE_ID_PATTERN);
});
