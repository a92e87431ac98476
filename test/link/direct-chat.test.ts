// End-to-end direct messages between real clients (ChatClient with a profile each) through a
// real server: several devices per account, offline delivery and resume across a restart, key
// changes and verification, blocks, guests, and what a client does with forged or replayed frames.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import type { DeviceKeyPair } from '../../src/crypto/device-key.js';
import { newMessageId, sealDirect } from '../../src/crypto/direct-seal.js';
import type { DirectFile } from '../../src/link/direct-files.js';
import { encodeDirectPayload } from '../../src/protocol/direct-payload.js';
import { ChatClient } from '../../src/link/chat-client.js';
import { Profile, STATE_FILE } from '../../src/link/profile.js';
import type { DirectEvent } from '../../src/protocol/direct-events.js';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { devicesOf, directsOf, loggedInV3, newDeviceKey, sealedSend } from '../helpers/direct.js';
import type { RawClient } from '../helpers/raw-client.js';
import { PASSKEY, startTestServer, tempDir, waitUntil, within, type TestServer } from '../helpers/server.js';

const PASSWORD = 'direct-password-1';

/** One program on one device: a ChatClient with its own profile folder, and what it showed. */
interface Device {
  client: ChatClient;
  events: DirectEvent[];
  errors: { code: string; message: string }[];
  /** Direct messages shown, as "from>to:text". */
  lines: () => string[];
  stop: () => Promise<void>;
}

async function open(t: TestContext, server: TestServer, name: string, profileDir: string, options: { guest?: boolean; ackIntervalMs?: number } = {}): Promise<Device> {
  const client = new ChatClient({
    pin: { targets: [{ host: '127.0.0.1', port: server.port }], fingerprints: [server.fingerprint] },
    credentials: { passkey: PASSKEY },
    role: 'user',
    chooseName: (refusal) => Promise.resolve(refusal ? undefined : name),
    reconnect: false,
    ...(options.guest ? {} : { account: { password: PASSWORD, register: true } }),
    direct: { profile: Profile.open(profileDir), ...(options.ackIntervalMs === undefined ? {} : { ackIntervalMs: options.ackIntervalMs }) },
  });
  const events: DirectEvent[] = [];
  const errors: { code: string; message: string }[] = [];
  client.on('direct', (event) => events.push(event));
  client.on('message', (message: ServerMessage) => {
    if (message.type === 'error') errors.push({ code: message.code, message: message.message });
  });
  const closed = new Promise<void>((resolve) => client.once('closed', () => resolve()));
  await client.start();
  await within(client.settled(), 10_000, `${name}'s login sync`);
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    client.stop();
    await within(closed, 5000, `${name} to close`);
    await waitUntil(() => !server.server.onlineNames().includes(name), 5000, `${name} to leave`);
  };
  t.after(stop);
  const lines = (): string[] => events.flatMap((e) => (e.type === 'direct' ? [`${e.from}>${e.to}:${e.text}`] : []));
  return { client, events, errors, lines, stop };
}

/** Log a device in once (registering it), then out. */
async function enrol(t: TestContext, server: TestServer, name: string, profileDir: string): Promise<void> {
  const device = await open(t, server, name, profileDir);
  await device.stop();
}

function profiles(count: number): string[] {
  const root = tempDir('party-pool-devices-');
  return Array.from({ length: count }, (_, i) => path.join(root, `device-${i + 1}`));
}

/** Send and expect the answer to be a plain acknowledgement. */
async function sendOk(device: Device, to: string, text: string): Promise<void> {
  const before = device.errors.length;
  assert.equal(await within(device.client.command('msg', `${to} ${text}`), 10_000, `/msg ${to}`), true);
  assert.deepEqual(device.errors.slice(before), [], `no error sending "${text}"`);
}

describe('direct messages between clients', () => {
  test('two accounts with two and three devices: every device gets every message once, live or at its next login', async (t) => {
    const server = await startTestServer();
    t.after(() => server.close());
    const [a1, a2] = profiles(2);
    const [b1, b2, b3] = profiles(3);
    if (!a1 || !a2 || !b1 || !b2 || !b3) throw new Error('profiles');
    for (const dir of [a2, b2, b3]) await enrol(t, server, dir === a2 ? 'alice' : 'bob', dir);
    const alice = await open(t, server, 'alice', a1);
    const bob = await open(t, server, 'bob', b1);
    await sendOk(alice, 'bob', 'hello bob');
    await waitUntil(() => bob.lines().length === 1, 5000, 'bob to get it');
    await sendOk(bob, 'alice', 'hi alice, 你好 🎉');
    await waitUntil(() => alice.lines().length === 2, 5000, 'alice to get the reply');
    assert.deepEqual(alice.lines(), ['alice>bob:hello bob', 'bob>alice:hi alice, 你好 🎉']);
    assert.deepEqual(bob.lines(), ['alice>bob:hello bob', 'bob>alice:hi alice, 你好 🎉']);
    assert.deepEqual(
      alice.events.filter((e) => e.type === 'direct').map((e) => e.type === 'direct' && e.direction),
      ['out', 'in'],
    );
    await alice.stop();
    await bob.stop();
    // Every other device, logging in later, gets both: its own account's and the other's.
    for (const [name, dir] of [['alice', a2], ['bob', b2], ['bob', b3]] as const) {
      const other = await open(t, server, name, dir);
      assert.deepEqual(other.lines(), ['alice>bob:hello bob', 'bob>alice:hi alice, 你好 🎉'], `${name} on ${dir}`);
      // The other account's keys are first seen now (no warning); this account got a device
      // since this one last looked, and that is said.
      assert.deepEqual(
        other.events.flatMap((e) => (e.type === 'key-changed' ? [[e.name, e.self, e.status]] : [])),
        [[name, true, 'new-device']],
      );
      await other.stop();
      const again = await open(t, server, name, dir);
      assert.deepEqual(again.lines(), [], 'nothing twice');
      const history = await again.client.command('history', `@${name === 'alice' ? 'bob' : 'alice'}`);
      assert.equal(history, true);
      const page = again.events.find((e) => e.type === 'direct-history');
      assert.equal(page?.type === 'direct-history' && page.messages.map((m) => m.text).join('|'), 'hello bob|hi alice, 你好 🎉');
      await again.stop();
    }
    assert.equal(server.server.services.direct.counts().messages, 0, 'nothing waits on the server any more');
  });

  test('offline delivery survives a server restart, in order, exactly once, even when the client crashed before its cursor was saved', async (t) => {
    const base = tempDir();
    let server = await startTestServer({}, base);
    t.after(() => server.close());
    const [aliceDir, bobDir] = profiles(2);
    if (!aliceDir || !bobDir) throw new Error('profiles');
    await enrol(t, server, 'bob', bobDir);
    const alice = await open(t, server, 'alice', aliceDir);
    const sent = ['one', 'two', 'three', 'four', 'five'];
    for (const text of sent) await sendOk(alice, 'bob', text);
    await alice.stop();
    await server.close();
    server = await startTestServer({}, base);
    // bob's first login after the restart: everything, in order. Its cursor is then lost (as if the
    // program died before saving it), so the next login gets them all again: none is shown twice.
    const bob = await open(t, server, 'bob', bobDir, { ackIntervalMs: 60_000 });
    assert.deepEqual(bob.lines(), sent.map((text) => `alice>bob:${text}`));
    const stored = bob.events.filter((e) => e.type === 'direct' && e.stored === true);
    assert.equal(stored.length, 5);
    await bob.stop();
    const account = Profile.open(bobDir).account(server.server.services.direct.serverId, 'bob');
    fs.rmSync(path.join(account.dir, STATE_FILE));
    const again = await open(t, server, 'bob', bobDir);
    assert.deepEqual(again.lines(), [], 'duplicates are dropped');
    await waitUntil(() => server.server.services.direct.counts().messages === 0, 5000, 'the acknowledgement to free the server');
    const conversation = account.conversations.history('alice', 100);
    assert.deepEqual(
      conversation.entries.map((e) => e.payload.kind === 'text' && e.payload.text),
      sent,
    );
  });

  test('key changes are said before anything is sent; a verified contact is refused until verified again; both sides see one safety number', async (t) => {
    const server = await startTestServer();
    t.after(() => server.close());
    const [aliceDir, bob1, bob2, bob3] = profiles(4);
    if (!aliceDir || !bob1 || !bob2 || !bob3) throw new Error('profiles');
    await enrol(t, server, 'bob', bob1);
    const alice = await open(t, server, 'alice', aliceDir);
    await sendOk(alice, 'bob', 'first');
    assert.ok(!alice.events.some((e) => e.type === 'key-changed'), 'first use: no warning');
    // bob adds a device: alice is told before her next message goes out.
    await enrol(t, server, 'bob', bob2);
    await sendOk(alice, 'bob', 'second');
    const types = alice.events.map((e) => e.type);
    const warning = alice.events.find((e) => e.type === 'key-changed');
    assert.ok(warning?.type === 'key-changed' && warning.name === 'bob' && warning.status === 'new-device' && !warning.wasVerified);
    assert.ok(types.indexOf('key-changed') < types.lastIndexOf('direct'), 'the warning comes before the message');
    // Safety numbers: the same on both sides.
    assert.equal(await alice.client.command('verify', 'bob'), true);
    const bob = await open(t, server, 'bob', bob1);
    assert.equal(await bob.client.command('verify', 'alice'), true);
    const numberOf = (device: Device): string | undefined => {
      const event = device.events.findLast((e) => e.type === 'safety-number');
      return event?.type === 'safety-number' ? event.number : undefined;
    };
    assert.match(numberOf(alice) ?? '', /^(\d{5} ){11}\d{5}$/);
    assert.equal(numberOf(alice), numberOf(bob));
    assert.equal(await alice.client.command('verify', 'bob confirm'), true);
    const confirmed = alice.events.findLast((e) => e.type === 'safety-number');
    assert.ok(confirmed?.type === 'safety-number' && confirmed.verified);
    await bob.stop();
    // A new device for a verified contact: nothing is sent until alice verifies again.
    await enrol(t, server, 'bob', bob3);
    const before = alice.events.length;
    assert.equal(await alice.client.command('msg', 'bob third'), true);
    assert.equal(alice.errors.at(-1)?.code, 'VERIFY_REQUIRED');
    const change = alice.events.slice(before).find((e) => e.type === 'key-changed');
    assert.ok(change?.type === 'key-changed' && change.wasVerified);
    assert.ok(!alice.events.slice(before).some((e) => e.type === 'direct'), 'nothing was sent');
    await alice.client.command('verify', 'bob confirm');
    await sendOk(alice, 'bob', 'third');
    const later = await open(t, server, 'bob', bob3);
    assert.deepEqual(later.lines(), ['alice>bob:first', 'alice>bob:second', 'alice>bob:third'].slice(2), 'the new device gets what was sent after it was added');
  });

  test('blocking: the blocked sender is not told, the blocker gets nothing, the sender\'s other devices still get their copy', async (t) => {
    const server = await startTestServer();
    t.after(() => server.close());
    const [a1, a2, b1] = profiles(3);
    if (!a1 || !a2 || !b1) throw new Error('profiles');
    await enrol(t, server, 'alice', a2);
    const bob = await open(t, server, 'bob', b1);
    const alice = await open(t, server, 'alice', a1);
    assert.equal(await bob.client.command('block', 'alice'), true);
    await sendOk(alice, 'bob', 'are you there?');
    assert.deepEqual(alice.lines(), ['alice>bob:are you there?'], 'the sender sees it sent');
    assert.equal(await bob.client.command('unblock', 'alice'), true);
    await sendOk(alice, 'bob', 'now?');
    await waitUntil(() => bob.lines().length === 1, 5000, 'bob to get the message after unblocking');
    assert.deepEqual(bob.lines(), ['alice>bob:now?']);
    assert.equal(await bob.client.command('unblock', 'alice'), true);
    assert.equal(bob.errors.at(-1)?.code, 'NOT_BLOCKED');
    await alice.stop();
    const other = await open(t, server, 'alice', a2);
    assert.deepEqual(other.lines(), ['alice>bob:are you there?', 'alice>bob:now?']);
  });

  test('a guest is messaged while online; once gone, RECIPIENT_OFFLINE', async (t) => {
    const server = await startTestServer();
    t.after(() => server.close());
    const [aliceDir, gusDir] = profiles(2);
    if (!aliceDir || !gusDir) throw new Error('profiles');
    const alice = await open(t, server, 'alice', aliceDir);
    const gus = await open(t, server, 'gus', gusDir, { guest: true });
    await sendOk(alice, 'gus', 'hi guest');
    await waitUntil(() => gus.lines().length === 1, 5000, 'the guest to get it');
    await sendOk(gus, 'alice', 'hi back');
    await waitUntil(() => alice.lines().length === 2, 5000, 'alice to get the answer');
    await gus.stop();
    assert.equal(await alice.client.command('msg', 'gus still there?'), true);
    assert.equal(alice.errors.at(-1)?.code, 'RECIPIENT_OFFLINE');
  });

  test('a tampered body is dropped with DECRYPT_FAILED; a replayed message is dropped as a duplicate', async (t) => {
    const server = await startTestServer();
    t.after(() => server.close());
    const [bobDir] = profiles(1);
    if (!bobDir) throw new Error('profiles');
    const bob = await open(t, server, 'bob', bobDir, { ackIntervalMs: 50 });
    const key: DeviceKeyPair = await newDeviceKey();
    const mallory = await loggedInV3(server.port, 'mallory', key, { password: PASSWORD, register: true });
    t.after(() => mallory.client.destroy());
    const bobDevices = (await devicesOf(mallory.client, ['bob'])).accounts[0]?.devices ?? [];
    const honest = await sealedSend(key, bobDevices, { from: 'mallory', to: 'bob', text: 'honest' });
    const tampered = await sealedSend(key, bobDevices, { from: 'mallory', to: 'bob', text: 'tampered' });
    const body = Buffer.from(tampered.body, 'base64url');
    body[0] = (body[0] ?? 0) ^ 1;
    const forged = { ...tampered, body: body.toString('base64url') };
    await send(mallory.client, forged);
    await waitUntil(() => bob.errors.some((e) => e.code === 'DECRYPT_FAILED'), 5000, 'the tampered message to be refused');
    assert.match(bob.errors.find((e) => e.code === 'DECRYPT_FAILED')?.message ?? '', /from mallory could not be opened/);
    await send(mallory.client, honest);
    await waitUntil(() => bob.lines().length === 1, 5000, 'the honest message');
    // Once bob acknowledged it the server forgets it, so the same frame is accepted again:
    // bob's client recognises the message id and drops it.
    await waitUntil(() => server.server.services.direct.counts().messages === 0, 5000, 'bob to acknowledge');
    await send(mallory.client, honest);
    await bob.client.command('msg', '');
    await within(bob.client.direct?.idle() ?? Promise.resolve(), 5000, 'bob to handle the replay');
    assert.deepEqual(bob.lines(), ['mallory>bob:honest'], 'shown once');
    const stats = directsOf(mallory.client);
    assert.equal(stats.length, 0);
  });

  test('a file\'s key: kept in the profile across a restart, chosen by who uploaded it; a message naming another file than its routing is dropped', async (t) => {
    const server = await startTestServer();
    t.after(() => server.close());
    const [aliceDir, bobDir] = profiles(2);
    if (!aliceDir || !bobDir) throw new Error('profiles');
    const alice = await open(t, server, 'alice', aliceDir);
    let bob = await open(t, server, 'bob', bobDir, { ackIntervalMs: 50 });
    const key: DeviceKeyPair = await newDeviceKey();
    const mallory = await loggedInV3(server.port, 'mallory', key, { password: PASSWORD, register: true });
    t.after(() => mallory.client.destroy());
    const bobDevices = (await devicesOf(mallory.client, ['bob'])).accounts[0]?.devices ?? [];
    const file = (id: string, name: string): DirectFile => ({ id, name, size: 1234, sha256: 'ab'.repeat(32), key: Buffer.alloc(32, name.length).toString('base64url') });
    const sealedFile = async (routing: string, payload: DirectFile): Promise<Record<string, unknown> & { id: number }> => {
      const messageId = newMessageId();
      const time = new Date().toISOString();
      const sealed = await sealDirect(key, bobDevices, { messageId, time, fileId: routing }, encodeDirectPayload({ v: 1, kind: 'file', from: 'mallory', to: 'bob', file: payload }));
      return { type: 'direct', id: 900 + routing.length + payload.name.length, to: 'bob', messageId, time, fileId: routing, body: sealed.body, envelopes: [...sealed.envelopes] };
    };
    // Routing says file 8, the sealed payload file 9: dropped.
    await send(mallory.client, await sealedFile('8', file('9', 'swapped.bin')));
    await waitUntil(() => bob.errors.some((e) => e.code === 'DECRYPT_FAILED'), 5000, 'the mismatched file message to be dropped');
    assert.match(bob.errors.find((e) => e.code === 'DECRYPT_FAILED')?.message ?? '', /names another file/);
    // mallory claims file 7 first; alice then sends hers (the real uploader, as the server will say).
    await send(mallory.client, await sealedFile('7', file('7', 'fake.bin')));
    const channel = alice.client.directFiles;
    assert.ok(channel, 'alice has a usable device');
    await within(channel.sendFile('bob', file('7', 'holiday.jpg')), 10_000, 'alice sends the key');
    await waitUntil(() => bob.events.filter((e) => e.type === 'direct' && e.file !== undefined).length === 2, 5000, 'both announcements');
    const announced = bob.events.flatMap((e) => (e.type === 'direct' && e.file ? [[e.from, e.file.id, e.file.name, e.file.size]] : []));
    assert.deepEqual(announced, [
      ['mallory', '7', 'fake.bin', 1234],
      ['alice', '7', 'holiday.jpg', 1234],
    ]);
    assert.equal(bob.client.directFiles?.fileFor('7', 'alice')?.name, 'holiday.jpg');
    assert.equal(bob.client.directFiles?.fileFor('7', 'mallory')?.name, 'fake.bin');
    assert.equal(bob.client.directFiles?.fileFor('9'), undefined, 'the dropped one was not kept');
    assert.equal(alice.client.directFiles?.fileFor('7', 'alice')?.key, file('7', 'holiday.jpg').key, 'the sender keeps what it sent');
    // A restart: the key comes from the profile.
    await bob.stop();
    bob = await open(t, server, 'bob', bobDir);
    assert.equal(bob.client.directFiles?.fileFor('7', 'alice')?.key, file('7', 'holiday.jpg').key);
    assert.equal(bob.events.some((e) => e.type === 'direct'), false, 'nothing was delivered again');
  });

  test('a rename: the renamed person keeps their device and conversations; the other side\'s contact, verification and conversation follow', async (t) => {
    const server = await startTestServer();
    t.after(() => server.close());
    const [aliceDir, bobDir] = profiles(2);
    if (!aliceDir || !bobDir) throw new Error('profiles');
    const alice = await open(t, server, 'alice', aliceDir);
    const bob = await open(t, server, 'bob', bobDir);
    await sendOk(alice, 'bob', 'before');
    await waitUntil(() => bob.lines().length === 1, 5000, 'bob to get it');
    assert.equal(await bob.client.command('verify', 'alice confirm'), true);
    const deviceId = alice.client.direct?.deviceId;
    assert.equal(await alice.client.command('nick', 'alicia'), true);
    await waitUntil(() => bob.client.direct?.listConversations()[0]?.peer === 'alicia', 5000, 'bob\'s conversation to follow the rename');
    await sendOk(bob, 'alicia', 'after');
    await waitUntil(() => alice.lines().length === 2, 5000, 'alicia to get it');
    assert.ok(!bob.events.some((e) => e.type === 'key-changed'), 'the same keys: no warning, still verified');
    assert.deepEqual(bob.client.direct?.conversation('alicia', 10)?.entries.map((e) => e.payload.kind === 'text' && e.payload.text), ['before', 'after']);
    await alice.stop();
    // The next login as alicia presents the same device (its folder moved with the name).
    const again = await open(t, server, 'alicia', aliceDir);
    assert.equal(again.client.direct?.deviceId, deviceId);
    assert.deepEqual(again.client.direct?.conversation('bob', 10)?.entries.map((e) => e.payload.kind === 'text' && e.payload.text), ['before', 'after']);
  });
});

async function send(client: RawClient, message: { id: number }): Promise<void> {
  client.send(message);
  const reply = await client.answer(message.id);
  assert.equal(reply.type, 'ack', JSON.stringify(reply));
}
