// Moved to protocol/ip-range.ts (pure: the address grammar root commands and the offline admin
// share); this re-export keeps the server's imports working.
export * from '../../protocol/ip-range.js';
