// The admin pages as processes: `party-pool server --dashboard` (the link under the status
// panel, a page acting as the dashboard, audited as dashboard#<id>, the dashboard closing with
// the server), `party-pool root --gui` (the link, a login typed in the page, Leave), and which
// interface an issued program picks on which desktop.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PassThrough } from 'node:stream';
import { onDesktop } from '../../src/cli/desktop.js';
import type { CliIo } from '../../src/cli/io.js';
import { newPackageId, sealServerFile } from '../../src/link/packaged-server.js';
import { packagedMain, withDefaultInterface } from '../../src/packaged-main.js';
import type { AdminEvent } from '../../src/gui/admin-protocol.js';
import { binPath, cleanEnv, runCli } from '../helpers/cli.js';
import { auditRecords } from '../helpers/dashboard.js';
import { exchange, openPage, pageHeaders, type PageSocket } from '../helpers/gui.js';
import { loggedInV2 } from '../helpers/raw-client.js';
import { PASSKEY, ROOT_PASSWORD, startTestServer, tempDir, waitUntil, type TestServer } from '../helpers/server.js';

class Program {
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;
  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.on('data', (chunk: Buffer) => (this.stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  async link(pattern: RegExp): Promise<string> {
    await waitUntil(() => pattern.test(this.stdout), 30_000, `a link matching ${String(pattern)}; got ${this.stdout}${this.stderr}`);
    return pattern.exec(this.stdout)?.[1] ?? '';
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

async function adminPage(url: string): Promise<PageSocket<AdminEvent>> {
  const port = Number(new URL(url).port);
  const page = openPage<AdminEvent>(port, pageHeaders(port, await exchange(url)));
  await page.opened;
  return page;
}

async function ready(page: PageSocket<AdminEvent>): Promise<string> {
  const hello = await page.waitFor('hello');
  if (hello.phase === 'ready') return hello.me ?? '';
  return (await page.waitFor('phase', (event) => event.phase === 'ready', 30_000)).me ?? '';
}

describe('party-pool server --dashboard', () => {
  const dir = tempDir();
  const running: Program[] = [];
  const pages: PageSocket<AdminEvent>[] = [];
  after(async () => {
    for (const page of pages) page.close();
    for (const program of running) program.kill();
    await Promise.all(running.map((program) => program.exited));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('prints the one-time link under the panel; the page acts as dashboard#<id> and closes with the server', async () => {
    const logDir = path.join(dir, 'logs');
    const server = new Program(
      spawn(process.execPath, [binPath, 'server', '--dashboard', '--no-open', '--port', '0', '--host', '127.0.0.1', '--data-dir', path.join(dir, 'data'), '--log-dir', logDir], {
        env: cleanEnv({ PARTY_POOL_PASSKEY: PASSKEY, PARTY_POOL_ROOT_PASSWORD: ROOT_PASSWORD }),
        stdio: ['pipe', 'pipe', 'pipe'],
      }),
    );
    running.push(server);
    const url = await server.link(/^Dashboard link \(works once, in one browser\): (http:\/\/127\.0\.0\.1:\d+\/session\?token=[\w-]+)$/m);
    assert.match(server.stdout, /Dashboard:?\s+http:\/\/127\.0\.0\.1:\d+\/ \(in your browser\)/);
    const page = await adminPage(url);
    pages.push(page);
    assert.match(await ready(page), /^dashboard#\d+$/);
    const hello = await page.waitFor('hello');
    assert.equal(hello.mode, 'dashboard');
    const port = hello.host?.port ?? 0;
    assert.ok(port > 0);
    const ann = await loggedInV2(port, 'ann');
    await page.waitFor('snapshot', (event) => event.snapshot.sessions.some((s) => s.name === 'ann'), 10_000);
    page.send({ type: 'action', id: 1, action: 'notice', text: 'hello from the dashboard' });
    assert.equal((await page.waitFor('outcome', (event) => event.id === 1)).ok, true);
    assert.equal((await ann.waitFor('notice', (m) => m.from === 'root')).text, 'hello from the dashboard');
    const sent = auditRecords(logDir).find((record) => record.action === 'send');
    assert.match(sent?.who ?? '', /^dashboard#\d+$/);
    // Stopping the server closes the dashboard: the page is told, the process exits 0.
    server.child.kill('SIGTERM');
    assert.match((await page.waitFor('goodbye', () => true, 15_000)).message, /server stopped/);
    assert.equal(await server.exited, 0);
    ann.destroy();
    assert.doesNotMatch(server.stdout + server.stderr, new RegExp(`${PASSKEY}|${ROOT_PASSWORD}`));
  });
});

describe('party-pool root --gui', () => {
  let t: TestServer;
  const running: Program[] = [];
  const pages: PageSocket<AdminEvent>[] = [];
  before(async () => (t = await startTestServer({ maxSessionsPerAddress: 100 })));
  after(async () => {
    for (const page of pages) page.close();
    for (const program of running) program.kill();
    await Promise.all(running.map((program) => program.exited));
    await t.close();
  });

  test('prints the link; the page logs in (wrong root password first), runs a command, and Leave exits 0', async () => {
    const root = new Program(spawn(process.execPath, [binPath, 'root', '--gui', '--no-open', '--server', `127.0.0.1:${t.port}`, '--fingerprint', t.fingerprint], { env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] }));
    running.push(root);
    const url = await root.link(/^The Party Pool root console is open in your browser: (http:\/\/127\.0\.0\.1:\d+\/\S+)$/m);
    const page = await adminPage(url);
    pages.push(page);
    const hello = await page.waitFor('hello');
    assert.equal(hello.mode, 'console');
    assert.deepEqual(hello.login, { askPasskey: true, askRootPassword: true });
    page.send({ type: 'login', passkey: PASSKEY, rootPassword: 'not-the-root-password' });
    const refused = await page.waitFor('phase', (event) => event.phase === 'login' && event.login.error !== undefined, 30_000);
    assert.equal(refused.login.error?.field, 'rootPassword');
    page.send({ type: 'login', passkey: PASSKEY, rootPassword: ROOT_PASSWORD });
    const me = (await page.waitFor('phase', (event) => event.phase === 'ready', 30_000)).me ?? '';
    assert.match(me, /^root#\d+$/);
    page.send({ type: 'command', line: 'list-conn' });
    await page.waitFor('console', (event) => event.entries.some((entry) => entry.kind === 'result' && entry.title === 'Connections'));
    page.send({ type: 'leave' });
    await page.waitFor('goodbye');
    assert.equal(await root.exited, 0);
    assert.doesNotMatch(root.stdout + root.stderr, new RegExp(`${PASSKEY}|${ROOT_PASSWORD}`));
  });

  test('--gui, --no-open and --terminal are in --help', async () => {
    const help = await runCli(['root', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--gui \[--no-open\]/);
    assert.match(help.stdout, /--terminal/);
    const server = await runCli(['server', '--help']);
    assert.match(server.stdout, /--dashboard \[--no-open\]/);
  });
});

describe('which interface an issued program opens', () => {
  const tty = (env: Record<string, string> = {}): { env: Record<string, string>; isTTY: boolean } => ({ env, isTTY: true });

  test('Windows and macOS: the browser at a console window; never over SSH or in line mode', () => {
    assert.equal(onDesktop(tty(), 'win32'), true);
    assert.equal(onDesktop(tty(), 'darwin'), true);
    assert.equal(onDesktop(tty({ SSH_CONNECTION: '203.0.113.7 50000 192.0.2.1 22' }), 'win32'), false);
    assert.equal(onDesktop(tty({ SSH_TTY: '/dev/pts/1' }), 'darwin'), false);
    assert.equal(onDesktop({ env: {}, isTTY: false }, 'win32'), false);
  });

  test('Linux: only with a graphical session (X11 or Wayland), and not over SSH', () => {
    assert.equal(onDesktop(tty(), 'linux'), false);
    assert.equal(onDesktop(tty({ DISPLAY: ':0' }), 'linux'), true);
    assert.equal(onDesktop(tty({ WAYLAND_DISPLAY: 'wayland-0' }), 'linux'), true);
    assert.equal(onDesktop(tty({ DISPLAY: 'localhost:10.0', SSH_CLIENT: '203.0.113.7 50000 22' }), 'linux'), false);
    assert.equal(onDesktop({ env: { DISPLAY: ':0' }, isTTY: false }, 'linux'), false);
  });
});

describe('an issued program on a desktop', () => {
  let t: TestServer;
  before(async () => (t = await startTestServer({ maxSessionsPerAddress: 100 })));
  after(async () => await t.close());

  function terminalIo(env: Record<string, string | undefined>): { io: CliIo; out: () => string } {
    const stdout = new PassThrough();
    let text = '';
    stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    return { io: { stdin: new PassThrough(), stdout, stderr: new PassThrough(), env, isTTY: true }, out: () => text };
  }

  test('--terminal, --json and line mode keep the terminal; --gui opens the browser anywhere', () => {
    const linux: Record<string, string> = process.platform === 'linux' ? { DISPLAY: ':0' } : {};
    assert.equal(withDefaultInterface(terminalIo(linux).io, { terminal: true }, 'client').gui, undefined);
    assert.equal(withDefaultInterface(terminalIo(linux).io, { json: true }, 'client').gui, undefined);
    assert.equal(withDefaultInterface({ ...terminalIo(linux).io, isTTY: false }, {}, 'client').gui, undefined);
    assert.equal(withDefaultInterface({ ...terminalIo({}).io, isTTY: false }, { gui: true }, 'root').gui, true);
  });

  test('a root package run at a desktop terminal says what its window is and opens the console in the browser', { skip: process.platform === 'win32' }, async () => {
    const content = { packageId: newPackageId(), kind: 'root' as const, version: '1.0.0', serverName: 'Party Pool', addresses: [`127.0.0.1:${t.port}`], fingerprints: [t.fingerprint], issuedAt: new Date().toISOString() };
    const sealed = await sealServerFile(content, PASSKEY, 600_000);
    const { io, out } = terminalIo(process.platform === 'linux' ? { DISPLAY: ':0' } : {});
    const run = packagedMain(io, () => sealed, ['--no-open'], 'PartyPoolRoot', { pauseOnError: false });
    await waitUntil(() => /open in your browser: http/.test(out()), 15_000, 'the link');
    assert.match(out(), /This window runs the root console; it opens in your browser\./);
    assert.match(out(), /closing it ends the session/);
    const url = /(http:\/\/127\.0\.0\.1:\d+\/session\?token=[\w-]+)/.exec(out())?.[1] ?? '';
    const page = await adminPage(url);
    assert.deepEqual((await page.waitFor('hello')).login, { askPasskey: true, askRootPassword: true });
    // The passkey typed in the page opens the sealed file; the login presents the package id.
    page.send({ type: 'login', passkey: PASSKEY, rootPassword: ROOT_PASSWORD });
    await page.waitFor('phase', (event) => event.phase === 'ready', 30_000);
    page.send({ type: 'leave' });
    assert.equal(await run, 0);
    page.close();
  });
});
