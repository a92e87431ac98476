import { connectionMessage } from '../table.js';

/** `hello`: the client's protocol versions; the answer is the login challenge. */
export const helloMessage = connectionMessage('hello', ({ ctx, session, message }) => ctx.handshake.hello(session, message.versions));
