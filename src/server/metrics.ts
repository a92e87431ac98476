// What the server tells its metrics about, as it happens: a login, an error sent, a commit of chat
// lines and their fan-out. Metrics are off by default, and then every hook is an empty method of
// one shared object (`noMetrics`) — the hot path pays a call the JIT inlines away, and `now()`
// returns 0 so no clock is read. With --metrics-port the server loads metrics-endpoint.ts
// (prom-client) instead. Labels are bounded sets — roles, error codes, results — never a name,
// a room or an address.
import type { ErrorCode } from '../common/errors.js';
import type { Session } from './session/session.js';

export interface ServerMetrics {
  /** Whether anything is recorded (false: the hooks are empty). */
  readonly enabled: boolean;
  /** A high-resolution time in ms to measure a duration with (0 when off: nothing is read). */
  now(): number;
  /** A login was admitted. */
  loggedIn(role: 'user' | 'root'): void;
  /** An error went to a connection (a refusal, a rate limit, a failed login); `session` is undefined before a session exists. */
  errorSent(session: Session | undefined, code: ErrorCode): void;
  /** A batch of chat lines was stored and fanned out; `startedAt` came from now(). */
  committed(startedAt: number, lines: number): void;
  /** One chat line went to `recipients` sessions. */
  relayed(recipients: number): void;
}

/** Metrics off: every hook does nothing. */
export const noMetrics: ServerMetrics = {
  enabled: false,
  now: () => 0,
  loggedIn: () => undefined,
  errorSent: () => undefined,
  committed: () => undefined,
  relayed: () => undefined,
};
