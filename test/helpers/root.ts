// Root sessions for tests: log in as root over real TLS, run a console command, read its answer.
import assert from 'node:assert/strict';
import type { ResultMessage, ServerMessage } from '../../src/protocol/messages.js';
import type { Timers } from '../../src/server/moderation/countdown.js';
import { RawClient } from './raw-client.js';

/** Connect and log in as root (from `localAddress` when given). */
export async function rootLoggedIn(port: number, localAddress?: string): Promise<RawClient> {
  const client = await RawClient.connect(port, '127.0.0.1', localAddress);
  await client.login('root', { role: 'root' });
  return client;
}

/** Run a root command and return its one answer. */
export function run(client: RawClient, name: string, args = ''): Promise<ServerMessage> {
  return client.answer(client.command(name, args));
}

/** Run a root command that must succeed with a `result`. */
export async function runOk(client: RawClient, name: string, args = ''): Promise<ResultMessage> {
  const answer = await run(client, name, args);
  assert.equal(answer.type, 'result', `${name} ${args}: ${JSON.stringify(answer)}`);
  return answer;
}

/** Run a root command that must fail; returns the error code. */
export async function runError(client: RawClient, name: string, args = ''): Promise<string> {
  const answer = await run(client, name, args);
  assert.equal(answer.type, 'error', `${name} ${args} should fail: ${JSON.stringify(answer)}`);
  return answer.type === 'error' ? answer.code : '';
}

/** Timers a test fires by hand: nothing happens until it says so. */
export class ManualTimers implements Timers {
  private pending: { id: number; callback: () => void; ms: number }[] = [];
  private nextId = 1;
  /** Delays asked for, in order (to check the countdown's schedule). */
  readonly requested: number[] = [];

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.push({ id, callback, ms });
    this.requested.push(ms);
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending = this.pending.filter((t) => t.id !== handle);
  }

  get size(): number {
    return this.pending.length;
  }

  /** Fire the oldest pending timer. */
  fireNext(): void {
    const next = this.pending.shift();
    assert.ok(next, 'no timer is pending');
    next.callback();
  }
}
