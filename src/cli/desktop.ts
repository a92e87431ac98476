// Whether an issued program runs on someone's desktop (double-clicked, or started from a
// terminal window on the same screen), where the chat and the root console open in the browser
// by default; elsewhere (over SSH, a text console, a pipe) they keep the terminal. Per system:
// - stdin not a terminal: never (line mode is for scripts and stays as it was);
// - over SSH (SSH_CONNECTION, SSH_CLIENT or SSH_TTY set): never, the browser would open on the far side;
// - Windows and macOS: yes (a double-clicked program gets a console window; there is always a screen);
// - Linux and other Unix: when a graphical session is there to open a browser in (DISPLAY or WAYLAND_DISPLAY).
// `--terminal` and `--gui` override it either way.
import type { CliIo } from './io.js';

export function onDesktop(io: Pick<CliIo, 'env' | 'isTTY'>, platform: NodeJS.Platform = process.platform): boolean {
  if (!io.isTTY) return false;
  const env = io.env;
  if (env.SSH_CONNECTION || env.SSH_CLIENT || env.SSH_TTY) return false;
  if (platform === 'win32' || platform === 'darwin') return true;
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** Name the console window (its title bar and taskbar entry) so people know what it is. */
export function titleWindow(io: Pick<CliIo, 'stdout'>, title: string, platform: NodeJS.Platform = process.platform): void {
  // Windows: the console's title is the process title. Elsewhere: the terminal's title escape, on a terminal only.
  if (platform === 'win32') process.title = title;
  else if (io.stdout.isTTY) io.stdout.write(`\u001b]0;${[...title].filter((ch) => ch >= ' ' && ch !== '\u007f').join('')}\u0007`);
}
