import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { openPinnedConnection } from '../../src/link/connection.js';
import { PartyPoolError } from '../../src/common/errors.js';
import { CERT_FILE, NEXT_KEY_FILE, fingerprintOfPrivateKey } from '../../src/data-dir/identity.js';
import { rotateServerKey } from '../../src/data-dir/rotate-key.js';
import { runCli } from '../helpers/cli.js';
import { serverFor, startTestServer, tempDir, waitUntil } from '../helpers/server.js';

test('first start makes an owner-only next key; rotate-key promotes it and packages pinning both still connect', async (tc) => {
  const dir = tempDir();
  const first = await serverFor(tc, {}, dir);
  const { fingerprint: original, nextFingerprint: backup } = first.server.identity;
  const nextFile = path.join(first.dataDir, NEXT_KEY_FILE);
  assert.equal(fs.statSync(nextFile).mode & 0o777, 0o600);
  assert.equal(fingerprintOfPrivateKey(fs.readFileSync(nextFile, 'utf8')), backup);
  assert.notEqual(original, backup);

  // Refused while server.json names a live process (this one runs the server).
  await assert.rejects(rotateServerKey(first.dataDir, 'Party Pool'), (error) => error instanceof PartyPoolError && error.code === 'SERVER_RUNNING');
  await first.close();

  const rotated = await rotateServerKey(first.dataDir, 'Party Pool');
  assert.deepEqual([rotated.previous, rotated.current], [original, backup]);
  assert.notEqual(rotated.next, backup);
  assert.equal(fs.statSync(nextFile).mode & 0o777, 0o600);

  const second = await serverFor(tc, {}, dir);
  try {
    assert.equal(second.server.identity.fingerprint, backup);
    assert.equal(second.server.identity.nextFingerprint, rotated.next);
    const target = { host: '127.0.0.1', port: second.port };
    const socket = await openPinnedConnection({ targets: [target], fingerprints: [original, backup] });
    socket.destroy();
    await assert.rejects(openPinnedConnection({ targets: [target], fingerprints: [original] }), (error) => error instanceof PartyPoolError && error.code === 'IDENTITY_MISMATCH');
    // Both connections are gone on the server side too.
    await waitUntil(() => second.server.services.guard.openCount === 0, 5000, 'both connections to be closed');
  } finally {
    await second.close();
  }
});

test('a key and certificate that do not belong together stop the server with a clear error', async (tc) => {
  const dir = tempDir();
  const a = await serverFor(tc, {}, dir);
  await a.close();
  const other = await serverFor(tc);
  await other.close();
  fs.copyFileSync(path.join(other.dataDir, CERT_FILE), path.join(a.dataDir, CERT_FILE));
  await assert.rejects(startTestServer({}, dir), (error) => error instanceof PartyPoolError && error.code === 'DATA_DIR_UNUSABLE' && /do not belong together/.test(error.message));
});

test('party-pool rotate-key: prints the new fingerprints; refuses a live server and an empty data dir', async (tc) => {
  const dir = tempDir();
  const t = await serverFor(tc, {}, dir);
  const running = await runCli(['rotate-key', '--data-dir', t.dataDir]);
  assert.equal(running.code, 1);
  assert.match(running.stderr, /The server is running \(pid \d+\); stop it/);
  const nextBefore = t.server.identity.nextFingerprint;
  await t.close();
  const done = await runCli(['rotate-key', '--data-dir', t.dataDir]);
  assert.equal(done.code, 0, done.stderr);
  assert.match(done.stdout, /Server key rotated/);
  assert.ok(done.stdout.includes(`Current   ${nextBefore}`));
  const empty = await runCli(['rotate-key', '--data-dir', tempDir()]);
  assert.equal(empty.code, 1);
  assert.match(empty.stderr, /has no server identity yet/);
});
