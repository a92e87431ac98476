// Lockdown: a root turns on "registered users and issued packages only" for an emergency, and off
// again. Since issue 11 an issued program gets in only by proving its package key (an Ed25519
// signature over the login, the seed sealed in the package): naming its id — visible to anyone
// via --package-info or the sealed file's clear header — admits nothing, a root package's proof
// never admits a user login, and packages issued before package keys are not admitted. Registered
// names still prove their password; root always gets in. The state is audited, shown in `stats`,
// survives a restart, and the lockdown view lists who is connected that it would not admit.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { newPackageKey, type PackageKeyPair } from '../../src/crypto/package-key.js';
import { PackageRegistry } from '../../src/data-dir/packages.js';
import type { PackageKey } from '../../src/link/login.js';
import { runCli } from '../helpers/cli.js';
import { RawClient, loggedInV2, type AuthOptions } from '../helpers/raw-client.js';
import { rootLoggedIn, runError, runOk } from '../helpers/root.js';
import { PASSKEY, serverFor, tempDir, type TestServer, waitUntil } from '../helpers/server.js';

const ISSUED = 'issuedpkg222';
const ROOT_PACKAGE = 'rootpackage2';
const LEGACY = 'legacypkg222';
const REVOKED = 'revokedpkg22';
const UNKNOWN = 'unknownpkg22';

/** A login attempt (protocol 3); resolves with "welcome" or the error code. */
async function tryLogin(port: number, name: string, options: AuthOptions = {}): Promise<string> {
  const client = await RawClient.connect(port);
  client.versions = [1, 2, 3];
  try {
    return await client.attempt(name, options);
  } finally {
    client.destroy();
  }
}

function record(registry: PackageRegistry, id: string, kind: 'client' | 'root', key: PackageKeyPair | undefined, note: string): void {
  registry.record({ id, kind, platforms: ['linux'], version: '1.0.0', createdAt: new Date(), note, publicKey: key?.publicKey });
}

const sealed = (kind: 'client' | 'root', key: PackageKeyPair): PackageKey => ({ kind, seed: key.seed });

test('lockdown admits only proven accounts and proven client packages (never an id alone, a root package for a user, or an old package); audited, in stats, survives a restart', async (tc) => {
  const base = tempDir();
  const t = await serverFor(tc, { authFailureLimit: 100, maxSessionsPerAddress: 100 }, base);
  let second: TestServer | undefined;
  try {
    const registry = new PackageRegistry(t.server.store);
    const clientKey = newPackageKey();
    const rootKey = newPackageKey();
    const strangerKey = newPackageKey();
    record(registry, ISSUED, 'client', clientKey, 'for ann');
    record(registry, ROOT_PACKAGE, 'root', rootKey, 'for the co-admin');
    record(registry, LEGACY, 'client', undefined, 'issued before package keys');
    record(registry, REVOKED, 'client', newPackageKey(), 'lost laptop');
    registry.revoke(REVOKED, new Date());
    const member = await loggedInV2(t.port, 'member');
    await member.registerAccount('member-password');
    const guest = await loggedInV2(t.port, 'guest');
    const oldProgram = await loggedInV2(t.port, 'oldprog', { packageId: LEGACY });
    const namer = await loggedInV2(t.port, 'namer', { packageId: ISSUED });
    const issued = await loggedInV2(t.port, 'issued', { packageId: ISSUED, packageKey: sealed('client', clientKey) });

    const root = await rootLoggedIn(t.port);
    assert.match((await runOk(root, 'lockdown')).lines?.[0] ?? '', /^Lockdown is off\./);
    const on = await runOk(root, 'lockdown', 'on');
    const view = on.lines?.join('\n') ?? '';
    assert.match(view, /Lockdown is ON .*by root#\d+/);
    // Who is already in stays, and the root is told who would not get in now: the guests (one
    // registered its name after logging in), the old package, and the one that only named an
    // issued id (with connection ids to remove them).
    assert.match(view, /not admitted under lockdown \(4\): /);
    assert.match(view, /member \(connection \d+, 127\.0\.0\.1, guest, registered the name since\)/);
    assert.match(view, /guest \(connection \d+, 127\.0\.0\.1, guest\)/);
    assert.match(view, /oldprog \(connection \d+, 127\.0\.0\.1, guest, package legacypkg222 \(no key\) not proven\)/);
    assert.match(view, /namer \(connection \d+, 127\.0\.0\.1, guest, package issuedpkg222 \(unproven\) not proven\)/);
    assert.doesNotMatch(view, /issued \(/);
    assert.equal(await runError(root, 'lockdown', 'maybe'), 'INVALID_ARGUMENT');
    // Nobody inside can make themselves a member during lockdown.
    const closed = await guest.answer(guest.command('register', 'x'));
    assert.deepEqual(closed.type === 'error' && closed.code, 'NOT_PERMITTED');

    // The attack: naming an issued id (read off --package-info) is no longer a way in.
    assert.equal(await tryLogin(t.port, 'stranger'), 'LOCKDOWN');
    assert.equal(await tryLogin(t.port, 'stranger', { packageId: ISSUED }), 'LOCKDOWN');
    assert.equal(await tryLogin(t.port, 'stranger', { packageId: ROOT_PACKAGE }), 'LOCKDOWN');
    assert.equal(await tryLogin(t.port, 'stranger', { packageId: UNKNOWN }), 'LOCKDOWN');
    // A root package's key never admits a user login, a forged proof fails (counted), an old package is not admitted.
    assert.equal(await tryLogin(t.port, 'stranger', { packageId: ROOT_PACKAGE, packageKey: sealed('root', rootKey) }), 'AUTH_FAILED');
    assert.equal(await tryLogin(t.port, 'stranger', { packageId: ISSUED, packageKey: sealed('client', strangerKey) }), 'AUTH_FAILED');
    assert.equal(await tryLogin(t.port, 'stranger', { packageId: LEGACY }), 'LOCKDOWN');
    assert.equal(await tryLogin(t.port, 'stranger', { packageId: REVOKED, packageKey: sealed('client', strangerKey) }), 'PACKAGE_REVOKED');
    // The issued program proves its key: in.
    assert.equal(await tryLogin(t.port, 'friend', { packageId: ISSUED, packageKey: sealed('client', clientKey) }), 'welcome');
    // A registered name still proves its password.
    member.destroy();
    await waitUntil(() => t.server.sessionFor('member') === undefined);
    assert.equal(await tryLogin(t.port, 'member', { password: 'wrong-password' }), 'PASSWORD_WRONG');
    assert.equal(await tryLogin(t.port, 'member', { password: 'member-password' }), 'welcome');
    // Root logins are never refused; a client package's proof does not stand in for a root package's.
    const secondRoot = await rootLoggedIn(t.port);
    secondRoot.destroy();
    assert.equal(await tryLogin(t.port, 'root', { role: 'root', packageId: ISSUED, packageKey: sealed('client', clientKey) }), 'AUTH_FAILED');
    assert.equal(await tryLogin(t.port, 'root', { role: 'root', packageId: ROOT_PACKAGE, packageKey: sealed('root', rootKey) }), 'welcome');

    // The CLI says why and exits 3.
    const cli = await runCli(['client', '--server', `127.0.0.1:${t.port}`, '--fingerprint', t.fingerprint, '--name', 'scripted'], { env: { PARTY_POOL_PASSKEY: PASSKEY }, input: 'hello\n' });
    assert.equal(cli.code, 3);
    assert.match(cli.stderr, /lockdown/i);

    const stats = await runOk(root, 'stats');
    assert.ok(stats.lines?.some((line) => /^Lockdown: ON since .* \(by root#\d+\): registered users and issued packages only$/.test(line)), JSON.stringify(stats.lines));
    for (const c of [root, guest, oldProgram, namer, issued]) c.destroy();
    await t.close();

    // A restart keeps it on.
    second = await serverFor(tc, {}, base);
    assert.equal(await tryLogin(second.port, 'stranger'), 'LOCKDOWN');
    assert.equal(await tryLogin(second.port, 'friend', { packageId: ISSUED, packageKey: sealed('client', clientKey) }), 'welcome');
    const root2 = await rootLoggedIn(second.port);
    assert.match((await runOk(root2, 'lockdown', 'off')).lines?.join('\n') ?? '', /Lockdown is off \(since .*by root#\d+\)/);
    assert.equal(await tryLogin(second.port, 'stranger'), 'welcome');
    // Outside lockdown, old packages and named ids log in as before (as guests).
    assert.equal(await tryLogin(second.port, 'stranger2', { packageId: LEGACY }), 'welcome');
    root2.destroy();

    const audit = fs
      .readFileSync(path.join(second.logDir, 'audit.log'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { action: string; targets?: string[]; result: string; detail?: string })
      .filter((entry) => entry.action === 'lockdown');
    assert.deepEqual(
      audit.map((e) => [e.targets ?? [], e.result, e.detail]),
      [
        [[], 'ok', 'off'],
        [['on'], 'ok', 'on'],
        [['maybe'], 'INVALID_ARGUMENT', undefined],
        [['off'], 'ok', 'off'],
      ],
    );
    const log = fs.readFileSync(path.join(t.logDir, 'server.log'), 'utf8');
    assert.match(log, /login failed .*reason=AUTH_FAILED package=issuedpkg222 \(bad proof\)/);
    assert.match(log, /login .*user=friend .*via=package package=issuedpkg222/);
  } finally {
    await second?.close();
    await t.close();
  }
});
