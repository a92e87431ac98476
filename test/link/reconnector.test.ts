// The reconnect schedule and the request bookkeeping, without a network: time and randomness are
// injected, so nothing here waits.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PartyPoolError } from '../../src/common/errors.js';
import { Reconnector } from '../../src/link/reconnector.js';
import { RequestTracker } from '../../src/link/request-tracker.js';
import type { ServerMessage } from '../../src/protocol/messages.js';

test('backoff doubles up to the maximum, with full jitter, until an attempt succeeds', async () => {
  const waits: number[] = [];
  const announced: [number, number][] = [];
  const reconnector = new Reconnector({ initialDelayMs: 100, maxDelayMs: 500, random: () => 0.5, sleep: (ms) => (waits.push(ms), Promise.resolve()) });
  let attempts = 0;
  const result = await reconnector.run(
    () => (++attempts < 5 ? Promise.reject(new PartyPoolError('CONNECT_FAILED')) : Promise.resolve('welcome')),
    { waiting: (attempt, waitMs) => announced.push([attempt, waitMs]), mayRetry: () => true, stopped: () => false },
  );
  assert.equal(result, 'welcome');
  // Delays 100, 200, 400, 500, 500; each wait is 3/4 of its delay with random() = 0.5.
  assert.deepEqual(waits, [75, 150, 300, 375, 375]);
  assert.deepEqual(announced.map(([attempt]) => attempt), [1, 2, 3, 4, 5]);
  assert.equal(new Reconnector({ initialDelayMs: 100, maxDelayMs: 100, random: () => 0 }).jittered(100), 50);
});

test('a final refusal ends the retries with that error; stopping ends them quietly', async () => {
  const noWait = { initialDelayMs: 1, maxDelayMs: 1, random: () => 0, sleep: () => Promise.resolve() };
  const final = new PartyPoolError('PACKAGE_REVOKED');
  await assert.rejects(
    new Reconnector(noWait).run(() => Promise.reject(final), { waiting: () => undefined, mayRetry: (error) => error !== final, stopped: () => false }),
    (error) => error === final,
  );
  let stopped = false;
  let attempts = 0;
  const result = await new Reconnector(noWait).run(
    () => {
      attempts++;
      stopped = true;
      return Promise.reject(new PartyPoolError('CONNECT_FAILED'));
    },
    { waiting: () => undefined, mayRetry: () => true, stopped: () => stopped },
  );
  assert.equal(result, undefined);
  assert.equal(attempts, 1);
});

test('requests settle on their reply (running its effect) or, when the connection drops, as unanswered', async () => {
  const tracker = new RequestTracker();
  const effects: string[] = [];
  const a = tracker.start((reply) => effects.push(reply.type));
  const b = tracker.start();
  assert.notEqual(a.id, b.id);
  const ack = (ref: number): ServerMessage => ({ type: 'ack', ref });
  tracker.reply(ack(a.id));
  tracker.reply(ack(9999));
  assert.equal(await a.answered, true);
  assert.deepEqual(effects, ['ack']);
  tracker.dropAll();
  assert.equal(await b.answered, false);
});
