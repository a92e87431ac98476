import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveServerSettings } from '../../src/common/settings.js';

test('history and account settings: defaults, environment overrides, and clear refusals', () => {
  const defaults = resolveServerSettings({}, {});
  assert.deepEqual(
    [defaults.historyEnabled, defaults.historyRetentionDays, defaults.historyMaxPerRoom, defaults.historyOnJoin, defaults.requireRegistration, defaults.maxRoomsPerUser],
    [true, 30, 10_000, 50, false, 20],
  );
  const off = resolveServerSettings({}, { PARTY_POOL_HISTORY_ENABLED: 'false', PARTY_POOL_REQUIRE_REGISTRATION: 'yes', PARTY_POOL_HISTORY_RETENTION_DAYS: '7' });
  assert.deepEqual([off.historyEnabled, off.requireRegistration, off.historyRetentionDays], [false, true, 7]);
  assert.throws(() => resolveServerSettings({}, { PARTY_POOL_HISTORY_ENABLED: 'maybe' }), /PARTY_POOL_HISTORY_ENABLED must be true or false/);
  assert.throws(() => resolveServerSettings({}, { PARTY_POOL_HISTORY_ON_JOIN: '500' }), /between 0 and 200/);
});

test('abuse limits: defaults from config.ts, the documented environment names, and clear refusals', () => {
  const defaults = resolveServerSettings({}, {});
  assert.deepEqual(
    [defaults.messageRatePerSecond, defaults.messageBurst, defaults.connectionsPerMinute, defaults.maxUnauthenticated, defaults.authFailureLimit, defaults.authFailureWindowMs, defaults.authBlockMs, defaults.authBlockMaxMs, defaults.tlsHandshakeTimeoutMs],
    [2, 5, 20, 64, 3, 600_000, 300_000, 86_400_000, 10_000],
  );
  const raised = resolveServerSettings({}, { PARTY_POOL_MESSAGE_RATE_PER_SECOND: '50', PARTY_POOL_MESSAGE_BURST: '100', PARTY_POOL_CONNECTIONS_PER_MINUTE: '1000', PARTY_POOL_MAX_UNAUTHENTICATED: '500', PARTY_POOL_TLS_HANDSHAKE_TIMEOUT_MS: '2000' });
  assert.deepEqual([raised.messageRatePerSecond, raised.messageBurst, raised.connectionsPerMinute, raised.maxUnauthenticated, raised.tlsHandshakeTimeoutMs], [50, 100, 1000, 500, 2000]);
  assert.throws(() => resolveServerSettings({}, { PARTY_POOL_MESSAGE_BURST: '0' }), /PARTY_POOL_MESSAGE_BURST must be between 1 and/);
  assert.throws(() => resolveServerSettings({}, { PARTY_POOL_AUTH_BLOCK_MS: '600000', PARTY_POOL_AUTH_BLOCK_MAX_MS: '60000' }), /PARTY_POOL_AUTH_BLOCK_MAX_MS must be at least PARTY_POOL_AUTH_BLOCK_MS/);
});
