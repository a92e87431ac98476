// Attack: fill the server's disk. Before this one address could store chat at about 7 GB a day
// (5 sessions, 2 lines a second, 2,000 four-byte characters each) until the disk was full, after
// which every user's messages, /request and root's `ban` failed. Now chat bytes are budgeted per
// sender (by name and by address alike), per room and server-wide per day, requests per person,
// new accounts per address; below a low-disk reserve nothing new is stored, with a clear error,
// while bans, kicks and deletions still work; and roots are told before the reserve is reached.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { RawClient } from '../helpers/raw-client.js';
import { runOk } from '../helpers/root.js';
import { serverFor, tempDir, type TestServer } from '../helpers/server.js';

const MIB = 1024 * 1024;
const DAY = 86_400_000;

async function member(t: TestServer, name: string, address: string, options: { password?: string; register?: boolean } = {}): Promise<RawClient> {
  const client = await RawClient.connect(t.port, '127.0.0.1', address);
  client.versions = [1, 2, 3];
  await client.login(name, options);
  await client.waitFor('synced');
  return client;
}

function codeOf(answer: ServerMessage): string {
  return answer.type === 'error' ? answer.code : answer.type;
}

async function say(client: RawClient, text: string): Promise<ServerMessage> {
  return client.answer(client.say(text));
}

test('chat bytes are budgeted per sender (name and address), per room and per day; the budget survives a restart', async (tc) => {
  let now = Date.parse('2026-05-01T09:00:00Z');
  const base = tempDir();
  const settings = { historyBytesPerUserPerDay: 10_000, historyBytesPerRoomPerDay: 25_000, requestsPerUserPerDay: 3 };
  let t = await serverFor(tc, settings, base, { now: () => now });
  let alice = await member(t, 'alice', '127.0.0.21');
  const bob = await member(t, 'bob', '127.0.0.22');
  const line = 'x'.repeat(2000);
  for (let i = 0; i < 5; i++) assert.equal(codeOf(await say(alice, line)), 'ack');
  const over = await say(alice, line);
  assert.equal(codeOf(over), 'QUOTA_EXCEEDED');
  assert.match(over.type === 'error' ? over.message : '', /^You have sent 9\.8 KiB of chat today.*nothing was saved.*00:00 UTC, in 15h/);
  // A new name is no new budget: the address has spent it too.
  assert.equal(codeOf(await alice.answer(alice.command('nick', 'alice2'))), 'ack');
  assert.equal(codeOf(await say(alice, 'hello')), 'QUOTA_EXCEEDED');
  // Others have their own, until the room has taken in its day's worth.
  for (let i = 0; i < 5; i++) assert.equal(codeOf(await say(bob, line)), 'ack');
  const carol = await member(t, 'carol', '127.0.0.23');
  assert.equal(codeOf(await say(carol, line)), 'ack');
  assert.equal(codeOf(await say(carol, line)), 'ack');
  const roomFull = await say(carol, line);
  assert.match(roomFull.type === 'error' ? `${roomFull.code} ${roomFull.message}` : '', /^QUOTA_EXCEEDED #lobby has taken in 24\.4 KiB of chat today/);
  // Requests: three a day.
  for (let i = 0; i < 3; i++) assert.equal(codeOf(await carol.answer(carol.command('request', `please ${i}`))), 'ack');
  assert.equal(codeOf(await carol.answer(carol.command('request', 'one more'))), 'QUOTA_EXCEEDED');
  for (const client of [alice, bob, carol]) client.destroy();

  // A restart the same day remembers what was stored.
  await t.close();
  t = await serverFor(tc, settings, base, { now: () => now });
  alice = await member(t, 'alice', '127.0.0.24');
  assert.equal(codeOf(await say(alice, 'hi')), 'QUOTA_EXCEEDED', 'the stored lines were sent as alice');
  alice.destroy();
  const renamed = await member(t, 'alice2', '127.0.0.25');
  assert.equal(codeOf(await say(renamed, 'hi')), 'ack', 'alice2 (a new address since the restart) has sent nothing');
  // The next day starts afresh.
  now += DAY;
  assert.equal(codeOf(await say(renamed, line)), 'ack');
  renamed.destroy();
});

test('below the disk reserve nothing new is stored, moderation still works, and roots were warned first', async (tc) => {
  let free = 10 * 1024 * MIB;
  const t = await serverFor(tc, {}, undefined, { diskProbe: () => Promise.resolve({ free, total: 100 * 1024 * MIB }) });
  const disk = t.server.services.disk;
  const root = await RawClient.connect(t.port);
  root.versions = [1, 2];
  await root.login('root', { role: 'root' });
  const alice = await member(t, 'alice', '127.0.0.31', { password: 'alice-password', register: true });
  const mallory = await member(t, 'mallory', '127.0.0.32');
  assert.equal(codeOf(await alice.answer(alice.command('create', '#den'))), 'joined');
  const notices = (): string[] => root.received.flatMap((m) => (m.type === 'notice' && m.from === 'server' ? [m.text] : []));

  // Below the warning level: roots are told, nothing is refused yet.
  free = 900 * MIB;
  await disk.refresh();
  await root.waitFor('notice', (m) => m.text.startsWith('Disk space is running low: 900.0 MiB free'));
  assert.equal(codeOf(await say(alice, 'still fine')), 'ack');
  // Told once, not at every reading.
  await disk.refresh();
  assert.equal(notices().length, 1);

  // Below the reserve: refused, with a sentence that says why.
  free = 100 * MIB;
  await disk.refresh();
  await root.waitFor('notice', (m) => m.text.startsWith('Disk nearly full: 100.0 MiB free'));
  const refused = await say(mallory, 'fill it up');
  assert.equal(codeOf(refused), 'DISK_LOW');
  assert.match(refused.type === 'error' ? refused.message : '', /disk is nearly full \(100\.0 MiB free\)/);
  assert.equal(codeOf(await mallory.answer(mallory.command('request', 'more disk'))), 'DISK_LOW');
  assert.equal(codeOf(await mallory.registerAccount('mallory-password')), 'DISK_LOW');
  assert.equal(codeOf(await alice.answer(alice.command('create', '#annex'))), 'DISK_LOW');
  // Moderation still works: kick from a room, delete it, ban a name.
  assert.equal(codeOf(await root.answer(root.command('delete', '#den'))), 'ack');
  const banned = await runOk(root, 'ban', '-u mallory 1h');
  assert.match(banned.lines?.join(' ') ?? '', /Disconnected mallory/);
  await mallory.gone();
  const stats = await runOk(root, 'stats');
  assert.ok(stats.lines?.some((l) => l.startsWith('Disk: 100.0 MiB free (BELOW THE RESERVE')), JSON.stringify(stats.lines));

  // Space freed: back to normal.
  free = 5 * 1024 * MIB;
  await disk.refresh();
  assert.equal(codeOf(await say(alice, 'phew')), 'ack');
  alice.destroy();
  root.destroy();
});
