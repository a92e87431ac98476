// The browser app in a real browser (Debian's chromium, driven by playwright-core) against a
// real server: log in with the keyboard, chat both ways with a line-mode client, join a room,
// user text stays text, reconnect after a server restart with nothing lost or doubled, a
// foreign page and a rebound host name are refused, and Leave ends the program.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startGui, type GuiApp } from '../../src/gui/run-gui.js';
import { hasChromium, launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { binPath, cleanEnv } from '../helpers/cli.js';
import { loggedInV2, type RawClient } from '../helpers/raw-client.js';
import { PASSKEY, startTestServer, tempDir, waitUntil, type TestServer } from '../helpers/server.js';

const skip = hasChromium() ? false : process.env.CI === 'true' ? false : 'chromium is not installed (/usr/bin/chromium)';

/** A line-mode `party-pool client --json` whose output lines are collected as they come. */
class LineClient {
  readonly lines: Record<string, unknown>[] = [];
  readonly exited: Promise<number | null>;
  constructor(readonly child: ChildProcessWithoutNullStreams) {
    let buffered = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const part of parts) if (part.trim()) this.lines.push(JSON.parse(part) as Record<string, unknown>);
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  say(line: string): void {
    this.child.stdin.write(line + '\n');
  }

  waitFor(accept: (line: Record<string, unknown>) => boolean, what: string): Promise<void> {
    return waitUntil(() => this.lines.some(accept), 15_000, what);
  }
}

function texts(page: Page, room: string): Promise<string[]> {
  return page.getByRole('log', { name: `Messages in ${room}` }).locator('li .text').allTextContents();
}

describe('the app in a real browser', { skip }, () => {
  const base = tempDir();
  let t: TestServer;
  let app: GuiApp;
  let browser: TestBrowser;
  let page: Page;
  let bob: LineClient | undefined;
  const raws: RawClient[] = [];
  let foreign: http.Server | undefined;

  before(async () => {
    t = await startTestServer({ maxSessionsPerAddress: 100 }, base);
    // alice's name is registered: the page must ask for her password.
    const setup = await loggedInV2(t.port, 'alice');
    await setup.registerAccount('alice-password');
    // More history than a login sends (50), so the page has older messages to load.
    const ids = Array.from({ length: 120 }, (_, i) => setup.say(`old line ${i}`));
    for (const id of ids) await setup.answer(id);
    setup.destroy();
    const server = (): TestServer => t;
    app = await startGui({
      connect: (passkey) => Promise.resolve({ pin: { targets: [{ host: '127.0.0.1', port: server().port }], fingerprints: [server().fingerprint] }, credentials: { passkey } }),
      reconnectInitialDelayMs: 2000,
    });
    browser = await launchBrowser(['--host-resolver-rules=MAP rebind.test 127.0.0.1']);
    page = browser.page;
    // Desktop notifications, observed: the page's Notification is replaced by a recorder.
    // (Browser-side code is given as text: the tests compile without the DOM's types.)
    await page.addInitScript({
      content: `
        window.shownNotifications = [];
        class RecordingNotification {
          static permission = 'granted';
          static requestPermission() { return Promise.resolve('granted'); }
          constructor(title, options) { window.shownNotifications.push({ title, body: (options && options.body) || '' }); }
        }
        Object.defineProperty(window, 'Notification', { value: RecordingNotification, configurable: true });
      `,
    });
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    if (bob && bob.child.exitCode === null) bob.child.kill('SIGKILL');
    for (const raw of raws) raw.destroy();
    await new Promise<void>((resolve) => (foreign ? foreign.close(() => resolve()) : resolve()));
    await t?.close();
    fs.rmSync(base, { recursive: true, force: true });
  });

  test('logs in with the keyboard alone: Passkey, Name, then Password for a registered name', async () => {
    await page.goto(app.url);
    // The link's secret is gone from the address bar; the cookie is out of reach of scripts.
    assert.equal(page.url(), app.server.appUrl);
    const cookie = (await browser.context.cookies()).find((c) => c.name === app.server.cookieName);
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, 'Strict');
    assert.equal(await page.evaluate('document.cookie'), '');

    // A wrong passkey is answered on the Passkey field.
    await page.getByLabel('Passkey', { exact: true }).waitFor();
    await page.waitForFunction("document.activeElement?.id === 'login-passkey'");
    await page.keyboard.type('not-the-passkey');
    await page.keyboard.press('Tab');
    await page.keyboard.type('alice');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'Wrong passkey' }).waitFor();
    assert.equal(await page.getByLabel('Passkey', { exact: true }).getAttribute('aria-invalid'), 'true');

    await page.getByLabel('Passkey', { exact: true }).fill(PASSKEY);
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    // alice is registered: the Password field appears, with the cursor in it.
    await page.getByLabel('Password', { exact: true }).waitFor();
    await page.waitForFunction("document.activeElement?.id === 'login-password'");
    await page.keyboard.type('alice-password');
    await page.keyboard.press('Enter');

    await page.getByRole('log', { name: 'Messages in #lobby' }).waitFor();
    await page.getByRole('textbox', { name: 'Message', exact: true }).waitFor();
    await page.getByText('You are alice').waitFor();
    assert.equal(app.bridge.currentPhase, 'chat');
  });

  test('history loads older messages when scrolled to the top', async () => {
    const log = page.getByRole('log', { name: 'Messages in #lobby' });
    await log.getByText('old line 119', { exact: true }).waitFor();
    assert.equal(await log.getByText('old line 0', { exact: true }).count(), 0);
    await log.getByRole('button', { name: 'Load older messages' }).waitFor();
    await log.evaluate((element: { scrollTop: number }) => (element.scrollTop = 0));
    await log.getByText('old line 20', { exact: true }).waitFor();
    await log.evaluate((element: { scrollTop: number }) => (element.scrollTop = 0));
    await log.getByText('old line 0', { exact: true }).waitFor();
    await log.getByText('Start of #lobby').waitFor();
    const lines = (await texts(page, '#lobby')).filter((text) => text.startsWith('old line '));
    assert.deepEqual(lines, Array.from({ length: 120 }, (_, i) => `old line ${i}`));
  });

  test('chats both ways with a line-mode client', async () => {
    const child = spawn(process.execPath, [binPath, 'client', '--server', `127.0.0.1:${t.port}`, '--fingerprint', t.fingerprint, '--name', 'bob', '--json'], {
      env: cleanEnv({ PARTY_POOL_PASSKEY: PASSKEY }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    bob = new LineClient(child);
    const lineClient = bob;
    await lineClient.waitFor((line) => line.type === 'welcome', 'bob logged in');
    await page.getByRole('complementary', { name: /Online/ }).getByText('bob').waitFor();

    lineClient.say('hello from bob');
    await page.getByRole('log', { name: 'Messages in #lobby' }).getByText('hello from bob').waitFor();

    const box = page.getByRole('textbox', { name: 'Message', exact: true });
    await box.fill('hi bob, from the browser');
    await box.press('Enter');
    await lineClient.waitFor((line) => line.type === 'message' && line.from === 'alice' && line.text === 'hi bob, from the browser', 'bob got the message');
    assert.equal(await box.inputValue(), '');

    // A /command typed in the message box.
    await box.fill('/online');
    await box.press('Enter');
    await page.getByRole('log', { name: 'Messages in #lobby' }).getByText(/Online \(2\): .*alice.*bob|Online \(2\): .*bob.*alice/).waitFor();
  });

  test('joins a room from the dialog and talks there; a mention elsewhere counts and notifies', async () => {
    const dave = await loggedInV2(t.port, 'dave');
    raws.push(dave);
    await dave.registerAccount('dave-password');
    await dave.answer(dave.command('create', '#games'));

    await page.getByRole('button', { name: 'Join or create a room' }).click();
    const dialog = page.getByRole('dialog', { name: 'Join or create a room' });
    await dialog.getByRole('button', { name: 'Join #games' }).click();
    await page.getByRole('log', { name: 'Messages in #games' }).waitFor();
    assert.equal(await page.getByRole('button', { name: /^#games/ }).getAttribute('aria-current'), 'true');

    const box = page.getByRole('textbox', { name: 'Message', exact: true });
    await box.fill('gg');
    await box.press('Enter');
    await dave.waitFor('message', (m) => m.room === '#games' && m.text === 'gg' && m.from === 'alice', 10_000);

    bob?.say('alice: are you there?');
    await page.getByRole('button', { name: /^#lobby.*1 unread, you were mentioned/ }).waitFor();
    const notes = await page.evaluate('window.shownNotifications');
    assert.deepEqual(notes, [{ title: 'bob in #lobby', body: 'alice: are you there?' }]);
  });

  test('user text is only ever inserted as text, never as markup', async () => {
    const dave = raws[0];
    assert.ok(dave);
    const attacks = ['<img src=x onerror="window.pwned=1">', '<script>window.pwned=2</script><b>bold</b>', '"><svg onload=window.pwned=3>', '&lt;not an entity&gt;'];
    for (const text of attacks) dave.send({ type: 'say', id: Math.floor(Math.random() * 1e9), text, room: '#games' });
    const log = page.getByRole('log', { name: 'Messages in #games' });
    await log.getByText('&lt;not an entity&gt;', { exact: true }).waitFor();
    const shown = await texts(page, '#games');
    for (const text of attacks) assert.ok(shown.includes(text), `shown as typed: ${text}`);
    assert.equal(await log.locator('img, script, b, svg').count(), 0);
    assert.equal(await page.evaluate('window.pwned'), undefined);
  });

  test('reconnects after a server restart: lines typed meanwhile are sent, nothing is lost or doubled', async () => {
    const port = t.port;
    for (const raw of raws.splice(0)) raw.destroy();
    await t.close();
    await page.getByRole('alert').filter({ hasText: 'Reconnecting' }).waitFor();
    // bob's line mode does not reconnect: the shutdown ends it.
    assert.equal(await bob?.exited, 0);

    const box = page.getByRole('textbox', { name: 'Message', exact: true });
    await box.fill('typed while the server was down');
    await box.press('Enter');
    await page.getByRole('log', { name: 'Messages in #games' }).getByText('(waiting to send)').waitFor();

    t = await startTestServer({ maxSessionsPerAddress: 100, port }, base);
    const dave = await loggedInV2(t.port, 'dave', { password: 'dave-password' });
    raws.push(dave);
    await dave.answer(dave.say('said in the lobby while alice was away'));

    // The page's reconnect backoff may be at its cap (30 s) by the time the server is back.
    await dave.waitFor('message', (m) => m.room === '#games' && m.text === 'typed while the server was down' && m.from === 'alice', 75_000);
    await page.getByRole('alert').filter({ hasText: 'Reconnecting' }).waitFor({ state: 'detached' });
    await page.getByRole('log', { name: 'Messages in #games' }).getByText('typed while the server was down').waitFor();
    assert.equal(await page.getByText('(waiting to send)').count(), 0);

    await page.getByRole('button', { name: /^#lobby/ }).click();
    const lobby = page.getByRole('log', { name: 'Messages in #lobby' });
    await lobby.getByText('said in the lobby while alice was away').waitFor();
    const lobbyTexts = await texts(page, '#lobby');
    const count = (text: string, list: string[]): number => list.filter((line) => line === text).length;
    assert.equal(count('said in the lobby while alice was away', lobbyTexts), 1);
    assert.equal(count('hello from bob', lobbyTexts), 1);
    assert.equal(count('alice: are you there?', lobbyTexts), 1);
    await page.getByRole('button', { name: /^#games/ }).click();
    // The room's list is drawn again on the switch: read it once it shows this session's last line.
    await page.getByRole('log', { name: 'Messages in #games' }).getByText('typed while the server was down').waitFor();
    const gamesTexts = await texts(page, '#games');
    assert.equal(count('gg', gamesTexts), 1);
    assert.equal(count('typed while the server was down', gamesTexts), 1);
  });

  test('a foreign page cannot drive the app, and a rebound host name is refused', async () => {
    const refusedBefore = app.server.refused.origin;
    // Another site on this computer (same-site for cookies: only the port differs).
    const attack = `<!doctype html><script>
      window.results = {};
      const ws = new WebSocket('ws://127.0.0.1:${app.server.port}/ws');
      ws.onopen = () => (window.results.ws = 'open');
      ws.onclose = () => (window.results.ws = window.results.ws || 'refused');
      fetch('http://127.0.0.1:${app.server.port}/', { credentials: 'include' }).then((r) => r.text()).then(() => (window.results.fetch = 'read'), () => (window.results.fetch = 'blocked'));
    </script>`;
    foreign = http.createServer((_request, response) => response.writeHead(200, { 'Content-Type': 'text/html' }).end(attack));
    await new Promise<void>((resolve) => foreign?.listen(0, '127.0.0.1', () => resolve()));
    const address = foreign.address();
    const foreignPort = typeof address === 'object' && address ? address.port : 0;
    const evil = await browser.context.newPage();
    await evil.goto(`http://127.0.0.1:${foreignPort}/`);
    await evil.waitForFunction('window.results.ws !== undefined && window.results.fetch !== undefined');
    const results = await evil.evaluate('window.results');
    assert.deepEqual(results, { ws: 'refused', fetch: 'blocked' });
    assert.ok(app.server.refused.origin > refusedBefore);

    // DNS rebinding: a name that resolves to 127.0.0.1 reaches the port, but not the app.
    const rebound = await evil.goto(`http://rebind.test:${app.server.port}/`);
    assert.equal(rebound?.status(), 421);
    // Guessing the link does not work either.
    const guessed = await evil.goto(`http://127.0.0.1:${app.server.port}/session?token=${'x'.repeat(43)}`);
    assert.equal(guessed?.status(), 403);
    await evil.close();
    // The real page is still fine.
    await page.getByRole('textbox', { name: 'Message', exact: true }).waitFor();
  });

  test('Leave logs out and ends the program', async () => {
    const dave = raws.at(-1);
    assert.ok(dave);
    await page.getByRole('button', { name: 'Leave', exact: true }).click();
    await page.getByText('You left Party Pool').waitFor();
    await app.left;
    await dave.waitFor('presence', (m) => m.event === 'leave' && m.name === 'alice', 10_000);
  });
});
