import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PartyPoolError } from '../../src/common/errors.js';
import { FrameDecoder, decodePayload, encodeFrame } from '../../src/protocol/frame.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof PartyPoolError ? error.code : 'not-a-party-pool-error';
  }
  return undefined;
}

test('a frame split at every byte boundary decodes to the same message', () => {
  const frame = Buffer.concat([encodeFrame({ type: 'say', id: 1, text: 'héllo ✓' }), encodeFrame({ type: 'ping' })]);
  for (let cut = 0; cut <= frame.length; cut++) {
    const decoder = new FrameDecoder(1024);
    const payloads = [...decoder.push(frame.subarray(0, cut)), ...decoder.push(frame.subarray(cut))];
    assert.deepEqual(payloads.map(decodePayload), [{ type: 'say', id: 1, text: 'héllo ✓' }, { type: 'ping' }]);
  }
});

test('a frame fed one byte at a time decodes', () => {
  const frame = encodeFrame({ type: 'hello', versions: [1], client: 'x' });
  const decoder = new FrameDecoder(1024);
  const payloads: Buffer[] = [];
  for (const byte of frame) payloads.push(...decoder.push(Buffer.from([byte])));
  assert.equal(payloads.length, 1);
  assert.equal(decoder.bufferedBytes, 0);
});

test('an oversized length is refused from the header alone, before any payload is buffered', () => {
  const decoder = new FrameDecoder(1024);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(1025, 0);
  assert.equal(codeOf(() => decoder.push(header)), 'FRAME_TOO_LARGE');
  assert.equal(decoder.bufferedBytes, 0);
  // Once failed, the decoder ignores further input instead of misreading it.
  assert.deepEqual(decoder.push(Buffer.from('anything')), []);
});

test('a frame exactly at the limit is accepted', () => {
  const decoder = new FrameDecoder(16);
  const payload = Buffer.from('"0123456789abcd"');
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length, 0);
  assert.equal(decoder.push(Buffer.concat([header, payload])).length, 1);
});

test('an empty frame is an error', () => {
  assert.equal(codeOf(() => new FrameDecoder(1024).push(Buffer.alloc(4))), 'FRAME_EMPTY');
});

test('invalid UTF-8 and invalid JSON have their own codes', () => {
  assert.equal(codeOf(() => decodePayload(Buffer.from([0xff, 0xfe, 0x7b]))), 'BAD_ENCODING');
  assert.equal(codeOf(() => decodePayload(Buffer.from('{"type":'))), 'BAD_JSON');
  assert.equal(codeOf(() => decodePayload(Buffer.from('['.repeat(60_000)))), 'BAD_JSON');
});
