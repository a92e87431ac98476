// What every browser front end does once its local page is up (the chat app, the root console):
// say where it is, open the browser if asked, and keep running until the page leaves or this
// window is interrupted. The dashboard beside a server has no loop of its own (the server's).
import { ExitCode, type ExitCodeValue } from '../common/errors.js';
import type { CliIo } from '../cli/io.js';
import { Output } from '../cli/output.js';
import { openBrowser } from './open-browser.js';

/** A running local page. */
export interface BrowserPage {
  readonly url: string;
  /** Resolves when the page's Leave ended it. */
  readonly left: Promise<void>;
  close(message?: string): Promise<void>;
}

export interface BrowserRunText {
  /** "Party Pool is open in your browser" (the link follows). */
  readonly opened: string;
  /** What this window is for, and that closing it ends the session. */
  readonly keeps: string;
  /** Shown in the page when this window is interrupted. */
  readonly closed: string;
}

/** Open the browser on `url` unless told not to; a browser that cannot be opened is a hint, not an error. */
export function offerInBrowser(io: CliIo, url: string, open: boolean, what = 'the link above'): void {
  if (!open) return;
  const out = new Output(io);
  void openBrowser(url).then((opened) => {
    if (!opened) out.error(`Could not open a browser by itself; open ${what} in your browser.`);
  });
}

/** Announce `page`, open it, and run until Leave (exit 0) or Ctrl-C/SIGTERM (130). */
export async function runInBrowser(io: CliIo, page: BrowserPage, options: { json: boolean; open: boolean }, text: BrowserRunText): Promise<ExitCodeValue> {
  const out = new Output(io);
  if (options.json) out.json({ type: 'gui', url: page.url });
  else {
    out.line(`${text.opened}: ${page.url}`);
    out.line(text.keeps);
  }
  offerInBrowser(io, page.url, options.open);
  const interrupted = new Promise<'interrupted'>((resolve) => {
    const onSignal = (): void => resolve('interrupted');
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    void page.left.then(() => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
  });
  const outcome = await Promise.race([page.left.then(() => 'left' as const), interrupted]);
  await page.close(outcome === 'left' ? undefined : text.closed);
  return outcome === 'left' ? ExitCode.ok : ExitCode.cancelled;
}
