// Attack (on the admin's own console): answers too big for one frame. Before this, `users` with
// about 10,000 accounts and `stats` with 65,536 blocked addresses made replies over the client's
// frame limit. Now every root listing is paged or capped, and says so.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { Store } from '../../src/data-dir/store.js';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { RawClient } from '../helpers/raw-client.js';
import { serverFor, startTestServer, tempDir } from '../helpers/server.js';

/** The size of the frame that carried `message`, as the server encodes it. */
function frameBytes(message: ServerMessage): number {
  return Buffer.byteLength(JSON.stringify(message)) + 4;
}

async function rootV2(port: number): Promise<RawClient> {
  const root = await RawClient.connect(port);
  root.versions = [1, 2];
  await root.login('root', { role: 'root' });
  return root;
}

test('users with 10,000 accounts comes a page at a time, each page well inside a frame, and says which', async (tc) => {
  const t = await serverFor(tc);
  const insert = t.server.store.db.prepare('INSERT INTO accounts (name_key, name, password_hash, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)');
  t.server.store.db.transaction(() => {
    for (let i = 0; i < 10_000; i++) insert.run(`user${String(i).padStart(5, '0')}`, `User${String(i).padStart(5, '0')}`, 'scrypt$32768$8$1$AAAA$AAAA', Date.now(), Date.now());
  })();
  const root = await rootV2(t.port);
  try {
    const first = await root.answer(root.command('users'));
    assert.ok(first.type === 'accounts');
    assert.deepEqual([first.page, first.pages, first.total, first.accounts.length, first.accounts[0]?.name], [1, 20, 10_000, 500, 'User00000']);
    assert.ok(frameBytes(first) < 128 * 1024, `${frameBytes(first)} bytes`);
    const last = await root.answer(root.command('users', '20'));
    assert.ok(last.type === 'accounts' && last.accounts.at(-1)?.name === 'User09999');
    const beyond = await root.answer(root.command('users', '21'));
    assert.ok(beyond.type === 'error' && beyond.code === 'INVALID_ARGUMENT' && /20 pages of accounts \(10000 in all\)/.test(beyond.message));
    // The console is still there.
    assert.equal((await root.answer(root.command('list-conn'))).type, 'result');
  } finally {
    root.destroy();
  }
});

test('stats with 65,536 blocked addresses names the first few and says how many more; bans is capped and says so', async () => {
  const base = tempDir();
  const dataDir = path.join(base, 'data');
  // The blocks an attack from many /64s leaves behind, written before the server starts.
  const seed = await startTestServer({ dataDir }, base);
  await seed.close();
  const store = Store.open(dataDir);
  const now = Date.now();
  const insert = store.db.prepare("INSERT INTO bans (kind, target, created_at, expires_at, created_by) VALUES ('address', ?, ?, ?, 'auto: failed logins')");
  store.db.transaction(() => {
    for (let i = 0; i < 65_536; i++) insert.run(`2001:db8:${(i >>> 8).toString(16)}:${(i & 0xff).toString(16)}::/64`, now, now + 3_600_000 + i);
  })();
  store.close();
  const t = await startTestServer({ dataDir }, base);
  const root = await rootV2(t.port);
  try {
    const stats = await root.answer(root.command('stats'));
    assert.ok(stats.type === 'result', JSON.stringify(stats).slice(0, 200));
    const blocked = stats.lines?.find((l) => l.startsWith('Blocked for failed logins:')) ?? '';
    assert.match(blocked, / and 65516 more \("bans" lists them\)/);
    assert.ok(frameBytes(stats) < 64 * 1024, `${frameBytes(stats)} bytes`);
    const bans = await root.answer(root.command('bans'));
    assert.ok(bans.type === 'result' && bans.rows?.length === 500 && bans.lines?.includes('Showing the first 500 (permanent first, then by expiry).'));
  } finally {
    root.destroy();
    await t.close();
  }
});

test('list-conn is capped and says so', async (tc) => {
  const t = await serverFor(tc, {}, undefined, { limits: { connectionsShown: 2 } });
  const clients = await Promise.all(['ann', 'ben', 'cy'].map(async (name) => {
    const client = await RawClient.connect(t.port);
    client.versions = [1, 2];
    await client.login(name);
    return client;
  }));
  const root = await rootV2(t.port);
  try {
    const list = await root.answer(root.command('list-conn'));
    assert.ok(list.type === 'result' && list.rows?.length === 2, JSON.stringify(list));
    assert.deepEqual(list.lines, ['3 users and 1 root session connected.', 'Showing the 2 sessions connected longest of 4.']);
  } finally {
    root.destroy();
    for (const client of clients) client.destroy();
  }
});
