// The pinned connection's public surface in one import, for code outside the client and root
// programs (test/server/rotate-key.test.ts, scripts/bench-history.ts). New code imports the
// module that owns the piece: pin.ts, server-link.ts or login.ts.
export { openPinnedConnection, parseTarget, type PinnedTarget, type ServerTarget } from './pin.js';
export { ServerLink, ServerRefusal } from './server-link.js';
export { KeyCache, login, type AccountProof, type Credentials, type LoginRequest, type Welcome } from './login.js';
