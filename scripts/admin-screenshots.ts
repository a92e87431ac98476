// Screenshots of the admin pages for the README and docs/GUI.md: the dashboard beside a server
// with a few people, rooms, a ban, a request and an issued package (light and dark), its kick
// confirmation, and the root console in the browser. Also prints how long the dashboard took
// from start to its panels drawn. Not a test.
// Usage: npm run build && node build/scripts/admin-screenshots.js [--out docs/images]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { createLogger } from '../src/common/logger.js';
import { resolveServerSettings } from '../src/common/settings.js';
import { startAdmin, startDashboard } from '../src/gui/run-admin.js';
import { dashboardServerSide } from '../src/server/run-server.js';
import { PartyPoolServer } from '../src/server/server.js';
import { CHROMIUM, CHROMIUM_FLAGS } from '../test/helpers/browser.js';
import { memoryIo } from '../test/helpers/dashboard.js';
import { loggedInV2, type RawClient } from '../test/helpers/raw-client.js';
import { rootLoggedIn, runOk } from '../test/helpers/root.js';
import { PASSKEY, ROOT_PASSWORD } from '../test/helpers/server.js';


function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

async function say(who: RawClient, text: string, room?: string): Promise<void> {
  const id = Math.floor(Math.random() * 1e9);
  who.send({ type: 'say', id, text, ...(room ? { room } : {}) });
  await who.answer(id);
}

async function main(): Promise<void> {
  const out = option('--out') ?? 'docs/images';
  fs.mkdirSync(out, { recursive: true });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'party-pool-admin-shots-'));
  const settings = { ...resolveServerSettings({}, {}), host: '0.0.0.0', port: 0, dataDir: path.join(root, 'data'), logDir: path.join(root, 'logs'), publicIpUrl: '' };
  const logger = createLogger({ logDir: settings.logDir, console: false });
  const server = await PartyPoolServer.start({ settings, passkey: PASSKEY, rootPassword: ROOT_PASSWORD, logger });
  const people: RawClient[] = [];
  const context = await chromium.launchPersistentContext(path.join(root, 'profile'), { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1280, height: 900 } });
  try {
    const started = performance.now();
    const host = {
      version: '1.0.0',
      host: settings.host,
      port: server.port,
      privateAddresses: [] as { interface: string; address: string; mac: string }[],
      publicAddress: null,
      fingerprint: server.identity.fingerprint,
      maxClients: settings.maxClients,
      dataDir: '/home/admin/party-pool/data',
      logFile: '/home/admin/party-pool/logs/server.log',
    };
    if (host.privateAddresses.length === 0) host.privateAddresses.push({ interface: 'eth0', address: '192.168.1.20', mac: 'a4:83:e7:12:9c:01' });
    const { side, feed } = dashboardServerSide(server, host, { passkey: PASSKEY, rootPassword: ROOT_PASSWORD }, logger);
    const dashboard = await startDashboard(side, { io: memoryIo(), open: false });
    const startMs = performance.now() - started;
    const bea = await loggedInV2(server.port, 'bea', { password: 'bea-password', register: true });
    const cal = await loggedInV2(server.port, 'cal');
    const dev = await loggedInV2(server.port, 'dev');
    people.push(bea, cal, dev);
    await bea.answer(bea.command('create', '#book-club'));
    await say(bea, 'Has everyone got the book yet?', '#book-club');
    await say(cal, 'Anyone up for a walk on Sunday?');
    await cal.answer(cal.command('request', 'Could we have a #photos room?'));
    server.services.packages.record({ id: 'k3v9q2mx7d4a', kind: 'client', platforms: ['windows', 'linux'], version: '1.0.0', createdAt: new Date(Date.now() - 86_400_000), note: 'for grandma' });
    server.services.packages.record({ id: 'r8c2w5hn1p6e', kind: 'root', platforms: ['windows'], version: '1.0.0', createdAt: new Date(), note: 'co-admin Sam' });
    const admin = await rootLoggedIn(server.port);
    await runOk(admin, 'ban', '-ip 203.0.113.7 1d');
    admin.destroy();

    const page = await context.newPage();
    const opened = performance.now();
    await page.goto(dashboard.url);
    await page.getByRole('table', { name: 'Sessions' }).getByRole('cell', { name: 'dev', exact: true }).waitFor();
    console.log(`dashboard: started in ${startMs.toFixed(0)} ms; link opened -> panels drawn ${(performance.now() - opened).toFixed(0)} ms (browser already running)`);
    await page.getByRole('button', { name: 'Sessions', exact: true }).click();
    await page.getByRole('table', { name: 'Connections' }).waitFor();
    await page.screenshot({ path: path.join(out, 'dashboard.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: path.join(out, 'dashboard-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.getByRole('table', { name: 'Sessions' }).getByRole('button', { name: 'Kick dev' }).click();
    await page.getByRole('dialog', { name: 'Kick dev?' }).waitFor();
    await page.screenshot({ path: path.join(out, 'dashboard-kick.png') });
    await page.keyboard.press('Escape');
    await page.close();
    await dashboard.close();
    feed.close();

    const consoleApp = await startAdmin({
      mode: 'console',
      connect: (passkey) => Promise.resolve({ pin: { targets: [{ host: '127.0.0.1', port: server.port }], fingerprints: [server.identity.fingerprint] }, credentials: { passkey } }),
    });
    const consolePage = await context.newPage();
    await consolePage.setViewportSize({ width: 1100, height: 760 });
    await consolePage.goto(consoleApp.url);
    await consolePage.getByLabel('Passkey', { exact: true }).fill(PASSKEY);
    await consolePage.getByLabel('Root password', { exact: true }).fill(ROOT_PASSWORD);
    await consolePage.getByRole('button', { name: 'Log in' }).click();
    await consolePage.getByRole('button', { name: 'Sessions', exact: true }).click();
    await consolePage.getByRole('table', { name: 'Connections' }).waitFor();
    await consolePage.getByRole('textbox', { name: 'Command' }).fill('ban -u dev 2h');
    await consolePage.screenshot({ path: path.join(out, 'root-console.png') });
    await consolePage.close();
    await consoleApp.close();
  } finally {
    for (const person of people) person.destroy();
    await context.close();
    await server.shutdown();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
