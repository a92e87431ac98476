// Lockdown: a root turns on "registered users and issued packages only" for an emergency, and off
// again. Guests are refused with LOCKDOWN (the CLI exits 3 with the sentence); registered names
// still need their password; issued, unrevoked packages get in; root always does. The state is
// audited, shown in `stats`, and survives a restart.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { PackageRegistry } from '../../src/data-dir/packages.js';
import { runCli } from '../helpers/cli.js';
import { RawClient, loggedInV2 } from '../helpers/raw-client.js';
import { rootLoggedIn, runError, runOk } from '../helpers/root.js';
import { PASSKEY, serverFor, tempDir, type TestServer, waitUntil } from '../helpers/server.js';

const ISSUED = 'issuedpkg222';
const REVOKED = 'revokedpkg22';
const UNKNOWN = 'unknownpkg22';

/** A protocol-2 login attempt; resolves with "welcome" or the error code. */
async function tryLogin(port: number, name: string, extra: { password?: string; packageId?: string } = {}): Promise<string> {
  const client = await RawClient.connect(port);
  client.versions = [1, 2];
  try {
    const message = await client.authMessage(name, extra.password === undefined ? {} : { password: extra.password });
    if (extra.packageId) message.packageId = extra.packageId;
    client.send(message);
    await waitUntil(() => client.received.some((m) => m.type === 'welcome' || m.type === 'error'), 5000, 'welcome or error');
    const answer = client.received.find((m) => m.type === 'welcome' || m.type === 'error');
    return answer?.type === 'error' ? answer.code : 'welcome';
  } finally {
    client.destroy();
  }
}

test('lockdown admits only registered users and issued packages, is audited, shown in stats, and survives a restart', async (tc) => {
  const base = tempDir();
  const t = await serverFor(tc, {}, base);
  let second: TestServer | undefined;
  try {
    const registry = new PackageRegistry(t.server.store);
    registry.record({ id: ISSUED, kind: 'client', platforms: ['linux'], version: '1.0.0', createdAt: new Date(), note: 'for ann' });
    registry.record({ id: REVOKED, kind: 'client', platforms: ['linux'], version: '1.0.0', createdAt: new Date(), note: 'lost laptop' });
    registry.revoke(REVOKED, new Date());
    const member = await loggedInV2(t.port, 'member');
    await member.registerAccount('member-password');
    const guest = await loggedInV2(t.port, 'guest');

    const root = await rootLoggedIn(t.port);
    assert.match((await runOk(root, 'lockdown')).lines?.[0] ?? '', /^Lockdown is off\./);
    const on = await runOk(root, 'lockdown', 'on');
    assert.match(on.lines?.join('\n') ?? '', /Lockdown is ON .*by root#\d+/);
    // Who is already in stays, and the root is told who would not get in now.
    assert.match(on.lines?.join('\n') ?? '', /not admitted under lockdown: guest \(127\.0\.0\.1\)/);
    assert.equal(await runError(root, 'lockdown', 'maybe'), 'INVALID_ARGUMENT');

    assert.equal(await tryLogin(t.port, 'stranger'), 'LOCKDOWN');
    assert.equal(await tryLogin(t.port, 'stranger', { packageId: UNKNOWN }), 'LOCKDOWN');
    assert.equal(await tryLogin(t.port, 'stranger', { packageId: REVOKED }), 'PACKAGE_REVOKED');
    assert.equal(await tryLogin(t.port, 'friend', { packageId: ISSUED }), 'welcome');
    member.destroy();
    await waitUntil(() => t.server.sessionFor('member') === undefined);
    assert.equal(await tryLogin(t.port, 'member', { password: 'wrong-password' }), 'PASSWORD_WRONG');
    assert.equal(await tryLogin(t.port, 'member', { password: 'member-password' }), 'welcome');
    // Root logins are never refused (someone has to turn it off).
    const second_root = await rootLoggedIn(t.port);
    second_root.destroy();

    // The CLI says why and exits 3.
    const cli = await runCli(['client', '--server', `127.0.0.1:${t.port}`, '--fingerprint', t.fingerprint, '--name', 'scripted'], { env: { PARTY_POOL_PASSKEY: PASSKEY }, input: 'hello\n' });
    assert.equal(cli.code, 3);
    assert.match(cli.stderr, /lockdown/i);

    const stats = await runOk(root, 'stats');
    assert.ok(stats.lines?.some((line) => /^Lockdown: ON since .* \(by root#\d+\): registered users and issued packages only$/.test(line)), JSON.stringify(stats.lines));
    root.destroy();
    guest.destroy();
    await t.close();

    // A restart keeps it on.
    second = await serverFor(tc, {}, base);
    assert.equal(await tryLogin(second.port, 'stranger'), 'LOCKDOWN');
    const root2 = await rootLoggedIn(second.port);
    assert.match((await runOk(root2, 'lockdown', 'off')).lines?.join('\n') ?? '', /Lockdown is off \(since .*by root#\d+\)/);
    assert.equal(await tryLogin(second.port, 'stranger'), 'welcome');
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
  } finally {
    await second?.close();
    await t.close();
  }
});
