import { CommandError } from '../command-error.js';
import { command } from '../table.js';

/**
 * `/register`: protocol 3 sends an OPAQUE registration request, never the password (the client
 * keeps `/register <password>` as what a person types). Answered by account-registration; the
 * record follows in `account-record`. Closed while the server is in lockdown, so a guest let in
 * before it cannot make itself a member during it.
 */
export const registerCommand = command({
  name: 'register',
  usage: '/register <password>',
  help: 'Protect your name with a password (at least 8 characters); the interactive client asks for it.',
  minParams: 1,
  // An OPAQUE registration request (43 characters today; the wire schemas allow up to 1024).
  maxArgsLength: 1100,
  arityHint: 'quote a password that contains spaces',
  minProtocol: 2,
  run({ ctx, member, params }) {
    if (ctx.lockdown.on) throw new CommandError('NOT_PERMITTED', 'Registration is closed while the server is in lockdown.');
    return ctx.accounts.register(member, params[0] ?? '');
  },
});
