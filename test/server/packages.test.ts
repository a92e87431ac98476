import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PackageRegistry } from '../../src/data-dir/packages.js';
import { RawClient } from '../helpers/raw-client.js';
import { ROOT_PASSWORD, startTestServer, type TestServer, waitUntil } from '../helpers/server.js';

async function rootClient(port: number): Promise<RawClient> {
  const root = await RawClient.connect(port);
  await root.login('boss', { role: 'root', rootPassword: ROOT_PASSWORD });
  return root;
}

/** Log in as `name` presenting `packageId`; resolves with the welcome or the error. */
async function loginWithPackage(port: number, name: string, packageId: string | undefined): Promise<{ client: RawClient; outcome: string }> {
  const client = await RawClient.connect(port);
  const auth = await client.authMessage(name);
  if (packageId !== undefined) auth.packageId = packageId;
  client.send(auth);
  const outcome = await Promise.race([client.waitFor('welcome').then(() => 'welcome'), client.waitFor('error').then((e) => e.code)]);
  return { client, outcome };
}

describe('server: package records and revocation', () => {
  let t: TestServer;
  let registry: PackageRegistry;
  before(async () => {
    t = await startTestServer({ maxSessionsPerAddress: 100 });
    registry = new PackageRegistry(t.server.store);
    registry.record({ id: 'aaaaaaaaaaaa', kind: 'client', platforms: ['windows', 'linux'], version: '1.0.0', createdAt: new Date('2026-01-01T10:00:00Z'), note: 'for ann' });
    registry.record({ id: 'bbbbbbbbbbbb', kind: 'root', platforms: ['macos'], version: '1.0.0', createdAt: new Date('2026-01-02T10:00:00Z'), note: '' });
    registry.record({ id: 'cccccccccccc', kind: 'client', platforms: ['linux'], version: '1.0.0', createdAt: new Date('2026-01-03T10:00:00Z'), note: 'for bob' });
  });
  after(() => t.close());

  test('the migration is recorded once under its id', () => {
    assert.ok(t.server.store.appliedMigrations().includes('300-packages'));
  });

  test('root lists packages newest first with kind, platforms, note and status', async () => {
    const root = await rootClient(t.port);
    const answer = await root.answer(root.command('packages'));
    assert.equal(answer.type, 'packages');
    if (answer.type !== 'packages') return;
    assert.equal(answer.total, 3);
    assert.deepEqual(answer.packages.map((p) => p.id), ['cccccccccccc', 'bbbbbbbbbbbb', 'aaaaaaaaaaaa']);
    assert.deepEqual(answer.packages[2], { id: 'aaaaaaaaaaaa', kind: 'client', platforms: ['windows', 'linux'], version: '1.0.0', createdAt: '2026-01-01T10:00:00.000Z', note: 'for ann', revokedAt: null });
    const extra = await root.answer(root.command('packages', 'extra'));
    assert.equal(extra.type === 'error' && extra.code, 'TOO_MANY_ARGUMENTS');
    root.destroy();
  });

  test('package commands are root-only', async () => {
    const { client } = await loginWithPackage(t.port, 'plainuser', undefined);
    for (const name of ['packages', 'revoke']) {
      const answer = await client.answer(client.command(name, 'aaaaaaaaaaaa'));
      assert.equal(answer.type === 'error' && answer.code, 'UNKNOWN_COMMAND');
    }
    client.destroy();
  });

  test('revoke: unknown id, missing id and extra words are refused with codes', async () => {
    const root = await rootClient(t.port);
    const unknown = await root.answer(root.command('revoke', 'zzzzzzzzzzzz'));
    assert.equal(unknown.type === 'error' && unknown.code, 'PACKAGE_NOT_FOUND');
    const missing = await root.answer(root.command('revoke', ''));
    assert.equal(missing.type === 'error' && missing.code, 'MISSING_ARGUMENT');
    const extra = await root.answer(root.command('revoke', 'aaaaaaaaaaaa bbbbbbbbbbbb'));
    assert.equal(extra.type === 'error' && extra.code, 'TOO_MANY_ARGUMENTS');
    assert.equal(registry.status('aaaaaaaaaaaa'), 'active');
    root.destroy();
  });

  test('a revoked package is refused at login and its live session ends; other packages still work', async () => {
    const live = await loginWithPackage(t.port, 'annlive', 'aaaaaaaaaaaa');
    assert.equal(live.outcome, 'welcome');
    const other = await loginWithPackage(t.port, 'bobother', 'cccccccccccc');
    assert.equal(other.outcome, 'welcome');

    const root = await rootClient(t.port);
    const answer = await root.answer(root.command('revoke', 'AAAAAAAAAAAA'));
    assert.equal(answer.type, 'ack');
    const bye = await live.client.waitFor('bye');
    assert.equal(bye.code, 'PACKAGE_REVOKED');
    await live.client.gone();
    assert.equal(other.client.closed, false, 'another package keeps its session');

    const again = await loginWithPackage(t.port, 'annagain', 'aaaaaaaaaaaa');
    assert.equal(again.outcome, 'PACKAGE_REVOKED');
    await again.client.gone();
    const stillFine = await loginWithPackage(t.port, 'bobagain', 'cccccccccccc');
    assert.equal(stillFine.outcome, 'welcome');

    // Revoking twice keeps the first time; the list shows it.
    const revokedAt = (): string | null | undefined => registry.list(100).packages.find((p) => p.id === 'aaaaaaaaaaaa')?.revokedAt;
    const first = revokedAt();
    assert.ok(first);
    assert.equal((await root.answer(root.command('revoke', 'aaaaaaaaaaaa'))).type, 'ack');
    assert.equal(revokedAt(), first);
    const listed = await root.answer(root.command('packages'));
    assert.ok(listed.type === 'packages' && listed.packages.find((p) => p.id === 'aaaaaaaaaaaa')?.revokedAt);
    for (const c of [other.client, stillFine.client, root]) c.destroy();
    await waitUntil(() => t.server.onlineNames().length === 0, 5000, 'users to leave');
  });

  test('a wrong passkey with a revoked id is AUTH_FAILED: ids are checked only after the passkey', async () => {
    const client = await RawClient.connect(t.port);
    const auth = await client.authMessage('guesser', { passkey: 'not-the-passkey' });
    auth.packageId = 'aaaaaaaaaaaa';
    client.send(auth);
    assert.equal((await client.waitFor('error')).code, 'AUTH_FAILED');
    client.destroy();
  });

  test('unknown and malformed package ids are accepted and logged (not their raw text)', async () => {
    const unknown = await loginWithPackage(t.port, 'unknownpkg', 'dddddddddddd');
    assert.equal(unknown.outcome, 'welcome');
    const malformed = await loginWithPackage(t.port, 'oddpkg', 'Not An Id\u001b[31m');
    assert.equal(malformed.outcome, 'welcome');
    const logFile = path.join(t.logDir, 'server.log');
    await waitUntil(() => fs.readFileSync(logFile, 'utf8').includes('user=oddpkg'), 5000, 'the login to be logged');
    const log = fs.readFileSync(logFile, 'utf8');
    assert.match(log, /user=unknownpkg .*package=dddddddddddd \(unknown\)/);
    assert.match(log, /user=oddpkg .*package=malformed/);
    assert.doesNotMatch(log, /Not An Id/);
    unknown.client.destroy();
    malformed.client.destroy();
  });
});
