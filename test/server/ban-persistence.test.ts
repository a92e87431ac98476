// Bans live in the database: they survive a restart and end on time. The server's clock is
// injected, so "two hours later" is a variable, not a wait.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawClient, loggedIn } from '../helpers/raw-client.js';
import { rootLoggedIn, runOk } from '../helpers/root.js';
import { serverFor, tempDir } from '../helpers/server.js';

const OTHER = '127.0.0.2';
const MINUTE = 60_000;

async function refusedAt(port: number, name: string, localAddress?: string): Promise<string> {
  const client = await RawClient.connect(port, '127.0.0.1', localAddress);
  if (!localAddress) client.send(await client.authMessage(name));
  const error = await client.waitFor('error');
  await client.gone();
  assert.equal(error.code, 'BANNED');
  return error.message;
}

test('name and address bans survive a restart, and timed ones expire while permanent ones stay', async (tc) => {
  let now = Date.parse('2026-03-01T12:00:00Z');
  const clock = (): number => now;
  const base = tempDir();
  const first = await serverFor(tc, { maxSessionsPerAddress: 100 }, base, { now: clock });
  const root = await rootLoggedIn(first.port);
  await runOk(root, 'ban', '-u shortban 10m');
  await runOk(root, 'ban', '-u forever');
  await runOk(root, 'ban', `-ip ${OTHER} 2h`);
  root.destroy();
  await first.close();

  const second = await serverFor(tc, { maxSessionsPerAddress: 100 }, base, { now: clock });
  try {
    assert.match(await refusedAt(second.port, 'ShortBan'), /for another 10m/);
    assert.match(await refusedAt(second.port, 'forever'), /permanently/);
    assert.match(await refusedAt(second.port, 'anyone', OTHER), /for another 2h/);

    now += 11 * MINUTE;
    const back = await loggedIn(second.port, 'shortban');
    back.destroy();
    assert.match(await refusedAt(second.port, 'anyone', OTHER), /for another 1h 49m/);
    assert.match(await refusedAt(second.port, 'forever'), /permanently/);

    now += 2 * 60 * MINUTE;
    const fromOther = await loggedIn(second.port, 'returning', OTHER);
    fromOther.destroy();
    const root2 = await rootLoggedIn(second.port);
    const bans = await runOk(root2, 'bans');
    assert.deepEqual(bans.rows?.map((r) => r[1]), ['forever']);
    root2.destroy();
  } finally {
    await second.close();
  }
});
