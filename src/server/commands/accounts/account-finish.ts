import { connectionMessage } from '../table.js';

/**
 * `account-finish` (protocol 3): KE3 of an OPAQUE exchange. During login the handshake takes it;
 * once logged in it is the second step of /password.
 */
const handler = connectionMessage('account-finish', async ({ ctx, session, member, message }) => {
  if (!member) {
    await ctx.handshake.accountFinish(session, message);
    return undefined;
  }
  return ctx.accounts.finish(member, message);
});

/** Before login: the handshake's. Logged in: a user's request, drawing on the command bucket (protocol 3). */
export const accountFinishMessage = { ...handler, roles: ['user'] as const, bucket: 'command' as const, touchesActivity: true, minProtocol: 3 };
