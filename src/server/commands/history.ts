import { config } from '../../../config.js';
import { LOBBY } from '../../protocol/rooms.js';
import { wholeNumber } from './arity.js';
import { CommandError, type CommandSpec } from './types.js';

export const historyCommand: CommandSpec = {
  name: 'history',
  usage: '/history [n]',
  help: `Show n (up to ${config.history.maxRequest}) older messages of the current room; again for more.`,
  params: 'words',
  minParams: 0,
  roles: ['user'],
  minProtocol: 2,
  // On the wire: [#room] [n] [--before ID]; clients add the room and where their scrollback starts.
  async run({ server, session, id, params }) {
    let room: string | undefined;
    let count: number | undefined;
    let before: number | undefined;
    for (let i = 0; i < params.length; i++) {
      const word = params[i] ?? '';
      if (word.startsWith('#') && room === undefined) room = word;
      else if (word === '--before' && before === undefined) before = wholeNumber(params[++i] ?? '', 1, Number.MAX_SAFE_INTEGER, '--before');
      else if (/^\d+$/.test(word) && count === undefined) count = wholeNumber(word, 1, config.history.maxRequest, 'n');
      else throw new CommandError('INVALID_ARGUMENT', `Unexpected "${word.slice(0, 32)}". Usage: ${this.usage}`);
    }
    await server.community.sendOlder(session, id, room ?? LOBBY, count ?? server.community.options.history.onJoin, before);
  },
};
