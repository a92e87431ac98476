// Attack: many addresses hold idle TCP connections (no TLS, not a byte) to fill the slots for
// connections not logged in, so that real users and root cannot log in; banned addresses keep
// costing TLS handshakes. Now each address holds at most a few pre-login slots, a share of them is
// kept for addresses that logged in recently and for root (the server's own machine, or where a
// root logged in before), an idle stranger that has not even finished its handshake gives way to
// a newcomer, banned addresses are cut before TLS (a few a minute still hear why), and the log
// names the addresses holding the slots, a line a minute.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { RawClient, loggedIn } from '../helpers/raw-client.js';
import { rootLoggedIn, runOk } from '../helpers/root.js';
import { serverFor, tempDir, waitUntil } from '../helpers/server.js';

const ATTACKERS = Array.from({ length: 40 }, (_, i) => `127.0.10.${i + 1}`);
const MEMBER = '127.0.0.9';
const NEWCOMER = '127.0.0.200';

/** An idle TCP connection from `localAddress`: connected, then silent. */
function idleSocket(port: number, localAddress: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress }, () => resolve(socket));
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

test('many addresses holding idle TCP connections cannot lock out members, root or a newcomer', async (tc) => {
  let now = Date.parse('2026-05-01T09:00:00Z');
  // Handshakes never time out during the test: the attack holds its slots for as long as it likes.
  const t = await serverFor(tc, { tlsHandshakeTimeoutMs: 600_000 }, undefined, { now: () => now });
  const idle: net.Socket[] = [];
  tc.after(() => {
    for (const socket of idle) socket.destroy();
  });
  const guard = t.server.services.guard;
  const { maxUnauthenticated, reservedUnauthenticated, maxUnauthenticatedPerAddress } = t.settings;
  assert.deepEqual([maxUnauthenticated, reservedUnauthenticated, maxUnauthenticatedPerAddress], [64, 16, 4], 'the defaults are under test');

  // Dave logged in from home yesterday.
  const dave = await loggedIn(t.port, 'dave', MEMBER);
  dave.destroy();
  await waitUntil(() => t.server.onlineNames().length === 0, 5000, 'dave to leave');
  now += 86_400_000;

  // 40 addresses try to hold 5 idle connections each.
  const attempts = ATTACKERS.flatMap((address) => Array.from({ length: maxUnauthenticatedPerAddress + 1 }, () => idleSocket(t.port, address)));
  for (const result of await Promise.allSettled(attempts)) if (result.status === 'fulfilled') idle.push(result.value);
  const strangerRoom = maxUnauthenticated - reservedUnauthenticated;
  await waitUntil(() => guard.strangerCount === strangerRoom, 5000, 'the strangers to fill their share');
  await waitUntil(() => guard.refused['per-address'] + guard.refused.unauthenticated === attempts.length - strangerRoom, 5000, 'the rest to be refused');
  assert.ok(guard.refused['per-address'] >= 12, `${guard.refused['per-address']} refused for holding too many per address`);
  assert.equal(guard.unauthenticated(), strangerRoom, 'the reserved slots are untouched');

  // Dave (known address), root (the server's own machine) and a newcomer all get in.
  const back = await loggedIn(t.port, 'dave', MEMBER);
  const root = await rootLoggedIn(t.port);
  now += 2000; // the idle strangers have had their chance to start a handshake
  const erin = await loggedIn(t.port, 'erin', NEWCOMER);
  assert.equal(guard.refused.evicted, 1, 'the oldest idle stranger made room for erin');
  assert.deepEqual(t.server.onlineNames(), ['dave', 'erin']);

  // The root sees it in stats; the log names who holds the slots, without a line per refusal.
  const stats = await runOk(root, 'stats');
  assert.ok(stats.lines?.some((l) => /^Pre-login slots: \d+ of 64 in use, \d+ by strangers \(16 kept/.test(l)), JSON.stringify(stats.lines));
  const log = path.join(t.logDir, 'server.log');
  await waitUntil(() => fs.readFileSync(log, 'utf8').includes('holders=127.0.10.'), 5000, 'the log line naming the holders');
  const refusalLines = fs
    .readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => l.includes('connection refused before TLS'));
  assert.ok(refusalLines.length <= ATTACKERS.length + 3, `${refusalLines.length} log lines for ${attempts.length - strangerRoom} refusals`);
  for (const client of [back, root, erin]) client.destroy();
});

test('a banned address is cut before TLS; a few connections a minute still hear why', async (tc) => {
  let now = Date.parse('2026-05-01T09:00:00Z');
  const t = await serverFor(tc, {}, undefined, { now: () => now });
  const root = await rootLoggedIn(t.port);
  try {
    await runOk(root, 'ban', '-ip 127.0.0.5 1h');
    for (let i = 0; i < 3; i++) {
      const told = await RawClient.connect(t.port, '127.0.0.1', '127.0.0.5');
      assert.equal((await told.waitFor('error')).code, 'BANNED');
      await told.gone();
    }
    // The fourth within the minute costs no handshake at all.
    await assert.rejects(RawClient.connect(t.port, '127.0.0.1', '127.0.0.5'), /ECONNRESET|socket disconnected|socket hang up/i);
    assert.equal(t.server.services.guard.refused.banned, 1);
    now += 60_000;
    const later = await RawClient.connect(t.port, '127.0.0.1', '127.0.0.5');
    assert.equal((await later.waitFor('error')).code, 'BANNED');
    later.destroy();
  } finally {
    root.destroy();
  }
});

test('trusted addresses survive a restart; a root address is recognised before TLS', async (tc) => {
  let now = Date.parse('2026-05-01T09:00:00Z');
  const base = tempDir();
  const first = await serverFor(tc, {}, base, { now: () => now });
  const dave = await loggedIn(first.port, 'dave', MEMBER);
  const root = await rootLoggedIn(first.port, '127.0.0.7');
  dave.destroy();
  root.destroy();
  await first.close();
  now += 86_400_000;
  const second = await serverFor(tc, {}, base, { now: () => now });
  const trusted = second.server.services.trusted;
  assert.equal(trusted.isTrusted(MEMBER, now), true);
  assert.equal(trusted.isRootAddress(MEMBER, now), false);
  assert.equal(trusted.isRootAddress('127.0.0.7', now), true);
  assert.equal(trusted.isRootAddress('127.0.0.1', now), true, 'the server\'s own machine');
  assert.equal(trusted.isTrusted(NEWCOMER, now), false);
  // Trust runs out after 30 days without a login.
  now += 30 * 86_400_000;
  assert.equal(trusted.isTrusted(MEMBER, now), false);
});
