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
import { serverFor, startTestServer, tempDir, waitUntil, within, type TestServer } from '../helpers/server.js';

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

async function send(client: RawClient, message: { id: number }): Promise<Extract<Awaited<ReturnType<RawClient['answer']>>, object>> {
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
});
