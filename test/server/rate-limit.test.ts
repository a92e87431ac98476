import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FailureTracker, SlidingWindowCounter, TokenBucket } from '../../src/server/abuse/rate-limit.js';

test('token bucket: burst of 5, then 2 per second', () => {
  const bucket = new TokenBucket(5, 2, 0);
  const first = Array.from({ length: 7 }, () => bucket.take(0));
  assert.deepEqual(first, [true, true, true, true, true, false, false]);
  assert.equal(bucket.take(499), false);
  assert.equal(bucket.take(500), true);
  assert.equal(bucket.take(500), false);
  assert.equal(bucket.take(10_000), true);
  // Refill never exceeds the burst.
  assert.equal(Array.from({ length: 6 }, () => bucket.take(100_000)).filter(Boolean).length, 5);
});

test('sliding window: N per window per key, independent keys, prunable', () => {
  const counter = new SlidingWindowCounter(3, 60_000);
  assert.deepEqual([1, 2, 3, 4].map((i) => counter.hit('a', i)), [true, true, true, false]);
  assert.equal(counter.hit('b', 5), true);
  assert.equal(counter.hit('a', 60_001), true);
  counter.prune(200_000);
  assert.equal(counter.size, 0);
});

test('failure tracker: 3 failures in 10 minutes block for 5 minutes, doubling to 24 hours', () => {
  const policy = { maxFailures: 3, windowMs: 600_000, firstBlockMs: 300_000, maxBlockMs: 86_400_000 };
  const tracker = new FailureTracker(policy);
  assert.equal(tracker.recordFailure('1.2.3.4', 0), undefined);
  assert.equal(tracker.recordFailure('1.2.3.4', 1), undefined);
  assert.equal(tracker.recordFailure('1.2.3.4', 2), 300_000);
  const blocks = [];
  for (let round = 1; round < 12; round++) {
    tracker.recordFailure('1.2.3.4', round * 1e7);
    tracker.recordFailure('1.2.3.4', round * 1e7 + 1);
    blocks.push(tracker.recordFailure('1.2.3.4', round * 1e7 + 2));
  }
  assert.deepEqual(blocks.slice(0, 4), [600_000, 1_200_000, 2_400_000, 4_800_000]);
  assert.equal(blocks.at(-1), 86_400_000);
});

test('failure tracker: failures spread beyond the window do not block; they only age out (nothing resets them)', () => {
  const tracker = new FailureTracker({ maxFailures: 3, windowMs: 600_000, firstBlockMs: 300_000, maxBlockMs: 86_400_000 });
  assert.equal(tracker.recordFailure('a', 0), undefined);
  assert.equal(tracker.recordFailure('a', 400_000), undefined);
  assert.equal(tracker.recordFailure('a', 700_000), undefined);
  // The failures at 400,000 and 700,000 are still in the window: the next one blocks.
  assert.equal(tracker.recordFailure('a', 700_001), 300_000);
});
