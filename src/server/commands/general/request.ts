import { errorText } from '../../../common/errors.js';
import { checkText } from '../../../protocol/text.js';
import { CommandError } from '../command-error.js';
import { command } from '../table.js';

export const requestCommand = command({
  name: 'request',
  usage: '/request <message>',
  help: 'Leave a request for the server admin.',
  params: 'text',
  maxArgsLength: (limits) => limits.maxRequestLength + 16,
  minParams: 1,
  async run({ ctx, session, member, params }) {
    const max = ctx.limits.maxRequestLength;
    const checked = checkText(params[0] ?? '', max);
    if ('error' in checked) throw new CommandError(checked.error, checked.error === 'TEXT_TOO_LONG' ? errorText('TEXT_TOO_LONG', { what: 'request', max }) : undefined);
    const refusal = ctx.quotas.spend({ kind: 'requests', user: member.name, address: session.address, amount: 1 });
    if (refusal) throw new CommandError(refusal.code, refusal.message);
    try {
      await ctx.requests.append(member.name, session.address, checked.text, new Date(ctx.clock.now()));
    } catch (error) {
      ctx.alarm.report('requests', error);
      throw new CommandError('STORAGE_FAILED', 'Your request could not be stored; please try again later.');
    }
    ctx.logger.info('request stored', { conn: session.id, user: member.name });
    return { type: 'ack', text: 'Your request was stored for the admin.' };
  },
});
