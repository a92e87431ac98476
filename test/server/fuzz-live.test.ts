// Live fuzzing: fast-check builds hostile byte streams (random bytes, invalid UTF-8, deep JSON,
// wrong types, huge numbers, unknown types, oversized and empty frames, valid frames in between),
// cuts them at random points and sends them to a real server over TLS, logged in or not, while
// two other users keep chatting. The server must never crash or send an invalid message, the
// offender must get an error code or be disconnected, and the chat must go on after every run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isErrorCode } from '../../src/common/errors.js';
import { encodeFrame } from '../../src/protocol/frame.js';
import { RawClient, loggedIn } from '../helpers/raw-client.js';
import { serverFor, waitUntil } from '../helpers/server.js';

const MAX_FRAME = 64 * 1024;

function frameOf(payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length, 0);
  return Buffer.concat([header, payload]);
}

const json = (value: unknown): Buffer => frameOf(Buffer.from(JSON.stringify(value)));
const knownTypes = ['hello', 'auth', 'say', 'command', 'ping', 'pong', 'bye'];

/** Frames the server must refuse (each one alone earns an error or a disconnect). */
const invalidFrame: fc.Arbitrary<Buffer> = fc.oneof(
  // Not UTF-8: 0xff never appears in UTF-8.
  fc.uint8Array({ minLength: 0, maxLength: 2000 }).map((bytes) => frameOf(Buffer.concat([Buffer.from([0xff]), Buffer.from(bytes)]))),
  // Broken UTF-8 inside otherwise good JSON.
  fc.constant(frameOf(Buffer.concat([Buffer.from('{"type":"say","id":1,"text":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]))),
  // Deep nesting, balanced or not.
  fc.tuple(fc.integer({ min: 1, max: 20_000 }), fc.boolean()).map(([depth, closed]) => frameOf(Buffer.from('{"type":"say","id":1,"text":' + '['.repeat(depth) + (closed ? ']'.repeat(depth) : '') + '}'))),
  // Any JSON value that is not a message.
  fc.jsonValue({ maxDepth: 4 }).filter((v) => typeof v !== 'object' || v === null || Array.isArray(v) || !('type' in v)).map(json),
  // Unknown types.
  fc.string({ maxLength: 40 }).filter((type) => !knownTypes.includes(type)).map((type) => json({ type, id: 1 })),
  // Known types with a field of the wrong type or out of range.
  fc.record({ type: fc.constant('say'), id: fc.oneof(fc.string(), fc.constant(-1), fc.constant(1.5), fc.constant(Number.MAX_SAFE_INTEGER + 2), fc.constant(1e308)), text: fc.string() }).map(json),
  fc.record({ type: fc.constant('say'), id: fc.nat(), text: fc.oneof(fc.integer(), fc.array(fc.string()), fc.constant(null), fc.constant('x'.repeat(20_001))) }).map(json),
  fc.record({ type: fc.constant('command'), id: fc.nat(), name: fc.oneof(fc.constant(''), fc.constant('n'.repeat(33)), fc.integer()), args: fc.string() }).map(json),
  fc.record({ type: fc.constant('hello'), versions: fc.oneof(fc.constant([]), fc.array(fc.integer({ min: 1001 }), { minLength: 1, maxLength: 3 }), fc.string()), client: fc.string() }).map(json),
  fc.record({ type: fc.constant('auth'), name: fc.string({ maxLength: 100 }), role: fc.constantFrom('user', 'root', 'admin', 7), proof: fc.oneof(fc.string(), fc.constant('!!not base64!!')) }).map(json),
  // Frames that end the connection: too large, or empty.
  fc.integer({ min: MAX_FRAME + 1, max: 0xffffffff }).map((length) => {
    const header = Buffer.alloc(4);
    header.writeUInt32BE(length, 0);
    return header;
  }),
  fc.constant(Buffer.alloc(4)),
);

/** Frames a well-behaved client might send, mixed in between. */
const validFrame: fc.Arbitrary<Buffer> = fc.oneof(
  fc.constant(encodeFrame({ type: 'ping' })),
  fc.constant(encodeFrame({ type: 'pong' })),
  fc.string({ minLength: 1, maxLength: 50 }).map((text) => encodeFrame({ type: 'say', id: 7, text })),
  fc.constantFrom('online', 'ip', 'help', 'nope').map((name) => encodeFrame({ type: 'command', id: 8, name, args: '' })),
);

const attack = fc.record({
  loggedIn: fc.boolean(),
  frames: fc.tuple(invalidFrame, fc.array(fc.oneof(invalidFrame, validFrame), { maxLength: 8 })).map(([first, rest]) => [first, ...rest]),
  cuts: fc.array(fc.nat(), { maxLength: 12 }),
});

function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    if (point > start) parts.push(bytes.subarray(start, point));
    start = point;
  }
  if (start < bytes.length) parts.push(bytes.subarray(start));
  return parts;
}

test('live fuzzing: hostile frames never crash the server or stop the chat; the offender gets an error code or a disconnect', async (tc) => {
  // Proof guesses in the attacks must not block the test's own address; that limit has its own tests.
  const t = await serverFor(tc, { maxSessionsPerAddress: 1000, authFailureLimit: 1_000_000 });
  try {
    const alice = await loggedIn(t.port, 'alice');
    const bob = await loggedIn(t.port, 'bob');
    let run = 0;
    await fc.assert(
      fc.asyncProperty(attack, async ({ loggedIn: logIn, frames, cuts }) => {
        run++;
        // RawClient throws if the server ever sends something that is not a valid message.
        const offender = await RawClient.connect(t.port);
        try {
          if (logIn) await offender.login(`fuzz${run}`);
          for (const part of split(Buffer.concat(frames), cuts)) offender.writeRaw(part);
          // A ping after the attack: its pong says the server has dealt with everything before it.
          const pongs = (): number => offender.received.filter((m) => m.type === 'pong').length;
          const before = pongs();
          offender.send({ type: 'ping' });
          await waitUntil(() => offender.closed || pongs() > before, 10_000, 'a pong or a disconnect');
          const errors = offender.received.flatMap((m) => (m.type === 'error' ? [m.code] : []));
          assert.ok(offender.closed || errors.length > 0, `no error and no disconnect for ${frames.length} frames`);
          for (const code of errors) assert.ok(isErrorCode(code), `unknown error code ${code}`);
        } finally {
          offender.destroy();
        }
        // The others chat on.
        const text = `still chatting after run ${run}`;
        assert.equal((await alice.answer(alice.say(text))).type, 'ack');
        await bob.waitFor('message', (m) => m.text === text);
      }),
      { numRuns: 60 },
    );
    assert.deepEqual(
      t.server.onlineNames().filter((name) => !name.startsWith('fuzz')),
      ['alice', 'bob'],
    );
    alice.destroy();
    bob.destroy();
  } finally {
    await t.close();
  }
});
