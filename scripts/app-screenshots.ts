// Screenshots of the browser app for the README and docs/GUI.md: a room with a shared file (and
// where its download was saved) beside the direct-message list, and a direct conversation with
// its safety-number view. The other people are real clients on a real server. Not a test.
// Usage: npm run build && node build/scripts/app-screenshots.js [--out docs/images]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { createSilentLogger } from '../src/common/logger.js';
import { resolveServerSettings } from '../src/common/settings.js';
import { startGui } from '../src/gui/run-gui.js';
import { ChatClient } from '../src/link/chat-client.js';
import { FileTransfers } from '../src/link/file-transfers.js';
import { Profile } from '../src/link/profile.js';
import { PartyPoolServer } from '../src/server/server.js';
import { CHROMIUM, CHROMIUM_FLAGS } from '../test/helpers/browser.js';
import { loggedInV2 } from '../test/helpers/raw-client.js';
import { PASSKEY, ROOT_PASSWORD } from '../test/helpers/server.js';

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

async function main(): Promise<void> {
  const out = option('--out') ?? 'docs/images';
  fs.mkdirSync(out, { recursive: true });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'party-pool-app-shots-'));
  const server = await PartyPoolServer.start({
    settings: { ...resolveServerSettings({}, {}), host: '127.0.0.1', port: 0, dataDir: path.join(root, 'data'), logDir: path.join(root, 'logs'), publicIpUrl: '' },
    passkey: PASSKEY,
    rootPassword: ROOT_PASSWORD,
    logger: createSilentLogger(),
  });
  const pin = { targets: [{ host: '127.0.0.1', port: server.port }], fingerprints: [server.identity.fingerprint] };
  const app = await startGui({
    connect: (passkey) => Promise.resolve({ pin, credentials: { passkey } }),
    profile: { dir: path.join(root, 'amy-profile'), source: '--profile-dir' },
    // Shown in the "Saved … to" line: a friend's usual folder rather than a temporary one.
    downloadsDir: path.join(root, 'home', 'amy', 'Downloads'),
    uploadDir: root,
  });
  const bea = new ChatClient({
    pin,
    credentials: { passkey: PASSKEY },
    role: 'user',
    chooseName: (refusal) => Promise.resolve(refusal ? undefined : 'bea'),
    reconnect: false,
    account: { password: 'bea-password', register: true },
    direct: { profile: Profile.open(path.join(root, 'bea-profile')) },
  });
  const context = await chromium.launchPersistentContext(path.join(root, 'browser'), { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1180, height: 720 } });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(app.url);
    await page.getByLabel('Passkey', { exact: true }).fill(PASSKEY);
    await page.getByLabel('Name', { exact: true }).fill('amy');
    await page.getByRole('button', { name: 'Join', exact: true }).click();
    await page.getByRole('log', { name: 'Messages in #lobby' }).waitFor();

    await bea.start();
    await bea.settled();
    const cal = await loggedInV2(server.port, 'cal');
    const lobby = page.getByRole('log', { name: 'Messages in #lobby' });
    await bea.say('Photos from Saturday are up, grab them below.');
    const photos = path.join(root, 'saturday-photos.zip');
    fs.writeFileSync(photos, Buffer.alloc(2_400_000, 7));
    const transfers = new FileTransfers(bea, { downloadsDir: root });
    await transfers.send(photos, { room: '#lobby' });
    const id = Math.floor(Math.random() * 1e9);
    cal.send({ type: 'say', id, text: 'Thanks bea! The lake ones are lovely.' });
    await cal.answer(id);
    const row = lobby.locator('li.file').filter({ hasText: 'saturday-photos.zip' });
    await row.getByRole('button', { name: 'Download', exact: true }).click();
    await lobby.getByText('Saved saturday-photos.zip').waitFor({ timeout: 30_000 });
    await bea.sendDirect('amy', 'Are you coming on Sunday? I can pick you up at ten.');
    await page.getByRole('button', { name: /^bea.*1 unread/ }).waitFor();
    await page.getByRole('list', { name: 'File transfers' }).waitFor({ state: 'detached' });
    await page.getByRole('textbox', { name: 'Message', exact: true }).fill('Downloading them now, thank you!');
    await page.screenshot({ path: path.join(out, 'app-chat.png') });

    await page.getByRole('button', { name: /^bea.*1 unread/ }).click();
    const conversation = page.getByRole('log', { name: 'Messages with bea' });
    await conversation.getByText('Are you coming on Sunday?').waitFor();
    const box = page.getByRole('textbox', { name: 'Message', exact: true });
    await box.fill('Yes please! Ten is perfect.');
    await box.press('Enter');
    await conversation.getByText('Ten is perfect.').waitFor();
    await bea.sendDirect('amy', 'Great, see you then.');
    await conversation.getByText('see you then').waitFor();
    await page.getByRole('button', { name: 'Safety number', exact: true }).click();
    await page.getByRole('dialog', { name: 'Safety number with bea' }).getByText('not verified yet').waitFor();
    await page.screenshot({ path: path.join(out, 'app-direct.png') });
    console.log(`Saved ${path.join(out, 'app-chat.png')} and ${path.join(out, 'app-direct.png')}`);
    cal.destroy();
  } finally {
    bea.stop();
    await context.close();
    await app.close();
    await server.shutdown();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
