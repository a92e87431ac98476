// The admin's own path at the command line (issue 16, items 2, 5 and 11): a failed first start
// leaves nothing half-made, mistakes blame the right flag, files and connections are described
// in words, a blocked address is told so, and /password checks the current one first.
// In-process (main() on in-memory streams), against real servers on 127.0.0.1 port 0.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { CliIo } from '../../src/cli/io.js';
import { resolveServerSettings } from '../../src/common/settings.js';
import { runServer } from '../../src/server/run-server.js';
import { cleanEnv } from '../helpers/cli.js';
import { runMain } from '../helpers/in-process.js';
import { PASSKEY, ROOT_PASSWORD, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

/** Streams that nobody reads from (a server run that fails before it prints). */
function quietIo(): CliIo {
  return { stdin: new PassThrough(), stdout: new PassThrough(), stderr: new PassThrough(), env: cleanEnv(), isTTY: false };
}

/** A port that is taken for the rest of the test. */
async function takenPort(t: { after: (fn: () => Promise<void>) => void }): Promise<number> {
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  return (blocker.address() as net.AddressInfo).port;
}

describe('cli: starting the server', () => {
  test('a first start that fails leaves no secrets, keys or database behind; a failed --replace-secrets keeps the old secrets', async (t) => {
    const port = await takenPort(t);
    const dir = tempDir();
    const settings = { ...resolveServerSettings({}, {}), host: '127.0.0.1', port, dataDir: path.join(dir, 'data'), logDir: path.join(dir, 'logs'), publicIpUrl: '' };
    await assert.rejects(runServer(quietIo(), { settings, passkey: PASSKEY, rootPassword: ROOT_PASSWORD, replaceSecrets: false }), { code: 'LISTEN_FAILED' });
    assert.equal(fs.existsSync(settings.dataDir), false, 'the data directory it made is gone again');

    // A server that ran once: a failed start with new secrets must not have changed them.
    const first = await startTestServer({}, dir);
    await first.close();
    const authBefore = fs.readFileSync(path.join(settings.dataDir, 'auth.json'), 'utf8');
    const filesBefore = fs.readdirSync(settings.dataDir).sort();
    await assert.rejects(runServer(quietIo(), { settings, passkey: 'a-new-passkey-1', rootPassword: 'a-new-root-password', replaceSecrets: true }), { code: 'LISTEN_FAILED' });
    assert.equal(fs.readFileSync(path.join(settings.dataDir, 'auth.json'), 'utf8'), authBefore);
    assert.deepEqual(fs.readdirSync(settings.dataDir).sort(), filesBefore);
  });

  test('problems are found before the secrets: --host 256.1.1.1 blames the host, a taken port the port', async (t) => {
    const dir = tempDir();
    const dirs = ['--data-dir', path.join(dir, 'data'), '--log-dir', path.join(dir, 'logs')];
    // No secrets given and no terminal: the host is the first thing said, not a missing passkey.
    const badHost = await runMain(['server', '--host', '256.1.1.1', '--port', '0', ...dirs]);
    assert.equal(badHost.code, 1);
    assert.equal(badHost.stderr.trim(), 'Cannot listen on 256.1.1.1:0: 256.1.1.1 is not an IP address (each of its four numbers must be 0-255). Use 0.0.0.0 (every network) or 127.0.0.1 (this machine only) with --host (or PARTY_POOL_HOST).');
    const port = await takenPort(t);
    const busy = await runMain(['server', '--host', '127.0.0.1', '--port', String(port), ...dirs]);
    assert.equal(busy.code, 1);
    assert.match(busy.stderr, new RegExp(`^Cannot listen on 127\\.0\\.0\\.1:${port}: port ${port} is already in use by another program \\(another server\\?\\)\\. Choose another port with --port`));
    assert.equal(fs.existsSync(path.join(dir, 'data', 'auth.json')), false);
  });

  test('a missing secret file is "There is no file …"', async () => {
    const missing = path.join(tempDir(), 'nope');
    const result = await runMain(['client', '--server', '127.0.0.1:1', '--fingerprint', 'SHA256:' + 'A'.repeat(43), '--name', 'x', '--passkey-file', missing]);
    assert.equal(result.code, 2);
    assert.equal(result.stderr.trim(), `There is no file ${missing} (the passkey file given with --passkey-file).`);
  });

  test('--server without a port is a usage error that says so', async () => {
    const result = await runMain(['client', '--server', '192.168.1.20', '--fingerprint', 'SHA256:' + 'A'.repeat(43), '--name', 'x'], { env: { PARTY_POOL_PASSKEY: PASSKEY } });
    assert.equal(result.code, 2);
    assert.equal(result.stderr.trim(), '--server 192.168.1.20 has no port: write HOST:PORT, e.g. 192.168.1.20:12345 (the server\'s status panel shows its port).');
  });
});

describe('cli: against a running server', () => {
  let t: TestServer;
  let target: string[];
  before(async () => {
    t = await startTestServer({ maxSessionsPerAddress: 100 });
    target = ['--server', `127.0.0.1:${t.port}`, '--fingerprint', t.fingerprint];
  });
  after(() => t.close());

  test('the failed login that blocks the address says so, and for how long', async (tt) => {
    // A server of its own: the block outlives this test.
    const own = await startTestServer();
    tt.after(() => own.close());
    const target = ['--server', `127.0.0.1:${own.port}`, '--fingerprint', own.fingerprint];
    const wrong = { PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_ROOT_PASSWORD: 'not-the-root-password' };
    for (let attempt = 1; attempt <= 2; attempt++) {
      const result = await runMain(['root', ...target], { env: wrong, input: 'stats\n' });
      assert.equal(result.code, 3);
      assert.equal(result.stderr.trim(), 'Wrong root password.');
    }
    const third = await runMain(['root', ...target], { env: wrong, input: 'stats\n' });
    assert.equal(third.code, 3);
    assert.equal(third.stderr.trim(), 'Wrong root password. That was one failed login too many: your address is now blocked for 5m. Ask an admin to unban it, or wait.');
    const blocked = await runMain(['root', ...target], { env: { PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_ROOT_PASSWORD: ROOT_PASSWORD }, input: 'stats\n' });
    assert.equal(blocked.code, 3);
    assert.match(blocked.stderr, /Too many failed logins|banned/);
  });

  test('/password with the current password only checks it: a wrong one is refused (exit 1, the line named), the right one confirmed', async () => {
    const env = { PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_PASSWORD: 'petra-password' };
    const made = await runMain(['client', ...target, '--name', 'petra', '--register'], { env, input: '' });
    assert.equal(made.code, 0, made.stderr);
    const right = await runMain(['client', ...target, '--name', 'petra'], { env, input: '/password petra-password\n' });
    assert.equal(right.code, 0, right.stderr);
    assert.match(right.stdout, /That is your current password\./);
    const wrongOne = await runMain(['client', ...target, '--name', 'petra'], { env, input: '/password not-petras\n' });
    assert.equal(wrongOne.code, 1);
    assert.equal(wrongOne.stderr.trim(), 'Line 1 (/password) was refused: The current password is wrong.');
    assert.doesNotMatch(wrongOne.stderr + wrongOne.stdout, /not-petras/, 'a refused line is named, never shown');
  });
});
