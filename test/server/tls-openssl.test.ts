// TLS checked from outside with Debian's openssl: TLS 1.3 only, and the key fingerprint the
// server prints is the SHA-256 of the public key a stranger sees.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
const skip = !hasOpenssl && !process.env.CI ? 'openssl is not installed' : false;

/** Run s_client asynchronously: the server under test lives in this process's event loop. */
function sClient(port: number, versionFlag: string): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, versionFlag, '-showcerts'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, out });
    });
    child.stdin.end();
  });
}

describe('TLS from outside (openssl s_client)', { skip }, () => {
  let t: TestServer;
  before(async () => (t = await startTestServer()));
  after(() => t.close());

  test('TLS 1.3 connects and the public key hashes to the printed fingerprint', async () => {
    const { out } = await sClient(t.port, '-tls1_3');
    assert.match(out, /TLSv1\.3/);
    const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(out)?.[0];
    assert.ok(pem, out);
    const pubkey = spawnSync('openssl', ['x509', '-pubkey', '-noout'], { input: pem, encoding: 'utf8' }).stdout;
    const der = spawnSync('openssl', ['pkey', '-pubin', '-outform', 'DER'], { input: pubkey }).stdout;
    const digest = spawnSync('openssl', ['dgst', '-sha256', '-binary'], { input: der }).stdout;
    assert.equal('SHA256:' + digest.toString('base64').replace(/=+$/, ''), t.fingerprint);
  });

  test('TLS 1.2 and lower are refused', async () => {
    for (const flag of ['-tls1_2', '-tls1_1']) {
      const { status, out } = await sClient(t.port, flag);
      assert.notEqual(status, 0, out);
      assert.doesNotMatch(out, /Cipher is (?!\(NONE\))/);
    }
  });
});
