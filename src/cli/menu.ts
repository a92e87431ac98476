// The interactive menu shown by `npm start`. It only asks; main.ts supplies what each entry does.
import { ExitCode, type ExitCodeValue } from '../common/errors.js';
import { config } from '../../config.js';
import { printLine } from './output.js';
import { askChoice } from './prompts.js';
import { box, colorEnabled, makeChalk } from './style.js';

export interface MenuActions {
  startServer?: () => Promise<ExitCodeValue>;
  generatePackages?: () => Promise<ExitCodeValue>;
  loginAsRoot?: () => Promise<ExitCodeValue>;
  loginAsClient?: () => Promise<ExitCodeValue>;
}

type Entry = keyof MenuActions | 'exit';

const NOT_YET = 'not available in this version yet';

export async function runMenu(actions: MenuActions): Promise<ExitCodeValue> {
  const color = colorEnabled();
  const c = makeChalk(color);
  printLine(box(`${c.bold('Party Pool')} ${config.version}\nA private group chat you host yourself.`, 'Welcome', color));
  const choice = await askChoice<Entry>('What would you like to do?', [
    { name: 'Start Server', value: 'startServer', description: 'Run the chat server on this machine.' },
    { name: 'Generate Distribution Packages', value: 'generatePackages', disabled: actions.generatePackages ? false : `(${NOT_YET})` },
    { name: 'Login as Administrator (Root)', value: 'loginAsRoot', disabled: actions.loginAsRoot ? false : `(${NOT_YET})` },
    { name: 'Login as Client', value: 'loginAsClient', description: 'Chat on the server running on this machine.' },
    { name: 'Exit', value: 'exit' },
  ]);
  if (choice === 'exit') return ExitCode.ok;
  const action = actions[choice];
  if (!action) {
    printLine(`That entry is ${NOT_YET}.`);
    return ExitCode.ok;
  }
  return action();
}
