import { command } from '../table.js';

/**
 * `/password`: protocol 3 sends KE1 over the current password (and the flags `prehashed`,
 * `upgrade`), never a password; the exchange goes on with account-finish and account-record.
 */
export const passwordCommand = command({
  name: 'password',
  usage: '/password <old> <new>',
  help: 'Change your password (the interactive client asks for both).',
  // KE1 over the current password, then the flags `prehashed` and `upgrade` (protocol 3).
  minParams: 1,
  maxParams: 3,
  maxArgsLength: 2200,
  arityHint: 'quote passwords that contain spaces',
  minProtocol: 2,
  // Nothing of a password exchange reaches the audit trail (roots cannot call it, but say so anyway).
  audit: () => ['(password exchange)'],
  run({ ctx, member, params }) {
    return ctx.accounts.changePassword(member, params[0] ?? '', params.slice(1));
  },
});
