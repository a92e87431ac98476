// Attack (issue 11, item 7): someone with the passkey builds a real-looking package — the genuine
// program of this version, with its sealed server file pinned to *their own* server — and a friend
// runs it with their account password (or a co-admin with the root password). Before, the forger
// received the account password in clear inside `auth`, and a root proof it could attack offline
// (one PBKDF2 per guess). The forger here is a TLS server of this test that knows the passkey,
// records every byte it receives and tries every trick the protocol allows it: claiming the name
// is registered (with a record of its own guess), naming scrypt parameters of its choice,
// pretending to be an older server, asking the name to register. The genuine program is run the
// way an issued package runs it (packagedMain with the sealed file). What the forger received
// must contain no password, nothing derived from it that it can test offline (no KE3, no
// PBKDF2 root proof, no registration record), and no clear text of either secret.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { PassThrough } from 'node:stream';
import tls from 'node:tls';
import { test } from 'node:test';
import { config } from '../../config.js';
import type { CliIo } from '../../src/cli/io.js';
import { generateKeyPair, selfSignedCertificate } from '../../src/crypto/certificate.js';
import { fingerprintOfCertificate } from '../../src/crypto/fingerprint.js';
import { createServerSetup, registerLocally, serverRegistrationResponse, serverStartLogin } from '../../src/crypto/opaque.js';
import { newPackageKey } from '../../src/crypto/package-key.js';
import { newPackageId, sealServerFile } from '../../src/link/packaged-server.js';
import { packagedMain } from '../../src/packaged-main.js';
import { FrameDecoder, decodePayload, encodeFrame } from '../../src/protocol/frame.js';
import type { PackageKind } from '../../src/protocol/sealed-file.js';
import { cleanEnv } from '../helpers/cli.js';
import { PASSKEY, ROOT_PASSWORD, within } from '../helpers/server.js';

const VICTIM_PASSWORD = 'Tr0ub4dor&3-friend';
const STRETCHING = { algorithm: 'argon2id', memory: 256, iterations: 1, parallelism: 1 } as const;

type Trick = 'registered' | 'prehash' | 'older-server' | 'registration-required' | 'register' | 'root';

/** The forger's server: records everything, plays `trick`. */
async function forgedServer(trick: Trick): Promise<{ port: number; fingerprint: string; received: Buffer[]; messages: Record<string, unknown>[]; close: () => Promise<void> }> {
  const keys = generateKeyPair();
  const certificate = await selfSignedCertificate(keys, 'Party Pool');
  // The forger's own OPAQUE setup, and a record of its best guess at the victim's password.
  const setup = await createServerSetup();
  const guessRecord = await registerLocally(setup, 'a:forged', 'hunter2hunter2', { memory: 256, iterations: 1, parallelism: 1 });
  const received: Buffer[] = [];
  const messages: Record<string, unknown>[] = [];
  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer({ key: certificate.privateKeyPem, cert: certificate.certificatePem, minVersion: 'TLSv1.3' }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const decoder = new FrameDecoder(1024 * 1024);
    const send = (message: unknown): void => void socket.write(encodeFrame(message));
    const nonce = (): string => crypto.randomBytes(32).toString('base64');
    let asked = 0;
    socket.on('data', (chunk: Buffer) => {
      received.push(chunk);
      for (const payload of decoder.push(chunk)) {
        const message = decodePayload(payload) as Record<string, unknown>;
        messages.push(message);
        if (message.type === 'hello') {
          const older = trick === 'older-server';
          const kdf = { algorithm: 'pbkdf2-sha256', salt: crypto.randomBytes(16).toString('base64'), iterations: 600_000 };
          send({ type: 'challenge', protocol: older ? 2 : 3, server: { name: 'Party Pool', version: config.version }, nonce: nonce(), kdf, ...(older ? { rootKdf: kdf } : {}) });
        } else if (message.type === 'auth') {
          const account = message.account as { ke1?: string } | undefined;
          asked += 1;
          const request = (message.account as { registrationRequest?: string } | undefined)?.registrationRequest;
          if (trick === 'register' && request !== undefined) {
            // Pretend the name is free, and ask for the cheapest record there is.
            void serverRegistrationResponse(setup, 'a:forged', request).then((response) => response && send({ type: 'account-registration', registrationResponse: response, stretching: { algorithm: 'argon2id', memory: 8, iterations: 1, parallelism: 1 } }));
          } else if (trick === 'registration-required' || trick === 'register') send({ type: 'error', code: 'REGISTRATION_REQUIRED', message: 'Register.', nonce: nonce() });
          else if (trick === 'older-server') send({ type: 'error', code: 'PASSWORD_REQUIRED', message: 'Password!', nonce: nonce() });
          else if (trick === 'prehash' && asked === 1) send({ type: 'error', code: 'PASSWORD_REQUIRED', message: 'Password!', nonce: nonce(), prehash: { algorithm: 'scrypt', N: 2 ** 14, r: 8, p: 1, salt: 'Zm9yZ2Vyc2FsdA==', keyLength: 32 } });
          else if (account?.ke1 === undefined) send({ type: 'error', code: 'PASSWORD_REQUIRED', message: 'Password!', nonce: nonce() });
          else {
            // Answer with the record of a guess: the genuine client opens it only if the guess is right.
            void serverStartLogin(setup, 'a:forged', guessRecord, account.ke1).then((started) => started && send({ type: 'account-challenge', ke2: started.ke2, stretching: STRETCHING }));
          }
        } else if (message.type === 'account-record') {
          socket.end();
        } else if (message.type === 'account-finish') {
          send({ type: 'error', code: trick === 'root' ? 'ROOT_AUTH_FAILED' : 'PASSWORD_WRONG', message: 'Wrong.' });
          socket.end();
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    fingerprint: fingerprintOfCertificate(certificate.certificatePem),
    received,
    messages,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A package sealed with the real passkey by the genuine builder's code, pinned to the forger. */
async function forgedPackage(kind: PackageKind, port: number, fingerprint: string): Promise<string> {
  const id = newPackageId();
  return sealServerFile(
    { packageId: id, kind, version: config.version, serverName: 'Party Pool', addresses: [`127.0.0.1:${port}`], fingerprints: [fingerprint], issuedAt: new Date().toISOString(), packageKey: newPackageKey().seed.toString('base64') },
    PASSKEY,
    config.kdf.iterations,
  );
}

/** Run the genuine issued program (client or root) on in-memory streams, as a friend would. */
async function runPackage(sealedText: string, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdin = new PassThrough();
  const [stdout, stderr] = [new PassThrough(), new PassThrough()];
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const io: CliIo = { stdin, stdout, stderr, env: cleanEnv({ PARTY_POOL_PASSKEY: PASSKEY, ...env }), isTTY: false };
  stdin.end('hello\n');
  const code = await within(packagedMain(io, () => sealedText, args, 'forged', { pauseOnError: false }), 60_000, 'the packaged program to finish');
  return { code, stdout: out, stderr: err };
}

/** The secret in every form the forger might find it: clear, base64, hex, UTF-16. */
function assertNoTrace(secret: string, received: Buffer[]): void {
  const bytes = Buffer.concat(received);
  for (const form of [Buffer.from(secret), Buffer.from(Buffer.from(secret).toString('base64')), Buffer.from(Buffer.from(secret).toString('base64url')), Buffer.from(Buffer.from(secret).toString('hex')), Buffer.from(secret, 'utf16le')]) {
    assert.equal(bytes.includes(form), false, `the forger received the secret (${form.toString().slice(0, 12)}…)`);
  }
}

for (const trick of ['registered', 'prehash', 'older-server', 'registration-required'] as const) {
  test(`a forged client package (trick: ${trick}) learns no account password`, async (t) => {
    const forger = await forgedServer(trick);
    t.after(() => forger.close());
    const sealed = await forgedPackage('client', forger.port, forger.fingerprint);
    const run = await runPackage(sealed, ['--name', 'alice'], { PARTY_POOL_PASSWORD: VICTIM_PASSWORD });
    assert.notEqual(run.code, 0, 'the friend is not logged in');
    assertNoTrace(VICTIM_PASSWORD, forger.received);
    const auths = forger.messages.filter((m) => m.type === 'auth');
    assert.ok(trick === 'older-server' || auths.length >= 1);
    for (const auth of auths) {
      assert.equal(auth.password, undefined, 'no password field, ever');
      assert.equal(auth.rootProof, undefined);
      assert.equal((auth.account as { registrationRequest?: string } | undefined)?.registrationRequest, undefined, 'nothing registered at a server the friend did not ask to register with');
    }
    // Nothing it can test a guess against offline: no KE3 (the envelope did not open), no record.
    for (const finish of forger.messages.filter((m) => m.type === 'account-finish')) assert.deepEqual(Object.keys(finish), ['type']);
    assert.equal(forger.messages.filter((m) => m.type === 'account-record').length, 0);
    if (trick === 'older-server') {
      // Claiming protocol 2 gets nothing: with a password at hand the genuine program does not even send auth.
      assert.equal(auths.length, 0);
      assert.match(run.stderr, /does not speak protocol 3/);
    }
    if (trick === 'registered' || trick === 'prehash') {
      // KE1 is a blinded value: two runs with the same password send unrelated ones.
      const second = await runPackage(sealed, ['--name', 'alice'], { PARTY_POOL_PASSWORD: VICTIM_PASSWORD });
      assert.notEqual(second.code, 0);
      const ke1s = forger.messages.flatMap((m) => ((m.account as { ke1?: string } | undefined)?.ke1 ? [(m.account as { ke1: string }).ke1] : []));
      assert.equal(new Set(ke1s).size, ke1s.length);
      assert.equal(run.code, 3, 'refused: exit 3, as for a wrong password');
    }
  });
}

test('registering a name through a forged package (the documented limit): the forger gets a record, stretched at least as this program requires, never the password', async (t) => {
  const forger = await forgedServer('register');
  t.after(() => forger.close());
  const sealed = await forgedPackage('client', forger.port, forger.fingerprint);
  await runPackage(sealed, ['--name', 'alice', '--register'], { PARTY_POOL_PASSWORD: VICTIM_PASSWORD });
  assertNoTrace(VICTIM_PASSWORD, forger.received);
  const records = forger.messages.filter((m) => m.type === 'account-record');
  assert.equal(records.length, 1);
  // It asked for 8 KiB and one pass; the genuine program stretched with its own floor: one offline guess costs a 64 MiB Argon2id.
  assert.deepEqual(records[0]?.stretching, { algorithm: 'argon2id', ...config.login.keyStretching });
});

test('a forged root package learns nothing about the root password (no PBKDF2 root proof, no KE3), even claiming to be an older server', async (t) => {
  for (const trick of ['root', 'older-server'] as const) {
    const forger = await forgedServer(trick);
    t.after(() => forger.close());
    const sealed = await forgedPackage('root', forger.port, forger.fingerprint);
    const run = await runPackage(sealed, [], { PARTY_POOL_ROOT_PASSWORD: ROOT_PASSWORD });
    assert.notEqual(run.code, 0);
    assertNoTrace(ROOT_PASSWORD, forger.received);
    for (const message of forger.messages) {
      assert.equal(message.rootProof, undefined, `${trick}: a root proof would be an offline PBKDF2 test`);
      if (message.type === 'account-finish') assert.deepEqual(Object.keys(message), ['type']);
    }
    if (trick === 'older-server') assert.equal(forger.messages.filter((m) => m.type === 'auth').length, 0, 'not even an auth: the program stops at the challenge');
  }
});
