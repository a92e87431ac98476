import { LOBBY } from '../../../protocol/rooms.js';
import { wholeNumber } from '../args.js';
import { CommandError } from '../command-error.js';
import { command } from '../table.js';

/** Older messages of a room, a page at a time; the last history frame answers the request. */
export const historyCommand = command({
  name: 'history',
  usage: '/history [n] | /history more [n]',
  help: (limits) => `Show the current room's last n messages again (up to ${limits.historyMaxRequest}, default ${limits.historyOnJoin}); "more" pages further back.`,
  minParams: 0,
  // On the wire: [#room] [n] [--before ID]; clients add the room and, for "/history more", where
  // their last page started (without --before: the room's newest messages).
  maxParams: 4,
  minProtocol: 2,
  run({ ctx, session, member, params }) {
    let roomName: string | undefined;
    let count: number | undefined;
    let before: number | undefined;
    for (let i = 0; i < params.length; i++) {
      const word = params[i] ?? '';
      if (word.startsWith('#') && roomName === undefined) roomName = word;
      else if (word === '--before' && before === undefined) before = wholeNumber(params[++i] ?? '', 1, Number.MAX_SAFE_INTEGER, '--before');
      else if (/^\d+$/.test(word) && count === undefined) count = wholeNumber(word, 1, ctx.limits.historyMaxRequest, 'n');
      else throw new CommandError('INVALID_ARGUMENT', `Unexpected "${word.slice(0, 32)}". Usage: ${this.usage}`);
    }
    const room = ctx.rooms.memberRoom(member, roomName ?? LOBBY);
    const { pages, last } = ctx.replay.older(room, count ?? ctx.limits.historyOnJoin, before);
    return { reply: last, before: () => ctx.replay.sendPaced(session, pages) };
  },
});
