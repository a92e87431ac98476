import { errorText } from '../../../common/errors.js';
import { checkText } from '../../../protocol/text.js';
import { canonicalAddress } from '../../abuse/ip-range.js';
import type { Session } from '../../session/session.js';
import { CommandError } from '../command-error.js';
import { rootCommand } from '../table.js';
import { messageLength, result, usageError } from './format.js';

const usage = 'send -all "message" | -ip <ip> [<ip> ...] "message"';

export const sendCommand = rootCommand({
  name: 'send',
  usage,
  help: 'A root notice to everyone, or to those addresses.',
  minParams: 2,
  maxParams: Number.POSITIVE_INFINITY,
  // The notice, quoted (escapes may double it), after the addresses.
  maxArgsLength: (limits) => 2 * limits.maxTextLength + 1024,
  // The notice's text is someone's message: the trail keeps its length, not its words.
  audit(params) {
    if (params[0] === '-all') return ['-all', messageLength(params.slice(1).join(' '))];
    return [...params.slice(0, -1), messageLength(params.at(-1) ?? '')];
  },
  run({ ctx, session, params }) {
    const [option] = params;
    let text: string;
    let recipients: Session[] | undefined;
    if (option === '-all') {
      // Unquoted words are forgiven here: everything after -all is the message.
      text = params.slice(1).join(' ');
    } else if (option === '-ip') {
      if (params.length < 3) throw usageError(usage, 'Give at least one address and the message.');
      text = params.at(-1) ?? '';
      recipients = [];
      const missing: string[] = [];
      for (const typed of params.slice(1, -1)) {
        const address = canonicalAddress(typed);
        if (!address) throw new CommandError('INVALID_ADDRESS', `"${typed}" is not a valid IP address. Quote the message: ${usage}`);
        const here = ctx.moderation.usersAt(address);
        if (here.length === 0) missing.push(address);
        for (const m of here) if (!recipients.includes(m.session)) recipients.push(m.session);
      }
      if (missing.length > 0) throw new CommandError('NOT_CONNECTED', `No user is connected from ${missing.join(', ')}; nothing was sent.`);
    } else {
      throw usageError(usage, `Unknown option "${option ?? ''}".`);
    }
    const max = ctx.limits.maxTextLength;
    const checked = checkText(text, max);
    if ('error' in checked) throw new CommandError(checked.error, checked.error === 'TEXT_TOO_LONG' ? errorText('TEXT_TOO_LONG', { what: 'notice', max }) : undefined);
    const count = recipients ? ctx.notices.fromRootTo(recipients, checked.text) : ctx.notices.fromRootToAll(checked.text, session);
    return { reply: result('Notice sent', { lines: [`Root notice delivered to ${count} session${count === 1 ? '' : 's'}.`] }), detail: `delivered to ${count}` };
  },
});
