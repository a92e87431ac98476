import { connectionMessage } from '../table.js';

/** `pong`: the answer to the server's heartbeat; receiving it was the point. */
export const pongMessage = connectionMessage('pong', () => undefined);
