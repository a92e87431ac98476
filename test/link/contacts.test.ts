import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { PartyPoolError } from '../../src/common/errors.js';
import { newDeviceKey, type DevicePublicKey } from '../../src/crypto/device-key.js';
import { CONTACTS_FILE } from '../../src/link/contacts.js';
import { Profile } from '../../src/link/profile.js';

const SERVER = 'SHA256:n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg';

function tempDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-contacts-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function codeOf(error: unknown): string {
  return error instanceof PartyPoolError ? error.code : String(error);
}

async function devices(count: number): Promise<DevicePublicKey[]> {
  const keys = await Promise.all(Array.from({ length: count }, () => newDeviceKey()));
  return keys.map((key) => ({ id: key.id, key: key.publicKeyText }));
}

test('trust on first use, then unchanged / new-device / removed-device / changed', async (t) => {
  const dir = tempDir(t);
  const contacts = Profile.open(dir).account(SERVER, 'alice').contacts;
  const [b1, b2, b3] = await devices(3);
  assert.ok(b1 && b2 && b3);
  const first = contacts.observe('bob', [b1]);
  assert.equal(first.status, 'first-use');
  assert.equal(first.sendAllowed, true);
  assert.equal(contacts.observe('Bob', [b1]).status, 'unchanged');
  const added = contacts.observe('bob', [b1, b2]);
  assert.equal(added.status, 'new-device');
  assert.deepEqual(added.added, [b2]);
  const removed = contacts.observe('bob', [b2]);
  assert.equal(removed.status, 'removed-device');
  assert.deepEqual(removed.removed, [b1]);
  const changed = contacts.observe('bob', [b3]);
  assert.equal(changed.status, 'changed');
  assert.deepEqual(changed.added, [b3]);
  assert.deepEqual(changed.removed, [b2]);
  // check() compares without remembering.
  assert.equal(contacts.check('bob', [b1]).status, 'changed');
  assert.deepEqual(contacts.devices('bob'), [b3]);
  // Everything survives a restart.
  const reopened = Profile.open(dir).account(SERVER, 'alice').contacts;
  assert.deepEqual(reopened.devices('bob'), [b3]);
  assert.deepEqual(reopened.changes('bob').map((change) => change.status), ['new-device', 'removed-device', 'changed']);
});

test('a verified contact whose keys change may not be messaged until verified again', async (t) => {
  const dir = tempDir(t);
  const contacts = Profile.open(dir).account(SERVER, 'alice').contacts;
  const [b1, b2, evil] = await devices(3);
  assert.ok(b1 && b2 && evil);
  contacts.observe('bob', [b1, b2]);
  assert.throws(() => contacts.markVerified('carol'), (error) => codeOf(error) === 'NO_SUCH_USER');
  contacts.markVerified('bob');
  assert.deepEqual(contacts.check('bob', [b1, b2]), { name: 'bob', status: 'unchanged', added: [], removed: [], wasVerified: true, verified: true, sendAllowed: true });
  // A device removed: every remaining key was verified, so it stays verified.
  const removal = contacts.observe('bob', [b1]);
  assert.equal(removal.verified, true);
  assert.equal(removal.sendAllowed, true);
  // A new key (a server adding its own device): sending is refused, and stays refused after a restart.
  const injected = contacts.observe('bob', [b1, evil]);
  assert.equal(injected.status, 'new-device');
  assert.equal(injected.wasVerified, true);
  assert.equal(injected.verified, false);
  assert.equal(injected.sendAllowed, false);
  const later = Profile.open(dir).account(SERVER, 'alice').contacts;
  assert.equal(later.check('bob', [b1, evil]).sendAllowed, false);
  // Verifying again accepts the new set; clearing the mark allows sending with warnings only.
  later.markVerified('bob');
  assert.equal(later.check('bob', [b1, evil]).sendAllowed, true);
  later.observe('bob', [b2]);
  assert.equal(later.check('bob', [b2]).sendAllowed, false);
  later.clearVerified('bob');
  assert.deepEqual({ ...later.check('bob', [b2]) }, { name: 'bob', status: 'unchanged', added: [], removed: [], wasVerified: false, verified: false, sendAllowed: true });
});

test('a device whose id does not belong to its key is refused and nothing is remembered', async (t) => {
  const contacts = Profile.open(tempDir(t)).account(SERVER, 'alice').contacts;
  const [b1, b2] = await devices(2);
  assert.ok(b1 && b2);
  assert.throws(() => contacts.observe('bob', [{ id: b1.id, key: b2.key }]), (error) => codeOf(error) === 'DEVICE_KEY_INVALID');
  assert.throws(() => contacts.observe('bob', [{ id: b1.id, key: 'not-a-key' }]), (error) => codeOf(error) === 'DEVICE_KEY_INVALID');
  assert.equal(contacts.devices('bob'), undefined);
});

test('safety numbers from two profiles agree, and change when a key changes', async (t) => {
  const root = tempDir(t);
  const alice = Profile.open(path.join(root, 'a')).account(SERVER, 'alice');
  const bob = Profile.open(path.join(root, 'b')).account(SERVER, 'bob');
  const aliceKey = (await alice.deviceKey()).key;
  const bobKey = (await bob.deviceKey()).key;
  const aliceDevices = [{ id: aliceKey.id, key: aliceKey.publicKeyText }];
  const bobDevices = [{ id: bobKey.id, key: bobKey.publicKeyText }];
  // Each side remembers both accounts' device sets as the server published them.
  alice.contacts.observe('alice', aliceDevices);
  alice.contacts.observe('bob', bobDevices);
  bob.contacts.observe('bob', bobDevices);
  bob.contacts.observe('Alice', aliceDevices);
  assert.equal(alice.contacts.safetyNumber('alice', 'bob'), bob.contacts.safetyNumber('bob', 'alice'));
  const number = alice.contacts.safetyNumber('alice', 'bob');
  assert.match(number ?? '', /^\d{60}$/);
  assert.equal(alice.contacts.safetyNumber('alice', 'carol'), undefined);
  // A server swaps bob's key as alice sees it: the numbers no longer match.
  const [swapped] = await devices(1);
  assert.ok(swapped);
  alice.contacts.observe('bob', [swapped]);
  assert.notEqual(alice.contacts.safetyNumber('alice', 'bob'), bob.contacts.safetyNumber('bob', 'alice'));
});

test('a damaged contacts file is PROFILE_DAMAGED in one sentence', async (t) => {
  const dir = tempDir(t);
  const account = Profile.open(dir).account(SERVER, 'alice');
  const [b1] = await devices(1);
  assert.ok(b1);
  account.contacts.observe('bob', [b1]);
  const file = path.join(account.dir, CONTACTS_FILE);
  const good = fs.readFileSync(file, 'utf8');
  for (const content of ['{', '{"format":"party-pool-contacts","version":1,"contacts":{},"blocked":[]}', good.replace(b1.key, 'A'.repeat(43) + 'x')]) {
    fs.writeFileSync(file, content);
    const fresh = Profile.open(dir).account(SERVER, 'alice');
    assert.throws(
      () => fresh.contacts,
      (error) => codeOf(error) === 'PROFILE_DAMAGED' && error instanceof Error && !error.message.includes('\n'),
    );
  }
});
