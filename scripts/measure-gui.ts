// Measure "usable within 1 s of launch" for the browser app: from starting
// `party-pool client --gui --no-open --json` to a login form that takes input, in a browser that
// is already running (a friend's default browser usually is; its own cold start is reported
// apart). Also the time from "Join" to the chat. Not a test: figures vary with the machine.
// Usage: npm run build && node build/scripts/measure-gui.js [--runs N] [--screenshots DIR]
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { createSilentLogger } from '../src/common/logger.js';
import { resolveServerSettings } from '../src/common/settings.js';
import { PartyPoolServer } from '../src/server/server.js';
import { CHROMIUM, CHROMIUM_FLAGS } from '../test/helpers/browser.js';
import { loggedInV2 } from '../test/helpers/raw-client.js';

const PASSKEY = 'correct-horse-battery';
const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'party-pool.js');

function option(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
}

function summary(label: string, values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  return `${label.padEnd(44)} median ${median.toFixed(0).padStart(5)} ms   min ${(sorted[0] ?? 0).toFixed(0).padStart(5)}   max ${(sorted.at(-1) ?? 0).toFixed(0).padStart(5)}`;
}

async function main(): Promise<void> {
  const runs = Math.max(1, Number(option('--runs') ?? 5));
  const shots = option('--screenshots');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'party-pool-measure-gui-'));
  const server = await PartyPoolServer.start({
    settings: { ...resolveServerSettings({}, {}), host: '127.0.0.1', port: 0, dataDir: path.join(root, 'data'), logDir: path.join(root, 'logs'), publicIpUrl: '' },
    passkey: PASSKEY,
    rootPassword: 'measure-root-password',
    logger: createSilentLogger(),
  });
  const coldStart = performance.now();
  const context = await chromium.launchPersistentContext(path.join(root, 'profile'), { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1100, height: 640 } });
  const browserLaunch = performance.now() - coldStart;
  const figures = { link: [] as number[], form: [] as number[], usable: [] as number[], chat: [] as number[] };
  try {
    for (let run = 0; run < runs; run++) {
      const page = await context.newPage();
      const started = performance.now();
      const child = spawn(process.execPath, [bin, 'client', '--gui', '--no-open', '--json', '--server', `127.0.0.1:${server.port}`, '--fingerprint', server.identity.fingerprint], {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, PARTY_POOL_PASSKEY: '' },
      });
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString('utf8');
          const line = out.split('\n')[0];
          if (out.includes('\n') && line) resolve((JSON.parse(line) as { url: string }).url);
        });
        child.once('exit', () => reject(new Error('the program ended before printing its link')));
      });
      const linked = performance.now();
      await page.goto(url);
      // Usable: the form is drawn and the cursor is in the Passkey field, ready for typing.
      await page.waitForFunction("document.activeElement && document.activeElement.id === 'login-passkey'");
      const usable = performance.now();
      figures.link.push(linked - started);
      figures.form.push(usable - linked);
      figures.usable.push(usable - started);
      if (shots && run === 0) {
        fs.mkdirSync(shots, { recursive: true });
        await page.screenshot({ path: path.join(shots, 'gui-login.png') });
      }
      await page.getByLabel('Passkey', { exact: true }).fill(PASSKEY);
      await page.getByLabel('Name', { exact: true }).fill(`friend${run}`);
      const join = performance.now();
      await page.getByRole('button', { name: 'Join', exact: true }).click();
      await page.getByRole('textbox', { name: 'Message', exact: true }).waitFor();
      figures.chat.push(performance.now() - join);
      if (shots && run === 0) await screenshots(page, server.port, shots);
      await page.getByRole('button', { name: 'Leave', exact: true }).click();
      await new Promise((resolve) => child.once('exit', resolve));
      await page.close();
    }
  } finally {
    await context.close();
    await server.shutdown();
    fs.rmSync(root, { recursive: true, force: true });
  }
  console.log(`${runs} run(s) on ${os.cpus().length} CPU(s), Node ${process.version}; chromium cold start ${browserLaunch.toFixed(0)} ms (not included below)`);
  console.log(summary('start -> link printed', figures.link));
  console.log(summary('link opened -> login form ready for typing', figures.form));
  console.log(summary('start -> usable (the 1 s target)', figures.usable));
  console.log(summary('Join -> chat (includes the 600k-round KDF)', figures.chat));
}

/** Screenshots for the README: the login form, and the chat in light and dark. */
async function screenshots(page: Page, port: number, dir: string): Promise<void> {
  const bea = await loggedInV2(port, 'bea', { password: 'bea-password', register: true });
  const cal = await loggedInV2(port, 'cal');
  await bea.answer(bea.command('create', '#book-club'));
  await page.getByRole('button', { name: 'Join or create a room' }).click();
  await page.getByRole('button', { name: 'Join #book-club' }).click();
  await page.getByRole('log', { name: 'Messages in #book-club' }).waitFor();
  const say = async (who: typeof bea, text: string, room?: string): Promise<void> => {
    const id = Math.floor(Math.random() * 1e9);
    who.send({ type: 'say', id, text, ...(room ? { room } : {}) });
    await who.answer(id);
  };
  await say(bea, 'Has everyone got the book yet?', '#book-club');
  await page.getByRole('textbox', { name: 'Message', exact: true }).fill('Picked it up yesterday!');
  await page.getByRole('textbox', { name: 'Message', exact: true }).press('Enter');
  await say(bea, 'Great: first three chapters for Thursday, then.', '#book-club');
  await say(cal, 'Anyone up for a walk on Sunday?');
  await say(cal, 'Weather looks good.');
  await page.getByText('Great: first three chapters').waitFor();
  await page.getByRole('button', { name: /#lobby.*2 unread/ }).waitFor();
  await page.getByRole('textbox', { name: 'Message', exact: true }).fill('Sounds good, see you');
  await page.screenshot({ path: path.join(dir, 'gui-chat.png') });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: path.join(dir, 'gui-chat-dark.png') });
  await page.emulateMedia({ colorScheme: 'light' });
  bea.destroy();
  cal.destroy();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
