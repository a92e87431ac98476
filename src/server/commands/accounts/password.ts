import { command } from '../table.js';

export const passwordCommand = command({
  name: 'password',
  usage: '/password <old> <new>',
  help: 'Change your password (the interactive client asks for both).',
  // One parameter only checks the current password (a client asks it before the new one).
  minParams: 1,
  maxParams: 2,
  maxArgsLength: 2200,
  arityHint: 'quote passwords that contain spaces',
  minProtocol: 2,
  // Passwords never reach the audit trail (roots cannot call it, but say so anyway).
  audit: () => ['(passwords)'],
  run({ ctx, member, params }) {
    const [old = '', next] = params;
    return next === undefined ? ctx.accounts.checkCurrentPassword(member, old) : ctx.accounts.changePassword(member, old, next);
  },
});
