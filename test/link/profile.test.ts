import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test, type TestContext } from 'node:test';
import { PartyPoolError } from '../../src/common/errors.js';
import { newDeviceKey } from '../../src/crypto/device-key.js';
import { readPrivateLines, writePrivateText } from '../../src/link/profile-files.js';
import { DEVICE_FILE, LOCK_FILE, Profile, STATE_FILE, defaultProfileDir, resolveProfileDir } from '../../src/link/profile.js';

const SERVER = 'SHA256:n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg';
const posix = process.platform !== 'win32';

function tempDir(t: TestContext): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-profile-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function codeOf(error: unknown): string {
  return error instanceof PartyPoolError ? error.code : String(error);
}

function modeOf(target: string): number {
  return fs.statSync(target).mode & 0o777;
}

/** Every file and folder below `dir`. */
function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? [full, ...walk(full)] : [full];
  });
}

test('the profile directory: --profile-dir, then PARTY_POOL_PROFILE_DIR, then the OS default', () => {
  const env = { PARTY_POOL_PROFILE_DIR: '/env/profile', XDG_CONFIG_HOME: '/xdg', APPDATA: 'C:\\Users\\amy\\AppData\\Roaming' };
  assert.deepEqual(resolveProfileDir({ flag: '/flag/profile', env, platform: 'linux', homedir: '/home/amy' }), { dir: '/flag/profile', source: '--profile-dir' });
  assert.deepEqual(resolveProfileDir({ env, platform: 'linux', homedir: '/home/amy' }), { dir: '/env/profile', source: 'PARTY_POOL_PROFILE_DIR' });
  assert.deepEqual(resolveProfileDir({ env: { ...env, PARTY_POOL_PROFILE_DIR: '' }, platform: 'linux', homedir: '/home/amy' }), { dir: '/xdg/party-pool', source: 'default' });
  assert.equal(defaultProfileDir('linux', {}, '/home/amy'), '/home/amy/.config/party-pool');
  assert.equal(defaultProfileDir('linux', { XDG_CONFIG_HOME: 'relative/dir' }, '/home/amy'), '/home/amy/.config/party-pool', 'a relative XDG_CONFIG_HOME is ignored');
  assert.equal(defaultProfileDir('darwin', env, '/Users/amy'), '/Users/amy/Library/Application Support/party-pool');
  assert.equal(defaultProfileDir('win32', env, 'C:\\Users\\amy'), 'C:\\Users\\amy\\AppData\\Roaming\\party-pool');
  assert.equal(defaultProfileDir('win32', {}, 'C:\\Users\\amy'), 'C:\\Users\\amy\\AppData\\Roaming\\party-pool');
  assert.throws(() => resolveProfileDir({ flag: '  ' }), (error) => codeOf(error) === 'USAGE');
});

test('a new profile is owner-only: folders 0700, files 0600', { skip: !posix }, async (t) => {
  const dir = path.join(tempDir(t), 'profile');
  const account = Profile.open(dir).account(SERVER, 'Alice');
  await account.deviceKey();
  account.contacts.block('mallory');
  account.setDirectCursor(3);
  account.conversations.markRead('bob');
  assert.equal(modeOf(dir), 0o700);
  for (const entry of walk(dir)) assert.equal(modeOf(entry), fs.statSync(entry).isDirectory() ? 0o700 : 0o600, entry);
  assert.ok(!walk(dir).some((entry) => entry.endsWith('.tmp')), 'no temp files are left');
});

test('loose permissions are tightened with a notice; a profile path that is a file is refused', { skip: !posix }, async (t) => {
  const root = tempDir(t);
  const dir = path.join(root, 'profile');
  const account = Profile.open(dir).account(SERVER, 'alice');
  await account.deviceKey();
  const deviceFile = path.join(account.dir, DEVICE_FILE);
  fs.chmodSync(dir, 0o755);
  fs.chmodSync(deviceFile, 0o644);
  const notices: string[] = [];
  const reopened = Profile.open(dir, { notice: (text) => notices.push(text) }).account(SERVER, 'alice');
  await reopened.deviceKey();
  assert.equal(modeOf(dir), 0o700);
  assert.equal(modeOf(deviceFile), 0o600);
  assert.equal(notices.length, 2, notices.join('\n'));
  assert.ok(notices.every((line) => line.includes('Tightened') && !line.includes('\n')));

  // A folder that is not a profile and not empty is refused, and left as it was.
  const shared = path.join(root, 'shared');
  fs.mkdirSync(shared, { mode: 0o755 });
  fs.chmodSync(shared, 0o755);
  fs.writeFileSync(path.join(shared, 'notes.txt'), 'x');
  assert.throws(() => Profile.open(shared), (error) => codeOf(error) === 'PROFILE_UNUSABLE');
  assert.equal(modeOf(shared), 0o755);
  // An empty one is adopted.
  const empty = path.join(root, 'empty');
  fs.mkdirSync(empty, { mode: 0o755 });
  fs.chmodSync(empty, 0o755);
  Profile.open(empty, { notice: () => undefined });
  assert.equal(modeOf(empty), 0o700);

  const file = path.join(root, 'not-a-dir');
  fs.writeFileSync(file, 'x');
  assert.throws(() => Profile.open(file), (error) => codeOf(error) === 'PROFILE_UNUSABLE');
  assert.throws(() => Profile.open(path.join(file, 'below')), (error) => codeOf(error) === 'PROFILE_UNUSABLE');
});

test('the device key is made once per server and name, and kept', async (t) => {
  const dir = tempDir(t);
  const profile = Profile.open(dir);
  const first = await profile.account(SERVER, 'alice').deviceKey();
  assert.equal(first.created, true);
  const again = await Profile.open(dir).account(SERVER, 'ALICE').deviceKey();
  assert.equal(again.created, false);
  assert.equal(again.key.id, first.key.id, 'names are case-insensitive');
  const otherName = await profile.account(SERVER, 'bob').deviceKey();
  const otherServer = await profile.account('SHA256:another-server', 'alice').deviceKey();
  assert.notEqual(otherName.key.id, first.key.id);
  assert.notEqual(otherServer.key.id, first.key.id);
  // Names like "." and ".." stay inside their server's folder.
  const dot = profile.account(SERVER, '..');
  assert.ok(path.relative(path.join(dir, 'servers'), dot.dir).split(path.sep).every((part) => part !== '..' && part !== '.'));
  assert.throws(() => profile.account(SERVER, 'a/b'), (error) => codeOf(error) === 'NAME_INVALID');
});

test('a damaged device file is PROFILE_DAMAGED in one sentence, never a crash', async (t) => {
  const account = Profile.open(tempDir(t)).account(SERVER, 'alice');
  await account.deviceKey();
  const file = path.join(account.dir, DEVICE_FILE);
  const good = fs.readFileSync(file, 'utf8');
  const other = await newDeviceKey();
  const damaged = [
    good.slice(0, 40),
    '[]',
    good.replace(/"publicKey": "[^"]+"/, `"publicKey": "${other.publicKeyText}"`),
    good.replace(/"seed": "[^"]+"/, '"seed": "short"'),
  ];
  for (const content of damaged) {
    fs.writeFileSync(file, content);
    await assert.rejects(account.deviceKey(), (error) => {
      assert.equal(codeOf(error), 'PROFILE_DAMAGED');
      assert.ok(error instanceof Error && !error.message.includes('\n') && error.message.includes(file), error instanceof Error ? error.message : '');
      return true;
    });
  }
});

test('writes are atomic: a failed replace leaves the old file whole and no temp file behind', (t) => {
  const dir = tempDir(t);
  const context = { platform: process.platform, notice: (): void => undefined };
  const file = path.join(dir, 'state.json');
  writePrivateText(file, '{"n":1}\n', context);
  for (let n = 2; n <= 50; n += 1) {
    writePrivateText(file, `{"n":${n}}\n`, context);
    assert.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), { n });
  }
  const blocked = path.join(dir, 'blocked');
  fs.mkdirSync(path.join(blocked, 'inside'), { recursive: true });
  assert.throws(() => writePrivateText(blocked, 'new', context), (error) => codeOf(error) === 'PROFILE_UNUSABLE');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['blocked', 'state.json']);
});

test('an append cut short by a crash is cut off on the next read, and appends go on cleanly', (t) => {
  const dir = tempDir(t);
  const context = { platform: process.platform, notice: (): void => undefined };
  const file = path.join(dir, 'log.jsonl');
  fs.writeFileSync(file, '{"a":1}\n{"a":2}\n{"a":', { mode: 0o600 });
  assert.deepEqual(readPrivateLines(file, context), ['{"a":1}', '{"a":2}']);
  assert.equal(fs.readFileSync(file, 'utf8'), '{"a":1}\n{"a":2}\n');
});

test('the delivery cursor only moves forward and survives a restart; a damaged state file is one sentence', (t) => {
  const dir = tempDir(t);
  const account = Profile.open(dir).account(SERVER, 'alice');
  assert.equal(account.directCursor(), 0);
  account.setDirectCursor(10);
  account.setDirectCursor(7);
  assert.equal(Profile.open(dir).account(SERVER, 'alice').directCursor(), 10);
  fs.writeFileSync(path.join(account.dir, STATE_FILE), '{"format":"party-pool-state","version":1,"directCursor":-4}');
  assert.throws(() => account.directCursor(), (error) => codeOf(error) === 'PROFILE_DAMAGED');
});

test('blocked names persist, case-insensitively', (t) => {
  const dir = tempDir(t);
  const contacts = Profile.open(dir).account(SERVER, 'alice').contacts;
  contacts.block('Mallory');
  contacts.block('__proto__');
  const reopened = Profile.open(dir).account(SERVER, 'alice').contacts;
  assert.ok(reopened.isBlocked('mallory'));
  assert.ok(reopened.isBlocked('__proto__'));
  assert.deepEqual(reopened.blocked(), ['__proto__', 'Mallory']);
  assert.equal(reopened.unblock('MALLORY'), true);
  assert.equal(reopened.unblock('mallory'), false);
  assert.equal(Profile.open(dir).account(SERVER, 'alice').contacts.isBlocked('mallory'), false);
});

test('one program per device: the lock refuses a second user with PROFILE_IN_USE, is released on close, and a dead holder\'s lock is taken over', (t) => {
  const dir = path.join(tempDir(t), 'profile');
  const profile = Profile.open(dir);
  const account = profile.account(SERVER, 'alice');
  const release = account.lock();
  assert.throws(() => Profile.open(dir).account(SERVER, 'alice').lock(), (error) => codeOf(error) === 'PROFILE_IN_USE');
  const other = Profile.open(dir).account(SERVER, 'bob').lock();
  other();
  release();
  release();
  const again = account.lock();
  again();
  // A lock left by a program that is gone (a pid that does not exist) is stale.
  fs.writeFileSync(path.join(account.dir, LOCK_FILE), JSON.stringify({ pid: 2 ** 30, since: 'then' }), { mode: 0o600 });
  const taken = account.lock();
  assert.match(fs.readFileSync(path.join(account.dir, LOCK_FILE), 'utf8'), new RegExp(`"pid":${process.pid}[,}]`));
  taken();
  assert.equal(fs.existsSync(path.join(account.dir, LOCK_FILE)), false);
});

test('a rename moves the account folder (the same device key), and contacts and conversations follow a contact\'s rename', async (t) => {
  const dir = path.join(tempDir(t), 'profile');
  const profile = Profile.open(dir);
  const before = profile.account(SERVER, 'alice');
  const { key } = await before.deviceKey();
  const bobKey = await newDeviceKey();
  before.contacts.observe('bob', [{ id: bobKey.id, key: bobKey.publicKeyText }]);
  before.contacts.markVerified('bob');
  before.contacts.block('bob');
  before.conversations.accept({ id: 'm1', peer: 'bob', direction: 'in', device: bobKey.id, time: '2026-01-01T00:00:00.000Z', payload: { v: 1, kind: 'text', from: 'bob', to: 'alice', text: 'hi' } });
  assert.equal(profile.renameAccount(SERVER, 'alice', 'alicia'), true);
  const after = profile.account(SERVER, 'alicia');
  assert.equal((await after.deviceKey()).key.id, key.id, 'the same device');
  after.contacts.rename('bob', 'robert');
  after.conversations.rename('bob', 'robert');
  assert.equal(after.contacts.devices('bob'), undefined);
  assert.equal(after.contacts.check('robert', [{ id: bobKey.id, key: bobKey.publicKeyText }]).verified, true, 'the verified mark belongs to the keys');
  assert.equal(after.contacts.isBlocked('robert'), true);
  const reloaded = Profile.open(dir).account(SERVER, 'alicia');
  assert.deepEqual(reloaded.conversations.history('robert', 10).entries.map((e) => [e.id, e.peer]), [['m1', 'robert']]);
  assert.equal(reloaded.conversations.seen('m1'), true);
  assert.equal(profile.renameAccount(SERVER, 'nobody', 'alicia'), false, 'an existing folder is never overwritten');
});
