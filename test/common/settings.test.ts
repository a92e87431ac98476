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
