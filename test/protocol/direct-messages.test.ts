import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newDeviceKey } from '../../src/crypto/device-key.js';
import { MAX_DIRECT_BODY_BYTES, MAX_DIRECT_BODY_TEXT, newMessageId, sealDirect } from '../../src/crypto/direct-seal.js';
import { encodeFrame } from '../../src/protocol/frame.js';
import { MAX_DEVICES_PER_ACCOUNT, MAX_DIRECT_BODY_WIRE, MAX_ENVELOPES, authDirectFieldsSchema, directClientMessageSchema, directServerMessageSchema } from '../../src/protocol/direct-messages.js';
import { DIRECT_TEXT_MAX, encodeDirectPayload, parseDirectPayload } from '../../src/protocol/direct-payload.js';

// The default frame limit (config.ts maxFrameBytes): a full direct message must fit in one frame.
const FRAME_LIMIT = 64 * 1024;

test('the wire limit on a body matches what sealDirect produces at most', () => {
  assert.equal(MAX_DIRECT_BODY_WIRE, MAX_DIRECT_BODY_TEXT);
});

test('a largest direct message (biggest body, every envelope) parses and fits in one frame', async () => {
  const keys = await Promise.all(Array.from({ length: MAX_ENVELOPES + 1 }, () => newDeviceKey()));
  const [sender, ...devices] = keys;
  assert.ok(sender);
  const context = { messageId: newMessageId(), time: new Date().toISOString(), fileId: 'x'.repeat(64) };
  const sealed = await sealDirect(sender, devices.map((d) => ({ id: d.id, key: d.publicKeyText })), context, Buffer.alloc(MAX_DIRECT_BODY_BYTES, 0xf0));
  const send = { type: 'direct', id: 1, to: 'b'.repeat(24), ...context, ...sealed };
  assert.ok(directClientMessageSchema.safeParse(send).success);
  assert.ok(encodeFrame(send).length < FRAME_LIMIT, `frame of ${encodeFrame(send).length} bytes`);
  const [envelope] = sealed.envelopes;
  assert.ok(envelope);
  const delivery = { type: 'direct', seq: 9, messageId: context.messageId, from: 'alice', fromDevice: sender.id, to: 'bob', time: context.time, body: sealed.body, envelope, stored: true };
  assert.ok(directServerMessageSchema.safeParse(delivery).success);
  // One envelope too many, a bad device id, an oversized body: refused by the schema.
  const extra = { ...envelope, device: 'a'.repeat(16) };
  assert.equal(directClientMessageSchema.safeParse({ ...send, envelopes: [...sealed.envelopes, extra] }).success, false);
  assert.equal(directClientMessageSchema.safeParse({ ...send, envelopes: [{ ...envelope, device: 'NOT-AN-ID' }] }).success, false);
  assert.equal(directClientMessageSchema.safeParse({ ...send, body: 'A'.repeat(MAX_DIRECT_BODY_WIRE + 1) }).success, false);
  assert.equal(MAX_ENVELOPES, 2 * MAX_DEVICES_PER_ACCOUNT);
});

test('auth carries the device key and resume cursor; a malformed key is refused', async () => {
  const device = await newDeviceKey();
  assert.ok(authDirectFieldsSchema.safeParse({ device: { key: device.publicKeyText }, directAfter: 12 }).success);
  assert.equal(authDirectFieldsSchema.safeParse({ device: { key: device.publicKeyText + 'A' } }).success, false);
  assert.equal(authDirectFieldsSchema.safeParse({ directAfter: -1 }).success, false);
});

test('the sealed payload round-trips; a 2,000-character text of 4-byte characters fits the body limit', () => {
  const text = '\u{1F600}'.repeat(DIRECT_TEXT_MAX);
  const bytes = encodeDirectPayload({ v: 1, kind: 'text', from: 'alice', to: 'bob', text });
  assert.ok(bytes.length <= MAX_DIRECT_BODY_BYTES, `${bytes.length} bytes`);
  assert.deepEqual(parseDirectPayload(bytes), { v: 1, kind: 'text', from: 'alice', to: 'bob', text });
  assert.equal(parseDirectPayload(Buffer.from('{"v":1,"kind":"text","from":"a/b","to":"bob","text":"x"}')), undefined);
  assert.equal(parseDirectPayload(Buffer.from([0xff, 0xfe])), undefined);
  assert.equal(parseDirectPayload(Buffer.from('{"v":2,"kind":"text","from":"a","to":"b","text":"x"}')), undefined);
});
