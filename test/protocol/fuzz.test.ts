// Property-based attacks on the frame decoder and message parser: whatever bytes arrive, in
// whatever pieces, the decoder either yields frames or throws a coded PartyPoolError, and the
// parser either accepts a valid message or reports why — never anything else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { PartyPoolError } from '../../src/common/errors.js';
import { FrameDecoder, decodePayload, encodeFrame } from '../../src/protocol/frame.js';
import { parseClientMessage, parseServerMessage } from '../../src/protocol/messages.js';

const MAX = 4096;

function splitAt(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    parts.push(bytes.subarray(start, point));
    start = point;
  }
  parts.push(bytes.subarray(start));
  return parts;
}

const jsonValue = fc.jsonValue({ maxDepth: 6 });

test('valid frames split at random points always decode to the same values', () => {
  fc.assert(
    fc.property(fc.array(jsonValue, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 20 }), (values, cuts) => {
      const frames = values.map((v) => encodeFrame(v)).filter((f) => f.length - 4 <= MAX);
      const stream = Buffer.concat(frames);
      const decoder = new FrameDecoder(MAX);
      const out = splitAt(stream, cuts).flatMap((part) => decoder.push(part));
      assert.equal(out.length, frames.length);
      for (const [i, payload] of out.entries()) assert.deepEqual(payload, frames[i]?.subarray(4));
    }),
    { numRuns: 300 },
  );
});

test('random bytes never make the decoder do anything but frames or a coded error', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.nat(), { maxLength: 10 }), (bytes, cuts) => {
      const decoder = new FrameDecoder(MAX);
      try {
        for (const part of splitAt(Buffer.from(bytes), cuts)) {
          for (const payload of decoder.push(part)) {
            assert.ok(payload.length > 0 && payload.length <= MAX);
            try {
              parseClientMessage(decodePayload(payload));
            } catch (error) {
              assert.ok(error instanceof PartyPoolError, String(error));
              assert.ok(['BAD_ENCODING', 'BAD_JSON'].includes(error.code));
            }
          }
        }
      } catch (error) {
        assert.ok(error instanceof PartyPoolError, String(error));
        assert.ok(['FRAME_TOO_LARGE', 'FRAME_EMPTY'].includes(error.code));
      }
      assert.ok(decoder.bufferedBytes <= MAX + 4);
    }),
    { numRuns: 500 },
  );
});

test('declared lengths beyond the limit are refused however they arrive', () => {
  fc.assert(
    fc.property(fc.integer({ min: MAX + 1, max: 0xffffffff }), fc.nat({ max: 4 }), (length, cut) => {
      const header = Buffer.alloc(4);
      header.writeUInt32BE(length, 0);
      const decoder = new FrameDecoder(MAX);
      assert.throws(
        () => {
          decoder.push(header.subarray(0, cut));
          decoder.push(header.subarray(cut));
        },
        (error: unknown) => error instanceof PartyPoolError && error.code === 'FRAME_TOO_LARGE',
      );
    }),
  );
});

const mutatedMessage = fc.oneof(
  fc.record({ type: fc.constantFrom('say', 'command', 'auth', 'hello', 'ping', 'bye', 'pong', 'nope'), id: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)), text: fc.oneof(fc.string(), fc.integer(), fc.array(fc.string())), name: fc.anything(), args: fc.anything(), versions: fc.anything() }, { requiredKeys: ['type'] }),
  fc.anything(),
  fc.record({ type: fc.constant('say'), id: fc.constantFrom(Number.MAX_SAFE_INTEGER + 1, -1, 1e308, Number.NaN), text: fc.string() }),
);

test('the parsers accept only well-formed messages and never throw', () => {
  fc.assert(
    fc.property(mutatedMessage, (value) => {
      const client = parseClientMessage(value);
      const server = parseServerMessage(value);
      for (const result of [client, server]) {
        if (result.ok) assert.equal(typeof result.message.type, 'string');
        else assert.equal(typeof result.detail, 'string');
      }
      if (client.ok && client.message.type === 'say') {
        assert.ok(Number.isSafeInteger(client.message.id) && client.message.id >= 0);
        assert.equal(typeof client.message.text, 'string');
      }
    }),
    { numRuns: 2000 },
  );
});

test('deeply nested JSON gives BAD_JSON or an invalid message, never a crash', () => {
  for (const depth of [10, 1000, 20_000]) {
    const payload = Buffer.from('{"type":"say","id":1,"text":' + '['.repeat(depth) + ']'.repeat(depth) + '}');
    let value: unknown;
    try {
      value = decodePayload(payload);
    } catch (error) {
      assert.ok(error instanceof PartyPoolError && error.code === 'BAD_JSON');
      continue;
    }
    assert.equal(parseClientMessage(value).ok, false);
  }
});
