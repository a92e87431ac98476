// Attack: room squatting. Before this, a few throwaway accounts could create all 1,000 rooms on
// the server (registrations were unlimited, and every account could create 20 rooms). Now names
// registered per address per day are limited, each account owns a few rooms at most, and root
// lists every room (invite-only ones included) with its owner, and deletes any of them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { RawClient } from '../helpers/raw-client.js';
import { DEFAULT_FLOOD_LIMITS, serverFor } from '../helpers/server.js';

const SQUATTER = '127.0.0.51';

function codeOf(answer: ServerMessage): string {
  return answer.type === 'error' ? answer.code : answer.type;
}

async function v2(port: number, address: string): Promise<RawClient> {
  const client = await RawClient.connect(port, '127.0.0.1', address);
  // Protocol 3: registering proves the password by OPAQUE (issue 11).
  client.versions = [1, 2, 3];
  await client.hello();
  return client;
}

test('throwaway accounts cannot take every room: accounts per address per day, rooms per account; root sees and deletes them all', async (tc) => {
  const t = await serverFor(tc, { ...DEFAULT_FLOOD_LIMITS });
  const { accountsPerAddressPerDay, maxRoomsOwnedPerUser } = t.settings;
  assert.deepEqual([accountsPerAddressPerDay, maxRoomsOwnedPerUser], [3, 5], 'the defaults are under test');
  const squatters: RawClient[] = [];
  tc.after(() => {
    for (const client of squatters) client.destroy();
  });
  for (let i = 0; i < accountsPerAddressPerDay; i++) {
    const client = await v2(t.port, SQUATTER);
    client.send(await client.authMessage(`squat${i}`, { password: `squat-password-${i}`, register: true }));
    assert.equal((await client.finishLogin()).type, 'welcome');
    squatters.push(client);
  }
  // The next registration from that address is refused, at login and by /register.
  const fourth = await v2(t.port, SQUATTER);
  squatters.push(fourth);
  fourth.send(await fourth.authMessage('squat3', { password: 'squat-password-3', register: true }));
  const refused = await fourth.waitFor('error');
  assert.equal(refused.code, 'REGISTRATION_LIMITED');
  assert.ok(refused.nonce, 'a person may carry on with another name (as a guest)');
  fourth.send(await fourth.authMessage('squatguest', { nonce: refused.nonce }));
  await fourth.waitFor('welcome');
  assert.equal(codeOf(await fourth.registerAccount('squat-password-4')), 'REGISTRATION_LIMITED');

  // Each account owns at most five rooms.
  const [first] = squatters;
  assert.ok(first);
  for (let i = 0; i < maxRoomsOwnedPerUser; i++) assert.equal(codeOf(await first.answer(first.command('create', `#squat${i}${i % 2 === 0 ? ' --private' : ''}`))), 'joined');
  const sixth = await first.answer(first.command('create', '#squat5'));
  assert.equal(codeOf(sixth), 'TOO_MANY_ROOMS');
  assert.match(sixth.type === 'error' ? sixth.message : '', /You own 5 rooms/);

  // Root lists every room, invite-only ones included, with its owner, and deletes any of them.
  const root = await RawClient.connect(t.port);
  root.versions = [1, 2];
  await root.login('root', { role: 'root' });
  const rooms = await root.answer(root.command('rooms'));
  assert.ok(rooms.type === 'rooms');
  const squatted = rooms.rooms.filter((r) => r.owner === 'squat0');
  assert.equal(squatted.length, 5);
  assert.equal(squatted.filter((r) => r.private).length, 3);
  assert.equal(codeOf(await root.answer(root.command('delete', '#squat0'))), 'ack');
  await first.waitFor('membership', (m) => m.room === '#squat0' && m.event === 'delete');
  root.destroy();
});
