// One timer behind many deadlines of the same length: what expires, what a cancel or a renewal
// saves. Waits are on the expiry callback, each with a deadline; nothing asserts on durations.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeadlineQueue } from '../../../src/server/session/deadlines.js';
import { within } from '../../helpers/server.js';

test('deadlines expire in order; cancelled ones never do, renewed ones only from their renewal', async () => {
  const expired: string[] = [];
  let allDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (allDone = resolve));
  const queue = new DeadlineQueue<string>(30, (item) => {
    expired.push(item);
    if (item === 'last') allDone();
  });
  queue.set('a');
  queue.set('b');
  queue.set('c');
  queue.cancel('b');
  queue.set('a'); // renewed: expires after c now
  queue.set('last');
  assert.equal(queue.size, 3);
  await within(done, 5000, 'the last deadline');
  assert.deepEqual(expired, ['c', 'a', 'last']);
  assert.equal(queue.size, 0);
});

test('clear() forgets everything: nothing expires afterwards', async () => {
  const expired: string[] = [];
  const queue = new DeadlineQueue<string>(10, (item) => expired.push(item));
  queue.set('x');
  queue.clear();
  // A second queue with the same delay, set later, expires later: once it has, the first would have too.
  const witness = new Promise<void>((resolve) => new DeadlineQueue<string>(20, () => resolve()).set('w'));
  await within(witness, 5000, 'the witness deadline');
  assert.deepEqual(expired, []);
});
