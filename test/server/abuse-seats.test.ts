// Attack: one member with a few addresses takes every seat. Each address may have 5 sessions, so
// five addresses filled a 25-seat server. Now the sessions of one issued package (one friend's
// program), from whatever addresses, are capped too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawClient } from '../helpers/raw-client.js';
import { serverFor, waitUntil } from '../helpers/server.js';

const PACKAGE = 'abcdefghijkm';

async function withPackage(port: number, name: string, address: string): Promise<RawClient> {
  const client = await RawClient.connect(port, '127.0.0.1', address);
  client.send({ ...(await client.authMessage(name)), packageId: PACKAGE });
  return client;
}

test('one issued package cannot take every seat, whatever addresses it comes from', async (tc) => {
  const t = await serverFor(tc);
  assert.equal(t.settings.maxSessionsPerAccount, 3);
  const clients: RawClient[] = [];
  tc.after(() => {
    for (const client of clients) client.destroy();
  });
  for (let i = 0; i < 3; i++) {
    const client = await withPackage(t.port, `seat${i}`, `127.0.0.${60 + i}`);
    clients.push(client);
    await client.waitFor('welcome');
  }
  const fourth = await withPackage(t.port, 'seat3', '127.0.0.63');
  clients.push(fourth);
  assert.equal((await fourth.waitFor('error')).code, 'TOO_MANY_SESSIONS');
  await fourth.gone();
  // Anyone else still gets a seat; and when one of the three leaves, the package may come back.
  const other = await RawClient.connect(t.port, '127.0.0.1', '127.0.0.64');
  clients.push(other);
  await other.login('someone');
  clients[0]?.destroy();
  await waitUntil(() => !t.server.onlineNames().includes('seat0'), 5000, 'seat0 to leave');
  const again = await withPackage(t.port, 'seat3', '127.0.0.63');
  clients.push(again);
  await again.waitFor('welcome');
});
