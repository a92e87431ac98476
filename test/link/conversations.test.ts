import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { newDeviceKey, type DeviceKeyPair, type DevicePublicKey } from '../../src/crypto/device-key.js';
import { newMessageId, openDirect, sealDirect } from '../../src/crypto/direct-seal.js';
import { CONVERSATIONS_DIR, type ConversationEntry } from '../../src/link/conversations.js';
import { Profile, type AccountProfile } from '../../src/link/profile.js';
import { encodeDirectPayload, parseDirectPayload, type DirectPayload } from '../../src/protocol/direct-payload.js';

const SERVER = 'SHA256:n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg';

function tempDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-conv-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function entry(direction: 'in' | 'out', peer: string, text: string, time: string, id = newMessageId()): ConversationEntry {
  const payload: DirectPayload = direction === 'in' ? { v: 1, kind: 'text', from: peer, to: 'alice', text } : { v: 1, kind: 'text', from: 'alice', to: peer, text };
  return { id, peer, direction, device: 'abcdefghijklmnop', time, payload };
}

const texts = (entries: readonly ConversationEntry[]): string[] => entries.map((e) => (e.payload.kind === 'text' ? e.payload.text : e.payload.file.name));

test('messages are stored once: a replayed or re-delivered id is dropped, also after a restart', (t) => {
  const dir = tempDir(t);
  const store = Profile.open(dir).account(SERVER, 'alice').conversations;
  const first = entry('in', 'bob', 'hello', '2026-01-02T21:04:00.000Z');
  assert.equal(store.accept(first), 'stored');
  assert.equal(store.accept(first), 'duplicate');
  assert.equal(store.accept({ ...first, payload: { ...first.payload, text: 'altered copy' } as DirectPayload }), 'duplicate');
  const reopened = Profile.open(dir).account(SERVER, 'alice').conversations;
  assert.equal(reopened.seen(first.id), true);
  assert.equal(reopened.accept(first), 'duplicate');
  assert.deepEqual(texts(reopened.history('bob', 10).entries), ['hello']);
  assert.throws(() => reopened.accept({ ...entry('in', 'bob', 'x', '2026-01-02T21:05:00.000Z'), peer: 'carol' }), RangeError);
});

test('unread counts, read marks, summaries and paging', (t) => {
  const dir = tempDir(t);
  const store = Profile.open(dir).account(SERVER, 'alice').conversations;
  for (let i = 1; i <= 5; i += 1) store.accept(entry('in', 'bob', `b${i}`, `2026-01-02T21:0${i}:00.000Z`));
  store.accept(entry('out', 'bob', 'reply', '2026-01-02T21:06:00.000Z'));
  store.accept(entry('in', 'Carol', 'c1', '2026-01-02T21:07:00.000Z'));
  assert.equal(store.unread('bob'), 5);
  assert.deepEqual(
    store.summaries().map((s) => [s.peer, s.count, s.unread]),
    [
      ['Carol', 1, 1],
      ['bob', 6, 5],
    ],
  );
  store.markRead('BOB');
  store.accept(entry('in', 'bob', 'b6', '2026-01-02T21:08:00.000Z'));
  const later = Profile.open(dir).account(SERVER, 'alice').conversations;
  assert.equal(later.unread('bob'), 1);
  assert.equal(later.unread('carol'), 1);
  const newest = later.history('bob', 3);
  assert.deepEqual(texts(newest.entries), ['b5', 'reply', 'b6']);
  assert.equal(newest.more, true);
  const older = later.history('bob', 3, newest.start);
  assert.deepEqual(texts(older.entries), ['b2', 'b3', 'b4']);
  const oldest = later.history('bob', 3, older.start);
  assert.deepEqual(texts(oldest.entries), ['b1']);
  assert.equal(oldest.more, false);
  assert.deepEqual(later.history('nobody', 5).entries, []);
});

test('a damaged line is skipped with one notice; a torn last line is cut; the rest stays', (t) => {
  const dir = tempDir(t);
  const account = Profile.open(dir).account(SERVER, 'alice');
  account.conversations.accept(entry('in', 'bob', 'one', '2026-01-02T21:01:00.000Z'));
  account.conversations.accept(entry('in', 'bob', 'two', '2026-01-02T21:02:00.000Z'));
  const folder = path.join(account.dir, CONVERSATIONS_DIR);
  const [file] = fs.readdirSync(folder).map((name) => path.join(folder, name));
  assert.ok(file);
  const [one, two] = fs.readFileSync(file, 'utf8').trim().split('\n');
  fs.writeFileSync(file, `${one}\n{"id":"broken"\n${two}\n{"id":"torn-by-a-cra`);
  const notices: string[] = [];
  const store = Profile.open(dir, { notice: (text) => notices.push(text) }).account(SERVER, 'alice').conversations;
  assert.deepEqual(texts(store.history('bob', 10).entries), ['one', 'two']);
  assert.equal(store.damagedLines, 1);
  assert.equal(notices.length, 1);
  assert.match(notices[0] ?? '', /Skipped 1 damaged line/);
  store.accept(entry('in', 'bob', 'three', '2026-01-02T21:03:00.000Z'));
  const again = Profile.open(dir).account(SERVER, 'alice').conversations;
  assert.deepEqual(texts(again.history('bob', 10).entries), ['one', 'two', 'three']);
});

/** One device receiving a sealed message: open it, check the names, store it (or drop it). */
async function receive(account: AccountProfile, me: DeviceKeyPair, from: string, sender: DevicePublicKey, message: { messageId: string; time: string; body: string; envelopes: readonly { device: string; enc: string; key: string }[] }): Promise<'stored' | 'duplicate'> {
  const envelope = message.envelopes.find((e) => e.device === me.id);
  assert.ok(envelope);
  const payload = parseDirectPayload(await openDirect(me, sender, { messageId: message.messageId, time: message.time }, message.body, envelope));
  assert.ok(payload && payload.from === from);
  const direction = payload.from.toLowerCase() === account.name.toLowerCase() ? 'out' : 'in';
  return account.conversations.accept({ id: message.messageId, peer: direction === 'in' ? payload.from : payload.to, direction, device: sender.id, time: message.time, payload });
}

test('end to end through two profiles: alice seals to bob and to her other device; a replayed ciphertext is dropped', async (t) => {
  const root = tempDir(t);
  const alice1 = Profile.open(path.join(root, 'alice-laptop')).account(SERVER, 'alice');
  const alice2 = Profile.open(path.join(root, 'alice-desktop')).account(SERVER, 'alice');
  const bob = Profile.open(path.join(root, 'bob')).account(SERVER, 'bob');
  const [a1, a2, b] = [(await alice1.deviceKey()).key, (await alice2.deviceKey()).key, (await bob.deviceKey()).key];
  const pub = (key: DeviceKeyPair): DevicePublicKey => ({ id: key.id, key: key.publicKeyText });
  const other = await newDeviceKey();
  assert.ok(other);
  const payload: DirectPayload = { v: 1, kind: 'text', from: 'alice', to: 'bob', text: 'the key is under the mat' };
  const context = { messageId: newMessageId(), time: '2026-01-02T21:04:00.000Z' };
  const sealed = await sealDirect(a1, [pub(b), pub(a2)], context, encodeDirectPayload(payload));
  const message = { ...context, ...sealed };
  alice1.conversations.accept({ id: context.messageId, peer: 'bob', direction: 'out', device: a1.id, time: context.time, payload });
  assert.equal(await receive(bob, b, 'alice', pub(a1), message), 'stored');
  assert.equal(await receive(alice2, a2, 'alice', pub(a1), message), 'stored');
  assert.equal(await receive(bob, b, 'alice', pub(a1), message), 'duplicate', 'a replayed ciphertext is dropped');
  assert.equal(bob.conversations.unread('alice'), 1);
  assert.deepEqual(texts(alice2.conversations.history('bob', 5).entries), ['the key is under the mat']);
  assert.equal(alice2.conversations.unread('bob'), 0, 'your own messages from another device are not unread');
  // Nothing readable on the way: the sealed form holds no plaintext.
  assert.ok(!JSON.stringify(message).includes('under the mat'));
});
