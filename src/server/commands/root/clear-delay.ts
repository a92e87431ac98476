// `clear-delay -u <name> | -root | -package <id>`: lift a login target's delay (issue 11), for an
// owner who has neither a known address nor a package that logged in before. Address blocks
// are bans: `unban` lifts those. (Not `unblock`: that is the direct-message command users have.)
import { PACKAGE_ID_PATTERN } from '../../../protocol/sealed-file.js';
import { ROOT_TARGET, type LoginTarget } from '../../abuse/login-targets.js';
import { CommandError } from '../command-error.js';
import { rootCommand } from '../table.js';
import { result, usageError } from './format.js';

const usage = 'clear-delay -u <name> | -root | -package <id>';

export const clearDelayCommand = rootCommand({
  name: 'clear-delay',
  usage,
  help: 'Lift the delay on logins to an account, the root password or a package after failed logins.',
  minParams: 1,
  maxParams: 2,
  run({ ctx, params }) {
    const [flag, value] = params;
    let target: LoginTarget;
    let what: string;
    if (flag === '-root' && value === undefined) {
      target = ROOT_TARGET;
      what = 'the root password';
    } else if (flag === '-u' && value !== undefined) {
      target = { kind: 'account', name: value };
      what = `account ${value.slice(0, 24)}`;
    } else if (flag === '-package' && value !== undefined && PACKAGE_ID_PATTERN.test(value)) {
      target = { kind: 'package', id: value };
      what = `package ${value}`;
    } else throw usageError(usage);
    if (!ctx.loginFailures.targets.clear(target)) throw new CommandError('NOT_BANNED', `Logins to ${what} are not delayed.`);
    ctx.logger.info('login target delay cleared', { target: what });
    return result('Delay cleared', { lines: [`Logins to ${what} are no longer delayed (its failure count starts again).`] });
  },
});
