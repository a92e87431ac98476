// Bytes to messages in one place: frames split anywhere, every kind of bad payload answered with
// its code (and the request id when it has one), and a frame trickled in too many pieces refused.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { PartyPoolError } from '../../src/common/errors.js';
import { encodeFrame } from '../../src/protocol/frame.js';
import { CLIENT_MESSAGE_SHAPE, MessageReader, jsonShapeProblem, maxPiecesFor } from '../../src/protocol/message-reader.js';
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

test('the shape check refuses deep nesting and long lists before JSON.parse, and ignores brackets inside strings', () => {
  const limits = { maxDepth: 4, maxArrayItems: 3, maxObjectMembers: 2 };
  const problem = (text: string): string | undefined => jsonShapeProblem(Buffer.from(text), limits);
  assert.equal(problem('{"a":[[1]]}'), undefined);
  assert.equal(problem('{"a":[[[1]]]}'), undefined);
  assert.match(problem('{"a":[[[[1]]]]}') ?? '', /nested more than 4 levels/);
  assert.equal(problem('[1,2,3]'), undefined);
  assert.match(problem('[1,2,3,4]') ?? '', /more than 3 items/);
  assert.equal(problem('{"a":1,"b":[1,2,3]}'), undefined);
  assert.match(problem('{"a":1,"b":2,"c":3}') ?? '', /more than 2 fields/);
  // Brackets, commas and escaped quotes inside strings are text, not structure.
  assert.equal(problem('{"a":"[[[[[[,,,,,]]]]]]","b":"\\"[[[[[[\\\\"}'), undefined);
  assert.equal(problem('["é,ü,[[[[[", "\\u005b\\u005b"]'), undefined);
  // Not JSON at all is left to JSON.parse.
  assert.equal(problem(']]]]'), undefined);
});

test('a reader with a shape refuses a nested frame as MESSAGE_TOO_COMPLEX, cheaply; real messages pass', () => {
  const reader = new MessageReader(parseClientMessage, 64 * 1024, undefined, CLIENT_MESSAGE_SHAPE);
  const depth = 30_000;
  const nested = Buffer.from('{"type":"ping","x":' + '['.repeat(depth) + ']'.repeat(depth) + '}');
  const [payload] = reader.push(frame(nested));
  assert.ok(payload);
  const read = reader.read(payload);
  assert.deepEqual(read.ok ? 'ok' : read.code, 'MESSAGE_TOO_COMPLEX');
  const wide = Buffer.from(JSON.stringify({ type: 'hello', versions: Array.from({ length: 5000 }, () => 1), client: 'x' }));
  const [widePayload] = reader.push(frame(wide));
  assert.ok(widePayload);
  const wideRead = reader.read(widePayload);
  assert.equal(wideRead.ok ? 'ok' : wideRead.code, 'MESSAGE_TOO_COMPLEX');
  // The largest real client message: an auth resuming 1,100 rooms.
  const resume = Array.from({ length: 1100 }, (_, i) => ({ room: `#r${i}`, lastId: i }));
  const auth = { type: 'auth', name: 'alice', role: 'user', proof: 'AAAA', resume };
  const [authPayload] = reader.push(encodeFrame(auth));
  assert.ok(authPayload);
  assert.equal(reader.read(authPayload).ok, true);
});

test('any JSON a client may send passes the shape check (property)', () => {
  const shallow = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', maxDepth: 4 }, fc.string(), fc.integer(), fc.boolean(), fc.constant(null), tie('array'), tie('object')),
    array: fc.array(tie('value'), { maxLength: 20 }),
    object: fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 20 }),
  }));
  fc.assert(
    fc.property(shallow.object, (value) => {
      assert.equal(jsonShapeProblem(Buffer.from(JSON.stringify({ type: 'say', value })), CLIENT_MESSAGE_SHAPE), undefined);
    }),
  );
});
