// The interactive menu shown by `npm start`. It only asks and reports; src/admin-menu.ts supplies
// what each entry does. It loops until Exit: an entry that ends (done, failed, or cancelled with
// Esc or Ctrl-C) comes back here with one sentence about how it ended. Ctrl-C at the menu itself
// leaves the program (exit 130); Esc here does nothing.
import { ExitCode, PartyPoolError, type ExitCodeValue } from '../common/errors.js';
import { config } from '../../config.js';
import { plainErrorText } from './error-text.js';
import type { CliIo } from './io.js';
import { Output } from './output.js';
import { askChoice } from './prompts.js';
import { box, colorFor, makeChalk } from './style.js';

export interface MenuActions {
  startServer: () => Promise<ExitCodeValue>;
  generatePackages: () => Promise<ExitCodeValue>;
  loginAsRoot: () => Promise<ExitCodeValue>;
  loginAsClient: () => Promise<ExitCodeValue>;
  startServerWithDashboard: () => Promise<ExitCodeValue>;
}

type Entry = keyof MenuActions | 'exit';

const ENTRIES: readonly { name: string; value: Entry; description?: string }[] = [
  { name: 'Start Server', value: 'startServer', description: 'Run the chat server on this machine.' },
  { name: 'Generate Distribution Packages', value: 'generatePackages', description: 'Build client and root programs to hand out, with this server sealed inside.' },
  { name: 'Login as Administrator (Root)', value: 'loginAsRoot', description: 'Manage the server running on this machine.' },
  { name: 'Login as Client', value: 'loginAsClient', description: 'Chat on the server running on this machine.' },
  { name: 'Start Server with Admin Dashboard', value: 'startServerWithDashboard', description: 'Start Server, and show its admin dashboard in your browser (addresses, who is online, the live log, root actions).' },
  { name: 'Exit', value: 'exit' },
];

/** How an entry that returned normally ended, in words (undefined: nothing worth saying). */
function endedText(entry: keyof MenuActions, code: ExitCodeValue): string | undefined {
  if ((entry === 'startServer' || entry === 'startServerWithDashboard') && code === ExitCode.ok) return 'The server has stopped.';
  if ((entry === 'loginAsClient' || entry === 'loginAsRoot') && code !== ExitCode.ok) return code === ExitCode.cancelled ? 'You left.' : undefined;
  return undefined;
}

/** Show the menu until Exit (0) or Ctrl-C at the menu (130). */
export async function runMenu(io: CliIo, actions: MenuActions): Promise<ExitCodeValue> {
  const color = colorFor(io);
  const c = makeChalk(color);
  const out = new Output(io);
  out.line(box(`${c.bold('Party Pool')} ${config.version}\nA private group chat you host yourself.\n${c.dim('Esc or Ctrl-C inside an entry comes back here.')}`, 'Welcome', color));
  for (;;) {
    // Ctrl-C here is CANCELLED and leaves the program; Esc must not (one key from the shell).
    const choice = await askChoice<Entry>(io, 'What would you like to do?', ENTRIES, { escape: false });
    if (choice === 'exit') return ExitCode.ok;
    let ended: string | undefined;
    // A Ctrl-C between an entry's questions (while a key is derived, say) must not end the whole
    // menu: the parts that wait for long (the server, connecting, a build) handle it themselves.
    const keepMenu = (): void => undefined;
    process.on('SIGINT', keepMenu);
    try {
      ended = endedText(choice, await actions[choice]());
    } catch (error) {
      if (error instanceof PartyPoolError && error.code === 'CANCELLED') ended = 'Cancelled.';
      else out.error(c.red(plainErrorText(error)));
    } finally {
      process.off('SIGINT', keepMenu);
    }
    out.line(c.dim(`${ended ? ended + ' ' : ''}Back at the menu.`));
  }
}
