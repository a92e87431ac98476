import { connectionMessage } from '../table.js';

/** `bye`: the client leaves; the session says goodbye and closes. */
export const byeMessage = connectionMessage('bye', ({ session }) => ({ afterReply: () => session.close({ code: 'LEFT', message: 'Goodbye.' }) }));
