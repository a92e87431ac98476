// Drive a terminal program for real: tmux runs it in a pseudo-terminal, send-keys types,
// capture-pane reads the screen.
import { execFileSync, spawnSync } from 'node:child_process';
import { defaultTestProfileDir } from './cli.js';

export function hasTmux(): boolean {
  return spawnSync('tmux', ['-V']).status === 0;
}

let counter = 0;

export class TmuxSession {
  readonly name: string;

  /** Start `command` (a shell command line) in a detached 120x40 session. */
  constructor(command: string, env: Record<string, string>) {
    this.name = `pp-test-${process.pid}-${++counter}`;
    // Programs under tmux keep direct-message keys in a temporary profile unless a test picks one.
    const envArgs = Object.entries({ PARTY_POOL_PROFILE_DIR: defaultTestProfileDir(), ...env }).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
    execFileSync('tmux', ['new-session', '-d', '-s', this.name, '-x', '120', '-y', '40', ...envArgs, command]);
  }

  /** Type literal text (no key names). */
  type(text: string): void {
    execFileSync('tmux', ['send-keys', '-t', this.name, '-l', text]);
  }

  /** Press named keys: Enter, Down, C-c … */
  press(...keys: string[]): void {
    execFileSync('tmux', ['send-keys', '-t', this.name, ...keys]);
  }

  screen(): string {
    return execFileSync('tmux', ['capture-pane', '-p', '-J', '-t', this.name, '-S', '-200']).toString();
  }

  /** Wait until the screen matches; fails with the screen's text when it never does. */
  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const text = this.screen();
      if (pattern.test(text)) return text;
      if (Date.now() > deadline) throw new Error(`screen never matched ${String(pattern)}:\n${text}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  kill(): void {
    spawnSync('tmux', ['kill-session', '-t', this.name]);
  }
}
