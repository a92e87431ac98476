// Crash safety: a real `party-pool server` process is killed with SIGKILL while a client streams
// messages and /request lines. Every message the server acknowledged must be in the history after
// a restart, every acknowledged request in client_requests.txt, and accounts, rooms and
// memberships made just before the crash must still be there.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { binPath, cleanEnv } from '../helpers/cli.js';
import { loggedInV2 } from '../helpers/raw-client.js';
import { PASSKEY, RAISED_FLOOD_ENV, ROOT_PASSWORD, serverFor, tempDir, waitUntil, within } from '../helpers/server.js';

test('SIGKILL mid-stream loses no acknowledged message or request; accounts, rooms and memberships survive', async (tc) => {
  const base = tempDir();
  const dataDir = path.join(base, 'data');
  const child = spawn(process.execPath, [binPath, 'server', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--log-dir', path.join(base, 'logs')], {
    env: cleanEnv({ PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_ROOT_PASSWORD: ROOT_PASSWORD, ...RAISED_FLOOD_ENV }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
  // A failed wait below must not leave the server running after the test.
  tc.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const infoFile = path.join(dataDir, 'server.json');
  await waitUntil(() => fs.existsSync(infoFile), 20_000, 'server.json');
  const { port } = JSON.parse(fs.readFileSync(infoFile, 'utf8')) as { port: number };

  // State made just before the crash.
  const owner = await loggedInV2(port, 'owner');
  await owner.registerAccount('owner-password');
  await owner.answer(owner.command('create', '#vault --private'));
  const friend = await loggedInV2(port, 'friend');
  // An unregistered name cannot create rooms: refused, and nothing is made.
  const refused = await friend.answer(friend.command('create', '#open'));
  assert.equal(refused.type === 'error' && refused.code, 'NOT_REGISTERED');
  const invite = await owner.answer(owner.command('invite', '#vault'));
  await friend.registerAccount('friend-password');
  await friend.answer(friend.command('join', invite.type === 'invite' ? invite.code : ''));

  // Stream messages, every fifth one a /request, with up to 32 in flight; count what the server acknowledged.
  const acked = new Set<string>();
  const ackedRequests = new Set<string>();
  const inFlight = new Map<number, string>();
  let sent = 0;
  let killed = false;
  owner.socket.on('close', () => inFlight.clear());
  const pump = (): void => {
    while (!killed && !owner.closed && inFlight.size < 32) {
      const n = sent++;
      const isRequest = n % 5 === 4;
      const text = isRequest ? `durable request ${n}` : `durable ${n}`;
      const id = isRequest ? owner.command('request', text) : owner.say(text);
      inFlight.set(id, text);
      void owner.answer(id, 60_000).then(
        (reply) => {
          const what = inFlight.get(id);
          inFlight.delete(id);
          if (reply.type === 'ack' && what !== undefined) (isRequest ? ackedRequests : acked).add(what);
          pump();
        },
        () => undefined,
      );
    }
  };
  pump();
  await waitUntil(() => acked.size >= 300 && ackedRequests.size >= 30, 30_000, '300 acknowledged messages and 30 requests');
  killed = true;
  // Measured at the moment of the kill: the pump keeps lines in flight all the time.
  const inFlightAtKill = inFlight.size;
  child.kill('SIGKILL');
  assert.equal(await within(exited, 10_000, 'the killed server to exit'), 'SIGKILL');
  // Every line acknowledged before the process died (acks still in the pipe included).
  const ackedAtKill = new Set(acked);
  const requestsAtKill = new Set(ackedRequests);
  assert.ok(inFlightAtKill > 0, 'some messages were still in flight when the server died');
  owner.destroy();
  friend.destroy();

  // Restart on the same data directory (server.json from the dead process is overwritten).
  const t = await serverFor(tc, { maxSessionsPerAddress: 100 }, base);
  try {
    const stored = new Set(t.server.services.history.before(1, Number.MAX_SAFE_INTEGER, 100_000).map((row) => row.body));
    const lost = [...ackedAtKill].filter((text) => !stored.has(text));
    assert.deepEqual(lost, [], 'every acknowledged message is in the history');
    // Every acknowledged request is a whole line in the request file.
    const requestLines = new Set(fs.readFileSync(path.join(dataDir, 'client_requests.txt'), 'utf8').split('\n').map((line) => line.replace(/^\[[^\]]+\] owner \([^)]+\): /, '')));
    const lostRequests = [...requestsAtKill].filter((text) => !requestLines.has(text));
    assert.deepEqual(lostRequests, [], 'every acknowledged request is in client_requests.txt');
    // Nothing was stored twice, and ids are in send order (requests skipped).
    const rows = t.server.services.history.before(1, Number.MAX_SAFE_INTEGER, 100_000);
    const numbers = rows.map((row) => Number(row.body.split(' ')[1]));
    assert.deepEqual(
      numbers,
      numbers.map((_, i) => i + Math.floor(i / 4)),
    );
    // Through the protocol too: the recent history a client gets at login ends where the stream ended.
    const back = await loggedInV2(t.port, 'owner', { password: 'owner-password' });
    const synced = await back.waitFor('synced');
    assert.deepEqual(
      synced.rooms.map((r) => [r.name, r.owner]),
      [
        ['#lobby', undefined],
        ['#vault', 'owner'],
      ],
    );
    assert.equal(synced.rooms[0]?.lastId, rows.at(-1)?.id);
    const who = await back.answer(back.command('who', '#vault'));
    assert.deepEqual(who.type === 'members' && who.members.map((m) => m.name), ['owner', 'friend']);
    const recent = back.received.flatMap((m) => (m.type === 'history' ? m.messages : []));
    assert.equal(recent.at(-1)?.text, rows.at(-1)?.body);
    back.destroy();
    const friendBack = await loggedInV2(t.port, 'friend', { password: 'friend-password' });
    friendBack.destroy();
  } finally {
    await t.close();
  }
});
