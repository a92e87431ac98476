import { command } from '../table.js';

export const registerCommand = command({
  name: 'register',
  usage: '/register <password>',
  help: 'Protect your name with a password (at least 8 characters); the interactive client asks for it.',
  minParams: 1,
  // A password of up to 256 characters, quoted and escaped.
  maxArgsLength: 1100,
  arityHint: 'quote a password that contains spaces',
  minProtocol: 2,
  run({ ctx, member, params }) {
    return ctx.accounts.register(member, params[0] ?? '');
  },
});
