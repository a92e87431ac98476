// Registered names: register, log in with the password, refusals, rename, password change,
// required registration, and the root commands users / delete-user.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { DATABASE_FILE, Store } from '../../src/data-dir/store.js';
import { RawClient, loggedIn, loggedInV2 } from '../helpers/raw-client.js';
import { everyoneGone, ROOT_PASSWORD, serverFor, startTestServer, type TestServer, waitUntil } from '../helpers/server.js';

/** The error code of a reply, or its type when it is not an error. */
function outcome(message: ServerMessage): string {
  return message.type === 'error' ? message.code : message.type;
}

async function v2(port: number): Promise<RawClient> {
  const client = await RawClient.connect(port);
  client.versions = [1, 2];
  await client.hello();
  return client;
}

describe('accounts', () => {
  let t: TestServer;
  before(async () => (t = await startTestServer({ maxSessionsPerAddress: 100 })));
  after(async () => {
    await t.close();
    // Once the log is flushed: account events are there, the passwords are not.
    const log = fs.readFileSync(path.join(t.logDir, 'server.log'), 'utf8');
    assert.match(log, /account registered .*user=alice/);
    assert.match(log, /login failed .*reason=PASSWORD_WRONG/);
    for (const secret of ['alice-password-1', 'not-her-password', 'erin-first-pw', 'erin-second-pw', 'two words are fine']) assert.ok(!log.includes(secret), secret);
  });

  test('register, then logging in needs the password: missing, wrong and right', async () => {
    const alice = await loggedInV2(t.port, 'alice');
    assert.equal((await alice.waitFor('synced')).registered, false);
    const registered = await alice.answer(alice.command('register', 'alice-password-1'));
    assert.deepEqual(registered.type === 'account' && [registered.event, registered.name], ['registered', 'alice']);
    assert.equal(outcome(await alice.answer(alice.command('register', 'another-password'))), 'ALREADY_REGISTERED');
    alice.close();
    await everyoneGone(t);

    // No password: PASSWORD_REQUIRED with a fresh nonce, and the connection stays open for another try.
    const again = await v2(t.port);
    again.send(await again.authMessage('alice'));
    const required = await again.waitFor('error');
    assert.equal(required.code, 'PASSWORD_REQUIRED');
    assert.ok(required.nonce);
    again.send(await again.authMessage('alice', { nonce: required.nonce, password: 'alice-password-1' }));
    assert.equal((await again.waitFor('welcome')).name, 'alice');
    assert.equal((await again.waitFor('synced')).registered, true);
    again.close();
    await everyoneGone(t);

    // A wrong password ends the connection and counts against the address.
    const before = t.server.moderation.stats.failuresFrom('127.0.0.1');
    const wrong = await v2(t.port);
    wrong.send(await wrong.authMessage('ALICE', { password: 'not-her-password' }));
    assert.equal((await wrong.waitFor('error')).code, 'PASSWORD_WRONG');
    await wrong.gone();
    assert.equal(t.server.moderation.stats.failuresFrom('127.0.0.1'), before + 1);

    // The database holds a scrypt hash with its cost, never the password.
    const store = Store.open(t.dataDir);
    const hash: unknown = store.db.prepare("SELECT password_hash FROM accounts WHERE name_key = 'alice'").pluck().get();
    store.close();
    assert.match(String(hash), /^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    assert.ok(!fs.readFileSync(path.join(t.dataDir, DATABASE_FILE)).includes('alice-password-1'));
  });

  test('a protocol-1 client cannot log in as a registered name (it cannot send a password)', async () => {
    const owner = await loggedInV2(t.port, 'oldtimer');
    await owner.answer(owner.command('register', 'oldtimer-pass'));
    owner.close();
    await everyoneGone(t);
    const legacy = await RawClient.connect(t.port);
    legacy.send(await legacy.authMessage('oldtimer'));
    assert.equal((await legacy.waitFor('error')).code, 'PASSWORD_REQUIRED');
    legacy.destroy();
  });

  test('password rules: too short, too long, control characters', async () => {
    const bob = await loggedInV2(t.port, 'bob');
    for (const bad of ['short', 'x'.repeat(257), 'tab\there-ok-but\u0007bell']) {
      assert.equal(outcome(await bob.answer(bob.command('register', `'${bad}'`))), 'PASSWORD_INVALID', bad);
    }
    assert.equal(outcome(await bob.answer(bob.command('register', 'two words'))), 'TOO_MANY_ARGUMENTS');
    assert.equal(outcome(await bob.answer(bob.command('register', "'two words are fine quoted'"))), 'account');
    bob.close();
    await everyoneGone(t);
    const back = await loggedInV2(t.port, 'bob', { password: 'two words are fine quoted' });
    back.close();
    await everyoneGone(t);
  });

  test('a guest cannot take a registered name, at login or with /nick', async () => {
    const carol = await loggedInV2(t.port, 'carol');
    await carol.answer(carol.command('register', 'carol-password'));
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

  test('/nick renames: others are told, the account and rooms move, the old name is free', async () => {
    const dave = await loggedInV2(t.port, 'dave');
    await dave.answer(dave.command('register', 'dave-password'));
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
    const refused = await v2(t.port);
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
    assert.equal(outcome(await erin.answer(erin.command('password', 'a b'))), 'NOT_REGISTERED');
    await erin.answer(erin.command('register', 'erin-first-pw'));
    assert.equal(outcome(await erin.answer(erin.command('password', 'wrong-old-pw erin-second-pw'))), 'OLD_PASSWORD_WRONG');
    assert.equal(outcome(await erin.answer(erin.command('password', 'erin-first-pw short'))), 'PASSWORD_INVALID');
    // One argument only checks the current password (the interactive client asks it first).
    const checked = await erin.answer(erin.command('password', 'erin-first-pw'));
    assert.deepEqual(checked.type === 'ack' && checked.text, 'That is your current password.');
    const changed = await erin.answer(erin.command('password', 'erin-first-pw erin-second-pw'));
    assert.deepEqual(changed.type === 'account' && changed.event, 'password-changed');
    erin.close();
    await everyoneGone(t);
    const old = await v2(t.port);
    old.send(await old.authMessage('erin', { password: 'erin-first-pw' }));
    assert.equal((await old.waitFor('error')).code, 'PASSWORD_WRONG');
    const fresh = await loggedInV2(t.port, 'erin', { password: 'erin-second-pw' });
    fresh.destroy();
    await everyoneGone(t);
  });

  test('root: users lists accounts with last seen; delete-user removes one and disconnects it', async () => {
    const frank = await loggedInV2(t.port, 'frank');
    await frank.answer(frank.command('register', 'frank-password'));
    await frank.answer(frank.command('create', '#franks'));
    const root = await RawClient.connect(t.port);
    root.versions = [1, 2];
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
      const client = await v2(t.port);
      client.send(await client.authMessage('newbie'));
      const refusal = await client.waitFor('error');
      assert.equal(refusal.code, 'REGISTRATION_REQUIRED');
      client.send(await client.authMessage('newbie', { nonce: refusal.nonce ?? '', password: 'short', register: true }));
      const invalid = await client.waitFor('error', (e) => e.code === 'PASSWORD_INVALID');
      client.send(await client.authMessage('newbie', { nonce: invalid.nonce ?? '', password: 'newbie-password', register: true }));
      await client.waitFor('welcome');
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
