import { command } from '../table.js';

/** Owners delete their rooms; root (`delete #room`) any room. History goes with the room. */
export const deleteCommand = command({
  name: 'delete',
  usage: '/delete #room',
  help: 'Delete a room you own, with its history (root: any room).',
  minParams: 1,
  roles: ['user', 'root'],
  minProtocol: 2,
  run({ ctx, member, params }) {
    return ctx.rooms.delete(member, params[0] ?? '');
  },
});
