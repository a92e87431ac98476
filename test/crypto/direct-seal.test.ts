import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PartyPoolError } from '../../src/common/errors.js';
import { newContentKey, openChunk, sealChunk } from '../../src/crypto/content-cipher.js';
import { checkDevicePublicKey, decodePublicKey, deviceIdOf, deviceKeyFromSeed, newDeviceKey, newDeviceSeed, type DeviceKeyPair, type DevicePublicKey } from '../../src/crypto/device-key.js';
import { MAX_DIRECT_BODY_BYTES, envelopeAssociatedData, newMessageId, openDirect, sealDirect, type DirectContext, type DirectEnvelope, type SealedDirect } from '../../src/crypto/direct-seal.js';

function codeOf(error: unknown): string {
  return error instanceof PartyPoolError ? error.code : String(error);
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error) => codeOf(error) === code);
}

const publicOf = (device: DeviceKeyPair): DevicePublicKey => ({ id: device.id, key: device.publicKeyText });
const text = Buffer.from('{"v":1,"kind":"text","from":"alice","to":"bob","text":"meet at 8, the door code is 4711"}');

function envelopeFor(sealed: SealedDirect, device: DeviceKeyPair): DirectEnvelope {
  const found = sealed.envelopes.find((envelope) => envelope.device === device.id);
  assert.ok(found, `an envelope for ${device.id}`);
  return found;
}

/** Flip one bit of a base64url field, keeping it canonical and the same length. */
function flip(field: string, byte = 0): string {
  const bytes = Buffer.from(field, 'base64url');
  bytes[byte] = (bytes[byte] ?? 0) ^ 1;
  return bytes.toString('base64url');
}

test('a device key is derived from its seed: same seed, same key and id; the id is derived from the key', async () => {
  const seed = newDeviceSeed();
  const a = await deviceKeyFromSeed(seed);
  const b = await deviceKeyFromSeed(Buffer.from(seed));
  assert.equal(a.publicKeyText, b.publicKeyText);
  assert.equal(a.id, b.id);
  assert.match(a.id, /^[a-z2-7]{16}$/);
  assert.equal(a.id, deviceIdOf(a.publicKey));
  assert.equal(a.publicKey.length, 32);
  assert.equal(a.publicKeyText.length, 43);
  assert.deepEqual(decodePublicKey(a.publicKeyText), a.publicKey);
  const other = await newDeviceKey();
  assert.notEqual(other.id, a.id);
  assert.ok(!a.publicKeyText.includes(seed.toString('base64url')), 'the public form carries no secret');
});

test('malformed keys and ids that do not belong to their key are DEVICE_KEY_INVALID', async () => {
  const device = await newDeviceKey();
  const other = await newDeviceKey();
  assert.equal(decodePublicKey('short'), undefined);
  assert.equal(decodePublicKey(device.publicKeyText + 'A'), undefined);
  assert.equal(decodePublicKey(device.publicKeyText.slice(0, 42) + '+'), undefined);
  assert.throws(() => checkDevicePublicKey({ id: device.id, key: 'x'.repeat(43) + '=' }), (error) => codeOf(error) === 'DEVICE_KEY_INVALID');
  assert.throws(() => checkDevicePublicKey({ id: other.id, key: device.publicKeyText }), (error) => codeOf(error) === 'DEVICE_KEY_INVALID');
  assert.deepEqual(checkDevicePublicKey(publicOf(device)), device.publicKey);
});

test('sealDirect / openDirect round trip to every device; each device opens only its own envelope', async () => {
  const [alice1, alice2, bob1, bob2, bob3] = await Promise.all([newDeviceKey(), newDeviceKey(), newDeviceKey(), newDeviceKey(), newDeviceKey()]);
  const context: DirectContext = { messageId: newMessageId(), time: '2026-01-02T21:04:05.123Z' };
  const recipients = [bob1, bob2, bob3, alice2];
  const sealed = await sealDirect(alice1, recipients.map(publicOf), context, text);
  assert.equal(sealed.envelopes.length, 4);
  assert.ok(!JSON.stringify(sealed).includes('door code'), 'no plaintext in the sealed form');
  for (const device of recipients) {
    assert.deepEqual(await openDirect(device, publicOf(alice1), context, sealed.body, envelopeFor(sealed, device)), text);
  }
  // bob1 holding bob2's envelope cannot open it, nor can the sender's own device.
  await rejectsWith(openDirect(bob1, publicOf(alice1), context, sealed.body, { ...envelopeFor(sealed, bob2), device: bob1.id }), 'DECRYPT_FAILED');
  await rejectsWith(openDirect(bob1, publicOf(alice1), context, sealed.body, envelopeFor(sealed, bob2)), 'DECRYPT_FAILED');
  await rejectsWith(openDirect(alice1, publicOf(alice1), context, sealed.body, { ...envelopeFor(sealed, bob1), device: alice1.id }), 'DECRYPT_FAILED');
});

test('a tampered body, key envelope, or associated data never opens', async () => {
  const [alice, bob] = await Promise.all([newDeviceKey(), newDeviceKey()]);
  const context: DirectContext = { messageId: newMessageId(), time: '2026-01-02T21:04:05.123Z' };
  const sealed = await sealDirect(alice, [publicOf(bob)], context, text);
  const envelope = envelopeFor(sealed, bob);
  const open = (ctx: DirectContext, body: string, env: DirectEnvelope): Promise<Buffer> => openDirect(bob, publicOf(alice), ctx, body, env);
  assert.deepEqual(await open(context, sealed.body, envelope), text);
  const cases: [string, () => Promise<Buffer>][] = [
    ['body bit', () => open(context, flip(sealed.body, 3), envelope)],
    ['body tag', () => open(context, flip(sealed.body, Buffer.from(sealed.body, 'base64url').length - 1), envelope)],
    ['body truncated', () => open(context, sealed.body.slice(0, -4), envelope)],
    ['body empty', () => open(context, '', envelope)],
    ['enc', () => open(context, sealed.body, { ...envelope, enc: flip(envelope.enc) })],
    ['sealed key', () => open(context, sealed.body, { ...envelope, key: flip(envelope.key, 5) })],
    ['message id', () => open({ ...context, messageId: newMessageId() }, sealed.body, envelope)],
    ['time', () => open({ ...context, time: '2026-01-02T21:04:06.123Z' }, sealed.body, envelope)],
    ['file id added', () => open({ ...context, fileId: 'f1' }, sealed.body, envelope)],
    ['malformed enc', () => open(context, sealed.body, { ...envelope, enc: 'AAAA' })],
    ['oversized body', () => open(context, 'A'.repeat(20_000), envelope)],
  ];
  for (const [what, attempt] of cases) {
    await assert.rejects(attempt(), (error) => codeOf(error) === 'DECRYPT_FAILED', what);
  }
});

test('another sender key, or another recipient, cannot open or pass for the sender (auth mode)', async () => {
  const [alice, bob, mallory] = await Promise.all([newDeviceKey(), newDeviceKey(), newDeviceKey()]);
  const context: DirectContext = { messageId: newMessageId(), time: '2026-01-02T21:04:05.123Z' };
  const sealed = await sealDirect(alice, [publicOf(bob)], context, text);
  // Bob believes it came from mallory: fails (the seal is bound to alice's key).
  await rejectsWith(openDirect(bob, publicOf(mallory), context, sealed.body, envelopeFor(sealed, bob)), 'DECRYPT_FAILED');
  // Mallory tries to open bob's envelope with her own key.
  await rejectsWith(openDirect(mallory, publicOf(alice), context, sealed.body, { ...envelopeFor(sealed, bob), device: mallory.id }), 'DECRYPT_FAILED');
  // Mallory seals with her key but a server claims alice's device sent it.
  const forged = await sealDirect(mallory, [publicOf(bob)], context, Buffer.from('forged'));
  await rejectsWith(openDirect(bob, publicOf(alice), context, forged.body, envelopeFor(forged, bob)), 'DECRYPT_FAILED');
  // A malformed sender key is reported as such.
  await rejectsWith(openDirect(bob, { id: alice.id, key: 'A'.repeat(43) }, context, sealed.body, envelopeFor(sealed, bob)), 'DEVICE_KEY_INVALID');
});

test('a recipient who knows the content key cannot swap the body for another device', async () => {
  const [alice, bob1, bob2] = await Promise.all([newDeviceKey(), newDeviceKey(), newDeviceKey()]);
  const context: DirectContext = { messageId: newMessageId(), time: '2026-01-02T21:04:05.123Z' };
  const sealed = await sealDirect(alice, [publicOf(bob1), publicOf(bob2)], context, text);
  // Another message from alice with the same id (a replayed or spliced body) does not fit bob2's envelope.
  const other = await sealDirect(alice, [publicOf(bob1), publicOf(bob2)], context, Buffer.from('something else'));
  await rejectsWith(openDirect(bob2, publicOf(alice), context, other.body, envelopeFor(sealed, bob2)), 'DECRYPT_FAILED');
  // The envelope's associated data commits to the body's hash.
  const body = Buffer.from(sealed.body, 'base64url');
  assert.notDeepEqual(envelopeAssociatedData(alice.id, bob2.id, context, body), envelopeAssociatedData(alice.id, bob2.id, context, Buffer.from(other.body, 'base64url')));
});

test('a file key message binds the file id', async () => {
  const [alice, bob] = await Promise.all([newDeviceKey(), newDeviceKey()]);
  const context: DirectContext = { messageId: newMessageId(), time: '2026-01-02T21:04:05.123Z', fileId: 'file-17' };
  const sealed = await sealDirect(alice, [publicOf(bob)], context, text);
  assert.deepEqual(await openDirect(bob, publicOf(alice), context, sealed.body, envelopeFor(sealed, bob)), text);
  await rejectsWith(openDirect(bob, publicOf(alice), { ...context, fileId: 'file-18' }, sealed.body, envelopeFor(sealed, bob)), 'DECRYPT_FAILED');
  await rejectsWith(openDirect(bob, publicOf(alice), { messageId: context.messageId, time: context.time }, sealed.body, envelopeFor(sealed, bob)), 'DECRYPT_FAILED');
});

test('each seal uses fresh randomness; bad arguments are refused before sealing', async () => {
  const [alice, bob] = await Promise.all([newDeviceKey(), newDeviceKey()]);
  const context: DirectContext = { messageId: newMessageId(), time: '2026-01-02T21:04:05.123Z' };
  const a = await sealDirect(alice, [publicOf(bob)], context, text);
  const b = await sealDirect(alice, [publicOf(bob)], context, text);
  assert.notEqual(a.body, b.body);
  assert.notEqual(a.envelopes[0]?.enc, b.envelopes[0]?.enc);
  await assert.rejects(sealDirect(alice, [], context, text), RangeError);
  await assert.rejects(sealDirect(alice, [publicOf(bob), publicOf(bob)], context, text), RangeError);
  await assert.rejects(sealDirect(alice, [publicOf(bob)], context, Buffer.alloc(MAX_DIRECT_BODY_BYTES + 1)), RangeError);
  await assert.rejects(sealDirect(alice, [publicOf(bob)], { ...context, messageId: '' }, text), RangeError);
  await rejectsWith(sealDirect(alice, [{ id: bob.id, key: alice.publicKeyText }], context, text), 'DEVICE_KEY_INVALID');
  // The largest body still seals and opens.
  const big = Buffer.alloc(MAX_DIRECT_BODY_BYTES, 0x61);
  const sealed = await sealDirect(alice, [publicOf(bob)], context, big);
  assert.deepEqual(await openDirect(bob, publicOf(alice), context, sealed.body, envelopeFor(sealed, bob)), big);
});

test('content chunks (file streams) open only in place: same key, stream id, index and end mark', () => {
  const key = newContentKey();
  const file = { purpose: 'file', id: 'file-1' } as const;
  const chunks = [Buffer.from('first chunk'), Buffer.from('second chunk'), Buffer.from('last')];
  const sealed = chunks.map((chunk, index) => sealChunk(key, file, { index, final: index === chunks.length - 1 }, chunk));
  sealed.forEach((chunk, index) => assert.deepEqual(openChunk(key, file, { index, final: index === chunks.length - 1 }, chunk), chunks[index]));
  const sealedFirst = sealed[0] ?? Buffer.alloc(0);
  const sealedLast = sealed[2] ?? Buffer.alloc(0);
  const refuses = (run: () => unknown, what: string): void => assert.throws(run, (error) => codeOf(error) === 'DECRYPT_FAILED', what);
  refuses(() => openChunk(key, file, { index: 1, final: false }, sealedFirst), 'reordered');
  refuses(() => openChunk(key, file, { index: 0, final: true }, sealedFirst), 'truncated stream (a middle chunk posing as the last)');
  refuses(() => openChunk(key, file, { index: 2, final: false }, sealedLast), 'extended stream');
  refuses(() => openChunk(key, { purpose: 'file', id: 'file-2' }, { index: 0, final: false }, sealedFirst), 'moved to another file');
  refuses(() => openChunk(key, { purpose: 'direct-body', id: 'file-1' }, { index: 0, final: false }, sealedFirst), 'another purpose');
  refuses(() => openChunk(newContentKey(), file, { index: 0, final: false }, sealedFirst), 'another key');
  refuses(() => openChunk(key, file, { index: 0, final: false }, Buffer.alloc(3)), 'shorter than a tag');
  assert.throws(() => sealChunk(Buffer.alloc(16), file, { index: 0, final: true }, chunks[0] ?? Buffer.alloc(0)), RangeError);
});
