// Bytes to messages in one place: frames split anywhere, every kind of bad payload answered with
// its code (and the request id when it has one), and a frame trickled in too many pieces refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PartyPoolError } from '../../src/common/errors.js';
import { encodeFrame } from '../../src/protocol/frame.js';
import { MessageReader, maxPiecesFor } from '../../src/protocol/message-reader.js';
import { parseClientMessage } from '../../src/protocol/messages.js';

function frame(payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length, 0);
  return Buffer.concat([header, payload]);
}

test('frames split at every byte come out whole and typed', () => {
  const reader = new MessageReader(parseClientMessage, 64 * 1024);
  const bytes = Buffer.concat([encodeFrame({ type: 'ping' }), encodeFrame({ type: 'say', id: 7, text: 'héllo' })]);
  const payloads: Buffer[] = [];
  for (let i = 0; i < bytes.length; i++) payloads.push(...reader.push(bytes.subarray(i, i + 1)));
  assert.deepEqual(
    payloads.map((p) => reader.read(p)),
    [
      { ok: true, message: { type: 'ping' } },
      { ok: true, message: { type: 'say', id: 7, text: 'héllo' } },
    ],
  );
});

test('bad payloads are tagged with their code, and with the request id when they have one', () => {
  const reader = new MessageReader(parseClientMessage, 64 * 1024);
  const read = (text: Buffer): string => {
    const [payload] = reader.push(frame(text));
    assert.ok(payload);
    const result = reader.read(payload);
    return result.ok ? 'ok' : `${result.code}${result.ref === undefined ? '' : `@${result.ref}`}`;
  };
  assert.equal(read(Buffer.from([0xc3, 0x28])), 'BAD_ENCODING');
  assert.equal(read(Buffer.from('{"type":')), 'BAD_JSON');
  assert.equal(read(Buffer.from('{"type":"launch"}')), 'BAD_MESSAGE');
  assert.equal(read(Buffer.from('{"type":"say","id":12}')), 'BAD_MESSAGE@12');
});

test('a frame trickled in more pieces than the cap is refused (FRAME_FRAGMENTED); whole frames never are', () => {
  const reader = new MessageReader(parseClientMessage, 64 * 1024, 8);
  // Many complete frames, one read each: the count starts again at every frame.
  for (let i = 0; i < 100; i++) assert.equal(reader.push(encodeFrame({ type: 'pong' })).length, 1);
  const bytes = encodeFrame({ type: 'say', id: 1, text: 'x'.repeat(50) });
  assert.throws(
    () => {
      for (let i = 0; i < bytes.length; i++) reader.push(bytes.subarray(i, i + 1));
    },
    (error: unknown) => error instanceof PartyPoolError && error.code === 'FRAME_FRAGMENTED',
  );
  assert.ok(maxPiecesFor(64 * 1024) >= 1024, 'the default leaves real clients plenty of room');
});
