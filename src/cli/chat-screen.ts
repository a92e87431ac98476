// The interactive chat screen: a readline prompt that incoming messages never overwrite.
// Each printed line clears the prompt row, writes above it, and redraws what the user typed.
import readline from 'node:readline';
import type { OutputStream } from './io.js';

export interface ChatScreenOptions {
  input: NodeJS.ReadableStream;
  output: OutputStream;
  prompt: string;
}

export class ChatScreen {
  private rl: readline.Interface;
  private closed = false;
  /** While a prompt (a hidden password) has the terminal, output waits here. */
  private suspendedOutput: string[] | undefined;
  private history: string[] = [];
  private handlers: { onLine: (line: string) => void; onInterrupt: () => void } | undefined;
  private prompt: string;

  constructor(private readonly options: ChatScreenOptions) {
    this.prompt = options.prompt;
    this.rl = this.open();
  }

  private open(): readline.Interface {
    const rl = readline.createInterface({ input: this.options.input, output: this.options.output, terminal: true, historySize: 200, history: [...this.history], prompt: this.prompt });
    rl.on('history', (history: string[]) => (this.history = history));
    return rl;
  }

  start(onLine: (line: string) => void, onInterrupt: () => void): void {
    this.handlers = { onLine, onInterrupt };
    this.attach();
    this.rl.prompt();
  }

  private attach(): void {
    const handlers = this.handlers;
    if (!handlers) return;
    this.rl.on('line', (line) => {
      handlers.onLine(line);
      if (!this.closed && !this.suspendedOutput) this.rl.prompt();
    });
    this.rl.on('SIGINT', handlers.onInterrupt);
    this.rl.on('close', () => {
      if (!this.closed && !this.suspendedOutput) handlers.onInterrupt();
    });
  }

  /** Print above the prompt, keeping the half-typed line intact. */
  print(text: string): void {
    if (this.closed) return;
    if (this.suspendedOutput) {
      this.suspendedOutput.push(text);
      return;
    }
    readline.cursorTo(this.options.output, 0);
    readline.clearLine(this.options.output, 0);
    this.options.output.write(text + '\n');
    this.rl.prompt(true);
  }

  setPrompt(prompt: string): void {
    this.prompt = prompt;
    this.rl.setPrompt(prompt);
    if (!this.closed && !this.suspendedOutput) this.rl.prompt(true);
  }

  /**
   * Hand the terminal to another prompt (a hidden password entry): this screen's line editor
   * is closed meanwhile, so no keystroke can end up in a chat line; output waits until after.
   */
  async suspendFor<T>(ask: () => Promise<T>): Promise<T> {
    if (this.closed || this.suspendedOutput) return ask();
    this.suspendedOutput = [];
    readline.cursorTo(this.options.output, 0);
    readline.clearLine(this.options.output, 0);
    this.rl.close();
    try {
      return await ask();
    } finally {
      const waiting = this.suspendedOutput;
      this.suspendedOutput = undefined;
      if (!this.closed) {
        this.rl = this.open();
        this.attach();
        for (const text of waiting) this.options.output.write(text + '\n');
        this.rl.prompt();
      }
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    readline.cursorTo(this.options.output, 0);
    readline.clearLine(this.options.output, 0);
    this.rl.close();
  }
}
