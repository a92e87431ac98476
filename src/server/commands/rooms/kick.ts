import { command } from '../table.js';

/** Owners kick from their rooms; root (`kick #room name`) from any room. */
export const kickCommand = command({
  name: 'kick',
  usage: '/kick #room <name>',
  help: 'Remove someone from a room you own (root: any room).',
  minParams: 2,
  roles: ['user', 'root'],
  minProtocol: 2,
  run({ ctx, member, params }) {
    return ctx.rooms.kick(member, params[0] ?? '', params[1] ?? '');
  },
});
