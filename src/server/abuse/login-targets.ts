// Failed logins counted per target — the root password, each account, each issued package — as
// well as per source (login-blocks.ts). After a few failures against one target, every further
// attempt on it waits for a delay that doubles with each failure (up to a cap), from every source
// alike, and the wait is enforced before any password work: a guesser with many addresses gets
// no more guesses at alice than one with a single address. Only a success on *that* target
// clears its count; a failure is forgotten per hour without failures.
//
// The owner is not locked out by a stranger: each target remembers the sources (addresses; IPv6
// /64 prefixes) that logged in to it successfully in the last 30 days, and the issued packages
// that did. An attempt from one of those skips the delay (it still counts against its own source,
// and still meets that source's blocks). A root on the server's own machine (127.0.0.1 or ::1)
// always skips the root password's delay. Kept in the login_targets table across restarts.
import { z } from 'zod';
import type { Logger } from '../../common/logger.js';
import type { LoginLimits } from '../../common/settings.js';
import type { Db } from '../../data-dir/store.js';
import { nameKey } from '../../protocol/names.js';
import { formatDuration } from '../moderation/durations.js';
import { rateKey } from './connection-guard.js';

/** What a login attempt tries to prove. */
export type LoginTarget = { readonly kind: 'root' } | { readonly kind: 'account'; readonly name: string } | { readonly kind: 'package'; readonly id: string };

export const ROOT_TARGET: LoginTarget = { kind: 'root' };

/** The key a target is counted under: "root", "account:<name key>", "package:<id>". */
export function targetKey(target: LoginTarget): string {
  switch (target.kind) {
    case 'root':
      return 'root';
    case 'account':
      return `account:${nameKey(target.name)}`;
    case 'package':
      return `package:${target.id}`;
  }
}

/** How the log and `stats` name a target key. */
export function describeTarget(key: string): string {
  if (key === 'root') return 'the root password';
  if (key.startsWith('account:')) return `account ${key.slice('account:'.length)}`;
  if (key.startsWith('package:')) return `package ${key.slice('package:'.length)}`;
  return key;
}

const LOCAL_ADDRESSES = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

export interface LoginTargetsDeps {
  readonly logger: Logger;
  now(): number;
  reportStorageFailure(what: string, error: unknown): void;
}

type Policy = Pick<LoginLimits, 'targetFreeFailures' | 'targetFirstDelayMs' | 'targetMaxDelayMs' | 'rootMaxDelayMs' | 'targetDecayMs' | 'knownGoodMs' | 'knownGoodPerTarget'>;

interface TargetState {
  failures: number;
  lastFailure: number;
  /** Sources that logged in to this target: rate key -> last success. */
  goodSources: Map<string, number>;
  /** Issued packages (verified by their proof) that logged in to it: id -> last success. */
  goodPackages: Map<string, number>;
  /** Failing sources since the delay began, for the log (memory only, a few at most). */
  failing: Map<string, number>;
}

const knownGoodSchema = z.object({ sources: z.record(z.string(), z.number()).default({}), packages: z.record(z.string(), z.number()).default({}) });
const rowSchema = z.object({ target: z.string(), failures: z.int().min(0), last_failure: z.number(), known_good: z.string() });

/** A target under delay, for `stats`. */
export interface DelayedTarget {
  target: string;
  failures: number;
  /** When the next attempt from an unknown source is allowed (ms since the epoch). */
  nextAttemptAt: number;
}

export class LoginTargets {
  private readonly targets = new Map<string, TargetState>();

  constructor(
    private readonly host: LoginTargetsDeps,
    private readonly db: Db,
    private readonly policy: Policy,
  ) {}

  /** Read back counts and good sources (after a restart). */
  load(): void {
    for (const row of this.db.prepare('SELECT target, failures, last_failure, known_good FROM login_targets').all()) {
      const parsed = rowSchema.safeParse(row);
      if (!parsed.success) continue;
      let known: z.infer<typeof knownGoodSchema>;
      try {
        known = knownGoodSchema.parse(JSON.parse(parsed.data.known_good));
      } catch {
        known = { sources: {}, packages: {} };
      }
      this.targets.set(parsed.data.target, {
        failures: parsed.data.failures,
        lastFailure: parsed.data.last_failure,
        goodSources: new Map(Object.entries(known.sources)),
        goodPackages: new Map(Object.entries(known.packages)),
        failing: new Map(),
      });
    }
  }

  /**
   * Before any password work for `target`: how long an attempt from `address` (with a verified
   * package, if any) must still wait; 0 when it may go ahead.
   */
  waitFor(target: LoginTarget, address: string, packageId?: string): number {
    const key = targetKey(target);
    const state = this.targets.get(key);
    if (!state) return 0;
    const now = this.host.now();
    const failures = this.effectiveFailures(state, now);
    if (failures < this.policy.targetFreeFailures) return 0;
    if (this.knownGood(key, state, address, packageId, now)) return 0;
    return Math.max(0, state.lastFailure + this.delayFor(key, failures) - now);
  }

  /** A wrong password (or bad proof) against `target` from `address`. */
  failed(target: LoginTarget, address: string): void {
    const key = targetKey(target);
    const now = this.host.now();
    const state = this.targets.get(key) ?? emptyState(now);
    const before = this.effectiveFailures(state, now);
    state.failures = before + 1;
    state.lastFailure = now;
    const source = rateKey(address);
    if (state.failing.size < 16 || state.failing.has(source)) state.failing.set(source, (state.failing.get(source) ?? 0) + 1);
    this.targets.set(key, state);
    this.save(key, state);
    const free = this.policy.targetFreeFailures;
    if (state.failures < free) return;
    const delay = this.delayFor(key, state.failures);
    // One line when the delay starts and each time it doubles, none once it sits at its cap.
    if (state.failures === free || this.delayFor(key, state.failures - 1) < delay) {
      const sources = [...state.failing].sort((a, b) => b[1] - a[1]).slice(0, 3);
      this.host.logger.warn('login target delayed', { target: key, failures: state.failures, delay: formatDuration(delay), sources: sources.map(([s, n]) => `${s} (${n})`).join(', ') });
    }
  }

  /** A successful login to `target` from `address` (with a verified package, if any): its count is cleared and the source remembered. */
  succeeded(target: LoginTarget, address: string, packageId?: string): void {
    const key = targetKey(target);
    const now = this.host.now();
    const state = this.targets.get(key) ?? emptyState(0);
    state.failures = 0;
    state.failing.clear();
    remember(state.goodSources, rateKey(address), now, this.policy.knownGoodPerTarget);
    if (packageId !== undefined) remember(state.goodPackages, packageId, now, this.policy.knownGoodPerTarget);
    this.targets.set(key, state);
    this.save(key, state);
  }

  /** A root lifts a target's delay (`clear-delay`); false when it had none. */
  clear(target: LoginTarget): boolean {
    const key = targetKey(target);
    const state = this.targets.get(key);
    if (!state || this.effectiveFailures(state, this.host.now()) === 0) return false;
    state.failures = 0;
    state.failing.clear();
    this.save(key, state);
    return true;
  }

  /** Targets whose delay is in force now, longest failure count first. */
  delayed(): DelayedTarget[] {
    const now = this.host.now();
    const list: DelayedTarget[] = [];
    for (const [key, state] of this.targets) {
      const failures = this.effectiveFailures(state, now);
      if (failures < this.policy.targetFreeFailures) continue;
      list.push({ target: key, failures, nextAttemptAt: state.lastFailure + this.delayFor(key, failures) });
    }
    return list.sort((a, b) => b.failures - a.failures);
  }

  /** Failures still counted: one is forgotten per decay period without failures. */
  private effectiveFailures(state: TargetState, now: number): number {
    if (state.failures === 0) return 0;
    const forgotten = Math.floor(Math.max(0, now - state.lastFailure) / this.policy.targetDecayMs);
    return Math.max(0, state.failures - forgotten);
  }

  private delayFor(key: string, failures: number): number {
    if (failures < this.policy.targetFreeFailures) return 0;
    const cap = key === 'root' ? this.policy.rootMaxDelayMs : this.policy.targetMaxDelayMs;
    return Math.min(this.policy.targetFirstDelayMs * 2 ** Math.min(failures - this.policy.targetFreeFailures, 30), cap);
  }

  private knownGood(key: string, state: TargetState, address: string, packageId: string | undefined, now: number): boolean {
    if (key === 'root' && LOCAL_ADDRESSES.has(address)) return true;
    const recent = (at: number | undefined): boolean => at !== undefined && now - at < this.policy.knownGoodMs;
    return recent(state.goodSources.get(rateKey(address))) || (packageId !== undefined && recent(state.goodPackages.get(packageId)));
  }

  private save(key: string, state: TargetState): void {
    try {
      if (state.failures === 0 && state.goodSources.size === 0 && state.goodPackages.size === 0) {
        this.targets.delete(key);
        this.db.prepare('DELETE FROM login_targets WHERE target = ?').run(key);
        return;
      }
      const known = JSON.stringify({ sources: Object.fromEntries(state.goodSources), packages: Object.fromEntries(state.goodPackages) });
      this.db
        .prepare('INSERT INTO login_targets (target, failures, last_failure, known_good) VALUES (?, ?, ?, ?) ON CONFLICT (target) DO UPDATE SET failures = excluded.failures, last_failure = excluded.last_failure, known_good = excluded.known_good')
        .run(key, state.failures, state.lastFailure, known);
    } catch (error) {
      // Still enforced in memory; only a restart would forget it.
      this.host.reportStorageFailure('bans', error);
    }
  }
}

function emptyState(lastFailure: number): TargetState {
  return { failures: 0, lastFailure, goodSources: new Map<string, number>(), goodPackages: new Map<string, number>(), failing: new Map<string, number>() };
}

/** Remember `key` as seen at `now`, keeping the most recent `max`. */
function remember(map: Map<string, number>, key: string, now: number, max: number): void {
  map.delete(key);
  map.set(key, now);
  while (map.size > max) {
    const oldest = [...map].sort((a, b) => a[1] - b[1])[0];
    if (!oldest) break;
    map.delete(oldest[0]);
  }
}
