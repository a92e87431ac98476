// The interactive menu shown by `npm start`. It only asks; main.ts supplies what each entry does.
import { ExitCode, type ExitCodeValue } from '../common/errors.js';
import { config } from '../../config.js';
import type { CliIo } from './io.js';
import { Output } from './output.js';
import { askChoice } from './prompts.js';
import { box, colorFor, makeChalk } from './style.js';

export interface MenuActions {
  startServer: () => Promise<ExitCodeValue>;
  generatePackages: () => Promise<ExitCodeValue>;
  loginAsRoot: () => Promise<ExitCodeValue>;
  loginAsClient: () => Promise<ExitCodeValue>;
}

type Entry = keyof MenuActions | 'exit';

export async function runMenu(io: CliIo, actions: MenuActions): Promise<ExitCodeValue> {
  const color = colorFor(io);
  const c = makeChalk(color);
  new Output(io).line(box(`${c.bold('Party Pool')} ${config.version}\nA private group chat you host yourself.`, 'Welcome', color));
  const choice = await askChoice<Entry>(io, 'What would you like to do?', [
    { name: 'Start Server', value: 'startServer', description: 'Run the chat server on this machine.' },
    { name: 'Generate Distribution Packages', value: 'generatePackages', description: 'Build client and root programs to hand out, with this server sealed inside.' },
    { name: 'Login as Administrator (Root)', value: 'loginAsRoot', description: 'Manage the server running on this machine.' },
    { name: 'Login as Client', value: 'loginAsClient', description: 'Chat on the server running on this machine.' },
    { name: 'Exit', value: 'exit' },
  ]);
  if (choice === 'exit') return ExitCode.ok;
  return actions[choice]();
}
