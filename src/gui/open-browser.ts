// Open a URL in the default browser: xdg-open (Linux and other Unix), open (macOS), start
// (Windows). Failing to open is a hint for the person, never an error: the URL is printed too.
import { spawn } from 'node:child_process';

/** The command that opens `url` on this platform. */
export function openerFor(url: string, platform: NodeJS.Platform = process.platform): { command: string; args: string[] } {
  if (platform === 'darwin') return { command: 'open', args: [url] };
  // `start` is built into cmd; the empty "" is the window title it would otherwise take from the URL.
  if (platform === 'win32') return { command: 'cmd', args: ['/d', '/s', '/c', 'start', '""', `"${url}"`] };
  return { command: 'xdg-open', args: [url] };
}

/** Resolves true when the opener started and did not report a failure within `waitMs`. */
export function openBrowser(url: string, waitMs = 5000): Promise<boolean> {
  const { command, args } = openerFor(url);
  return new Promise((resolve) => {
    let child;
    try {
      // Detached: Ctrl-C in this window must not take the browser down with it.
      child = spawn(command, args, { stdio: 'ignore', detached: true, windowsVerbatimArguments: process.platform === 'win32' });
    } catch {
      resolve(false);
      return;
    }
    const timer = setTimeout(() => resolve(true), waitMs);
    timer.unref();
    child.once('error', () => {
      clearTimeout(timer);
      resolve(false);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code === 0);
    });
    child.unref();
  });
}
