// Direct messages and files in the browser app (chromium, playwright-core) against a real server
// and a line-mode client: a direct message both ways with the safety number compared and
// confirmed, a desktop notification for it, a file shared in a room from the page and downloaded
// by the page (the same bytes, in the Downloads folder), and a file over the limit refused.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startGui, type GuiApp } from '../../src/gui/run-gui.js';
import { hasChromium, launchBrowser, type TestBrowser } from '../helpers/browser.js';
import { binPath, cleanEnv } from '../helpers/cli.js';
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

  async waitFor(accept: (line: Record<string, unknown>) => boolean, what: string): Promise<Record<string, unknown>> {
    await waitUntil(() => this.lines.some(accept), 15_000, what);
    const found = this.lines.find(accept);
    assert.ok(found);
    return found;
  }
}

const MAX_UPLOAD = 1024 * 1024;

describe('direct messages and files in a real browser', { skip }, () => {
  const base = tempDir();
  const downloads = path.join(base, 'Downloads');
  const uploadDir = path.join(base, 'uploads');
  let t: TestServer;
  let app: GuiApp;
  let browser: TestBrowser;
  let page: Page;
  let bob: LineClient | undefined;

  before(async () => {
    fs.mkdirSync(uploadDir);
    t = await startTestServer({ maxSessionsPerAddress: 100 }, path.join(base, 'server'));
    app = await startGui({
      connect: (passkey) => Promise.resolve({ pin: { targets: [{ host: '127.0.0.1', port: t.port }], fingerprints: [t.fingerprint] }, credentials: { passkey } }),
      profile: { dir: path.join(base, 'alice-profile'), source: '--profile-dir' },
      downloadsDir: downloads,
      uploadDir,
      maxUploadBytes: MAX_UPLOAD,
    });
    browser = await launchBrowser();
    page = browser.page;
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
    await page.goto(app.url);
    await page.getByLabel('Passkey', { exact: true }).fill(PASSKEY);
    await page.getByLabel('Name', { exact: true }).fill('alice');
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await page.getByRole('log', { name: 'Messages in #lobby' }).waitFor();

    const child = spawn(process.execPath, [binPath, 'client', '--server', `127.0.0.1:${t.port}`, '--fingerprint', t.fingerprint, '--name', 'bob', '--json', '--profile-dir', path.join(base, 'bob-profile')], {
      env: cleanEnv({ PARTY_POOL_PASSKEY: PASSKEY }),
      stdio: ['pipe', 'pipe', 'pipe'],
      cwd: base,
    });
    bob = new LineClient(child);
    await bob.waitFor((line) => line.type === 'welcome', 'bob logged in');
  });

  after(async () => {
    await browser?.close();
    await app?.close();
    if (bob && bob.child.exitCode === null) bob.child.kill('SIGKILL');
    await t?.close();
    fs.rmSync(base, { recursive: true, force: true });
  });

  test('a direct message both ways with a line-mode client; the safety number compared and confirmed', async () => {
    const lineClient = bob;
    assert.ok(lineClient);
    lineClient.say('/msg alice hello alice, just you');
    // The conversation appears beside the rooms with one unread, and a desktop notification says so.
    const person = page.getByRole('button', { name: /^bob.*1 unread/ });
    await person.waitFor();
    await page.waitForFunction('window.shownNotifications.length > 0');
    assert.deepEqual(await page.evaluate('window.shownNotifications'), [{ title: 'bob (direct message)', body: 'hello alice, just you' }]);

    await person.click();
    const log = page.getByRole('log', { name: 'Messages with bob' });
    await log.getByText('hello alice, just you').waitFor();
    // Read now: the count is gone.
    await page.getByRole('button', { name: /^bob.*unread/ }).waitFor({ state: 'detached' });

    const box = page.getByRole('textbox', { name: 'Message', exact: true });
    await box.fill('hi bob, sealed for you');
    await box.press('Enter');
    await lineClient.waitFor((line) => line.type === 'direct' && line.from === 'alice' && line.text === 'hi bob, sealed for you', 'bob got the direct message');
    await log.getByText('hi bob, sealed for you').waitFor();

    // The safety number: the same 60 digits on both sides; Confirm marks bob verified.
    lineClient.say('/verify alice');
    const bobSide = await lineClient.waitFor((line) => line.type === 'safety-number', "bob's safety number");
    await page.getByRole('button', { name: 'Safety number', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Safety number with bob' });
    await dialog.getByText('bob is not verified yet.').waitFor();
    const shown = (await dialog.getByLabel('Safety number').textContent()) ?? '';
    assert.equal(shown.replace(/\s+/g, ' ').trim(), bobSide.number);
    await dialog.getByRole('button', { name: 'Confirm', exact: true }).click();
    await dialog.getByText('bob is verified on this device.').waitFor();
    await dialog.getByRole('button', { name: 'Done', exact: true }).click();
    await log.getByText("You marked bob's safety number as compared").waitFor();

    // Block and unblock from the conversation's header (/block, /unblock).
    await page.getByRole('button', { name: 'Block', exact: true }).click();
    await page.getByRole('button', { name: 'Unblock', exact: true }).waitFor();
    await page.getByRole('button', { name: /^bob.*blocked/ }).waitFor();
    await page.getByRole('button', { name: 'Unblock', exact: true }).click();
    await page.getByRole('button', { name: 'Block', exact: true }).waitFor();
  });

  test('a file shared in a room from the page, and downloaded by the page: the same bytes, in Downloads', async () => {
    await page.getByRole('button', { name: /^#lobby/ }).click();
    const lobby = page.getByRole('log', { name: 'Messages in #lobby' });
    await lobby.waitFor();
    // Bigger than the page's window (384 KiB): the acknowledgements pace it.
    const bytes = crypto.randomBytes(700 * 1024 + 17);
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Send a file', exact: true }).click();
    await (await chooser).setFiles({ name: 'holiday photo.bin', mimeType: 'application/octet-stream', buffer: bytes });
    const row = lobby.locator('li.file').filter({ hasText: 'holiday photo.bin' });
    await row.waitFor({ timeout: 30_000 });
    // bob sees it too, with the SHA-256 of what the page read.
    const shared = await bob?.waitFor((line) => line.type === 'file' && line.name === 'holiday photo.bin', 'bob saw the file');
    assert.equal(shared?.sha256, crypto.createHash('sha256').update(bytes).digest('hex'));
    // The private copy is gone once sent.
    await waitUntil(() => fs.readdirSync(uploadDir).length === 0, 10_000, 'the upload copy removed');

    await row.getByRole('button', { name: 'Download', exact: true }).click();
    const saved = path.join(downloads, 'holiday photo.bin');
    await lobby.getByText('Saved holiday photo.bin (716.8 kB)', { exact: false }).waitFor({ timeout: 30_000 });
    await lobby.getByText(saved, { exact: false }).waitFor();
    assert.deepEqual(fs.readFileSync(saved), bytes);

    // Dropped on the chat: shared in the room shown, like the button.
    await page.evaluate(`(() => {
      const main = document.querySelector('main');
      const files = new DataTransfer();
      files.items.add(new File(['dropped on the chat'], 'dropped.txt', { type: 'text/plain' }));
      main.dispatchEvent(new DragEvent('dragover', { dataTransfer: files, bubbles: true, cancelable: true }));
      main.dispatchEvent(new DragEvent('drop', { dataTransfer: files, bubbles: true, cancelable: true }));
    })()`);
    await lobby.locator('li.file').filter({ hasText: 'dropped.txt' }).waitFor({ timeout: 30_000 });
    await bob?.waitFor((line) => line.type === 'file' && line.name === 'dropped.txt', 'bob saw the dropped file');
  });

  test('a file over the limit is refused with a clear sentence, and nothing is kept', async () => {
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Send a file', exact: true }).click();
    await (await chooser).setFiles({ name: 'too big.iso', mimeType: 'application/octet-stream', buffer: Buffer.alloc(MAX_UPLOAD + 1) });
    await page.getByRole('alert').filter({ hasText: 'too big.iso: That file is too large: at most 1 MiB can be shared.' }).waitFor();
    assert.equal(app.bridge.uploads.receiving, 0);
    assert.deepEqual(fs.readdirSync(uploadDir), []);
  });
});
