// Direct messages through a real server (protocol 3), driven by raw clients that seal and open
// with the real crypto: devices, live and stored delivery, resume across a restart, blocks,
// limits, older clients, and what the server keeps on disk.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import type { DeviceKeyPair } from '../../src/crypto/device-key.js';
import { DATABASE_FILE } from '../../src/data-dir/store.js';
import { devicesOf, directsOf, loggedInV3, newDeviceKey, openDelivered, sealedSend, type Delivered } from '../helpers/direct.js';
import { RawClient, loggedInV2 } from '../helpers/raw-client.js';
import { rootLoggedIn, runOk } from '../helpers/root.js';
import { serverFor, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const PASSWORD = 'direct-password-1';

/** Devices as devices-get publishes them. */
function published(...keys: DeviceKeyPair[]): { id: string; key: string }[] {
  return keys.map((key) => ({ id: key.id, key: key.publicKeyText }));
}

/** Log in (registering the name the first time) with `device`; closed when the test ends. */
async function member(t: { after: (fn: () => void) => void }, server: TestServer, name: string, device: DeviceKeyPair | undefined, directAfter?: number) {
  const login = await loggedInV3(server.port, name, device, { password: PASSWORD, register: true, ...(directAfter === undefined ? {} : { directAfter }) });
  t.after(() => login.client.destroy());
  return login;
}

async function logout(client: RawClient): Promise<void> {
  client.send({ type: 'bye' });
  await client.gone();
}

async function send(client: RawClient, message: Record<string, unknown> & { id: number }): Promise<Awaited<ReturnType<RawClient['answer']>>> {
  client.send(message);
  return client.answer(message.id);
}

async function texts(device: DeviceKeyPair, delivered: readonly Delivered[]): Promise<string[]> {
  const out: string[] = [];
  for (const message of delivered) {
    assert.ok(message.fromKey, 'the sender key comes along');
    const payload = await openDelivered(device, message, message.fromKey);
    assert.ok(payload?.kind === 'text');
    out.push(payload.text);
  }
  return out;
}

describe('direct messages (server)', () => {
  test('devices are registered at login, published, and a message reaches every device once: live, then stored', async (t) => {
    const server = await serverFor(t);
    const [a1, a2, b1] = await Promise.all([newDeviceKey(), newDeviceKey(), newDeviceKey()]);
    // alice's second device registers first, then logs out.
    const second = await member(t, server, 'alice', a2);
    assert.equal(second.welcome.device?.status, 'new');
    assert.equal(second.welcome.device?.id, a2.id);
    assert.ok(second.welcome.serverId && second.welcome.serverId.length >= 16);
    assert.deepEqual(second.synced.direct, { lastSeq: 0 });
    await logout(second.client);
    const alice = await member(t, server, 'alice', a1);
    const bob = await member(t, server, 'bob', b1);
    assert.equal(alice.welcome.serverId, bob.welcome.serverId);
    const devices = await devicesOf(alice.client, ['bob', 'alice', 'nobody']);
    assert.deepEqual(
      devices.accounts.map((a) => [a.name, a.registered, a.online, a.devices.map((d) => d.id).sort()]),
      [
        ['bob', true, true, [b1.id]],
        ['alice', true, true, [a1.id, a2.id].sort()],
        ['nobody', false, false, []],
      ],
    );
    const message = await sealedSend(a1, published(b1, a2), { from: 'alice', to: 'bob', text: 'psst, bob' });
    assert.deepEqual(await send(alice.client, message), { type: 'ack', ref: message.id });
    const live = await bob.client.waitFor('direct');
    assert.equal(live.from, 'alice');
    assert.equal(live.to, 'bob');
    assert.equal(live.fromDevice, a1.id);
    assert.equal(live.stored, undefined);
    assert.deepEqual(await texts(b1, [live]), ['psst, bob']);
    // The sender's other device gets its copy at its next login, before `synced`.
    await logout(alice.client);
    const later = await member(t, server, 'alice', a2);
    const stored = directsOf(later.client);
    assert.equal(stored.length, 1);
    assert.equal(stored[0]?.stored, true);
    assert.equal(stored[0]?.to, 'bob');
    assert.deepEqual(await texts(a2, stored), ['psst, bob']);
    assert.equal(later.synced.direct?.lastSeq, stored[0]?.seq);
    const order = later.client.received.map((m) => m.type);
    assert.ok(order.indexOf('direct') < order.indexOf('synced'), 'stored messages come before synced');
  });

  test('the envelope set must be exactly the recipient\'s devices and the sender\'s other devices', async (t) => {
    const server = await serverFor(t);
    const [a1, a2, b1, stranger] = await Promise.all([newDeviceKey(), newDeviceKey(), newDeviceKey(), newDeviceKey()]);
    await logout((await member(t, server, 'alice', a2)).client);
    const alice = await member(t, server, 'alice', a1);
    await member(t, server, 'bob', b1);
    for (const devices of [published(b1), published(b1, a2, stranger), published(a2)]) {
      const reply = await send(alice.client, await sealedSend(a1, devices, { from: 'alice', to: 'bob', text: 'x' }));
      assert.equal(reply.type === 'error' && reply.code, 'DEVICES_CHANGED');
    }
    const skewed = await send(alice.client, await sealedSend(a1, published(b1, a2), { from: 'alice', to: 'bob', text: 'x' }, { time: new Date(Date.now() - 3_600_000).toISOString() }));
    assert.equal(skewed.type === 'error' && skewed.code, 'CLOCK_SKEW');
    const self = await send(alice.client, await sealedSend(a1, published(a2), { from: 'alice', to: 'alice', text: 'x' }));
    assert.equal(self.type === 'error' && self.code, 'INVALID_ARGUMENT');
  });

  test('an older (protocol 2) client gets CLIENT_TOO_OLD for every direct-message request and never receives a direct message', async (t) => {
    const server = await serverFor(t);
    const [a1, b1] = await Promise.all([newDeviceKey(), newDeviceKey()]);
    const alice = await member(t, server, 'alice', a1);
    await logout((await member(t, server, 'bob', b1)).client);
    // Since protocol 3 a protocol-2 program cannot log in as bob at all (it would send his
    // password: issue 11); it can still chat as a guest, and that is what is checked here.
    const oldAsBob = await RawClient.connect(server.port);
    oldAsBob.versions = [1, 2];
    oldAsBob.versionsChosen = true;
    assert.equal(await oldAsBob.attempt('bob', { password: PASSWORD }), 'CLIENT_TOO_OLD');
    oldAsBob.destroy();
    const old = await RawClient.connect(server.port);
    t.after(() => old.destroy());
    old.versions = [1, 2];
    old.versionsChosen = true;
    await old.login('oldbob');
    await old.waitFor('synced');
    assert.equal(old.challenge?.serverId, undefined, 'no server id before protocol 3');
    const oldWelcome = await old.waitFor('welcome');
    assert.equal(oldWelcome.device, undefined);
    assert.equal(oldWelcome.serverId, undefined);
    for (const [name, args] of [['devices', ''], ['devices', 'remove abcdefghijklmnop'], ['block', 'alice'], ['unblock', 'alice'], ['blocked', '']] as const) {
      const answer = await old.answer(old.command(name, args));
      assert.ok(answer.type === 'error' && answer.code === 'CLIENT_TOO_OLD' && /protocol 3/.test(answer.message), `${name}: ${JSON.stringify(answer)}`);
    }
    const forged = await sealedSend(b1, published(a1), { from: 'oldbob', to: 'alice', text: 'x' });
    const refused = await send(old, forged);
    assert.equal(refused.type === 'error' && refused.code, 'CLIENT_TOO_OLD');
    old.send({ type: 'devices-get', id: 777, names: ['alice'] });
    const refusedGet = await old.answer(777);
    assert.equal(refusedGet.type === 'error' && refusedGet.code, 'CLIENT_TOO_OLD');
    const help = await old.answer(old.command('help'));
    assert.ok(help.type === 'help' && !help.commands.some((c) => c.usage.startsWith('/devices')), 'help lists only what protocol 2 has');
    // A message to bob while only an old client is online waits for his protocol-3 device.
    const message = await sealedSend(a1, published(b1), { from: 'alice', to: 'bob', text: 'for your new client' });
    assert.equal((await send(alice.client, message)).type, 'ack');
    await old.answer(old.command('online'));
    assert.equal(directsOf(old).length, 0, 'the protocol-2 session gets nothing');
    await logout(old);
    const back = await member(t, server, 'bob', b1);
    assert.deepEqual(await texts(b1, directsOf(back.client)), ['for your new client']);
    // An account that only ever used old clients has no keys.
    await logout((await loggedInV2(server.port, 'carol', { password: PASSWORD, register: true })));
    const none = await send(alice.client, await sealedSend(a1, published(await newDeviceKey()), { from: 'alice', to: 'carol', text: 'x' }));
    assert.equal(none.type === 'error' && none.code, 'RECIPIENT_NO_KEYS');
  });

  test('a guest has a device for its session only: messaged while online, RECIPIENT_OFFLINE once gone', async (t) => {
    const server = await serverFor(t);
    const [a1, b1, g1, g2] = await Promise.all([newDeviceKey(), newDeviceKey(), newDeviceKey(), newDeviceKey()]);
    await logout((await member(t, server, 'bob', b1)).client);
    const alice = await member(t, server, 'alice', a1);
    const gus = await loggedInV3(server.port, 'gus', g1);
    t.after(() => gus.client.destroy());
    assert.equal(gus.welcome.device?.status, 'session');
    const found = await devicesOf(alice.client, ['gus']);
    assert.deepEqual(found.accounts[0], { name: 'gus', registered: false, online: true, devices: published(g1) });
    const message = await sealedSend(a1, published(g1), { from: 'alice', to: 'gus', text: 'hello guest' });
    assert.equal((await send(alice.client, message)).type, 'ack');
    assert.deepEqual(await texts(g1, [await gus.client.waitFor('direct')]), ['hello guest']);
    // A guest's key is its session's: presenting it again elsewhere at the same time is refused,
    // and so is presenting a registered account's key.
    const twin = await loggedInV3(server.port, 'gus2', g1);
    t.after(() => twin.client.destroy());
    assert.deepEqual(twin.welcome.device, { id: g1.id, status: 'refused', code: 'DEVICE_IN_USE' });
    const thief = await loggedInV3(server.port, 'thief', b1);
    t.after(() => thief.client.destroy());
    assert.equal(thief.welcome.device?.code, 'DEVICE_KEY_TAKEN');
    const refused = await send(thief.client, await sealedSend(b1, published(a1), { from: 'thief', to: 'alice', text: 'x' }));
    assert.equal(refused.type === 'error' && refused.code, 'DEVICE_REQUIRED');
    await logout(gus.client);
    const late = await send(alice.client, await sealedSend(a1, published(g1), { from: 'alice', to: 'gus', text: 'still there?' }));
    assert.equal(late.type === 'error' && late.code, 'RECIPIENT_OFFLINE');
    const stranger = await send(alice.client, await sealedSend(a1, published(g2), { from: 'alice', to: 'nobody', text: 'x' }));
    assert.equal(stranger.type === 'error' && stranger.code, 'RECIPIENT_OFFLINE');
  });

  test('limits: the recipient\'s stored budget (MAILBOX_FULL), the sender\'s own (its other devices skip the copy), body size, envelopes, devices per account', async (t) => {
    const server = await serverFor(t, { directMaxStored: 2, maxDevices: 2 });
    const [a1, a2, a3, b1, c1] = await Promise.all([newDeviceKey(), newDeviceKey(), newDeviceKey(), newDeviceKey(), newDeviceKey()]);
    for (const [name, key] of [['alice', a2], ['bob', b1], ['carol', c1]] as const) await logout((await member(t, server, name, key)).client);
    const alice = await member(t, server, 'alice', a1);
    for (const text of ['one', 'two']) assert.equal((await send(alice.client, await sealedSend(a1, published(b1, a2), { from: 'alice', to: 'bob', text }))).type, 'ack');
    const full = await send(alice.client, await sealedSend(a1, published(b1, a2), { from: 'alice', to: 'bob', text: 'three' }));
    assert.ok(full.type === 'error' && full.code === 'MAILBOX_FULL' && full.message.includes('bob'), JSON.stringify(full));
    // alice's own other device has two waiting too: carol still gets the next one, a2 no copy.
    const skipped = await send(alice.client, await sealedSend(a1, published(c1, a2), { from: 'alice', to: 'carol', text: 'for carol' }));
    assert.ok(skipped.type === 'ack' && skipped.text !== undefined && /other devices/.test(skipped.text), JSON.stringify(skipped));
    // Sizes and counts are checked before anything is stored.
    const big = await sealedSend(a1, published(c1, a2), { from: 'alice', to: 'carol', text: 'x' });
    const tooBig = await send(alice.client, { ...big, body: 'A'.repeat(16_500) });
    assert.equal(tooBig.type === 'error' && tooBig.code, 'BAD_MESSAGE');
    const envelope = big.envelopes[0];
    assert.ok(envelope);
    const tooMany = await send(alice.client, { ...big, envelopes: Array.from({ length: 17 }, () => envelope) });
    assert.equal(tooMany.type === 'error' && tooMany.code, 'BAD_MESSAGE');
    await logout(alice.client);
    // A third device for alice is over the limit: refused, and it cannot send.
    const third = await member(t, server, 'alice', a3);
    assert.deepEqual(third.welcome.device, { id: a3.id, status: 'refused', code: 'DEVICE_LIMIT' });
    assert.equal(third.synced.direct, undefined);
    await logout(third.client);
    const second = await member(t, server, 'alice', a2);
    assert.deepEqual(await texts(a2, directsOf(second.client)), ['one', 'two']);
    const carol = await member(t, server, 'carol', c1);
    assert.deepEqual(await texts(c1, directsOf(carol.client)), ['for carol']);
  });

  test('devices: listed with this one marked, removed for good (what waited for it goes), a removed key is refused at its next login', async (t) => {
    const server = await serverFor(t);
    const [a1, a2, b1] = await Promise.all([newDeviceKey(), newDeviceKey(), newDeviceKey()]);
    await logout((await member(t, server, 'alice', a2)).client);
    const bob = await member(t, server, 'bob', b1);
    assert.equal((await send(bob.client, await sealedSend(b1, published(a2), { from: 'bob', to: 'alice', text: 'for a2' }))).type, 'ack');
    const alice = await member(t, server, 'alice', a1);
    const listed = await alice.client.answer(alice.client.command('devices'));
    assert.ok(listed.type === 'devices');
    const mine = listed.accounts[0];
    assert.equal(mine?.name, 'alice');
    assert.deepEqual(mine.devices.map((d) => [d.id, d.current === true, typeof d.added, typeof d.lastSeen]).sort(), [[a1.id, true, 'string', 'string'], [a2.id, false, 'string', 'string']].sort());
    const code = async (args: string): Promise<string | undefined> => {
      const answer = await alice.client.answer(alice.client.command('devices', args));
      return answer.type === 'error' ? answer.code : answer.type;
    };
    assert.equal(await code(`remove ${a1.id}`), 'INVALID_ARGUMENT');
    assert.equal(await code('remove aaaaaaaaaaaaaaaa'), 'NO_SUCH_DEVICE');
    assert.equal(await code('forget x'), 'INVALID_ARGUMENT');
    assert.equal(server.server.services.direct.counts().messages, 1);
    assert.equal(await code(`remove ${a2.id}`), 'ack');
    const changed = await alice.client.waitFor('devices-changed', (m) => m.devices.length === 1);
    assert.deepEqual(changed.devices.map((d) => d.id), [a1.id]);
    assert.equal(server.server.services.direct.counts().messages, 0, 'what waited for the removed device is gone');
    assert.deepEqual((await devicesOf(bob.client, ['alice'])).accounts[0]?.devices, published(a1));
    await logout(alice.client);
    const removed = await member(t, server, 'alice', a2);
    assert.deepEqual(removed.welcome.device, { id: a2.id, status: 'refused', code: 'DEVICE_REMOVED' });
    const guest = await loggedInV3(server.port, 'guest', await newDeviceKey());
    t.after(() => guest.client.destroy());
    const answer = await guest.client.answer(guest.client.command('devices', 'remove aaaaaaaaaaaaaaaa'));
    assert.equal(answer.type === 'error' && answer.code, 'NOT_REGISTERED');
  });

  test('blocks: acknowledged as usual, nothing kept for the blocker, kept across logins, follow a rename; /blocked lists them', async (t) => {
    const server = await serverFor(t);
    const [a1, b1] = await Promise.all([newDeviceKey(), newDeviceKey()]);
    const bob = await member(t, server, 'bob', b1);
    const alice = await member(t, server, 'alice', a1);
    const code = async (client: RawClient, name: string, args = ''): Promise<string> => {
      const answer = await client.answer(client.command(name, args));
      return answer.type === 'error' ? answer.code : answer.type;
    };
    assert.equal(await code(bob.client, 'block', 'alice'), 'ack');
    assert.equal(await code(bob.client, 'block', 'bob'), 'INVALID_ARGUMENT');
    assert.equal(await code(bob.client, 'block', 'nobody'), 'NO_SUCH_USER');
    const blocked = await bob.client.answer(bob.client.command('blocked'));
    assert.ok(blocked.type === 'result' && blocked.lines?.join() === 'alice');
    const hidden = await sealedSend(a1, published(b1), { from: 'alice', to: 'bob', text: 'hello?' });
    assert.deepEqual(await send(alice.client, hidden), { type: 'ack', ref: hidden.id }, 'the same answer as for a delivered message');
    await logout(bob.client);
    // alice renames: the block follows her.
    assert.equal(await code(alice.client, 'nick', 'alicia'), 'ack');
    assert.equal((await send(alice.client, await sealedSend(a1, published(b1), { from: 'alicia', to: 'bob', text: 'it is me' }))).type, 'ack');
    const back = await member(t, server, 'bob', b1);
    assert.equal(directsOf(back.client).length, 0, 'nothing from a blocked sender, under any name');
    assert.equal(await code(back.client, 'unblock', 'alicia'), 'ack');
    assert.equal(await code(back.client, 'unblock', 'alicia'), 'NOT_BLOCKED');
    assert.equal((await send(alice.client, await sealedSend(a1, published(b1), { from: 'alicia', to: 'bob', text: 'now?' }))).type, 'ack');
    const live = await back.client.waitFor('direct');
    assert.equal(live.from, 'alicia');
    assert.deepEqual((await devicesOf(back.client, ['alicia'])).accounts[0]?.devices, published(a1), 'the devices followed the rename');
  });

  test('stored messages survive a restart; resume frees what the device kept; retention removes old ones and says "truncated"', async (t) => {
    const base = tempDir();
    let clock = Date.now();
    const now = (): number => clock;
    let server = await startTestServer({}, base, { now });
    t.after(() => server.close());
    const [a1, b1] = await Promise.all([newDeviceKey(), newDeviceKey()]);
    await logout((await member(t, server, 'bob', b1)).client);
    const alice = await member(t, server, 'alice', a1);
    for (const text of ['a', 'b', 'c']) assert.equal((await send(alice.client, await sealedSend(a1, published(b1), { from: 'alice', to: 'bob', text }, { time: new Date(clock).toISOString() }))).type, 'ack');
    await logout(alice.client);
    await server.close();
    server = await startTestServer({}, base, { now });
    const bob = await member(t, server, 'bob', b1);
    const first = directsOf(bob.client);
    assert.deepEqual(await texts(b1, first), ['a', 'b', 'c']);
    const seqs = first.map((m) => m.seq);
    assert.deepEqual(seqs, [...seqs].sort((x, y) => x - y));
    await logout(bob.client);
    // Resuming after the second: only the third again; after the third, nothing (and freed).
    const resumed = await member(t, server, 'bob', b1, seqs[1]);
    assert.deepEqual(await texts(b1, directsOf(resumed.client)), ['c']);
    await logout(resumed.client);
    const done = await member(t, server, 'bob', b1, seqs[2]);
    assert.equal(directsOf(done.client).length, 0);
    assert.equal(server.server.services.direct.counts().messages, 0);
    await logout(done.client);
    // Retention: a message that waited longer than the server keeps them is gone, and bob is told.
    const again = await member(t, server, 'alice', a1);
    assert.equal((await send(again.client, await sealedSend(a1, published(b1), { from: 'alice', to: 'bob', text: 'old' }, { time: new Date(clock).toISOString() }))).type, 'ack');
    clock += 31 * 24 * 3600 * 1000;
    assert.equal(await server.server.services.direct.enforceRetention(), 1);
    const late = await member(t, server, 'bob', b1, seqs[2]);
    assert.equal(directsOf(late.client).length, 0);
    assert.equal(late.synced.direct?.truncated, true);
  });

  test('the database, its WAL and shared-memory files, and the logs hold no plaintext, ciphertext or key of any direct message', async (t) => {
    const server = await serverFor(t);
    const [a1, a2, b1, g1] = await Promise.all([newDeviceKey(), newDeviceKey(), newDeviceKey(), newDeviceKey()]);
    await logout((await member(t, server, 'alice', a2)).client);
    await logout((await member(t, server, 'bob', b1)).client);
    const alice = await member(t, server, 'alice', a1);
    const guest = await loggedInV3(server.port, 'guest', g1);
    t.after(() => guest.client.destroy());
    const secrets = ['the treasure is under the old oak tree', 'Ünïcödé geheimnis — 秘密のメッセージ 🔑', 'x'.repeat(1500) + 'END-OF-LONG-SECRET'];
    const bodies: string[] = [];
    for (const text of secrets) {
      for (const [to, devices] of [['bob', published(b1, a2)], ['guest', published(g1, a2)]] as const) {
        const message = await sealedSend(a1, devices, { from: 'alice', to, text });
        bodies.push(message.body);
        assert.equal((await send(alice.client, message)).type, 'ack');
      }
    }
    await guest.client.waitFor('direct', (m) => m.seq > 0);
    const files = [DATABASE_FILE, `${DATABASE_FILE}-wal`, `${DATABASE_FILE}-shm`].map((name) => path.join(server.dataDir, name));
    const scan = (where: string, bytes: Buffer): void => {
      for (const text of secrets) {
        for (const needle of [text.slice(0, 24), text.slice(-18)]) {
          for (const encoding of ['utf8', 'utf16le'] as const) assert.equal(bytes.indexOf(Buffer.from(needle, encoding)), -1, `"${needle}" (${encoding}) is in ${where}`);
        }
      }
    };
    const check = (): void => {
      for (const file of files) if (fs.existsSync(file)) scan(file, fs.readFileSync(file));
    };
    assert.ok(fs.existsSync(files[1] ?? ''), 'the WAL file exists while the server runs');
    check();
    const stored = server.server.services.direct.counts();
    assert.equal(stored.messages, 6, 'every message is stored (for a2, and for bob)');
    await server.close();
    check();
    // The logs: no text, no sealed body, no key.
    const logs = fs.readdirSync(server.logDir).map((name) => fs.readFileSync(path.join(server.logDir, name), 'utf8')).join('\n');
    scan('the logs', Buffer.from(logs));
    for (const body of bodies) assert.ok(!logs.includes(body.slice(0, 40)), 'no sealed body in the logs');
    for (const key of [a1, a2, b1, g1]) assert.ok(!logs.includes(key.publicKeyText), 'no device key in the logs');
    assert.match(logs, /device added/, 'devices are logged by id');
  });

  test('root sees counts only in stats', async (t) => {
    const server = await serverFor(t);
    const [a1, b1] = await Promise.all([newDeviceKey(), newDeviceKey()]);
    await logout((await member(t, server, 'bob', b1)).client);
    const alice = await member(t, server, 'alice', a1);
    assert.equal((await send(alice.client, await sealedSend(a1, published(b1), { from: 'alice', to: 'bob', text: 'counted, not read' }))).type, 'ack');
    const root = await rootLoggedIn(server.port);
    t.after(() => root.destroy());
    const stats = await runOk(root, 'stats');
    const line = stats.lines?.find((l) => l.startsWith('Direct messages:'));
    assert.ok(line, JSON.stringify(stats.lines));
    assert.match(line, /1 relayed since start; 1 waiting for a device \(\d+(\.\d)? (B|KiB)\); 2 devices registered, 1 online/);
    assert.ok(!stats.lines?.some((l) => /bob|counted/.test(l)), 'no names, no text');
  });
});
