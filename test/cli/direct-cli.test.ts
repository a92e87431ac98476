// Direct messages from the command line (in-process main(), line mode): /msg, /verify, /msg
// alone and /history @name with --json in the forms the issue fixes, key-change events before a
// message, --profile-dir and what happens when the profile cannot be used.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Profile } from '../../src/link/profile.js';
import { runMain } from '../helpers/in-process.js';
import { PASSKEY, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

const PASSWORD = 'direct-cli-password';

function events(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('cli: direct messages', () => {
  let t: TestServer;
  let target: string[];
  const root = tempDir('party-pool-cli-profiles-');
  const dir = (name: string): string => path.join(root, name);
  const run = (name: string, profile: string, input: string, extra: string[] = ['--json']) =>
    runMain(['client', ...target, '--name', name, '--register', '--profile-dir', dir(profile), ...extra], { env: { PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_PASSWORD: PASSWORD }, input });
  before(async () => {
    t = await startTestServer({ maxSessionsPerAddress: 100 });
    target = ['--server', `127.0.0.1:${t.port}`, '--fingerprint', t.fingerprint];
  });
  after(() => t.close());

  test('line mode: /msg, /verify, /msg alone and /history @name as JSON; the recipient gets the message at login', async () => {
    const enrol = await run('bob', 'bob-1', '');
    assert.equal(enrol.code, 0, enrol.stderr);
    const alice = await run('alice', 'alice-1', '/msg bob hello from a script\n/dm bob second line\n/verify bob\n/msg\n/history @bob\n');
    assert.equal(alice.code, 0, alice.stderr);
    const out = events(alice.stdout);
    const sent = out.filter((e) => e.type === 'direct');
    assert.deepEqual(
      sent.map((e) => Object.keys(e)),
      [
        ['type', 'id', 'from', 'to', 'text', 'time'],
        ['type', 'id', 'from', 'to', 'text', 'time'],
      ],
    );
    assert.deepEqual(
      sent.map((e) => [e.from, e.to, e.text]),
      [
        ['alice', 'bob', 'hello from a script'],
        ['alice', 'bob', 'second line'],
      ],
    );
    const number = out.find((e) => e.type === 'safety-number');
    assert.deepEqual(Object.keys(number ?? {}), ['type', 'name', 'number', 'verified']);
    assert.equal(number?.name, 'bob');
    assert.match(String(number?.number), /^(\d{5} ){11}\d{5}$/);
    assert.equal(number?.verified, false);
    const conversations = out.find((e) => e.type === 'conversations');
    assert.deepEqual((conversations?.conversations as { name: string; messages: number }[]).map((c) => [c.name, c.messages]), [['bob', 2]]);
    const history = out.find((e) => e.type === 'direct-history');
    assert.deepEqual((history?.messages as { text: string }[]).map((m) => m.text), ['hello from a script', 'second line']);

    const bob = await run('bob', 'bob-1', '/verify alice\n');
    assert.equal(bob.code, 0, bob.stderr);
    const received = events(bob.stdout);
    assert.deepEqual(
      received.filter((e) => e.type === 'direct').map((e) => [e.from, e.to, e.text]),
      [
        ['alice', 'bob', 'hello from a script'],
        ['alice', 'bob', 'second line'],
      ],
    );
    assert.equal(received.find((e) => e.type === 'safety-number')?.number, number?.number, 'the same number on both sides');
    const human = await run('bob', 'bob-1', '/history @alice 1\n', []);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /\[\d{4}-\d\d-\d\d \d\d:\d\d\] alice → you: second line/);
  });

  test('a key change is an event before the message; a verified contact is refused until verified again', async () => {
    assert.equal((await run('dora', 'dora-1', '')).code, 0);
    const first = await run('eve', 'eve-1', '/msg dora hi\n/verify dora confirm\n');
    assert.equal(first.code, 0, first.stderr);
    assert.equal(events(first.stdout).find((e) => e.type === 'safety-number')?.verified, true);
    assert.equal((await run('dora', 'dora-2', '')).code, 0, 'dora adds a device');
    const second = await run('eve', 'eve-1', '/msg dora still you?\n');
    assert.equal(second.code, 0, second.stderr);
    const out = events(second.stdout);
    const change = out.findIndex((e) => e.type === 'key-changed');
    assert.deepEqual(out[change], { type: 'key-changed', name: 'dora' });
    assert.equal(out.find((e) => e.type === 'error')?.code, 'VERIFY_REQUIRED');
    assert.equal(out.some((e) => e.type === 'direct'), false, 'nothing was sent');
    const third = await run('eve', 'eve-1', '/verify dora confirm\n/msg dora still you?\n');
    assert.equal(third.code, 0, third.stderr);
    assert.deepEqual(events(third.stdout).filter((e) => e.type === 'direct').map((e) => e.text), ['still you?']);
  });

  test('the profile: a folder that is not one is refused untouched; one in use by another program turns direct messages off with one sentence', async () => {
    const foreign = tempDir('party-pool-not-a-profile-');
    fs.writeFileSync(path.join(foreign, 'notes.txt'), 'mine');
    const refused = await runMain(['client', ...target, '--name', 'finn', '--profile-dir', foreign], { env: { PARTY_POOL_PASSKEY: PASSKEY }, input: '' });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /is not a Party Pool profile directory/);
    assert.deepEqual(fs.readdirSync(foreign), ['notes.txt']);

    // Another program holds gail's device (it is, say, reconnecting): this one chats without direct messages.
    assert.equal((await run('gail', 'gail-1', '')).code, 0);
    const release = Profile.open(dir('gail-1')).account(t.server.services.direct.serverId, 'gail').lock();
    try {
      const second = await run('gail', 'gail-1', 'plain chat still works\n/msg dora hi\n');
      assert.equal(second.code, 0, second.stderr);
      const out = events(second.stdout);
      assert.equal(out.find((e) => e.type === 'error')?.code, 'PROFILE_IN_USE');
      assert.ok(out.some((e) => e.type === 'message' && e.text === 'plain chat still works'));
      assert.equal(out.filter((e) => e.type === 'error').at(-1)?.code, 'DEVICE_REQUIRED');
    } finally {
      release();
    }
  });
});
