// Offline admin: an admin who blocked their own address with three wrong root passwords lists the
// bans and lifts the block on the stopped server, then gets in; packages are revoked the same way.
// While the server runs each action is refused with the way to do it live.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { PackageRegistry } from '../../src/data-dir/packages.js';
import { Store } from '../../src/data-dir/store.js';
import { runMain } from '../helpers/in-process.js';
import { RawClient } from '../helpers/raw-client.js';
import { rootLoggedIn, runOk } from '../helpers/root.js';
import { startTestServer, tempDir, type TestServer } from '../helpers/server.js';

async function wrongRootPassword(port: number): Promise<string> {
  const client = await RawClient.connect(port);
  try {
    // Protocol 3: the OPAQUE exchange runs; the client cannot open the record and says so.
    return await client.attempt('root', { role: 'root', rootPassword: 'not-the-root-password' });
  } finally {
    client.destroy();
  }
}

test('three wrong root passwords lock the admin out; admin unban on the stopped server lets them back in', async (t) => {
  const base = tempDir();
  let server: TestServer | undefined = await startTestServer({}, base);
  t.after(async () => server?.close());
  const dataDir = server.dataDir;
  const root = await rootLoggedIn(server.port);
  await runOk(root, 'ban', '-u Mallory');
  root.destroy();
  new PackageRegistry(server.server.store).record({ id: 'pkg-offline-1', kind: 'client', platforms: ['linux'], version: '1.0.0', createdAt: new Date(), note: '' });
  for (let i = 0; i < 3; i++) assert.equal(await wrongRootPassword(server.port), 'ROOT_AUTH_FAILED');
  const blocked = await RawClient.connect(server.port);
  assert.equal((await blocked.waitFor('error')).code, 'BANNED', 'the address is blocked now');
  blocked.destroy();

  // Refused while the server runs, with the live way.
  for (const [args, live] of [
    [['bans'], /type "bans"/],
    [['unban', '127.0.0.1'], /type "unban 127\.0\.0\.1"/],
    [['revoke', 'pkg-offline-1'], /type "revoke pkg-offline-1"/],
  ] as const) {
    const refused = await runMain(['admin', ...args, '--data-dir', dataDir]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /The server is running from .* is for a stopped server\. To do it live, open the root console \(party-pool root\)/);
    assert.match(refused.stderr, live);
  }

  await server.close();
  const bans = await runMain(['admin', 'bans', '--data-dir', dataDir]);
  assert.equal(bans.code, 0, bans.stderr);
  assert.match(bans.stdout, /^2 bans in force:/);
  assert.match(bans.stdout, /address\s+127\.0\.0\.1\s+auto: failed logins/);
  assert.match(bans.stdout, /name\s+mallory\s+root#\d+/);
  const json = await runMain(['admin', 'bans', '--json', '--data-dir', dataDir]);
  assert.deepEqual(
    (JSON.parse(json.stdout) as { bans: { target: string }[] }).bans.map((ban) => ban.target).sort(),
    ['127.0.0.1', 'mallory'],
  );

  const lifted = await runMain(['admin', 'unban', '127.0.0.1', '--data-dir', dataDir]);
  assert.equal(lifted.code, 0, lifted.stderr);
  assert.match(lifted.stdout, /Lifted the ban on 127\.0\.0\.1/);
  const name = await runMain(['admin', 'unban', 'MALLORY', '--data-dir', dataDir]);
  assert.match(name.stdout, /Lifted the ban on the name mallory/);
  const none = await runMain(['admin', 'unban', '10.1.2.3', '--data-dir', dataDir]);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /There is no ban on 10\.1\.2\.3/);
  assert.match((await runMain(['admin', 'bans', '--data-dir', dataDir])).stdout, /^No bans\./);

  const revoked = await runMain(['admin', 'revoke', 'PKG-offline-1', '--data-dir', dataDir]);
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.match(revoked.stdout, /Package pkg-offline-1 revoked/);
  assert.match((await runMain(['admin', 'revoke', 'pkg-offline-1', '--data-dir', dataDir])).stdout, /already revoked/);
  const unknown = await runMain(['admin', 'revoke', 'pkg-nope', '--data-dir', dataDir]);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /No package has the id "pkg-nope"/);
  const store = Store.open(dataDir);
  assert.equal(new PackageRegistry(store).status('pkg-offline-1'), 'revoked');
  store.close();

  // The admin gets back in.
  server = await startTestServer({ dataDir, logDir: path.join(base, 'logs') });
  const back = await rootLoggedIn(server.port);
  assert.match((await runOk(back, 'bans')).lines?.join('\n') ?? '', /No bans/);
  back.destroy();
});

test('the operations commands are listed and each has --help', async () => {
  const general = await runMain(['--help']);
  for (const name of ['backup', 'restore', 'export', 'admin']) {
    assert.match(general.stdout, new RegExp(`\\n  ${name}\\s`));
    const help = await runMain([name, '--help']);
    assert.equal(help.code, 0, name);
    assert.match(help.stdout, new RegExp(`^Usage: party-pool ${name}`));
  }
  const server = await runMain(['server', '--help']);
  assert.match(server.stdout, /--config FILE.*--log-level L.*--metrics-port N/);
  assert.match(server.stdout, /SIGHUP re-reads the config file/);
});

test('admin usage mistakes', async () => {
  const dataDir = tempDir();
  for (const [args, pattern] of [
    [['admin'], /Missing arguments/],
    [['admin', 'frobnicate'], /"frobnicate" is not an admin action; use one of bans, unban, revoke/],
    [['admin', 'unban'], /Say what to unban/],
    [['admin', 'bans', 'extra'], /takes no argument/],
  ] as const) {
    const result = await runMain([...args, '--data-dir', dataDir]);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, pattern);
  }
  const empty = await runMain(['admin', 'bans', '--data-dir', dataDir]);
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /has no server database/);
});
