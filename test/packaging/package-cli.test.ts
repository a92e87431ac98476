// `party-pool package` inputs: every bad input is one sentence and the right exit status, and
// nothing is built or recorded. Zip-only builds are quick, so they also run here. In-process
// (main() on in-memory streams); test/packaging/package.test.ts runs the real programs.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openPackagedServer } from '../../src/link/packaged-server.js';
import { PackageRegistry } from '../../src/data-dir/packages.js';
import { runMain } from '../helpers/in-process.js';
import { PASSKEY, startTestServer, tempDir, type TestServer } from '../helpers/server.js';

describe('party-pool package: inputs', () => {
  let t: TestServer;
  let base: string[];
  before(async () => {
    t = await startTestServer();
    base = ['package', '--data-dir', t.dataDir];
  });
  after(() => t.close());

  const records = (): number => new PackageRegistry(t.server.store).list(100).total;

  test('usage errors exit 2 with one sentence and build nothing', async () => {
    const out = tempDir();
    const cases: [string[], RegExp][] = [
      [['--platform', 'all', '--out', out], /--kind is required: use client, root, both/],
      [['--kind', 'client', '--out', out], /--platform is required/],
      [['--kind', 'friends', '--platform', 'all', '--out', out], /"friends" is not a valid --kind/],
      [['--kind', 'client', '--platform', 'beos', '--out', out], /"beos" is not a valid --platform/],
      // No --address: the first LAN address the server listens on; this one listens on loopback only.
      [['--kind', 'client', '--platform', 'all', '--out', out], /The server listens on 127\.0\.0\.1 only, which no other machine can reach: pass --address/],
      [['--kind', 'client', '--platform', 'all', '--address', 'bad host', '--out', out], /not an address friends can connect to/],
      [['--kind', 'client', '--platform', 'all', '--address', '0.0.0.0', '--out', out], /where a server listens/],
      [['--kind', 'client', '--platform', 'all', '--address', 'a.example:99999', '--out', out], /not an address/],
      [['--kind', 'client', '--platform', 'all', '--address', 'a.example', '--note', 'x'.repeat(201), '--out', out], /--note must be at most 200 characters/],
      [['--kind', 'client', '--platform', 'all', ...Array.from({ length: 9 }, (_, i) => ['--address', `host${i}.example`]).flat(), '--out', out], /At most 8 addresses/],
      [['--kind', 'client', '--platform', 'all', '--passkey', 'x', '--out', out], /never taken as arguments/],
      [['--kind', 'client', '--platform', 'all', 'extra', '--out', out], /positional/i],
    ];
    for (const [args, message] of cases) {
      const result = await runMain([...base, ...args], { env: { PARTY_POOL_PASSKEY: PASSKEY } });
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message);
      assert.equal(result.stderr.trim().split('\n').length, 1);
    }
    assert.deepEqual(fs.readdirSync(out), []);
    assert.equal(records(), 0);
  });

  test('the passkey must be given and must be the server\'s', async () => {
    const out = tempDir();
    const args = [...base, '--kind', 'client', '--platform', 'macos', '--address', 'a.example', '--out', out];
    const missing = await runMain(args);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /No passkey given: set PARTY_POOL_PASSKEY/);
    const wrong = await runMain(args, { env: { PARTY_POOL_PASSKEY: 'some-other-passkey' } });
    assert.equal(wrong.code, 3);
    assert.match(wrong.stderr, /not this server's passkey/);
    assert.deepEqual(fs.readdirSync(out), []);
    assert.equal(records(), 0);
  });

  test('a data dir without a server is refused with exit 1', async () => {
    const result = await runMain(['package', '--kind', 'client', '--platform', 'macos', '--address', 'a.example', '--data-dir', tempDir(), '--out', tempDir()], { env: { PARTY_POOL_PASSKEY: PASSKEY } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /has no server identity yet; start the server once/);
  });

  test('macOS builds only the zip bundles, while the server runs; the default port is the running server\'s', async () => {
    const out = tempDir();
    // What a killed build leaves behind (its process is gone) is cleared by the next one.
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid ?? 0;
    fs.mkdirSync(path.join(out, `.building-${deadPid}-x1y2z3`, 'client'), { recursive: true });
    const passkeyFile = path.join(tempDir(), 'passkey');
    fs.writeFileSync(passkeyFile, PASSKEY + '\n', { mode: 0o600 });
    const result = await runMain([...base, '--kind', 'both', '--platform', 'macos', '--address', 'chat.example.org', '--address', '[::1]', '--out', out, '--passkey-file', passkeyFile], { timeoutMs: 60_000 });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(fs.readdirSync(out).sort(), ['SHA256SUMS', 'client', 'root']);
    const clientFiles = fs.readdirSync(path.join(out, 'client'));
    assert.equal(clientFiles.length, 1);
    assert.match(clientFiles[0] ?? '', /^PartyPoolClient-v[\d.]+\.zip$/);
    assert.equal(fs.readFileSync(path.join(out, 'SHA256SUMS'), 'utf8').trim().split('\n').length, 2);
    const listed = new PackageRegistry(t.server.store).list(100).packages;
    assert.deepEqual(listed.map((p) => p.platforms), [['macos'], ['macos']]);
    assert.ok(!fs.readdirSync(out).some((name) => name.startsWith('.building-')), 'no scratch directory is left behind');
    // Opening the sealed file with the passkey shows what was sealed: the addresses in order, with the server's port.
    const sealedText = execFileSync('unzip', ['-p', path.join(out, 'client', clientFiles[0] ?? ''), '*/sealed-server.json']).toString();
    const opened = await openPackagedServer(sealedText, PASSKEY);
    assert.deepEqual(opened.content.addresses, [`chat.example.org:${t.port}`, `[::1]:${t.port}`]);
    assert.deepEqual(opened.content.fingerprints, [t.fingerprint, t.server.identity.nextFingerprint]);
  });
});
