// Account and root passwords by OPAQUE (issue 11, item 7), on a real server: scrypt accounts from
// before protocol 3 are migrated at start without their passwords and still log in (then upgrade
// themselves to full OPAQUE); a relay between a victim and the real server (a forged package
// pointing at a relay that knows the passkey) cannot log in as the victim, because the login is
// bound to the TLS channel; and the genuine client registers, changes passwords and logs in
// without ever sending one.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { test } from 'node:test';
import { config } from '../../config.js';
import { generateKeyPair, selfSignedCertificate } from '../../src/crypto/certificate.js';
import { hashPassword } from '../../src/crypto/password.js';
import { migrations } from '../../src/data-dir/migrations.js';
import { DATABASE_FILE, Store } from '../../src/data-dir/store.js';
import { ChatClient } from '../../src/link/chat-client.js';
import { FrameDecoder, decodePayload, encodeFrame } from '../../src/protocol/frame.js';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { RawClient } from '../helpers/raw-client.js';
import { PASSKEY, serverFor, tempDir, TEST_STRETCHING, waitUntil, within } from '../helpers/server.js';

function accountRow(dataDir: string, nameKey: string): Record<string, unknown> {
  const store = Store.open(dataDir);
  try {
    return store.db.prepare('SELECT password_hash, opaque_record, stretching, prehash FROM accounts WHERE name_key = ?').get(nameKey) as Record<string, unknown>;
  } finally {
    store.close();
  }
}

/** The server log once it shows `pattern` (the log is written asynchronously). */
async function logged(logDir: string, pattern: RegExp): Promise<string> {
  const file = path.join(logDir, 'server.log');
  const read = (): string => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
  await waitUntil(() => pattern.test(read()), 5000, `the log to show ${String(pattern)}`);
  return read();
}

function chatClient(port: number, fingerprint: string, name: string, password: string, extra: Partial<ConstructorParameters<typeof ChatClient>[0]> = {}): ChatClient {
  return new ChatClient({
    pin: { targets: [{ host: '127.0.0.1', port }], fingerprints: [fingerprint] },
    credentials: { passkey: PASSKEY },
    role: 'user',
    chooseName: (refusal) => Promise.resolve(refusal ? undefined : name),
    reconnect: false,
    account: { password },
    ...extra,
  });
}

test('scrypt accounts from before protocol 3 are migrated at start, log in with their password (computing the old hash on the client), then upgrade to full OPAQUE', async (tc) => {
  const base = tempDir();
  const dataDir = path.join(base, 'data');
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // A database as the previous version left it: every migration before issue 11, one scrypt account.
  const before = Store.open(dataDir, migrations.filter((m) => !/^41\d-/.test(m.id)));
  const legacyHash = await hashPassword('oldie-password', config.accounts.scrypt);
  before.db.prepare('INSERT INTO accounts (name_key, name, password_hash, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)').run('oldie', 'Oldie', legacyHash, 1, null);
  before.close();

  const t = await serverFor(tc, { maxSessionsPerAddress: 100 }, base);
  const migrated = accountRow(t.dataDir, 'oldie');
  assert.equal(migrated.password_hash, '', 'the scrypt hash is gone');
  assert.match(String(migrated.opaque_record), /^[A-Za-z0-9_-]{256}$/);
  const prehash = JSON.parse(String(migrated.prehash)) as Record<string, unknown>;
  assert.deepEqual([prehash.N, prehash.r, prehash.p, prehash.salt], [32768, 8, 1, legacyHash.split('$')[4]]);
  assert.ok(!fs.readFileSync(path.join(t.dataDir, DATABASE_FILE)).includes(legacyHash.split('$')[5] ?? '-'), 'nor its hash anywhere in the database file');
  await logged(t.logDir, /accounts migrated to OPAQUE migrated=1 damaged=0/);

  // An old program cannot log in to it any more (it would send the password).
  const legacy = await RawClient.connect(t.port);
  legacy.versions = [1, 2];
  legacy.versionsChosen = true;
  assert.equal(await legacy.attempt('oldie', { password: 'oldie-password' }), 'CLIENT_TOO_OLD');
  legacy.destroy();
  // The wrong password over the prehash is still wrong.
  const wrong = await RawClient.connect(t.port);
  assert.equal(await wrong.attempt('oldie', { password: 'not-oldies-password' }), 'PASSWORD_WRONG');
  wrong.destroy();

  // The genuine client: PASSWORD_REQUIRED names the scrypt salt and cost, it computes the old
  // hash, logs in over it, and then registers a fresh record with the password by itself.
  const client = chatClient(t.port, t.fingerprint, 'oldie', 'oldie-password');
  tc.after(() => client.stop());
  const welcome = await within(client.start(), 20_000, 'the migrated login');
  assert.equal(welcome.name, 'oldie');
  await waitUntil(() => accountRow(t.dataDir, 'oldie').prehash === null, 20_000, 'the upgrade to a fresh record');
  const upgraded = accountRow(t.dataDir, 'oldie');
  assert.deepEqual(JSON.parse(String(upgraded.stretching)), config.login.keyStretching, 'full stretching now');
  assert.notEqual(upgraded.opaque_record, migrated.opaque_record);
  client.stop();
  await waitUntil(() => t.server.onlineNames().length === 0);
  // The upgraded account logs in with the plain password; the old input no longer opens it.
  const again = await RawClient.connect(t.port);
  assert.equal(await again.attempt('oldie', { password: 'oldie-password' }), 'welcome');
  again.destroy();
  await logged(t.logDir, /password upgraded to OPAQUE .*user=oldie/);
});

test('a relay (a forged package pointing at a server that knows the passkey and forwards to the real one) cannot log in as the victim: the login is bound to the TLS channel', async (tc) => {
  const t = await serverFor(tc);
  const owner = await RawClient.connect(t.port);
  await owner.login('victim', { password: 'victim-password', register: true });
  owner.destroy();
  await waitUntil(() => t.server.onlineNames().length === 0);

  // The relay: a TLS server for the victim, a client of the real server.
  const keys = generateKeyPair();
  const certificate = await selfSignedCertificate(keys, 'Party Pool');
  const upstream = await RawClient.connect(t.port);
  upstream.versions = [1, 2, 3];
  const challenge = await upstream.hello();
  const fromServer: ServerMessage[] = [];
  const relaySockets = new Set<tls.TLSSocket>();
  const relay = tls.createServer({ key: certificate.privateKeyPem, cert: certificate.certificatePem, minVersion: 'TLSv1.3' }, (socket) => {
    relaySockets.add(socket);
    socket.on('error', () => undefined);
    const decoder = new FrameDecoder(1024 * 1024);
    const toVictim = (message: unknown): void => void socket.write(encodeFrame(message));
    socket.on('data', (chunk: Buffer) => {
      for (const payload of decoder.push(chunk)) {
        const message = decodePayload(payload) as Record<string, unknown>;
        if (message.type === 'hello') toVictim({ ...challenge, nonce: crypto.randomBytes(32).toString('base64') });
        else if (message.type === 'auth') {
          // Its own passkey proof over the real server's nonce and channel, the victim's KE1.
          void upstream.authMessage(String(message.name)).then((auth) => {
            upstream.send({ ...auth, account: message.account });
            void upstream.nextOf((m) => m.type === 'account-challenge' || m.type === 'error').then((m) => {
              fromServer.push(m);
              toVictim(m);
            });
          });
        } else if (message.type === 'account-finish') {
          upstream.send(message);
          void upstream.nextOf((m) => m.type === 'welcome' || (m.type === 'error' && m.code !== 'PASSWORD_REQUIRED')).then((m) => {
            fromServer.push(m);
            toVictim(m);
          });
        }
      }
    });
  });
  tc.after(() => {
    for (const socket of relaySockets) socket.destroy();
    return new Promise<void>((resolve) => relay.close(() => resolve()));
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const address = relay.address();
  const victim = await RawClient.connect(typeof address === 'object' && address ? address.port : 0);
  victim.versions = [1, 2, 3];
  tc.after(() => victim.destroy());
  const end = await victim.attempt('victim', { password: 'victim-password' });
  // The victim's program did open the real record (it sent KE3): the password was right...
  assert.equal(fromServer[0]?.type, 'account-challenge');
  // ...but its binding names the victim-relay channel, and the real server refused the relay.
  assert.equal(end, 'PASSWORD_WRONG');
  assert.deepEqual(fromServer.map((m) => (m.type === 'error' ? m.code : m.type)), ['account-challenge', 'PASSWORD_WRONG']);
  assert.deepEqual(t.server.onlineNames(), []);
  upstream.destroy();
});

test('the genuine client registers, changes its password and logs in again without sending a password; a wrong old password is refused', async (tc) => {
  const t = await serverFor(tc, { maxSessionsPerAddress: 100 });
  const floor = { ...TEST_STRETCHING };
  const first = chatClient(t.port, t.fingerprint, 'carla', 'carla-password-1', { stretchingFloor: floor });
  tc.after(() => first.stop());
  const events: ServerMessage[] = [];
  first.on('message', (m) => events.push(m));
  await first.start();
  assert.equal(await first.register('short'), true);
  assert.ok(events.some((m) => m.type === 'error' && m.code === 'PASSWORD_INVALID'), 'the client applies the password rule (the server never sees the password)');
  assert.equal(await first.register('carla-password-1'), true);
  await waitUntil(() => events.some((m) => m.type === 'account' && m.event === 'registered'));
  assert.equal(await first.command('password', 'wrong-old-password carla-password-2'), true);
  await waitUntil(() => events.some((m) => m.type === 'error' && m.code === 'OLD_PASSWORD_WRONG'));
  assert.equal(await first.changePassword('carla-password-1', 'carla-password-2'), true);
  await waitUntil(() => events.some((m) => m.type === 'account' && m.event === 'password-changed'));
  assert.ok(!events.some((m) => m.type === 'account-challenge' || m.type === 'account-registration'), 'the exchange is the client\'s business, not the screen\'s');
  first.stop();
  await waitUntil(() => t.server.onlineNames().length === 0);
  const second = chatClient(t.port, t.fingerprint, 'carla', 'carla-password-2');
  tc.after(() => second.stop());
  assert.equal((await second.start()).name, 'carla');
  second.stop();
  const log = await logged(t.logDir, /password changed .*user=carla/);
  for (const secret of ['carla-password-1', 'carla-password-2', 'wrong-old-password']) assert.ok(!log.includes(secret));
});
