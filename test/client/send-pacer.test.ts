// Line mode stays under the server's flood limits: the server announces its rates in `welcome`
// and the client paces piped input to them (one token short), in order, so a script's lines all
// arrive instead of being refused with RATE_LIMITED. Interactive users who type too fast are told
// to slow down (the yellow line below).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderEvent } from '../../src/cli/render.js';
import { makeChalk } from '../../src/cli/style.js';
import { SendPacer } from '../../src/link/send-pacer.js';
import { runMain } from '../helpers/in-process.js';
import { loggedIn } from '../helpers/raw-client.js';
import { DEFAULT_FLOOD_LIMITS, PASSKEY, startTestServer } from '../helpers/server.js';

test('the pacer sends a burst one short of the server, then one per refill, in the order queued', async () => {
  let now = 0;
  const clock = {
    now: () => now,
    sleep: (ms: number): Promise<void> => {
      now += ms;
      return Promise.resolve();
    },
  };
  const pacer = new SendPacer({ say: { burst: 5, ratePerSecond: 2 }, command: { burst: 20, ratePerSecond: 5 } }, clock);
  const sent: string[] = [];
  const jobs = [
    ...Array.from({ length: 6 }, (_, i) => pacer.schedule('say', () => sent.push(`say ${i} @${now}`))),
    pacer.schedule('command', () => sent.push(`command @${now}`)),
  ];
  await Promise.all(jobs);
  assert.deepEqual(sent, ['say 0 @0', 'say 1 @0', 'say 2 @0', 'say 3 @0', 'say 4 @525', 'say 5 @1025', 'command @1025']);
  // No announced limits (a root session, an older server): nothing waits.
  const free = new SendPacer(undefined, clock);
  const before = now;
  await Promise.all(Array.from({ length: 50 }, () => free.schedule('say', () => undefined)));
  assert.equal(now, before);
});

test('line mode delivers every piped line under the default limits; RATE_LIMITED renders as advice', async (tt) => {
  const t = await startTestServer({ ...DEFAULT_FLOOD_LIMITS, maxSessionsPerAddress: 10 });
  tt.after(() => t.close());
  const listener = await loggedIn(t.port, 'listener');
  tt.after(() => listener.destroy());
  const lines = Array.from({ length: 8 }, (_, i) => `scripted line ${i}`);
  const result = await runMain(['client', '--server', `127.0.0.1:${t.port}`, '--fingerprint', t.fingerprint, '--name', 'script', '--json'], { env: { PARTY_POOL_PASSKEY: PASSKEY }, input: lines.join('\n') + '\n' });
  assert.equal(result.code, 0, result.stderr);
  assert.doesNotMatch(result.stdout, /RATE_LIMITED/);
  for (const line of lines) await listener.waitFor('message', (m) => m.text === line);
  assert.deepEqual(
    listener.received.flatMap((m) => (m.type === 'message' ? [m.text] : [])),
    lines,
  );
  const chalk = makeChalk(true);
  const shown = renderEvent({ type: 'error', code: 'RATE_LIMITED', message: 'You are sending too fast; slow down. That was not delivered.', ref: 3 }, { chalk, color: true, boxes: false });
  assert.equal(shown, chalk.yellow('! You are sending too fast; slow down. That was not delivered.'));
});
