// Fault tolerance: the disk fails under a running server. Writes to client_requests.txt,
// stats.json, audit.log, server.log and the database fail (a file symlinked to /dev/full fails
// every write with ENOSPC, even for root; a database in query_only mode refuses every write).
// The server keeps chatting, answers STORAGE_FAILED where a user's action was lost, tells the
// connected roots once per kind per minute, and never crashes. At start, an unusable data or log
// directory is one clear sentence.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { WRITE_CHECK_FILE } from '../../src/data-dir/files.js';
import { runCli } from '../helpers/cli.js';
import { RawClient, loggedIn, loggedInV2 } from '../helpers/raw-client.js';
import { rootLoggedIn, runOk } from '../helpers/root.js';
import { PASSKEY, ROOT_PASSWORD, serverFor, tempDir, waitUntil, within } from '../helpers/server.js';

const MINUTE = 60_000;
/** Linux's always-full device; elsewhere the tests that need it are skipped (CI runs Linux). */
const fullDevice = fs.existsSync('/dev/full') ? false : '/dev/full is not available on this system';

/** Replace `file` with a symlink to /dev/full: every write to it fails with ENOSPC. */
function fillDisk(file: string): void {
  fs.rmSync(file, { force: true });
  fs.symlinkSync('/dev/full', file);
}

function storageNotices(root: RawClient): string[] {
  return root.received.flatMap((m: ServerMessage) => (m.type === 'notice' && m.from === 'server' && m.text.startsWith('Storage problem') ? [m.text] : []));
}

test('a full disk at run time: requests, stats, audit and log writes fail, chat goes on, roots are told once a minute per kind', { skip: fullDevice }, async (tc) => {
  let now = Date.parse('2026-05-01T09:00:00Z');
  const t = await serverFor(tc, {}, undefined, { now: () => now });
  try {
    const root = await rootLoggedIn(t.port);
    const alice = await loggedIn(t.port, 'alice');
    const bob = await loggedIn(t.port, 'bob');

    // /request: the user is told, the root is told, the chat goes on.
    fillDisk(t.server.services.requests.file);
    const refused = await alice.answer(alice.command('request', 'more snacks please'));
    assert.deepEqual([refused.type, refused.type === 'error' && refused.code], ['error', 'STORAGE_FAILED']);
    await waitUntil(() => storageNotices(root).length === 1, 5000, 'a notice to root');
    assert.match(storageNotices(root)[0] ?? '', /client_requests\.txt.*the disk is full \(ENOSPC\)/);
    const again = await alice.answer(alice.command('request', 'and drinks'));
    assert.equal(again.type === 'error' && again.code, 'STORAGE_FAILED');
    assert.equal((await alice.answer(alice.say('chat still works'))).type, 'ack');
    await bob.waitFor('message', (m) => m.text === 'chat still works');
    assert.equal(storageNotices(root).length, 1, 'the second failure within a minute is not reported again');

    // A minute later the next failure is reported, with the count of those in between.
    now += MINUTE;
    await alice.answer(alice.command('request', 'third try'));
    await waitUntil(() => storageNotices(root).length === 2, 5000, 'a second notice');
    assert.match(storageNotices(root)[1] ?? '', /1 more failure since the last report/);

    // stats.json (written through a temporary file, which is what fails here).
    fillDisk(path.join(t.dataDir, `.stats.json.${process.pid}.tmp`));
    t.server.services.stats.write();
    await waitUntil(() => storageNotices(root).some((n) => n.includes('stats.json')), 5000, 'the stats notice');

    // audit.log: the root command is still carried out and answered.
    fillDisk(path.join(t.logDir, 'audit.log'));
    const kicked = await runOk(root, 'remove', '-u bob');
    assert.equal(kicked.title.length > 0, true);
    await bob.gone();
    await waitUntil(() => storageNotices(root).some((n) => n.includes('audit.log')), 5000, 'the audit notice');

    // server.log.
    fillDisk(path.join(t.logDir, 'server.log'));
    const carol = await loggedIn(t.port, 'carol');
    await waitUntil(() => storageNotices(root).some((n) => n.includes('server.log')), 5000, 'the log notice');
    assert.equal((await carol.answer(carol.say('hello from carol'))).type, 'ack');
    await alice.waitFor('message', (m) => m.text === 'hello from carol');
    assert.equal(t.server.services.abuse.summary().storageFailures >= 6, true);

    // The disk is freed: everything works again, and the log says how many lines it lost.
    for (const file of [t.server.services.requests.file, path.join(t.logDir, 'server.log'), path.join(t.logDir, 'audit.log')]) fs.rmSync(file);
    assert.equal((await alice.answer(alice.command('request', 'now it works'))).type, 'ack');
    await waitUntil(() => fs.existsSync(path.join(t.logDir, 'server.log')) && /log lines? (was|were) lost/.test(fs.readFileSync(path.join(t.logDir, 'server.log'), 'utf8')), 5000, 'the lost-lines note');
    root.destroy();
    alice.destroy();
    carol.destroy();
  } finally {
    await t.close();
  }
});

test('a database that refuses writes: chat lines and commands answer STORAGE_FAILED, sessions stay, blocks still hold, roots are told', async (tc) => {
  const t = await serverFor(tc);
  try {
    const root = await rootLoggedIn(t.port);
    const owner = await loggedInV2(t.port, 'owner');
    await owner.registerAccount('owner-password');
    const friend = await loggedInV2(t.port, 'friend');

    t.server.store.db.pragma('query_only = 1');
    const created = await owner.answer(owner.command('create', '#broken'));
    assert.equal(created.type === 'error' && created.code, 'STORAGE_FAILED', JSON.stringify(created));
    const said = await owner.answer(owner.say('not stored, not sent'));
    assert.equal(said.type === 'error' && said.code, 'STORAGE_FAILED');
    // Still connected, and what needs no write still works.
    const rooms = await owner.answer(owner.command('rooms'));
    assert.equal(rooms.type, 'rooms');
    assert.equal(owner.closed, false);
    assert.equal(friend.received.some((m) => m.type === 'message' && m.text === 'not stored, not sent'), false);
    await waitUntil(() => storageNotices(root).some((n) => n.includes('database')), 5000, 'a notice about the database');
    // A root command that writes fails cleanly too.
    const ban = await root.answer(root.command('ban', '-u someone 1h'));
    assert.equal(ban.type === 'error' && ban.code, 'STORAGE_FAILED');

    // Guessing while the database refuses writes: the block holds in memory all the same.
    for (let i = 0; i < 3; i++) {
      const guesser = await RawClient.connect(t.port, '127.0.0.1', '127.0.0.2');
      guesser.send(await guesser.authMessage('guesser', { passkey: 'wrong-passkey-guess' }));
      assert.equal((await guesser.waitFor('error')).code, 'AUTH_FAILED');
      guesser.destroy();
    }
    const blocked = await RawClient.connect(t.port, '127.0.0.1', '127.0.0.2');
    assert.equal((await blocked.waitFor('error')).code, 'BANNED');
    blocked.destroy();

    t.server.store.db.pragma('query_only = 0');
    assert.equal((await owner.answer(owner.say('stored again'))).type, 'ack');
    await friend.waitFor('message', (m) => m.text === 'stored again');
    root.destroy();
    owner.destroy();
    friend.destroy();
  } finally {
    await t.close();
  }
});

test('nothing is logged into a closed logger: late socket events after shutdown are harmless', async (tc) => {
  const errors: unknown[] = [];
  const onError = (error: unknown): void => void errors.push(error);
  process.on('uncaughtException', onError);
  try {
    const t = await serverFor(tc, { tlsHandshakeTimeoutMs: 200 });
    const { connect } = await import('node:net');
    // A handshake in progress and a TLS connection mid-login when the server stops.
    const raw = connect(t.port, '127.0.0.1');
    raw.on('error', () => undefined);
    const midLogin = await RawClient.connect(t.port);
    await midLogin.hello();
    await t.close();
    await within(new Promise<void>((resolve) => (raw.destroyed ? resolve() : raw.on('close', () => resolve()))), 5000, 'the socket to close');
    await midLogin.gone();
    // And a line logged after the logger closed is dropped, not an uncaught "write after end".
    t.server.logger.info('too late');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(errors, []);
  } finally {
    process.off('uncaughtException', onError);
  }
});

test('an unusable data or log directory stops the server at start with one clear sentence', { skip: fullDevice }, async () => {
  const env = { PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_ROOT_PASSWORD: ROOT_PASSWORD };
  const start = (dataDir: string, logDir: string): ReturnType<typeof runCli> => runCli(['server', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--log-dir', logDir], { env });

  // A full disk under the data directory.
  const full = tempDir();
  fs.mkdirSync(path.join(full, 'data'));
  fs.symlinkSync('/dev/full', path.join(full, 'data', WRITE_CHECK_FILE));
  const noSpace = await start(path.join(full, 'data'), path.join(full, 'logs'));
  assert.equal(noSpace.code, 1);
  assert.match(noSpace.stderr, /^Cannot use the data directory .*: the disk is full \(ENOSPC\)\. Free some disk space, then try again\.\n$/);

  // A full disk under the log directory.
  const fullLogs = tempDir();
  fs.mkdirSync(path.join(fullLogs, 'logs'));
  fs.symlinkSync('/dev/full', path.join(fullLogs, 'logs', WRITE_CHECK_FILE));
  const logsFull = await start(path.join(fullLogs, 'data'), path.join(fullLogs, 'logs'));
  assert.equal(logsFull.code, 1);
  assert.match(logsFull.stderr, /^Cannot use the log directory .*: the disk is full \(ENOSPC\)/);

  // A file where the log directory should be.
  const blocked = tempDir();
  fs.writeFileSync(path.join(blocked, 'logs'), 'not a directory');
  const notDir = await start(path.join(blocked, 'data'), path.join(blocked, 'logs'));
  assert.equal(notDir.code, 1);
  assert.match(notDir.stderr, /^Cannot use the log directory .*(a file is in the way|EEXIST|ENOTDIR)/);
  assert.equal(notDir.stderr.trim().split('\n').length, 1);
});
