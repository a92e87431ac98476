// Backup and restore: a backup taken while the server runs (and chat lines keep arriving) restores
// into a new data directory with its accounts, rooms, history, bans, packages and server key; a
// restore refuses a live or non-empty directory and any damaged or doctored backup, and leaves
// nothing behind when it refuses. Every file the server creates is a kind the backup knows.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import * as tar from 'tar';
import { dataKindOf } from '../../src/data-dir/contents.js';
import { PackageRegistry } from '../../src/data-dir/packages.js';
import { Store } from '../../src/data-dir/store.js';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { runMain } from '../helpers/in-process.js';
import { loggedInV2, RawClient } from '../helpers/raw-client.js';
import { rootLoggedIn, runOk } from '../helpers/root.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

function outcome(message: ServerMessage): string {
  return message.type === 'error' ? message.code : message.type;
}

async function sayIn(client: RawClient, room: string, texts: string[]): Promise<void> {
  const ids = texts.map((text) => {
    const id = 1000 + Math.floor(Math.random() * 1e9);
    client.send({ type: 'say', id, text, room });
    return id;
  });
  for (const id of ids) assert.equal(outcome(await client.answer(id, 20_000)), 'ack');
}

/** Rows of a stopped server's database, for comparing before and after. */
function snapshot(dataDir: string): Record<string, unknown> {
  const store = Store.open(dataDir);
  try {
    const all = (sql: string): unknown[] => store.db.prepare(sql).all();
    return {
      accounts: all('SELECT name_key, name, password_hash FROM accounts ORDER BY name_key'),
      rooms: all('SELECT name_key, name, owner_key, private FROM rooms ORDER BY name_key'),
      memberships: all('SELECT room_id, member_key FROM memberships ORDER BY room_id, member_key'),
      messages: all('SELECT id, room_id, sender, body, sent_at FROM messages ORDER BY id'),
      bans: all('SELECT kind, target, expires_at, created_by FROM bans ORDER BY kind, target'),
      packages: all('SELECT id, kind, note, revoked_at FROM packages ORDER BY id'),
    };
  } finally {
    store.close();
  }
}

function leftovers(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => name.startsWith('.party-pool-'));
}

describe('backup and restore', () => {
  test('a backup taken while the server runs restores history, accounts, rooms, bans, packages and the server key', async (t) => {
    const base = tempDir();
    const first = await startTestServer({ maxSessionsPerAddress: 100 }, base);
    const started: TestServer[] = [first];
    t.after(async () => {
      for (const server of started) await server.close();
    });
    const ann = await loggedInV2(first.port, 'ann');
    assert.equal(outcome(await ann.registerAccount('ann-password-1')), 'account');
    await ann.answer(ann.command('create', '#books --private'));
    await sayIn(ann, '#books', ['<b>first</b> & "quoted"', 'second', 'third']);
    await sayIn(ann, '#lobby', ['hello lobby']);
    const root = await rootLoggedIn(first.port);
    await runOk(root, 'ban', '-u mallory');
    await runOk(root, 'ban', '-ip 203.0.113.0/24 2h');
    new PackageRegistry(first.server.store).record({ id: 'pkg-backup-test', kind: 'client', platforms: ['linux'], version: '1.0.0', createdAt: new Date(), note: 'for ann' });

    // Lines keep arriving while the backup runs: the copy must be one consistent snapshot.
    let writing = true;
    const writer = (async () => {
      for (let i = 0; writing && i < 400; i++) await sayIn(ann, '#books', [`during ${i}`]);
    })();
    const file = path.join(base, 'backup.tar.gz');
    const made = await runMain(['backup', '--data-dir', first.dataDir, '--out', file]);
    writing = false;
    await writer;
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /^Backed up .* to .*backup\.tar\.gz \(.* owner-only\)\./);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(leftovers(base), [], 'the staging folder is removed');
    ann.destroy();
    root.destroy();
    await first.close();
    const atBackup = snapshot(first.dataDir);

    // A live directory and a non-empty one are refused.
    const restored = path.join(base, 'restored', 'data');
    const intoSelf = await runMain(['restore', file, '--data-dir', first.dataDir]);
    assert.equal(intoSelf.code, 1);
    assert.match(intoSelf.stderr, /is not empty/);
    fs.mkdirSync(restored, { recursive: true });
    fs.writeFileSync(path.join(restored, 'notes.txt'), 'mine');
    const intoFull = await runMain(['restore', file, '--data-dir', restored]);
    assert.equal(intoFull.code, 1);
    assert.match(intoFull.stderr, /is not empty \(notes\.txt\); a restore never overwrites data/);
    assert.equal(fs.readFileSync(path.join(restored, 'notes.txt'), 'utf8'), 'mine');
    fs.rmSync(restored, { recursive: true });

    const done = await runMain(['restore', file, '--data-dir', restored]);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, new RegExp(`server key ${first.fingerprint.replace(/[+/]/g, '\\$&')}`));
    assert.equal(fs.statSync(restored).mode & 0o777, 0o700);
    for (const name of fs.readdirSync(restored)) {
      const stat = fs.statSync(path.join(restored, name));
      assert.equal(stat.mode & 0o777, stat.isDirectory() ? 0o700 : 0o600, name);
    }
    assert.deepEqual(leftovers(path.dirname(restored)), []);

    const back = snapshot(restored);
    // Everything from before the backup is there, and the lines written during it form an unbroken prefix.
    const before = atBackup.messages as { id: number; body: string }[];
    const after = back.messages as { id: number; body: string }[];
    assert.deepEqual(after, before.slice(0, after.length));
    assert.ok(after.some((m) => m.body === '<b>first</b> & "quoted"'));
    const during = after.filter((m) => m.body.startsWith('during ')).map((m) => Number(m.body.slice(7)));
    assert.deepEqual(during, during.map((_, i) => i), 'no line written during the backup is missing from the middle');
    for (const key of ['accounts', 'rooms', 'memberships', 'bans', 'packages']) assert.deepEqual(back[key], atBackup[key], key);

    // The restored server is the same server: same key, same accounts and history.
    const second = await startTestServer({ dataDir: restored, logDir: path.join(base, 'restored', 'logs') });
    started.push(second);
    assert.equal(second.fingerprint, first.fingerprint);
    const again = await loggedInV2(second.port, 'ann', { password: 'ann-password-1' });
    const books = again.received.flatMap((m) => (m.type === 'history' && m.room === '#books' ? m.messages.map((x) => x.text) : []));
    // Every line but the one in #lobby went to #books.
    assert.equal(books.at(-1), after.filter((m) => m.body !== 'hello lobby').at(-1)?.body, 'the newest stored line comes back at login');
    const mallory = await RawClient.connect(second.port);
    mallory.versions = [1, 2];
    mallory.send(await mallory.authMessage('mallory'));
    assert.equal((await mallory.waitFor('error')).code, 'BANNED', 'a banned name stays banned');
    mallory.destroy();
    again.destroy();
  });

  test('a damaged, doctored or foreign file is refused and nothing is left behind', async (t) => {
    const base = tempDir();
    const server = await startTestServer({}, base);
    t.after(() => server.close());
    const file = path.join(base, 'good.tar.gz');
    assert.equal((await runMain(['backup', '--data-dir', server.dataDir, '--out', file])).code, 0);
    const again = await runMain(['backup', '--data-dir', server.dataDir, '--out', file]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
    const live = await runMain(['restore', file, '--data-dir', server.dataDir]);
    assert.equal(live.code, 1);
    assert.match(live.stderr, /A server is running from .* a restore never replaces live data/);

    const target = (name: string): string => path.join(base, 'targets', name);
    const refusal = async (backup: string, name: string, pattern: RegExp): Promise<void> => {
      const result = await runMain(['restore', backup, '--data-dir', target(name)]);
      assert.equal(result.code, 1, `${name}: ${result.stdout}`);
      assert.match(result.stderr, pattern, name);
      assert.equal(fs.existsSync(target(name)), false, `${name}: no data directory appears`);
      assert.deepEqual(leftovers(path.join(base, 'targets')), [], name);
    };

    const truncated = path.join(base, 'truncated.tar.gz');
    fs.writeFileSync(truncated, fs.readFileSync(file).subarray(0, 200));
    await refusal(truncated, 'truncated', /cannot be restored: it is not a readable backup/);
    const foreign = path.join(base, 'foreign.txt');
    fs.writeFileSync(foreign, 'hello');
    await refusal(foreign, 'foreign', /cannot be restored/);
    await refusal(path.join(base, 'missing.tar.gz'), 'missing', /There is no file/);

    // Unpack, change one file, pack again with the original manifest: its checksum gives it away.
    const unpacked = path.join(base, 'unpacked');
    fs.mkdirSync(unpacked);
    await tar.extract({ file, cwd: unpacked });
    fs.appendFileSync(path.join(unpacked, 'auth.json'), ' ');
    const doctored = path.join(base, 'doctored.tar.gz');
    await tar.create({ gzip: true, file: doctored, cwd: unpacked }, fs.readdirSync(unpacked));
    await refusal(doctored, 'doctored', /auth\.json does not match its checksum/);

    // An extra file, and a link, are refused too.
    fs.writeFileSync(path.join(unpacked, 'extra.txt'), 'x');
    const extra = path.join(base, 'extra.tar.gz');
    await tar.create({ gzip: true, file: extra, cwd: unpacked }, fs.readdirSync(unpacked));
    await refusal(extra, 'extra', /which its manifest does not list|does not match/);
    fs.rmSync(path.join(unpacked, 'extra.txt'));
    fs.symlinkSync('/etc/passwd', path.join(unpacked, 'link'));
    const linked = path.join(base, 'linked.tar.gz');
    await tar.create({ gzip: true, file: linked, cwd: unpacked }, fs.readdirSync(unpacked));
    await refusal(linked, 'linked', /holds a symboliclink entry|files and folders only/);
  });

  test('every file a server leaves in its data directory is a kind the backup knows', async (t) => {
    const base = tempDir();
    const server = await startTestServer({}, base);
    t.after(() => server.close());
    const ann = await loggedInV2(server.port, 'ann');
    await ann.answer(ann.command('request', 'more rooms please'));
    ann.destroy();
    const during = fs.readdirSync(server.dataDir);
    await server.close();
    const unknown = [...new Set([...during, ...fs.readdirSync(server.dataDir)])].filter((name) => dataKindOf(name) === undefined);
    assert.deepEqual(unknown, [], 'add each new kind of data to src/data-dir/contents.ts (and say how it is copied)');
  });

  test('usage mistakes are explained', async () => {
    const noTarget = await runMain(['restore', 'x.tar.gz']);
    assert.equal(noTarget.code, 2);
    assert.match(noTarget.stderr, /Say where to restore to/);
    const noFile = await runMain(['restore', '--data-dir', tempDir()]);
    assert.equal(noFile.code, 2);
    assert.match(noFile.stderr, /Missing arguments/);
    const notSetUp = await runMain(['backup', '--data-dir', tempDir(), '--out', path.join(tempDir(), 'b.tar.gz')]);
    assert.equal(notSetUp.code, 1);
    assert.match(notSetUp.stderr, /no server was set up there/);
  });
});
