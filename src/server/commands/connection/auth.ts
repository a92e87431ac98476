import { connectionMessage } from '../table.js';

/** `auth`: the login proofs; the handshake answers (welcome, a retry, or a refusal that closes). */
export const authMessage = connectionMessage('auth', async ({ ctx, session, message }) => {
  await ctx.handshake.auth(session, message);
  return undefined;
});
