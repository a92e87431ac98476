// The pieces behind issue 11's login defences, with injected clocks and stand-in sessions: the
// per-target delays and their known-good sources, the distributed-guessing alarm, and the bounded
// login work (slots per address, BUSY, no work for a connection that has gone).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSilentLogger } from '../../src/common/logger.js';
import { Store } from '../../src/data-dir/store.js';
import { GuessingAlarm } from '../../src/server/abuse/distributed-guessing.js';
import { LoginTargets, ROOT_TARGET, describeTarget, targetKey } from '../../src/server/abuse/login-targets.js';
import { LoginWork } from '../../src/server/abuse/login-work.js';
import type { Session } from '../../src/server/session/session.js';
import { tempDir, testLoginLimits } from '../helpers/server.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const limits = testLoginLimits();

function targets(t: { after: (fn: () => void) => void }, now: () => number, dir = tempDir()): { targets: LoginTargets; dir: string } {
  const store = Store.open(dir);
  t.after(() => store.close());
  const made = new LoginTargets({ logger: createSilentLogger(), now, reportStorageFailure: () => undefined }, store.db, limits);
  made.load();
  return { targets: made, dir };
}

test('per target: 3 free failures, then a delay for every source that doubles up to its cap; only a success on that target clears it', (t) => {
  let now = 1_000_000;
  const { targets: list } = targets(t, () => now);
  const alice = { kind: 'account', name: 'Alice' } as const;
  assert.equal(targetKey(alice), 'account:alice');
  assert.equal(describeTarget(targetKey(alice)), 'account alice');
  for (const source of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) {
    assert.equal(list.waitFor(alice, source), 0);
    list.failed(alice, source);
  }
  // Any source now waits: 2 s after the last failure, then 4 s, 8 s ...
  assert.equal(list.waitFor(alice, '10.0.0.99'), 2 * SECOND);
  now += 2 * SECOND;
  assert.equal(list.waitFor(alice, '10.0.0.99'), 0);
  list.failed(alice, '10.0.0.99');
  assert.equal(list.waitFor(alice, '10.0.0.50'), 4 * SECOND);
  for (let i = 0; i < 20; i++) {
    now += list.waitFor(alice, '10.0.0.50');
    list.failed(alice, '10.0.0.50');
  }
  assert.equal(list.waitFor(alice, '10.0.0.50'), 15 * MINUTE, 'an account caps at 15 minutes');
  // A success on another target clears nothing.
  list.succeeded({ kind: 'account', name: 'bob' }, '10.0.0.50');
  list.succeeded(ROOT_TARGET, '10.0.0.50');
  assert.equal(list.waitFor(alice, '10.0.0.50'), 15 * MINUTE);
  assert.deepEqual(
    list.delayed().map((d) => [d.target, d.failures]),
    [['account:alice', 24]],
  );
  // One failure is forgotten per hour without failures.
  now += 10 * HOUR;
  assert.equal(list.delayed()[0]?.failures, 14);
  // The owner's success clears it.
  list.succeeded(alice, '192.0.2.1');
  assert.equal(list.waitFor(alice, '10.0.0.50'), 0);
  assert.deepEqual(list.delayed(), []);
});

test('known good: sources and packages that logged in to a target skip its delay; the root password caps at 30 minutes and 127.0.0.1 skips it', (t) => {
  let now = 5_000_000;
  const { targets: list, dir } = targets(t, () => now);
  const alice = { kind: 'account', name: 'alice' } as const;
  list.succeeded(alice, '198.51.100.7', 'alicepackage');
  list.succeeded(alice, '2001:db8:1:2::10');
  for (let i = 0; i < 30; i++) {
    now += list.waitFor(alice, '203.0.113.9');
    list.failed(alice, '203.0.113.9');
  }
  assert.ok(list.waitFor(alice, '203.0.113.9') > 0, 'a stranger waits');
  assert.equal(list.waitFor(alice, '198.51.100.7'), 0, 'her home address does not');
  assert.equal(list.waitFor(alice, '2001:db8:1:2::99'), 0, 'nor another address of her IPv6 /64');
  assert.equal(list.waitFor(alice, '203.0.113.9', 'alicepackage'), 0, 'nor her issued program on a new network');
  assert.ok(list.waitFor(alice, '203.0.113.9', 'otherpackage') > 0);
  // Kept across a restart; a root can lift it.
  const again = targets(t, () => now, dir).targets;
  assert.ok(again.waitFor(alice, '203.0.113.9') > 0);
  assert.equal(again.waitFor(alice, '198.51.100.7'), 0);
  assert.equal(again.clear(alice), true);
  assert.equal(again.clear(alice), false);
  assert.equal(again.waitFor(alice, '203.0.113.9'), 0);
  for (let i = 0; i < 30; i++) {
    now += again.waitFor(ROOT_TARGET, '203.0.113.9');
    again.failed(ROOT_TARGET, '203.0.113.9');
  }
  assert.equal(again.waitFor(ROOT_TARGET, '203.0.113.9'), 30 * MINUTE);
  assert.equal(again.waitFor(ROOT_TARGET, '127.0.0.1'), 0, 'the server machine itself');
  assert.ok(again.waitFor(ROOT_TARGET, '127.0.0.2') > 0, 'another loopback address is not the admin');
});

test('distributed guessing: the alarm needs many failures from many addresses; then unknown sources are slowed, known ones not; it ends when calm', () => {
  let now = 0;
  const told: string[] = [];
  const alarm = new GuessingAlarm(limits, createSilentLogger(), () => now, (text) => told.push(text));
  // One address failing a lot is the per-address block's business, not this alarm's.
  for (let i = 0; i < 40; i++) alarm.failed('203.0.113.1');
  assert.equal(alarm.state().active, false);
  for (let i = 0; i < 19; i++) alarm.failed(`198.51.100.${i % 5}`);
  assert.equal(alarm.state().active, true, '20 failures from 5+ addresses within a minute');
  assert.equal(told.length, 1);
  assert.match(told[0] ?? '', /^Distributed guessing: \d+ failed logins from 5 addresses within 1m/);
  assert.equal(alarm.admit(true), 0, 'a trusted source is never slowed');
  // Unknown sources: a small burst, then one per interval.
  const waits = Array.from({ length: 5 }, () => alarm.admit(false));
  assert.deepEqual(waits, [0, 0, 0, limits.guessingIntervalMs, limits.guessingIntervalMs]);
  now += limits.guessingIntervalMs;
  assert.equal(alarm.admit(false), 0);
  assert.equal(alarm.state().slowed, 2);
  // Calm for the calm period: over, and roots are told.
  now += limits.guessingCalmMs;
  alarm.tick();
  assert.equal(alarm.state().active, false);
  assert.equal(alarm.admit(false), 0);
  assert.match(told[1] ?? '', /^Distributed guessing is over/);
  assert.equal(alarm.state().episodes, 1);
});

/** A stand-in session: an address and a state. */
function session(address: string): Session & { state: 'open' | 'closing' | 'closed' } {
  return { address, state: 'open' } as unknown as Session & { state: 'open' | 'closing' | 'closed' };
}

test('login work: slots per address and server-wide (a reserve for trusted sources), BUSY when full, released at the end', () => {
  const work = new LoginWork({ maxExchanges: 4, maxExchangesPerAddress: 2, trustedReserve: 1, workTurnBudgetMs: 5 });
  const a = [session('10.0.0.1'), session('10.0.0.1'), session('10.0.0.1')];
  assert.deepEqual(
    a.map((s) => work.acquire(s, false)),
    [true, true, false],
  );
  assert.equal(work.acquire(a[0] as Session, false), true, 'a session keeps the slot it has');
  const b = [session('10.0.0.2'), session('10.0.0.2'), session('10.0.0.3')];
  assert.deepEqual(
    b.map((s) => work.acquire(s, false)),
    [true, true, false],
  );
  assert.equal(work.acquire(session('10.0.0.4'), true), true, 'the reserve is for trusted sources');
  assert.equal(work.busy, 2);
  work.release(a[0] as Session);
  assert.equal(work.acquire(b[2] as Session, false), false, 'server-wide 4 untrusted, still full (3 + the trusted one)');
  work.release(a[1] as Session);
  assert.equal(work.acquire(b[2] as Session, false), true);
  assert.equal(work.inProgress, 4);
});

test('login work: jobs run one at a time, in order; a job whose connection has gone by its turn does not run', async () => {
  const work = new LoginWork({ maxExchanges: 10, maxExchangesPerAddress: 10, trustedReserve: 0, workTurnBudgetMs: 1 });
  const ran: string[] = [];
  const [first, gone, last] = [session('10.0.0.1'), session('10.0.0.2'), session('10.0.0.3')];
  const results = [
    work.run(first, async () => {
      ran.push('first');
      // While the first job runs, the second connection goes away.
      gone.state = 'closing';
      await Promise.resolve();
      return 1;
    }),
    work.run(gone, () => (ran.push('gone'), 2)),
    work.run(last, () => (ran.push('last'), 3)),
  ];
  assert.deepEqual(await Promise.all(results), [{ ran: true, value: 1 }, { ran: false }, { ran: true, value: 3 }]);
  assert.deepEqual(ran, ['first', 'last']);
  assert.equal(work.dropped, 1);
});
