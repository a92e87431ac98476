// Registered names: register, log in with the password (protocol 3: OPAQUE, the password never
// reaches the server), refusals, rename, password change, required registration, what older
// programs can still do, and the root commands users / delete-user.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { clientStartRegistration } from '../../src/crypto/opaque.js';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { DATABASE_FILE, Store } from '../../src/data-dir/store.js';
import { RawClient, loggedIn, loggedInV2 } from '../helpers/raw-client.js';
import { everyoneGone, ROOT_PASSWORD, serverFor, startTestServer, type TestServer, waitUntil } from '../helpers/server.js';

/** The error code of a reply, or its type when it is not an error. */
function outcome(message: ServerMessage): string {
  return message.type === 'error' ? message.code : message.type;
}

/** A client that has said hello; `versions` as given (protocol 3 unless a test wants an older program). */
async function connected(port: number, versions = [1, 2, 3]): Promise<RawClient> {
  const client = await RawClient.connect(port);
  client.versions = versions;
  await client.hello();
  return client;
}

describe('accounts', () => {
  let t: TestServer;
  // Wrong passwords on purpose, all from 127.0.0.1 (guessing is abuse-guessing.test.ts's business).
  before(async () => (t = await startTestServer({ maxSessionsPerAddress: 100, authFailureLimit: 100 })));
  after(async () => {
    await t.close();
    // Once the log is flushed: account events are there, the passwords are not.
    const log = fs.readFileSync(path.join(t.logDir, 'server.log'), 'utf8');
    assert.match(log, /account registered .*user=alice/);
    assert.match(log, /login failed .*reason=PASSWORD_WRONG/);
    for (const secret of ['alice-password-1', 'not-her-password', 'erin-first-pw', 'erin-second-pw', 'two words are fine', 'oldtimer-pass']) assert.ok(!log.includes(secret), secret);
  });

  test('register, then logging in needs the password: missing, wrong and right', async () => {
    const alice = await loggedInV2(t.port, 'alice');
    assert.equal((await alice.waitFor('synced')).registered, false);
    const registered = await alice.registerAccount('alice-password-1');
    assert.deepEqual(registered.type === 'account' && [registered.event, registered.name], ['registered', 'alice']);
    assert.equal(outcome(await alice.registerAccount('another-password')), 'ALREADY_REGISTERED');
    alice.close();
    await everyoneGone(t);

    // No KE1: PASSWORD_REQUIRED with a fresh nonce, and the connection stays open for another try.
    const again = await connected(t.port);
    again.send(await again.authMessage('alice'));
    const required = await again.waitFor('error');
    assert.equal(required.code, 'PASSWORD_REQUIRED');
    assert.ok(required.nonce);
    assert.equal(required.prehash, undefined, 'a fresh account has no prehash');
    assert.equal(await again.attempt('alice', { nonce: required.nonce, password: 'alice-password-1' }), 'welcome');
    assert.equal((await again.waitFor('synced')).registered, true);
    again.close();
    await everyoneGone(t);

    // A wrong password: the client's envelope does not open, it says so, and the connection ends, counted against the address.
    const before = t.server.moderation.stats.failuresFrom('127.0.0.1');
    const wrong = await connected(t.port);
    assert.equal(await wrong.attempt('ALICE', { password: 'not-her-password' }), 'PASSWORD_WRONG');
    await wrong.gone();
    assert.equal(t.server.moderation.stats.failuresFrom('127.0.0.1'), before + 1);

    // The database holds an OPAQUE record (and the Argon2id cost the client used), never the password or a hash the server could test.
    const store = Store.open(t.dataDir);
    const row = store.db.prepare("SELECT password_hash, opaque_id, opaque_record, stretching, prehash FROM accounts WHERE name_key = 'alice'").get() as Record<string, unknown>;
    store.close();
    assert.equal(row.password_hash, '');
    assert.match(String(row.opaque_id), /^a:[A-Za-z0-9_-]{22}$/);
    assert.match(String(row.opaque_record), /^[A-Za-z0-9_-]{256}$/);
    assert.deepEqual(JSON.parse(String(row.stretching)), { memory: 256, iterations: 1, parallelism: 1 });
    assert.equal(row.prehash, null);
    assert.ok(!fs.readFileSync(path.join(t.dataDir, DATABASE_FILE)).includes('alice-password-1'));
  });

  test('older programs: protocol 1 and 2 cannot prove or set a password (CLIENT_TOO_OLD), and may pick another name', async () => {
    const owner = await loggedInV2(t.port, 'oldtimer');
    await owner.registerAccount('oldtimer-pass');
    owner.close();
    await everyoneGone(t);
    for (const versions of [[1], [1, 2]]) {
      const legacy = await connected(t.port, versions);
      legacy.versionsChosen = true;
      // A protocol-2 program sends the password inside auth: refused without looking at it, with a nonce to pick another name.
      legacy.send(await legacy.authMessage('oldtimer', versions.length === 2 ? { password: 'oldtimer-pass' } : {}));
      const refusal = await legacy.waitFor('error');
      assert.equal(refusal.code, 'CLIENT_TOO_OLD', String(versions));
      assert.ok(refusal.nonce);
      legacy.send(await legacy.authMessage('newcomer', { nonce: refusal.nonce }));
      assert.equal((await legacy.waitFor('welcome')).name, 'newcomer');
      if (versions.length === 2) {
        assert.equal(outcome(await legacy.answer(legacy.command('register', 'some-password'))), 'CLIENT_TOO_OLD');
        assert.equal(outcome(await legacy.answer(legacy.command('password', 'a b'))), 'CLIENT_TOO_OLD');
      }
      legacy.destroy();
      await everyoneGone(t);
    }
    // Registering at login from protocol 2: refused too.
    const legacy = await connected(t.port, [1, 2]);
    legacy.versionsChosen = true;
    legacy.send(await legacy.authMessage('brandnew', { password: 'brandnew-pass', register: true }));
    assert.equal((await legacy.waitFor('error')).code, 'CLIENT_TOO_OLD');
    legacy.destroy();
    // Guests on old programs are unaffected (the bench driver logs in this way).
    const guest = await loggedIn(t.port, 'oldguest');
    guest.destroy();
    await everyoneGone(t);
  });

  test('a malformed OPAQUE message is refused, and creates nothing', async () => {
    const bob = await loggedInV2(t.port, 'bob');
    assert.equal(outcome(await bob.answer(bob.command('register', 'not-a-registration-request'))), 'BAD_MESSAGE');
    assert.equal(outcome(await bob.answer(bob.command('register', 'two words'))), 'TOO_MANY_ARGUMENTS');
    // A record with no registration waiting for it.
    const cheap = { algorithm: 'argon2id', memory: 8, iterations: 1, parallelism: 1 };
    bob.send({ type: 'account-record', id: 900, record: 'A'.repeat(256), stretching: cheap });
    assert.equal(outcome(await bob.answer(900)), 'UNEXPECTED_MESSAGE');
    // A record stretched less than the server requires (here 256 KiB) is refused, and nothing is registered.
    const registration = await bob.answer(bob.command('register', (await clientStartRegistration('bobs-weak-record')).message));
    assert.equal(registration.type, 'account-registration');
    bob.send({ type: 'account-record', id: 901, record: 'A'.repeat(256), stretching: cheap });
    assert.equal(outcome(await bob.answer(901)), 'BAD_MESSAGE');
    assert.equal(outcome(await bob.registerAccount('two words are fine')), 'account');
    bob.close();
    await everyoneGone(t);
    const back = await loggedInV2(t.port, 'bob', { password: 'two words are fine' });
    back.close();
    await everyoneGone(t);
    const broken = await connected(t.port);
    const message = await broken.authMessage('bob', { password: 'two words are fine' });
    message.account = { ke1: 'AAAA' };
    broken.send(message);
    assert.equal((await broken.waitFor('error')).code, 'BAD_MESSAGE');
    await broken.gone();
  });

  test('a guest cannot take a registered name, at login or with /nick', async () => {
    const carol = await loggedInV2(t.port, 'carol');
    await carol.registerAccount('carol-password');
    carol.close();
    await everyoneGone(t);
    const guest = await loggedInV2(t.port, 'guesty');
    assert.equal(outcome(await guest.answer(guest.command('nick', 'Carol'))), 'NAME_REGISTERED');
    assert.equal(outcome(await guest.answer(guest.command('nick', 'bad!name'))), 'NAME_INVALID');
    assert.equal(outcome(await guest.answer(guest.command('nick', 'admin'))), 'NAME_RESERVED');
    const other = await loggedInV2(t.port, 'present');
    assert.equal(outcome(await guest.answer(guest.command('nick', 'PRESENT'))), 'NAME_TAKEN');
    assert.equal(outcome(await guest.answer(guest.command('nick', 'guesty'))), 'INVALID_ARGUMENT');
    guest.destroy();
    other.destroy();
    await everyoneGone(t);
  });

  test('/nick renames: others are told, the account (its OPAQUE record still valid) and rooms move, the old name is free', async () => {
    const dave = await loggedInV2(t.port, 'dave');
    await dave.registerAccount('dave-password');
    await dave.answer(dave.command('create', '#daves'));
    const watcher = await loggedInV2(t.port, 'watcher');
    const legacy = await loggedIn(t.port, 'legacy1');
    assert.equal(outcome(await dave.answer(dave.command('nick', 'David'))), 'ack');
    const renamed = await watcher.waitFor('rename');
    assert.deepEqual([renamed.from, renamed.to], ['dave', 'David']);
    const notice = await legacy.waitFor('notice');
    assert.equal(notice.text, 'dave is now known as David.');
    assert.deepEqual(t.server.onlineNames(), ['David', 'legacy1', 'watcher']);
    // The account moved: David needs the password, dave is a free (guest) name again.
    const who = await watcher.answer(watcher.command('who', '#daves'));
    assert.deepEqual(who.type === 'members' && who.members, [{ name: 'David', online: true, owner: true }]);
    dave.close();
    await waitUntil(() => !t.server.onlineNames().includes('David'));
    const newDave = await loggedInV2(t.port, 'dave');
    assert.equal((await newDave.waitFor('synced')).registered, false);
    newDave.close();
    const refused = await connected(t.port);
    refused.send(await refused.authMessage('david'));
    assert.equal((await refused.waitFor('error')).code, 'PASSWORD_REQUIRED');
    refused.destroy();
    const david = await loggedInV2(t.port, 'David', { password: 'dave-password' });
    const synced = await david.waitFor('synced');
    assert.deepEqual(
      synced.rooms.map((r) => [r.name, r.owner]),
      [
        ['#lobby', undefined],
        ['#daves', 'David'],
      ],
    );
    for (const c of [david, watcher, legacy]) c.destroy();
    await everyoneGone(t);
  });

  test('/password needs the old one; afterwards only the new one logs in', async () => {
    const erin = await loggedInV2(t.port, 'erin');
    assert.equal(outcome(await erin.changePassword('erin-first-pw', 'erin-second-pw')), 'NOT_REGISTERED');
    await erin.registerAccount('erin-first-pw');
    const before = t.server.moderation.stats.failuresFrom('127.0.0.1');
    assert.equal(outcome(await erin.changePassword('wrong-old-pw', 'erin-second-pw')), 'OLD_PASSWORD_WRONG');
    assert.equal(t.server.moderation.stats.failuresFrom('127.0.0.1'), before + 1, 'counted like a wrong login');
    assert.equal(outcome(await erin.answer(erin.command('password'))), 'MISSING_ARGUMENT');
    // The old password alone only checks it (the interactive client asks it before the new one).
    const checked = await erin.changePassword('erin-first-pw', undefined);
    assert.deepEqual(checked.type === 'ack' && checked.text, 'That is your current password.');
    assert.equal(outcome(await erin.changePassword('wrong-old-pw', undefined)), 'OLD_PASSWORD_WRONG');
    const changed = await erin.changePassword('erin-first-pw', 'erin-second-pw');
    assert.deepEqual(changed.type === 'account' && changed.event, 'password-changed');
    erin.close();
    await everyoneGone(t);
    const old = await connected(t.port);
    assert.equal(await old.attempt('erin', { password: 'erin-first-pw' }), 'PASSWORD_WRONG');
    const fresh = await loggedInV2(t.port, 'erin', { password: 'erin-second-pw' });
    fresh.destroy();
    await everyoneGone(t);
  });

  test('root: users lists accounts with last seen; delete-user removes one and disconnects it', async () => {
    const frank = await loggedInV2(t.port, 'frank');
    await frank.registerAccount('frank-password');
    await frank.answer(frank.command('create', '#franks'));
    const root = await RawClient.connect(t.port);
    await root.login('boss', { role: 'root', rootPassword: ROOT_PASSWORD });
    const users = await root.answer(root.command('users'));
    assert.equal(users.type, 'accounts');
    const accounts = users.type === 'accounts' ? users.accounts : [];
    assert.deepEqual(
      accounts.map((a) => a.name),
      ['alice', 'bob', 'carol', 'David', 'erin', 'frank', 'oldtimer'],
    );
    const frankRow = accounts.find((a) => a.name === 'frank');
    assert.equal(frankRow?.online, true);
    assert.ok(accounts.find((a) => a.name === 'alice')?.lastSeen, 'last seen is recorded');
    assert.equal(outcome(await root.answer(root.command('users', '1 2'))), 'TOO_MANY_ARGUMENTS');
    assert.equal(outcome(await root.answer(root.command('users', 'extra'))), 'INVALID_ARGUMENT');
    assert.equal(outcome(await root.answer(root.command('delete-user', 'nobody-here'))), 'NO_SUCH_USER');
    // A user cannot run root commands.
    assert.equal(outcome(await frank.answer(frank.command('delete-user', 'alice'))), 'UNKNOWN_COMMAND');
    assert.equal(outcome(await root.answer(root.command('delete-user', 'FRANK'))), 'ack');
    await frank.waitFor('error', (e) => e.code === 'ACCOUNT_DELETED');
    await frank.gone();
    // The name is a guest name again, and the room frank alone was in is gone.
    const guest = await loggedInV2(t.port, 'frank');
    assert.equal((await guest.waitFor('synced')).registered, false);
    assert.equal(outcome(await guest.answer(guest.command('who', '#franks'))), 'NO_SUCH_ROOM');
    guest.destroy();
    root.destroy();
    await everyoneGone(t);
  });

});

describe('accounts: registration required', () => {
  test('unregistered names are refused until they register at login', async (tc) => {
    const t = await serverFor(tc, { requireRegistration: true });
    try {
      const client = await connected(t.port);
      client.send(await client.authMessage('newbie'));
      const refusal = await client.waitFor('error');
      assert.equal(refusal.code, 'REGISTRATION_REQUIRED');
      // register without the registration request: the server asks for the password.
      const bare = await client.authMessage('newbie', { nonce: refusal.nonce ?? '' });
      bare.register = true;
      client.send(bare);
      const required = await client.waitFor('error', (e) => e.code === 'PASSWORD_REQUIRED');
      assert.equal(await client.attempt('newbie', { nonce: required.nonce ?? '', password: 'newbie-password', register: true }), 'welcome');
      assert.equal((await client.waitFor('synced')).registered, true);
      client.close();
      await everyoneGone(t);
      const back = await loggedInV2(t.port, 'newbie', { password: 'newbie-password' });
      back.destroy();
    } finally {
      await t.close();
    }
  });
});
