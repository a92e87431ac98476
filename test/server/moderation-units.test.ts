// The pure pieces behind root administration: addresses and ranges, durations, the countdown
// schedule, and the bounded statistics table.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { Countdown, countdownMarks } from '../../src/server/moderation/countdown.js';
import { formatDuration, parseDuration } from '../../src/server/moderation/durations.js';
import { canonicalAddress, parseIpRange, rangeContains } from '../../src/server/abuse/ip-range.js';
import { BanList } from '../../src/server/moderation/bans.js';
import { ServerStats } from '../../src/server/moderation/stats.js';
import { Store } from '../../src/data-dir/store.js';
import { ManualTimers } from '../helpers/root.js';
import { tempDir } from '../helpers/server.js';

test('IP addresses and CIDR ranges are validated and written one canonical way', () => {
  assert.equal(parseIpRange('10.1.2.3/8')?.text, '10.0.0.0/8');
  assert.equal(parseIpRange('192.168.1.77/24')?.text, '192.168.1.0/24');
  assert.equal(parseIpRange('203.0.113.7')?.text, '203.0.113.7');
  assert.equal(parseIpRange('203.0.113.7/32')?.text, '203.0.113.7');
  assert.equal(parseIpRange('2001:DB8:0:0:0:0:0:1')?.text, '2001:db8::1');
  assert.equal(parseIpRange('2001:db8:85a3::8a2e:370:7334/48')?.text, '2001:db8:85a3::/48');
  assert.equal(parseIpRange('::1')?.text, '::1');
  assert.equal(parseIpRange('::')?.text, '::');
  assert.equal(parseIpRange('fe80:0:0:1:0:0:0:1')?.text, 'fe80:0:0:1::1');
  assert.equal(parseIpRange('::ffff:192.0.2.1')?.text, '192.0.2.1');
  assert.equal(parseIpRange('0.0.0.0/0')?.text, '0.0.0.0/0');
  for (const bad of ['', 'abc', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.4/33', '1.2.3.4/-1', '1.2.3.4/', '1.2.3.4/ 8', '::/129', 'gggg::1', '::ffff:1.2.3.4/100', '1.2.3.4/08x']) {
    assert.equal(parseIpRange(bad), undefined, bad);
  }
  assert.equal(canonicalAddress('10.0.0.0/8'), undefined);
  assert.equal(canonicalAddress('2001:0db8::0001'), '2001:db8::1');
  const range = parseIpRange('10.0.0.0/8');
  assert.ok(range);
  assert.equal(rangeContains(range, '10.200.3.4'), true);
  assert.equal(rangeContains(range, '11.0.0.1'), false);
  assert.equal(rangeContains(range, 'unknown'), false);
  const v6 = parseIpRange('2001:db8::/32');
  assert.ok(v6);
  assert.equal(rangeContains(v6, '2001:db8:ffff::1'), true);
  assert.equal(rangeContains(v6, '2001:db9::1'), false);
  const odd = parseIpRange('192.168.0.0/23');
  assert.ok(odd);
  assert.equal(rangeContains(odd, '192.168.1.5'), true);
  assert.equal(rangeContains(odd, '192.168.2.1'), false);
  assert.equal(rangeContains(odd, '::ffff:192.168.1.5'), true);
  assert.equal(rangeContains(odd, '2001:db8::1'), false);
});

test('ban list: hosts, ranges and names; overlapping bans report the longest; expiry on the clock', () => {
  let now = 1_000_000;
  const store = Store.open(tempDir());
  const bans = new BanList(store.db, () => now);
  assert.equal(bans.forAddress('10.1.2.3'), undefined);
  bans.add('address', '10.0.0.0/8', 60_000, 'root#1');
  bans.add('address', '10.1.2.3', 3_600_000, 'root#1');
  bans.add('address', '2001:db8::1', undefined, 'root#2');
  bans.add('name', 'Mallory', 1000, 'root#1');
  assert.equal(bans.forAddress('10.1.2.3')?.target, '10.1.2.3', 'the longer of two bans wins');
  assert.equal(bans.forAddress('10.9.9.9')?.target, '10.0.0.0/8');
  assert.equal(bans.forAddress('11.0.0.1'), undefined);
  assert.equal(bans.forAddress('2001:DB8:0::1')?.expiresAt, null, 'a non-canonical IPv6 form still matches');
  assert.equal(bans.forName('MALLORY')?.target, 'mallory');
  now += 60_000;
  assert.equal(bans.forName('mallory'), undefined);
  assert.equal(bans.forAddress('10.9.9.9'), undefined);
  assert.equal(bans.forAddress('10.1.2.3')?.target, '10.1.2.3');
  assert.deepEqual(bans.list().map((b) => b.target), ['2001:db8::1', '10.1.2.3']);
  assert.equal(store.db.prepare('SELECT count(*) FROM bans').pluck().get(), 2, 'expired bans leave the database');
  assert.equal(bans.remove('address', '10.1.2.3'), true);
  assert.equal(bans.remove('address', '10.1.2.3'), false);
  store.close();
});

test('durations: 10m, 2h, 7d and friends; nonsense and absurd lengths are refused', () => {
  assert.equal(parseDuration('10m'), 600_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('7d'), 604_800_000);
  assert.equal(parseDuration('30s'), 30_000);
  assert.equal(parseDuration('1W'), 604_800_000);
  for (const bad of ['', '10', 'm', '0m', '-1h', '1.5h', '10 m', '10y', '3651d', '9999999s']) assert.equal(parseDuration(bad), undefined, bad);
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(1), '1s');
  assert.equal(formatDuration(7_200_000), '2h');
  assert.equal(formatDuration(7_199_000), '1h 59m');
  assert.equal(formatDuration(90_061_000), '1d 1h');
});

test('countdown marks: the start, 10 s, and each of the last 5 s', () => {
  assert.deepEqual(countdownMarks(30), [30, 10, 5, 4, 3, 2, 1]);
  assert.deepEqual(countdownMarks(10), [10, 5, 4, 3, 2, 1]);
  assert.deepEqual(countdownMarks(7), [7, 5, 4, 3, 2, 1]);
  assert.deepEqual(countdownMarks(3), [3, 2, 1]);
  assert.deepEqual(countdownMarks(1), [1]);
  const timers = new ManualTimers();
  const heard: number[] = [];
  let finished = 0;
  const countdown = new Countdown(12, { announce: (left) => heard.push(left), finish: () => finished++ }, timers, 0);
  assert.equal(countdown.endsAt, 12_000);
  while (timers.size > 0) timers.fireNext();
  assert.deepEqual(heard, [12, 10, 5, 4, 3, 2, 1]);
  assert.deepEqual(timers.requested, [2000, 5000, 1000, 1000, 1000, 1000, 1000]);
  assert.equal(finished, 1);
  assert.equal(countdown.active, false);
  const cancelled = new Countdown(5, { announce: () => undefined, finish: () => finished++ }, timers, 0);
  cancelled.cancel();
  assert.equal(timers.size, 0);
  assert.equal(finished, 1);
});

test('statistics: per-address table is bounded (least recently seen goes) and read back after a restart', () => {
  const dir = tempDir();
  let now = 1_000_000;
  const stats = new ServerStats({ dataDir: dir, fileName: 'stats.json', maxAddresses: 3, now: () => now });
  for (const address of ['10.0.0.1', '10.0.0.2', '10.0.0.3']) {
    now += 1000;
    stats.connection(address);
  }
  now += 1000;
  stats.authFailed('10.0.0.1'); // touched again: now the most recent
  now += 1000;
  stats.connection('10.0.0.4'); // evicts 10.0.0.2, the least recently seen
  stats.visit(3);
  stats.visit(2);
  stats.messageRelayed();
  stats.sessionEnded(100, 200);
  const snapshot = stats.snapshot({ users: 1, roots: 0, bytesIn: 5, bytesOut: 6 });
  assert.deepEqual(snapshot.addresses.map((a) => a.address), ['10.0.0.4', '10.0.0.1', '10.0.0.3']);
  assert.deepEqual([snapshot.totalVisits, snapshot.peakSessions, snapshot.messagesRelayed, snapshot.bytesIn, snapshot.bytesOut], [2, 3, 1, 105, 206]);
  stats.write({ users: 0, roots: 0, bytesIn: 0, bytesOut: 0 });
  const file = path.join(dir, 'stats.json');
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);

  const again = new ServerStats({ dataDir: dir, fileName: 'stats.json', maxAddresses: 3, now: () => now });
  assert.equal(again.load(), 'loaded');
  assert.equal(again.failuresFrom('10.0.0.1'), 1);
  const reread = again.snapshot({ users: 0, roots: 0, bytesIn: 0, bytesOut: 0 });
  assert.deepEqual(reread.addresses.map((a) => a.address), ['10.0.0.4', '10.0.0.1', '10.0.0.3']);
  assert.deepEqual([reread.totalVisits, reread.peakSessions, reread.messagesRelayed, reread.bytesIn], [2, 3, 1, 100]);

  fs.writeFileSync(file, '{"version":1,"totalVisits":"lots"}');
  assert.equal(new ServerStats({ dataDir: dir, fileName: 'stats.json', maxAddresses: 3, now: () => now }).load(), 'damaged');
});
