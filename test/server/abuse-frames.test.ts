// Attack: frames that cost the server work without being rate-limited. Before this, pings and
// pongs were free, nothing before login was counted, and a valid ping could carry a 64 KiB field
// nested 30,000 levels deep (unknown fields are ignored, after JSON.parse and the schema have
// walked them). Now every frame counts against a budget (a small one before login), the JSON's
// depth and widths are checked before it is parsed, a connection over budget is closed, and a
// command's arguments are bounded to what it needs. Meanwhile the people chatting notice nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeFrame } from '../../src/protocol/frame.js';
import { RawClient, loggedIn } from '../helpers/raw-client.js';
import { DEFAULT_FLOOD_LIMITS, serverFor } from '../helpers/server.js';

const STRANGER = '127.0.0.3';

/** A ping whose ignored extra field is `depth` nested lists: valid, and 2,000 times a ping's cost to parse. */
function nestedPing(depth: number): Buffer {
  const payload = Buffer.from('{"type":"ping","x":' + '['.repeat(depth) + ']'.repeat(depth) + '}');
  const header = Buffer.alloc(4);
  header.writeUInt32BE(payload.length, 0);
  return Buffer.concat([header, payload]);
}

async function stillChatting(alice: RawClient, bob: RawClient, text: string): Promise<void> {
  const id = alice.say(text);
  assert.equal((await alice.answer(id)).type, 'ack');
  await bob.waitFor('message', (m) => m.text === text);
}

test('a stranger streaming nested 64 KiB pings before login gets MESSAGE_TOO_COMPLEX and is closed after a handful', async (tc) => {
  const t = await serverFor(tc, { ...DEFAULT_FLOOD_LIMITS });
  const alice = await loggedIn(t.port, 'alice');
  const bob = await loggedIn(t.port, 'bob');
  const stranger = await RawClient.connect(t.port, '127.0.0.1', STRANGER);
  try {
    const frame = nestedPing(32_000);
    assert.ok(frame.length > 64_000 && frame.length <= 64 * 1024 + 4);
    for (let i = 0; i < 50 && !stranger.closed; i++) stranger.writeRaw(frame);
    await stranger.gone();
    const codes = stranger.received.flatMap((m) => (m.type === 'error' ? [m.code] : []));
    assert.equal(codes[0], 'MESSAGE_TOO_COMPLEX');
    assert.ok(['TOO_MANY_ERRORS', 'FLOODING'].includes(codes.at(-1) ?? ''), codes.join(' '));
    assert.ok(codes.length <= 7, `closed after ${codes.length} answers`);
    await stillChatting(alice, bob, 'nested frames cost nothing here');
  } finally {
    stranger.destroy();
    alice.destroy();
    bob.destroy();
  }
});

test('plain pings before login count too: more than the allowance closes the connection (FLOODING)', async (tc) => {
  const t = await serverFor(tc);
  const stranger = await RawClient.connect(t.port, '127.0.0.1', STRANGER);
  try {
    const ping = encodeFrame({ type: 'ping' });
    stranger.writeRaw(Buffer.concat(Array.from({ length: t.server.limits.preAuthFrames + 1 }, () => ping)));
    const error = await stranger.waitFor('error');
    assert.equal(error.code, 'FLOODING');
    assert.match(error.message, /before logging in/);
    await stranger.gone();
    // The allowance itself is enough to log in, with retries.
    const patient = await RawClient.connect(t.port, '127.0.0.1', STRANGER);
    patient.writeRaw(Buffer.concat(Array.from({ length: 10 }, () => ping)));
    await patient.login('patient');
    patient.destroy();
  } finally {
    stranger.destroy();
  }
});

test('a logged-in member flooding pongs is closed at the frame budget; the others chat on', async (tc) => {
  const t = await serverFor(tc, { ...DEFAULT_FLOOD_LIMITS });
  const alice = await loggedIn(t.port, 'alice');
  const bob = await loggedIn(t.port, 'bob');
  const mallory = await loggedIn(t.port, 'mallory', STRANGER);
  try {
    const limits = t.server.limits;
    // Inside the budget: as many frames as the request buckets allow are fine.
    mallory.writeRaw(Buffer.concat(Array.from({ length: limits.frameBurst - 5 }, () => encodeFrame({ type: 'pong' }))));
    await stillChatting(alice, bob, 'a burst of pongs is allowed');
    assert.equal(mallory.closed, false);
    // A flood is not.
    mallory.writeRaw(Buffer.concat(Array.from({ length: 500 }, () => encodeFrame({ type: 'pong' }))));
    const error = await mallory.waitFor('error', (m) => m.code === 'FLOODING');
    assert.match(error.message, /messages at once/);
    await mallory.gone();
    await stillChatting(alice, bob, 'mallory is gone');
  } finally {
    mallory.destroy();
    alice.destroy();
    bob.destroy();
  }
});

test("a command's arguments are bounded to what it needs, before they are split into words", async (tc) => {
  const t = await serverFor(tc);
  const alice = await RawClient.connect(t.port);
  alice.versions = [1, 2];
  await alice.login('alice');
  try {
    const code = async (name: string, args: string): Promise<string> => {
      const answer = await alice.answer(alice.command(name, args));
      return answer.type === 'error' ? answer.code : answer.type;
    };
    assert.equal(await code('nick', 'x'.repeat(5000)), 'TEXT_TOO_LONG');
    assert.equal(await code('join', '"' + 'a '.repeat(2000) + '"'), 'TEXT_TOO_LONG');
    // A request may be as long as a request is allowed to be.
    assert.equal(await code('request', 'r'.repeat(t.server.limits.maxRequestLength)), 'ack');
    assert.equal(await code('request', 'r'.repeat(t.server.limits.maxRequestLength + 1)), 'TEXT_TOO_LONG');
    assert.equal(await code('public', `#lobby ${'p'.repeat(t.server.limits.maxTextLength)}`), 'ack');
  } finally {
    alice.destroy();
  }
});
