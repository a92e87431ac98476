import { connectionMessage } from '../table.js';

/**
 * `account-record` (protocol 3): the finished OPAQUE registration record. During login it
 * registers the new name and logs in; once logged in it ends /register or /password.
 */
const handler = connectionMessage('account-record', async ({ ctx, session, member, message }) => {
  if (!member) {
    await ctx.handshake.accountRecord(session, message);
    return undefined;
  }
  return ctx.accounts.record(member, message);
});

/** Before login: the handshake's. Logged in: a user's request, drawing on the command bucket (protocol 3). */
export const accountRecordMessage = { ...handler, roles: ['user'] as const, bucket: 'command' as const, touchesActivity: true, minProtocol: 3 };
