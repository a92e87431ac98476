// OPAQUE (RFC 9807) through @serenity-kit/opaque, the library behind account and root passwords
// (issue 11; written first as the design's prototype, docs/SECURITY.md). It runs on this Node (20)
// and inside a CommonJS bundle made the way issued packages are made (esbuild, platform node,
// format cjs; the WASM travels inside the JavaScript), and shows the properties the design relies
// on: the server stores only a record, a forged server (its own OPAQUE setup, no record) gets no
// proof it can test password guesses against offline, only one online guess per login attempt,
// and a session key that binds the login to one TLS channel. It also times the default key
// stretching (a diagnostic, never an assertion).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as opaque from '@serenity-kit/opaque';
import { build } from 'esbuild';

const run = promisify(execFile);
/** Cheap key stretching for the protocol tests (the design's real cost is timed separately below). */
const FAST = { 'argon2id-custom': { memory: 256, iterations: 1, parallelism: 1 } } as const;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

interface Registered {
  serverSetup: string;
  record: string;
}

function register(name: string, password: string, serverSetup = opaque.server.createSetup()): Registered {
  const { clientRegistrationState, registrationRequest } = opaque.client.startRegistration({ password });
  const { registrationResponse } = opaque.server.createRegistrationResponse({ serverSetup, userIdentifier: name, registrationRequest });
  const { registrationRecord } = opaque.client.finishRegistration({ clientRegistrationState, registrationResponse, password, keyStretching: FAST });
  return { serverSetup, record: registrationRecord };
}

/** One login attempt: what the client ends with (undefined = it stopped, sending nothing more) and what the server concludes. */
function login(name: string, password: string, server: { serverSetup: string; record: string | null }): { clientKey?: string; serverKey?: string; ke1: string } {
  const { clientLoginState, startLoginRequest } = opaque.client.startLogin({ password });
  const { serverLoginState, loginResponse } = opaque.server.startLogin({ serverSetup: server.serverSetup, userIdentifier: name, registrationRecord: server.record, startLoginRequest });
  const finished = opaque.client.finishLogin({ clientLoginState, loginResponse, password, keyStretching: FAST });
  if (!finished) return { ke1: startLoginRequest };
  const { sessionKey } = opaque.server.finishLogin({ serverLoginState, finishLoginRequest: finished.finishLoginRequest });
  return { clientKey: finished.sessionKey, serverKey: sessionKey, ke1: startLoginRequest };
}

/** The design's channel binding: a MAC over the TLS exporter under the OPAQUE session key. */
function binding(sessionKey: string, exporter: Buffer): Buffer {
  return crypto.createHmac('sha256', Buffer.from(sessionKey, 'base64url')).update('party-pool/v3 account binding').update(exporter).digest();
}

test('OPAQUE on this Node: register, log in, refuse a wrong password; the server keeps only a record', async () => {
  await opaque.ready;
  assert.ok(Number(process.versions.node.split('.')[0]) >= 20);
  const alice = register('alice', 'correct horse battery');
  assert.ok(!alice.record.includes('correct'), 'the record is not the password');
  const good = login('alice', 'correct horse battery', alice);
  assert.ok(good.clientKey && good.clientKey === good.serverKey, 'both ends hold the same session key');
  const wrong = login('alice', 'correct horse battery!', alice);
  assert.equal(wrong.clientKey, undefined, 'a wrong password: the client stops before sending a proof');
  // Two logins with the same password send unrelated first messages: the blinded OPRF input hides the password.
  assert.notEqual(login('alice', 'correct horse battery', alice).ke1, good.ke1);
});

test('a forged server (own setup, passkey known) learns nothing to test guesses offline; one online guess per attempt', async () => {
  await opaque.ready;
  const real = register('alice', 'correct horse battery');
  // The forger has no record for alice: it answers with a made-up one (the library's dummy for an unknown user).
  const forgedSetup = opaque.server.createSetup();
  assert.equal(login('alice', 'correct horse battery', { serverSetup: forgedSetup, record: null }).clientKey, undefined, 'no third message, nothing to test guesses against');
  // The forger registers a guess under its own setup and replays that record: the victim's client answers only if the guess is right.
  const guess = register('alice', 'hunter2hunter2', forgedSetup);
  assert.equal(login('alice', 'correct horse battery', guess).clientKey, undefined, 'a wrong guess: the client stops');
  assert.ok(login('alice', 'hunter2hunter2', guess).clientKey, 'a right guess is confirmed: one guess per login attempt, never offline');
  // The real server's record does not open under another setup (a stolen record alone is useless).
  assert.equal(login('alice', 'correct horse battery', { serverSetup: forgedSetup, record: real.record }).clientKey, undefined);
});

test('a relay between two TLS channels is caught by binding the session key to the TLS exporter', async () => {
  await opaque.ready;
  const alice = register('alice', 'correct horse battery');
  const result = login('alice', 'correct horse battery', alice);
  assert.ok(result.clientKey && result.serverKey);
  const sameChannel = crypto.randomBytes(32);
  assert.ok(crypto.timingSafeEqual(binding(result.clientKey, sameChannel), binding(result.serverKey, sameChannel)));
  // A relay (forged package -> forger's server -> real server) has a different TLS session on each side.
  const victimSide = crypto.randomBytes(32);
  const serverSide = crypto.randomBytes(32);
  assert.notDeepEqual(binding(result.clientKey, victimSide), binding(result.serverKey, serverSide));
});

test('OPAQUE inside an esbuild CommonJS bundle (as issued packages are built) runs with no node_modules beside it', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'party-pool-opaque-bundle-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const entry = path.join(dir, 'entry.cjs');
  fs.writeFileSync(
    entry,
    `const opaque = require('@serenity-kit/opaque');
(async () => {
  await opaque.ready;
  const serverSetup = opaque.server.createSetup();
  const password = 'correct horse battery';
  const reg = opaque.client.startRegistration({ password });
  const { registrationResponse } = opaque.server.createRegistrationResponse({ serverSetup, userIdentifier: 'bob', registrationRequest: reg.registrationRequest });
  const { registrationRecord } = opaque.client.finishRegistration({ clientRegistrationState: reg.clientRegistrationState, registrationResponse, password });
  const start = opaque.client.startLogin({ password });
  const server = opaque.server.startLogin({ serverSetup, userIdentifier: 'bob', registrationRecord, startLoginRequest: start.startLoginRequest });
  const started = Date.now();
  const done = opaque.client.finishLogin({ clientLoginState: start.clientLoginState, loginResponse: server.loginResponse, password });
  const clientMs = Date.now() - started;
  const { sessionKey } = opaque.server.finishLogin({ serverLoginState: server.serverLoginState, finishLoginRequest: done.finishLoginRequest });
  console.log(JSON.stringify({ ok: sessionKey === done.sessionKey, clientMs, node: process.version }));
})().catch((error) => { console.error(error); process.exit(1); });
`,
  );
  const outfile = path.join(dir, 'bundle.cjs');
  // The options of src/packaging/bundle.ts that matter here.
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'silent',
    nodePaths: [path.join(repoRoot, 'node_modules')],
  });
  assert.deepEqual(result.warnings, []);
  const code = fs.readFileSync(outfile, 'utf8');
  // Inside a single-executable application require() reaches only Node's built-in modules.
  const required = [...code.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1] ?? '');
  assert.deepEqual(required.filter((name) => !name.startsWith('node:') && !['crypto', 'fs', 'path', 'util'].includes(name)), [], 'the bundle needs no package at run time');
  fs.rmSync(entry);
  const { stdout } = await run(process.execPath, [outfile], { cwd: dir, timeout: 60_000, env: { PATH: process.env.PATH ?? '' } });
  const report = JSON.parse(stdout.trim()) as { ok: boolean; clientMs: number; node: string };
  assert.equal(report.ok, true);
  assert.equal(report.node, process.version);
  // Reported, not asserted: the default key stretching (Argon2id, 64 MiB, 3 passes, 4 lanes) on the client.
  t.diagnostic(`bundle ${(code.length / 1024).toFixed(0)} KiB; default key stretching on the client: ${report.clientMs} ms`);
});

test('a registration made on a worker thread (the root password at a first start) logs in like one made in place', async () => {
  const { MINIMAL_STRETCHING, clientFinishLogin, clientStartLogin, createServerSetup, registerInWorker, serverFinishLogin, serverStartLogin } = await import('../../src/crypto/opaque.js');
  const setup = await createServerSetup();
  const record = await registerInWorker(setup, 'root', 'a root password 1234', MINIMAL_STRETCHING);
  const attempt = async (password: string): Promise<boolean> => {
    const ke1 = await clientStartLogin(password);
    const started = await serverStartLogin(setup, 'root', record, ke1.message);
    assert.ok(started, 'the server starts a login with the record');
    const finished = await clientFinishLogin(ke1.state, started.ke2, password, MINIMAL_STRETCHING);
    if (!finished) return false;
    const serverKey = await serverFinishLogin(started.state, finished.ke3);
    return serverKey !== undefined && serverKey.equals(finished.sessionKey);
  };
  assert.equal(await attempt('a root password 1234'), true);
  assert.equal(await attempt('a root password 1235'), false);
});
