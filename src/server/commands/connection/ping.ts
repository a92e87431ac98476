import { connectionMessage } from '../table.js';

/** `ping` from the client: any frame counts as life; this one is answered. */
export const pingMessage = connectionMessage('ping', () => ({ type: 'pong' }));
