// The CLI with accounts and rooms: passwords from the environment or a file (never argv),
// exit 3 when a registered name's password is missing or wrong, rooms in line mode and --json.
// In-process (main() on in-memory streams).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runMain } from '../helpers/in-process.js';
import { PASSKEY, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

describe('cli: accounts and rooms', () => {
  let t: TestServer;
  let target: string[];
  before(async () => {
    t = await startTestServer({ maxSessionsPerAddress: 100 });
    target = ['--server', `127.0.0.1:${t.port}`, '--fingerprint', t.fingerprint];
  });
  after(() => t.close());

  test('register in line mode; then no password or a wrong one exits 3, the right one logs in', async () => {
    const registered = await runMain(['client', ...target, '--name', 'clio', '--json'], { env: { PARTY_POOL_PASSKEY: PASSKEY }, input: '/register clio-password-1\n' });
    assert.equal(registered.code, 0, registered.stderr);
    const events = registered.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(events.find((e) => e.type === 'account'), { type: 'account', event: 'registered', name: 'clio' });

    const missing = await runMain(['client', ...target, '--name', 'clio'], { env: { PARTY_POOL_PASSKEY: PASSKEY }, input: 'hi\n' });
    assert.equal(missing.code, 3);
    assert.equal(missing.stderr.trim(), 'That name is registered: log in with its password. Give the password with PARTY_POOL_PASSWORD or --password-file F.');

    const wrong = await runMain(['client', ...target, '--name', 'CLIO'], { env: { PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_PASSWORD: 'not-the-password' }, input: 'hi\n' });
    assert.equal(wrong.code, 3);
    assert.equal(wrong.stderr.trim(), 'Wrong password for that name.');

    const file = path.join(tempDir(), 'password');
    fs.writeFileSync(file, 'clio-password-1\n', { mode: 0o600 });
    const right = await runMain(['client', ...target, '--name', 'clio', '--password-file', file], { env: { PARTY_POOL_PASSKEY: PASSKEY }, input: 'back again\n' });
    assert.equal(right.code, 0, right.stderr);
    assert.match(right.stdout, /\] clio: back again\n/);

    const argv = await runMain(['client', ...target, '--name', 'clio', '--password', 'clio-password-1'], { env: { PARTY_POOL_PASSKEY: PASSKEY } });
    assert.equal(argv.code, 2);
    assert.match(argv.stderr, /never taken as arguments/);
  });

  test('--register needs a password; with one it registers at login', async () => {
    const noPassword = await runMain(['client', ...target, '--name', 'reggie', '--register'], { env: { PARTY_POOL_PASSKEY: PASSKEY } });
    assert.equal(noPassword.code, 2);
    assert.match(noPassword.stderr, /--register needs the password/);
    const tooShort = await runMain(['client', ...target, '--name', 'reggie', '--register'], { env: { PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_PASSWORD: 'short' } });
    assert.equal(tooShort.code, 3);
    const ok = await runMain(['client', ...target, '--name', 'reggie', '--register', '--json'], { env: { PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_PASSWORD: 'reggie-password' }, input: '' });
    assert.equal(ok.code, 0, ok.stderr);
    const synced = ok.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .find((e) => e.type === 'synced');
    assert.equal(synced?.registered, true);
  });

  test('line mode: rooms, /switch, labels for other rooms, and --json with the room', async () => {
    const setup = await runMain(['client', ...target, '--name', 'rhea', '--register'], {
      env: { PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_PASSWORD: 'rhea-password' },
      input: '/create #games\n/switch #games\ngg in games\n/public #lobby hello lobby\n/rooms\n/who #games\n/join #nope\n',
    });
    // A refused line makes line mode exit 1 and name it; the code is for --json, never shown to people.
    assert.equal(setup.code, 1, setup.stderr);
    assert.equal(setup.stderr.trim(), 'Line 7 (/join) was refused: There is no room #nope.');
    assert.match(setup.stdout, /You are in #games: 1 member\. Your lines go there now/);
    assert.match(setup.stdout, /Plain lines now go to #games\./);
    assert.match(setup.stdout, /\] rhea: gg in games\n/, 'the current room needs no label');
    assert.match(setup.stdout, /\] #lobby rhea: hello lobby\n/, 'other rooms are labelled');
    assert.match(setup.stdout, /\* #games\s+1 member, 1 online, public, owner rhea/);
    assert.match(setup.stdout, /Members of #games \(1\): rhea \(owner\)/);
    assert.match(setup.stdout, /! There is no room #nope\.\n/);
    assert.doesNotMatch(setup.stdout, /\[NO_SUCH_ROOM\]/);

    // /join switches at once: the line after it goes to the room joined.
    const json = await runMain(['client', ...target, '--name', 'jules', '--json'], { env: { PARTY_POOL_PASSKEY: PASSKEY }, input: '/join #games\nfrom jules\n/switch #games\n' });
    assert.equal(json.code, 0, json.stderr);
    const events = json.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    const joinHistory = events.find((e) => e.type === 'history' && e.reason === 'join');
    assert.equal(joinHistory?.room, '#games');
    assert.deepEqual(
      (joinHistory?.messages as { from: string; text: string }[]).map((m) => [m.from, m.text]),
      [['rhea', 'gg in games']],
    );
    const message = events.find((e) => e.type === 'message' && e.text === 'from jules');
    assert.equal(message?.room, '#games');
    assert.equal(message?.from, 'jules');
    assert.equal(typeof message?.id, 'number');
    assert.ok(typeof message?.time === 'string');
    assert.deepEqual(events.find((e) => e.type === 'switched'), { type: 'switched', room: '#games' });
  });
});
