// Stored history: recent messages on login and join, paging back with /history, resume after a
// dropped connection (exactly the missed messages, even while others keep talking), retention
// by age and count, and a server with history switched off.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ServerMessage, StoredMessage } from '../../src/protocol/messages.js';
import { HistoryStore } from '../../src/server/chat/history.js';
import { Store } from '../../src/data-dir/store.js';
import { RawClient, loggedInV2 } from '../helpers/raw-client.js';
import { everyoneGone, serverFor, startTestServer, tempDir, type TestServer, waitUntil } from '../helpers/server.js';

function outcome(message: ServerMessage): string {
  return message.type === 'error' ? message.code : message.type;
}

/** Every stored message a client received in history frames of one reason (and room), in order. */
function historyOf(client: RawClient, reason: string, room?: string): StoredMessage[] {
  return client.received.flatMap((m) => (m.type === 'history' && m.reason === reason && (room === undefined || m.room === room) ? m.messages : []));
}

/** Live messages a client received, as "room:id:text". */
function live(client: RawClient, from = 0): string[] {
  return client.received.slice(from).flatMap((m) => (m.type === 'message' ? [`${m.room}:${m.id}:${m.text}`] : []));
}

/** Send `count` lines (pipelined, 50 at a time) and wait for every ack. */
async function sayMany(client: RawClient, count: number, text: (i: number) => string, room?: string | ((i: number) => string | undefined)): Promise<void> {
  for (let start = 0; start < count; start += 50) {
    const ids: number[] = [];
    for (let i = start; i < Math.min(count, start + 50); i++) {
      const id = 100_000 + Math.floor(Math.random() * 1e9);
      const target = typeof room === 'function' ? room(i) : room;
      client.send({ type: 'say', id, text: text(i), ...(target ? { room: target } : {}) });
      ids.push(id);
    }
    for (const id of ids) assert.equal(outcome(await client.answer(id, 20_000)), 'ack');
  }
}

describe('history', () => {
  let t: TestServer;
  before(async () => (t = await startTestServer({ maxSessionsPerAddress: 100, historyOnJoin: 5 })));
  after(() => t.close());

  test('joining a room sends its recent messages, then /history pages back to the start', async () => {
    const ann = await loggedInV2(t.port, 'ann');
    await ann.registerAccount('ann-password');
    await ann.answer(ann.command('create', '#books'));
    await sayMany(ann, 12, (i) => `book ${i}`, '#books');
    const bob = await loggedInV2(t.port, 'bob');
    const joined = await bob.answer(bob.command('join', '#books'));
    assert.equal(joined.type, 'joined');
    const recent = historyOf(bob, 'join', '#books');
    assert.deepEqual(
      recent.map((m) => m.text),
      ['book 7', 'book 8', 'book 9', 'book 10', 'book 11'],
    );
    assert.equal(recent.at(-1)?.id, joined.type === 'joined' ? joined.lastId : -1);
    const joinFrame = bob.received.find((m) => m.type === 'history' && m.reason === 'join');
    assert.equal(joinFrame?.type === 'history' && joinFrame.more, true);
    // The history frames come before the reply that ends the join.
    assert.ok(bob.received.indexOf(joinFrame ?? joined) < bob.received.indexOf(joined));

    const firstId = recent[0]?.id ?? 0;
    const page1 = await bob.answer(bob.command('history', `#books 4 --before ${firstId}`));
    assert.deepEqual(page1.type === 'history' && [page1.reason, page1.messages.map((m) => m.text), page1.more], ['older', ['book 3', 'book 4', 'book 5', 'book 6'], true]);
    const page2 = await bob.answer(bob.command('history', `#books 10 --before ${page1.type === 'history' ? page1.messages[0]?.id : 0}`));
    assert.deepEqual(page2.type === 'history' && [page2.messages.map((m) => m.text), page2.more], [['book 0', 'book 1', 'book 2'], false]);
    const page3 = await bob.answer(bob.command('history', `#books --before ${page2.type === 'history' ? page2.messages[0]?.id : 0}`));
    assert.deepEqual(page3.type === 'history' && [page3.messages.length, page3.more], [0, false]);
    // Without --before: the newest n.
    const newest = await bob.answer(bob.command('history', '#books 2'));
    assert.deepEqual(newest.type === 'history' && newest.messages.map((m) => m.text), ['book 10', 'book 11']);
    // Bounds and errors.
    assert.equal(outcome(await bob.answer(bob.command('history', '#books 201'))), 'INVALID_ARGUMENT');
    assert.equal(outcome(await bob.answer(bob.command('history', '#books 0'))), 'INVALID_ARGUMENT');
    assert.equal(outcome(await bob.answer(bob.command('history', '#books --before x'))), 'INVALID_ARGUMENT');
    assert.equal(outcome(await bob.answer(bob.command('history', '#books 5 extra'))), 'INVALID_ARGUMENT');
    assert.equal(outcome(await bob.answer(bob.command('history', '#nope'))), 'NO_SUCH_ROOM');
    const carol = await loggedInV2(t.port, 'carol');
    assert.equal(outcome(await carol.answer(carol.command('history', '#books'))), 'NOT_MEMBER');
    // At login, each of your rooms' recent messages arrive, then `synced` with the last ids.
    assert.equal(historyOf(ann, 'recent').length, 0, 'ann logged in before anything was said');
    bob.destroy();
    await waitUntil(() => !t.server.onlineNames().includes('bob'));
    const bobAgain = await loggedInV2(t.port, 'bob');
    assert.deepEqual(
      historyOf(bobAgain, 'recent', '#books').map((m) => m.text),
      ['book 7', 'book 8', 'book 9', 'book 10', 'book 11'],
    );
    const synced = await bobAgain.waitFor('synced');
    assert.deepEqual(
      synced.rooms.map((r) => [r.name, r.lastId]),
      [
        ['#lobby', 0],
        ['#books', recent.at(-1)?.id],
      ],
    );
    assert.equal(synced.history, true);
    for (const c of [ann, bobAgain, carol]) c.destroy();
    await everyoneGone(t);
  });

  test('resume after a forced disconnect: exactly the missed messages, in order, while others keep talking', async () => {
    const talker = await loggedInV2(t.port, 'talker');
    await talker.registerAccount('talker-password');
    await talker.answer(talker.command('create', '#busy'));
    const dora = await loggedInV2(t.port, 'dora');
    await dora.answer(dora.command('join', '#busy'));
    await sayMany(talker, 3, (i) => `before ${i}`);
    await sayMany(talker, 3, (i) => `busy before ${i}`, '#busy');
    await dora.waitFor('message', (m) => m.text === 'busy before 2');
    const lastSeen = (room: string): number => Math.max(0, ...dora.received.flatMap((m) => (m.type === 'message' && m.room === room && m.id !== undefined ? [m.id] : [])));
    const resume = [
      { room: '#lobby', lastId: lastSeen('#lobby') },
      { room: '#busy', lastId: lastSeen('#busy') },
    ];
    // Wi-Fi drops: the server sees the connection vanish.
    dora.destroy();
    await waitUntil(() => !t.server.onlineNames().includes('dora'));
    const talkerMark = talker.received.length;
    await sayMany(talker, 20, (i) => `missed ${i}`);
    await sayMany(talker, 20, (i) => `busy missed ${i}`, '#busy');
    // Reconnect while the talker keeps going: live traffic overlaps the replay.
    const flood = sayMany(talker, 60, (i) => `during ${i}`, (i) => (i % 2 ? '#busy' : undefined));
    const back = await RawClient.connect(t.port);
    back.versions = [1, 2];
    await back.login('dora', { resume });
    await flood;
    await talker.answer(talker.say('the end'));
    await back.waitFor('message', (m) => m.text === 'the end', 10_000);
    // Ground truth: what the talker (in both rooms) saw after dora left.
    const expected = live(talker, talkerMark);
    const got = back.received.flatMap((m) => {
      if (m.type === 'history') {
        assert.equal(m.reason, 'resume');
        return m.messages.map((s) => `${m.room}:${s.id}:${s.text}`);
      }
      return m.type === 'message' ? [`${m.room}:${m.id}:${m.text}`] : [];
    });
    const byRoom = (list: string[], room: string): string[] => list.filter((line) => line.startsWith(room + ':'));
    for (const room of ['#lobby', '#busy']) assert.deepEqual(byRoom(got, room), byRoom(expected, room), room);
    assert.equal(new Set(got).size, got.length, 'no duplicates');
    // The replay finished before anything live, and `synced` says where each room stands.
    const syncedAt = back.received.findIndex((m) => m.type === 'synced');
    assert.ok(back.received.slice(0, syncedAt).every((m) => m.type !== 'message'));
    assert.ok(back.received.slice(syncedAt).every((m) => m.type !== 'history'));
    talker.destroy();
    back.destroy();
    await everyoneGone(t);
  });

  test('a long absence replays in several paced frames without tripping the output limit', async (tc) => {
    const small = await serverFor(tc, { maxUnsentBytes: 64 * 1024, maxSessionsPerAddress: 100 });
    try {
      const writer = await loggedInV2(small.port, 'writer');
      const reader = await loggedInV2(small.port, 'reader');
      const lastId = Math.max(0, ...reader.received.flatMap((m) => (m.type === 'synced' ? m.rooms.map((r) => r.lastId) : [])));
      reader.destroy();
      await waitUntil(() => !small.server.onlineNames().includes('reader'));
      await sayMany(writer, 600, (i) => `line ${i} ${'x'.repeat(200)}`);
      const back = await RawClient.connect(small.port);
      back.versions = [1, 2];
      await back.login('reader', { resume: [{ room: '#lobby', lastId }] });
      // The writer keeps talking while the replay is paced out.
      await sayMany(writer, 100, (i) => `line ${600 + i} live`);
      await back.waitFor('message', (m) => m.text === 'line 699 live', 20_000);
      const frames = back.received.filter((m) => m.type === 'history');
      assert.ok(frames.length >= 8, `paced in frames under the budget (got ${frames.length})`);
      const seen = back.received.flatMap((m) => (m.type === 'history' ? m.messages.map((s) => s.text) : m.type === 'message' ? [m.text] : []));
      assert.deepEqual(
        seen.map((text) => text.split(' ').slice(0, 2).join(' ')),
        Array.from({ length: 700 }, (_, i) => `line ${i}`),
      );
      const syncedAt = back.received.findIndex((m) => m.type === 'synced');
      assert.ok(back.received.slice(0, syncedAt).every((m) => m.type !== 'message'), 'live traffic waits for the replay');
      writer.destroy();
      back.destroy();
    } finally {
      await small.close();
    }
  });

  test('resuming past what retention kept says so (truncated)', async () => {
    const eve = await loggedInV2(t.port, 'eve');
    await sayMany(eve, 3, (i) => `old ${i}`);
    const cutoffId = Math.max(...live(eve).map((line) => Number(line.split(':')[1])));
    eve.destroy();
    await waitUntil(() => !t.server.onlineNames().includes('eve'));
    // A retention pass far in the future removes everything stored so far.
    const removed = await t.server.services.history.enforceRetention(Date.now() + 365 * 24 * 3600 * 1000);
    assert.ok(removed.byAge >= 3);
    const back = await RawClient.connect(t.port);
    back.versions = [1, 2];
    await back.login('eve', { resume: [{ room: '#lobby', lastId: cutoffId - 2 }] });
    const frame = await back.waitFor('history');
    assert.deepEqual([frame.reason, frame.truncated, frame.messages.length], ['resume', true, 0]);
    back.destroy();
    await everyoneGone(t);
  });
});

describe('history: retention', () => {
  const DAY = 24 * 3600 * 1000;

  test('rows older than the age limit and beyond the per-room count go, in batches; ids never repeat', async () => {
    const store = Store.open(tempDir());
    const history = new HistoryStore(store.db, { enabled: true, retentionDays: 30, maxPerRoom: 100, deleteBatch: 7 });
    const now = Date.UTC(2026, 0, 31);
    store.db.prepare("INSERT INTO rooms (name_key, name, owner_key, private, created_at) VALUES ('#two', '#two', NULL, 0, 0)").run();
    const two = Number(store.db.prepare("SELECT id FROM rooms WHERE name_key = '#two'").pluck().get());
    // #lobby: 50 messages 40 days old, 50 from yesterday. #two: 250 recent messages.
    const append = (roomId: number, sender: string, body: string, sentAt: number): number => history.appendMany([{ roomId, sender, body, sentAt }])[0] ?? 0;
    for (let i = 0; i < 50; i++) append(1, 'old', `old ${i}`, now - 40 * DAY);
    for (let i = 0; i < 50; i++) append(1, 'new', `new ${i}`, now - DAY);
    for (let i = 0; i < 250; i++) append(two, 'busy', `busy ${i}`, now - DAY + i);
    const highest = append(two, 'busy', 'newest', now);
    const result = await history.enforceRetention(now);
    assert.deepEqual(result, { byAge: 50, byCount: 151 });
    assert.deepEqual(
      history.before(1, Number.MAX_SAFE_INTEGER, 1000).map((r) => r.body),
      Array.from({ length: 50 }, (_, i) => `new ${i}`),
    );
    const kept = history.before(two, Number.MAX_SAFE_INTEGER, 1000);
    assert.equal(kept.length, 100);
    assert.equal(kept.at(-1)?.body, 'newest');
    assert.ok(history.prunedUpTo(two) > 0 && history.prunedUpTo(two) < (kept[0]?.id ?? 0));
    // A second pass finds nothing; new ids keep increasing past deleted ones.
    assert.deepEqual(await history.enforceRetention(now), { byAge: 0, byCount: 0 });
    store.db.exec('DELETE FROM messages');
    assert.ok(append(1, 'x', 'after', now) > highest);
    store.close();
  });

  test('the server runs retention in the background from its injected clock', async (tc) => {
    const t = await serverFor(tc, { historyRetentionDays: 1 });
    try {
      const writer = await loggedInV2(t.port, 'writer');
      const id = writer.say('soon old');
      await writer.answer(id);
      const history = t.server.services.history;
      assert.equal(history.before(1, Number.MAX_SAFE_INTEGER, 10).length, 1);
      assert.deepEqual(await history.enforceRetention(Date.now() + 2 * 24 * 3600 * 1000), { byAge: 1, byCount: 0 });
      writer.destroy();
    } finally {
      await t.close();
    }
  });
});

describe('history: switched off', () => {
  test('nothing is stored, stored messages are deleted at start, and history/resume say history is off', async (tc) => {
    const base = tempDir();
    const on = await serverFor(tc, {}, base);
    const early = await loggedInV2(on.port, 'early');
    await early.answer(early.say('kept while history was on'));
    early.destroy();
    await everyoneGone(on);
    await on.close();

    const t = await serverFor(tc, { historyEnabled: false }, base);
    try {
      const store = Store.open(t.dataDir);
      assert.equal(store.db.prepare('SELECT count(*) FROM messages').pluck().get(), 0, 'old history removed');
      const a = await loggedInV2(t.port, 'quiet', { resume: [{ room: '#lobby', lastId: 0 }] });
      const synced = await a.waitFor('synced');
      assert.equal(synced.history, false);
      assert.equal(a.received.filter((m) => m.type === 'history').length, 0);
      await a.answer(a.say('not stored'));
      const message = await a.waitFor('message', (m) => m.text === 'not stored');
      assert.equal(typeof message.id, 'number');
      assert.equal(store.db.prepare('SELECT count(*) FROM messages').pluck().get(), 0);
      store.close();
      assert.equal(outcome(await a.answer(a.command('history'))), 'HISTORY_OFF');
      a.destroy();
    } finally {
      await t.close();
    }
  });
});
