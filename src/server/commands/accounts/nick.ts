import { CommandError } from '../command-error.js';
import { command } from '../table.js';

export const nickCommand = command({
  name: 'nick',
  usage: '/nick <newname>',
  help: 'Change your name (a registered account moves with you).',
  minParams: 1,
  minProtocol: 2,
  run({ ctx, member, params }) {
    const name = params[0] ?? '';
    // A banned name stays banned: not by renaming into it, nor into a name that looks like it.
    if (ctx.moderation.bans.forName(name)) throw new CommandError('NAME_BANNED', `${name.slice(0, 24)} is banned on this server (or looks like a banned name); choose another.`);
    return ctx.accounts.rename(member, name);
  },
});
