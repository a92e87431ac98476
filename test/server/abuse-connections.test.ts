// Attack: connection floods and connections that never get anywhere. New connections per address
// per minute are cut before the TLS handshake, the server caps connections that have not logged
// in, a TCP connection that never finishes its handshake is dropped after the handshake timeout,
// and a TLS connection that then says nothing is dropped after the login timeout. Meanwhile the
// people already chatting notice nothing.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { RawClient, loggedIn } from '../helpers/raw-client.js';
import { rootLoggedIn, runOk } from '../helpers/root.js';
import { DEFAULT_FLOOD_LIMITS, serverFor, waitUntil, within } from '../helpers/server.js';

const FLOODER = '127.0.0.2';
const MINUTE = 60_000;

/** Alice says something and Bob hears it: the chat is alive. */
async function stillChatting(alice: RawClient, bob: RawClient, text: string): Promise<void> {
  const id = alice.say(text);
  assert.equal((await alice.answer(id)).type, 'ack');
  await bob.waitFor('message', (m) => m.text === text);
}

test('a connection flood from one address is cut before TLS at 20 a minute, while everyone else keeps chatting', async (tc) => {
  let now = Date.parse('2026-05-01T09:00:00Z');
  const t = await serverFor(tc, { ...DEFAULT_FLOOD_LIMITS, maxUnauthenticated: 1000, maxUnauthenticatedPerAddress: 1000 }, undefined, { now: () => now });
  const flood: RawClient[] = [];
  try {
    const alice = await loggedIn(t.port, 'alice');
    const bob = await loggedIn(t.port, 'bob');
    const attempts = await Promise.allSettled(Array.from({ length: 40 }, () => RawClient.connect(t.port, '127.0.0.1', FLOODER)));
    for (const result of attempts) if (result.status === 'fulfilled') flood.push(result.value);
    const refused = attempts.filter((r) => r.status === 'rejected');
    assert.equal(flood.length, 20, 'exactly the allowance got through');
    assert.ok(refused.every((r) => r.status === 'rejected' && /ECONNRESET|socket disconnected|socket hang up/i.test(String(r.reason))), 'the rest were closed before TLS');
    assert.equal(t.server.services.guard.refused.rate, 20);
    await stillChatting(alice, bob, 'still here during the flood');
    // Other addresses are not throttled by the flooder's count.
    const carol = await loggedIn(t.port, 'carol');
    carol.destroy();
    // The root sees it in stats.
    const root = await rootLoggedIn(t.port);
    const stats = await runOk(root, 'stats');
    assert.ok(stats.lines?.some((l) => l.startsWith('Refused before TLS since start: 20 over 20/min per address')), JSON.stringify(stats.lines));
    root.destroy();
    // A minute later the address may connect again.
    now += MINUTE;
    const later = await loggedIn(t.port, 'patient', FLOODER);
    later.destroy();
    alice.destroy();
    bob.destroy();
  } finally {
    for (const client of flood) client.destroy();
    await t.close();
  }
});

test('connections that have not logged in are capped server-wide; logged-in sessions do not count', async (tc) => {
  const OTHER = '127.0.0.4';
  const t = await serverFor(tc, { maxUnauthenticated: 4, reservedUnauthenticated: 0, maxUnauthenticatedPerAddress: 10 });
  const idle: RawClient[] = [];
  try {
    const alice = await loggedIn(t.port, 'alice');
    const bob = await loggedIn(t.port, 'bob');
    for (let i = 0; i < 4; i++) idle.push(await RawClient.connect(t.port, '127.0.0.1', FLOODER));
    await assert.rejects(RawClient.connect(t.port, '127.0.0.1', FLOODER));
    await assert.rejects(RawClient.connect(t.port, '127.0.0.1', OTHER));
    assert.equal(t.server.services.guard.refused.unauthenticated, 2);
    await stillChatting(alice, bob, 'the cap does not touch us');
    // One of the four logs in: a slot frees up.
    await idle[0]?.login('latecomer');
    const fifth = await RawClient.connect(t.port, '127.0.0.1', OTHER);
    idle.push(fifth);
    await assert.rejects(RawClient.connect(t.port, '127.0.0.1', OTHER));
    // Idle ones going away free their slots too.
    for (const client of idle) client.destroy();
    await waitUntil(() => t.server.services.guard.unauthenticated() === 0, 5000, 'the idle connections to be gone');
    const again = await RawClient.connect(t.port, '127.0.0.1', OTHER);
    again.destroy();
    alice.destroy();
    bob.destroy();
  } finally {
    for (const client of idle) client.destroy();
    await t.close();
  }
});

test('a TCP connection that never finishes the TLS handshake is dropped after the handshake timeout', async (tc) => {
  const t = await serverFor(tc, { tlsHandshakeTimeoutMs: 300 });
  try {
    const started = Date.now();
    const socket = net.connect(t.port, '127.0.0.1');
    socket.on('error', () => undefined);
    await within(new Promise<void>((resolve) => socket.on('close', () => resolve())), 5000, 'the socket to close');
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 250, `dropped after ${elapsed} ms, not before the timeout`);
    // Half a handshake (a few bytes of a ClientHello, then silence) is dropped the same way.
    const partial = net.connect(t.port, '127.0.0.1', () => partial.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01])));
    partial.on('error', () => undefined);
    await within(new Promise<void>((resolve) => partial.on('close', () => resolve())), 5000, 'the socket to close');
    await waitUntil(() => t.server.services.guard.openCount === 0, 5000, 'the server to let go of both');
  } finally {
    await t.close();
  }
});

test('a client that opens TLS and then sends nothing is dropped with AUTH_TIMEOUT', async (tc) => {
  const t = await serverFor(tc, { authTimeoutMs: 300 });
  try {
    const silent = await RawClient.connect(t.port);
    const error = await silent.waitFor('error');
    assert.equal(error.code, 'AUTH_TIMEOUT');
    await silent.gone();
    // Saying hello is not enough either: the clock runs until the login is done.
    const chatty = await RawClient.connect(t.port);
    await chatty.hello();
    assert.equal((await chatty.waitFor('error')).code, 'AUTH_TIMEOUT');
    await chatty.gone();
  } finally {
    await t.close();
  }
});

test('plain-text bytes on the port are refused at the TLS layer and cost nothing else', async (tc) => {
  const t = await serverFor(tc);
  try {
    const alice = await loggedIn(t.port, 'alice');
    const bob = await loggedIn(t.port, 'bob');
    for (const probe of ['GET / HTTP/1.1\r\nHost: x\r\n\r\n', 'SSH-2.0-OpenSSH_9.6\r\n', '{"type":"hello","versions":[1]}\n', '\u0000\u0000\u0000\u0010{"type":"ping"}']) {
      const socket = net.connect(t.port, '127.0.0.1', () => socket.write(probe));
      socket.on('error', () => undefined);
      let received = 0;
      socket.on('data', (chunk: Buffer) => (received += chunk.length));
      await within(new Promise<void>((resolve) => socket.on('close', () => resolve())), 5000, 'the socket to close');
      // At most a TLS alert comes back, never a frame.
      assert.ok(received < 64, `${received} bytes came back`);
    }
    await stillChatting(alice, bob, 'nobody noticed');
    assert.deepEqual(t.server.activeSessions().length, 2);
    alice.destroy();
    bob.destroy();
  } finally {
    await t.close();
  }
});
