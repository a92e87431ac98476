// A real browser for the GUI tests: Debian's chromium driven by playwright-core (which never
// downloads a browser). Each launch gets a fresh profile directory, removed on close.
import fs from 'node:fs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { tempDir } from './server.js';

export const CHROMIUM = process.env.PARTY_POOL_CHROMIUM ?? '/usr/bin/chromium';

export function hasChromium(): boolean {
  return fs.existsSync(CHROMIUM);
}

/** The flags every test browser runs with: no network of its own, no first-run noise. */
export const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  close: () => Promise<void>;
}

/** Launch chromium with a fresh --user-data-dir; `extraArgs` e.g. a host-resolver rule. */
export async function launchBrowser(extraArgs: string[] = []): Promise<TestBrowser> {
  const profile = tempDir('party-pool-chromium-');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_FLAGS, ...extraArgs],
    timeout: 30_000,
  });
  context.setDefaultTimeout(15_000);
  const page = context.pages()[0] ?? (await context.newPage());
  let closed = false;
  return {
    context,
    page,
    close: async () => {
      if (closed) return;
      closed = true;
      await context.close().catch(() => undefined);
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
