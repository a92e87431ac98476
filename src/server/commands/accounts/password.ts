import { command } from '../table.js';

export const passwordCommand = command({
  name: 'password',
  usage: '/password <old> <new>',
  help: 'Change your password (the interactive client asks for both).',
  minParams: 2,
  maxArgsLength: 2200,
  arityHint: 'quote passwords that contain spaces',
  minProtocol: 2,
  // Passwords never reach the audit trail (roots cannot call it, but say so anyway).
  audit: () => ['(passwords)'],
  run({ ctx, member, params }) {
    return ctx.accounts.changePassword(member, params[0] ?? '', params[1] ?? '');
  },
});
