// The small pieces behind abuse resistance, with injected clocks: the per-session message limiter,
// the connection guard's keys, the log throttle, storage-error words, and the log file that
// survives a full disk.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import winston from 'winston';
import { LogFileTransport } from '../../src/common/log-file.js';
import { createSilentLogger } from '../../src/common/logger.js';
import { BanList } from '../../src/server/moderation/bans.js';
import { rateKey } from '../../src/server/abuse/connection-guard.js';
import { AUTO_BLOCK_BY, LoginBlocks } from '../../src/server/abuse/login-blocks.js';
import { Store } from '../../src/data-dir/store.js';
import { LogThrottle } from '../../src/server/abuse/log-throttle.js';
import { MessageLimiter } from '../../src/server/abuse/message-limiter.js';
import { describeStorageError, isStorageError } from '../../src/common/storage-errors.js';
import { tempDir, waitUntil } from '../helpers/server.js';

const limits = { messageRatePerSecond: 2, messageBurst: 5, commandRatePerSecond: 5, commandBurst: 20, floodMaxRejections: 10, floodWindowMs: 10_000 };

test('message limiter: separate buckets for chat and commands; flooding is more than N refusals in a window', () => {
  const limiter = new MessageLimiter(limits, 0);
  assert.deepEqual(Array.from({ length: 6 }, () => limiter.allowSay(0)), [true, true, true, true, true, false]);
  assert.equal(limiter.allowCommand(0), true, 'commands have their own bucket');
  assert.equal(limiter.allowSay(499), false);
  assert.equal(limiter.allowSay(500), true, 'one token every half second');
  for (let i = 0; i < 10; i++) assert.equal(limiter.rejected(1000 + i), false);
  assert.equal(limiter.rejected(1010), true, 'the 11th refusal within 10 s');
  const fresh = new MessageLimiter(limits, 0);
  for (let i = 0; i < 10; i++) fresh.rejected(i * 900);
  assert.equal(fresh.rejected(10_000), false, 'a new window starts afresh');
});

test('connections are counted per IPv4 address and per IPv6 /64', () => {
  assert.equal(rateKey('203.0.113.7'), '203.0.113.7');
  assert.equal(rateKey('2001:db8:1:2:aaaa::1'), '2001:db8:1:2::/64');
  assert.equal(rateKey('2001:db8:1:2:bbbb::9'), rateKey('2001:db8:1:2::1'));
  assert.notEqual(rateKey('2001:db8:1:3::1'), rateKey('2001:db8:1:2::1'));
});

test('login blocks: an IPv6 /64 is one address, so a guesser cannot rotate through it; the doubling lapses after a day', () => {
  let now = Date.parse('2026-05-01T09:00:00Z');
  const store = Store.open(tempDir());
  try {
    const bans = new BanList(store.db, () => now);
    const policy = { maxFailures: 3, windowMs: 600_000, firstBlockMs: 300_000, maxBlockMs: 86_400_000 };
    const blocks = new LoginBlocks({ logger: createSilentLogger(), now: () => now, reportStorageFailure: () => undefined }, store.db, bans, policy);
    assert.equal(blocks.failed('2001:db8:1:2::a'), undefined);
    assert.equal(blocks.failed('2001:db8:1:2::b'), undefined);
    assert.deepEqual(blocks.failed('2001:db8:1:2:ffff::c'), { address: '2001:db8:1:2::/64', durationMs: 300_000, count: 1 });
    assert.equal(bans.forAddress('2001:db8:1:2:1234::99')?.createdBy, AUTO_BLOCK_BY);
    assert.equal(bans.forAddress('2001:db8:1:3::1'), undefined, 'the next /64 is someone else');
    // IPv4 addresses stay single addresses.
    for (let i = 0; i < 3; i++) blocks.failed('203.0.113.7');
    assert.equal(bans.forAddress('203.0.113.7')?.target, '203.0.113.7');
    assert.equal(bans.forAddress('203.0.113.8'), undefined);
    // The second block doubles; a day after it ends, the next is a first again.
    now += 300_001;
    for (let i = 0; i < 3; i++) blocks.failed('203.0.113.7');
    assert.equal(bans.forAddress('203.0.113.7')?.expiresAt, now + 600_000);
    now += 600_000 + 86_400_000;
    for (let i = 0; i < 3; i++) blocks.failed('203.0.113.7');
    assert.equal(bans.forAddress('203.0.113.7')?.expiresAt, now + 300_000);
  } finally {
    store.close();
  }
});

test('log throttle: one line per key per interval, counting what it skipped', () => {
  const throttle = new LogThrottle(60_000);
  assert.equal(throttle.pass('a', 0), 0);
  assert.equal(throttle.pass('a', 1000), undefined);
  assert.equal(throttle.pass('a', 2000), undefined);
  assert.equal(throttle.pass('b', 2000), 0, 'keys are separate');
  assert.equal(throttle.pass('a', 60_000), 2);
  throttle.prune(200_000);
  assert.equal(throttle.pass('a', 200_001), 0);
});

test('storage errors are told from bugs and described in words', () => {
  const enospc = Object.assign(new Error('no space'), { code: 'ENOSPC' });
  assert.equal(isStorageError(enospc), true);
  assert.equal(describeStorageError(enospc), 'the disk is full (ENOSPC)');
  const sqlite = Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' });
  assert.equal(isStorageError(sqlite), true);
  assert.equal(describeStorageError(sqlite), 'a disk input/output error in the database (SQLITE_IOERR_WRITE)');
  assert.equal(isStorageError(new TypeError('x is undefined')), false);
  assert.equal(isStorageError(undefined), false);
});

function logFile(file: string, maxFileBytes = 1000, maxQueuedBytes = 10_000): { logger: winston.Logger; transport: LogFileTransport } {
  const transport = new LogFileTransport({ file, maxFileBytes, maxFiles: 3, maxQueuedBytes, format: winston.format.printf((info) => String(info.message)) });
  return { logger: winston.createLogger({ transports: [transport] }), transport };
}

test('the log file rotates at its size, keeps its order, and holds at most maxFiles files', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'server.log');
  const { logger, transport } = logFile(file);
  for (let i = 0; i < 100; i++) logger.info(`line ${String(i).padStart(3, '0')} ${'x'.repeat(40)}`);
  await waitUntil(() => fs.existsSync(`${file}.2`), 5000, 'two rotations');
  await transport.flushed();
  const names = fs.readdirSync(dir).sort();
  assert.deepEqual(names, ['server.log', 'server.log.1', 'server.log.2']);
  for (const name of names) assert.ok(fs.statSync(path.join(dir, name)).size <= 1000);
  const newest = fs.readFileSync(file, 'utf8').trim().split('\n');
  assert.equal(newest.at(-1)?.slice(0, 8), 'line 099');
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
});

test('a log file on a full disk drops lines instead of holding them, reports it, and recovers', { skip: fs.existsSync('/dev/full') ? false : '/dev/full is not available on this system' }, async () => {
  const dir = tempDir();
  const file = path.join(dir, 'server.log');
  fs.symlinkSync('/dev/full', file);
  const { logger, transport } = logFile(file, 1_000_000, 2000);
  const failures: unknown[] = [];
  transport.on('failure', (error) => failures.push(error));
  for (let i = 0; i < 1000; i++) logger.info(`lost line ${i}`);
  await waitUntil(() => failures.length > 0, 5000, 'a failure report');
  await transport.flushed();
  // Nothing piles up in memory while the disk is full.
  assert.equal(logger.writableLength, 0);
  fs.rmSync(file);
  logger.info('back again');
  await waitUntil(() => fs.existsSync(file) && fs.readFileSync(file, 'utf8').includes('back again'), 5000, 'the next line');
  assert.match(fs.readFileSync(file, 'utf8'), /^\S+ warn 1000 log lines were lost: the log file could not be written\nback again\n$/);
  assert.equal(Reflect.get(Object(failures[0]), 'code'), 'ENOSPC');
});
