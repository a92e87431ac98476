// Sealing, at two levels: crypto/seal.ts seals and opens bytes; the sealed server file
// (protocol/sealed-file.ts shape, link/packaged-server.ts putting them together) keeps opening
// files issued before, and refuses anything altered.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PartyPoolError } from '../../src/common/errors.js';
import { newSealSalt, openBytes, sealBytes, type SealParams } from '../../src/crypto/seal.js';
import { newPackageId, openPackagedServer, readPackageHeader, sealServerFile } from '../../src/link/packaged-server.js';
import { SLOT_BYTES } from '../../src/packaging/sealed-slot.js';
import { PACKAGE_ID_PATTERN, SEALED_CONTENT_BLOCK_BYTES, parseSealedContent, parseSealedFile, sealedEnvelope, sealedFields, sealedFileAdditionalData, type SealedFile } from '../../src/protocol/sealed-file.js';

// A low cost keeps the byte-level tests fast; the file-level ones use the real 600,000.
const ITERATIONS = 1000;
const LIMITS = { minIterations: ITERATIONS, maxIterations: 10_000_000 };
const secret = Buffer.from('{"addresses":["pp-seal-test.invalid:1"]}');

function codeOf(error: unknown): string {
  return error instanceof PartyPoolError ? error.code : String(error);
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error) => codeOf(error) === code);
}

function params(additionalData = Buffer.from('bound')): SealParams {
  return { salt: newSealSalt(), iterations: ITERATIONS, additionalData };
}

test('sealed bytes open with the passkey and only with it', async () => {
  const p = params();
  const sealed = await sealBytes(secret, 'the-passkey-1', p);
  assert.deepEqual(await openBytes(sealed, 'the-passkey-1', p, LIMITS), secret);
  await rejectsWith(openBytes(sealed, 'the-passkey-2', p, LIMITS), 'AUTH_FAILED');
  assert.ok(!sealed.ciphertext.toString('latin1').includes('pp-seal-test'), 'nothing readable leaks');
});

test('each seal uses a fresh IV (and the caller a fresh salt)', async () => {
  const p = params();
  const a = await sealBytes(secret, 'the-passkey-1', p);
  const b = await sealBytes(secret, 'the-passkey-1', p);
  assert.notDeepEqual(a.iv, b.iv);
  assert.notDeepEqual(a.ciphertext, b.ciphertext);
  assert.notDeepEqual(newSealSalt(), newSealSalt());
});

test('changing the additional data, ciphertext, tag or IV is PACKAGE_DAMAGED, never garbage', async () => {
  const p = params();
  const sealed = await sealBytes(secret, 'the-passkey-1', p);
  const flip = (bytes: Buffer): Buffer => {
    const copy = Buffer.from(bytes);
    copy[0] = (copy[0] ?? 0) ^ 1;
    return copy;
  };
  await rejectsWith(openBytes(sealed, 'the-passkey-1', { ...p, additionalData: Buffer.from('other') }, LIMITS), 'PACKAGE_DAMAGED');
  for (const variant of [{ ...sealed, ciphertext: flip(sealed.ciphertext) }, { ...sealed, tag: flip(sealed.tag) }, { ...sealed, iv: flip(sealed.iv) }]) {
    await rejectsWith(openBytes(variant, 'the-passkey-1', p, LIMITS), 'PACKAGE_DAMAGED');
  }
});

test('a KDF cost outside the safe range is refused before any work', async () => {
  const p = params();
  const sealed = await sealBytes(secret, 'the-passkey-1', p);
  await rejectsWith(openBytes(sealed, 'the-passkey-1', { ...p, iterations: 999_999_999 }, LIMITS), 'PACKAGE_DAMAGED');
  await rejectsWith(openBytes(sealed, 'the-passkey-1', p, { minIterations: 600_000, maxIterations: 10_000_000 }), 'PACKAGE_DAMAGED');
});

/** Seal a file at the test's low cost, the way link/packaged-server.ts does at the real one. */
async function lowCostFile(): Promise<SealedFile> {
  const header = { id: 'abcdefgh2345', kind: 'client', version: '1.0.0' } as const;
  const salt = newSealSalt();
  const kdf = { algorithm: 'pbkdf2-sha256', salt: salt.toString('base64'), iterations: ITERATIONS } as const;
  return sealedEnvelope(header, kdf, await sealBytes(secret, 'the-passkey-1', { salt, iterations: ITERATIONS, additionalData: sealedFileAdditionalData(header, kdf) }));
}

async function openLowCost(file: SealedFile): Promise<Buffer> {
  const p = { salt: Buffer.from(file.kdf.salt, 'base64'), iterations: file.kdf.iterations, additionalData: sealedFileAdditionalData(file.package, file.kdf) };
  return openBytes(sealedFields(file), 'the-passkey-1', p, LIMITS);
}

test('the readable header is bound to the ciphertext: editing it is PACKAGE_DAMAGED', async () => {
  const file = await lowCostFile();
  assert.deepEqual(await openLowCost(parseSealedFile(JSON.stringify(file))), secret);
  for (const variant of [{ ...file, package: { ...file.package, id: 'zzzzzzzz2345' } }, { ...file, package: { ...file.package, kind: 'root' as const } }, { ...file, package: { ...file.package, version: '9.9.9' } }]) {
    await rejectsWith(openLowCost(variant), 'PACKAGE_DAMAGED');
  }
});

test('the sealed file parser refuses malformed files with PACKAGE_DAMAGED', async () => {
  const file = await lowCostFile();
  assert.equal(parseSealedFile(JSON.stringify(file)).package.id, 'abcdefgh2345');
  for (const text of ['', 'not json', '[]', JSON.stringify({ ...file, format: 'other' }), JSON.stringify({ ...file, package: { ...file.package, id: 'UPPER' } })]) {
    assert.throws(() => parseSealedFile(text), (error) => codeOf(error) === 'PACKAGE_DAMAGED');
  }
  // Content that decrypts but belongs to another package is refused too.
  const content = { packageId: 'otherpkg2345', kind: 'client', version: '1.0.0', serverName: 'x', addresses: ['a:1'], fingerprints: ['f'], issuedAt: '' };
  assert.throws(() => parseSealedContent(Buffer.from(JSON.stringify(content)), file), (error) => codeOf(error) === 'PACKAGE_DAMAGED');
});

/** A sealed file made by the sealing code before it was split into crypto + protocol (commit 723956b): every issued package must keep opening. */
const ISSUED_BEFORE = JSON.stringify({
  format: 'party-pool-sealed',
  formatVersion: 1,
  package: { id: 'fixture2345a', kind: 'client', version: '1.0.0' },
  kdf: { algorithm: 'pbkdf2-sha256', salt: '2BS+kuUjuu5OE808571WWA==', iterations: 600000 },
  check: 'w9c/nSZ6P+3Jiph9LiQdjw6guLkHrM5C4DCHSMNq6bk=',
  cipher: 'aes-256-gcm',
  iv: 'WGfcXRy/36Nlv+nI',
  ciphertext:
    '6T60k6U6+tDlImvi11RY/c9x7roBNpPogj48ZfNescdUo1fArDZI6JOz71TgLUSvH4zxzK3C4JT2F+q1EvJ7S0iGEdeKaheQJ7T7ErV9iIAZ0WV1TTTa2Q95b0+SwmQrxd9T4Kz+ijJE9Ea5/zZkZ9w1kDe04c1Asu2IKkIV/7dPMOrXz9jeBrLWr1o6Uj/MAayIpfb7BK/kPwXElLiVBj/8qIDar5c45FiCZkN6sdq3qNn2mng8edKdhloVwjSsTlOgI51UlZVIC2B0s2SE+5xRmjySbkbah71she69BQ+PZ1Y/x1tRtFQJCQUiErL5wu52EFeGrHOOHUc=',
  tag: 'j08vP1OTzi6IQkV/aVRAKw==',
});

test('a package issued before still opens, with its addresses as pinned targets', async () => {
  assert.deepEqual(readPackageHeader(ISSUED_BEFORE), { id: 'fixture2345a', kind: 'client', version: '1.0.0' });
  const opened = await openPackagedServer(ISSUED_BEFORE, 'fixture-passkey');
  assert.deepEqual(opened.pin.targets, [
    { host: 'pp-fixture.invalid', port: 12345 },
    { host: '::1', port: 12345 },
  ]);
  await rejectsWith(openPackagedServer(ISSUED_BEFORE, 'not-the-passkey'), 'AUTH_FAILED');
});

test('the builder\'s sealing and the program\'s opening agree; the file names no address in the clear', async () => {
  const content = { packageId: newPackageId(), kind: 'root' as const, version: '2.0.0', serverName: 'Party Pool', addresses: ['pp-roundtrip.invalid:4000'], fingerprints: ['SHA256:x'], issuedAt: new Date().toISOString() };
  const text = await sealServerFile(content, 'round-trip-passkey', 600_000);
  assert.ok(text.endsWith('}\n'));
  assert.ok(!text.includes('pp-roundtrip'));
  const opened = await openPackagedServer(text, 'round-trip-passkey');
  assert.deepEqual(opened.content, content);
  const tampered = JSON.stringify({ ...(JSON.parse(text) as SealedFile), package: { id: content.packageId, kind: 'client', version: '2.0.0' } });
  await assert.rejects(openPackagedServer(tampered, 'round-trip-passkey'), (error) => codeOf(error) === 'PACKAGE_DAMAGED' && /server file is damaged or was altered \(integrity check failed\)/.test((error as Error).message));
});

test('package ids are 12 characters of lower-case base32 and do not repeat', () => {
  const ids = new Set(Array.from({ length: 500 }, () => newPackageId()));
  assert.equal(ids.size, 500);
  for (const id of ids) assert.match(id, PACKAGE_ID_PATTERN);
});

test('the sealed file does not reveal its content length: one address or eight, the ciphertext is the same size', async () => {
  const base = { kind: 'client' as const, version: '2.0.0', serverName: 'Party Pool', fingerprints: ['SHA256:' + 'x'.repeat(43), 'SHA256:' + 'y'.repeat(43)], issuedAt: new Date().toISOString() };
  const one = { ...base, packageId: newPackageId(), addresses: ['a.invalid:1'] };
  const eight = { ...base, packageId: newPackageId(), serverName: 'P'.repeat(256), addresses: Array.from({ length: 8 }, (_, i) => `pp-${'long-host-name-'.repeat(12)}${i}.invalid:65535`) };
  const [small, large] = await Promise.all([sealServerFile(one, 'padding-passkey', 600_000), sealServerFile(eight, 'padding-passkey', 600_000)]);
  const lengthOf = (text: string): number => Buffer.from((JSON.parse(text) as SealedFile).ciphertext, 'base64').length;
  assert.equal(lengthOf(small), SEALED_CONTENT_BLOCK_BYTES);
  assert.equal(lengthOf(large), lengthOf(small), 'same length whatever the content');
  assert.equal(small.length, large.length, 'the whole file too');
  // Both open to exactly what was sealed (the padding is whitespace JSON.parse ignores)...
  assert.deepEqual((await openPackagedServer(large, 'padding-passkey')).content, eight);
  // ...and the file stays far inside an executable's 32 KiB slot.
  assert.ok(large.length < SLOT_BYTES / 4, `${large.length} bytes`);
});
