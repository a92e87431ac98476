// The interactive chat screen: a readline prompt that incoming messages never overwrite.
// Each printed line clears the prompt row, writes above it, and redraws what the user typed.
import readline from 'node:readline';
import type { OutputStream } from './io.js';
import { displayWidth } from './table.js';

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
  /** The line editor is being replaced (scrub): its close is not the person leaving. */
  private reopening = false;
  /** Status lines (transfers' progress) above the prompt, and how many rows they take on screen now. */
  private status: string[] = [];
  private statusRows = 0;

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
      // The typed line was echoed below the status lines: move it above them, with the rest of the scrollback.
      if (this.statusRows > 0 && !this.suspendedOutput) {
        readline.moveCursor(this.options.output, 0, -1);
        this.print(this.prompt + line);
      }
      handlers.onLine(line);
      if (!this.closed && !this.suspendedOutput) this.rl.prompt();
    });
    this.rl.on('SIGINT', handlers.onInterrupt);
    this.rl.on('close', () => {
      if (!this.closed && !this.suspendedOutput && !this.reopening) handlers.onInterrupt();
    });
  }

  /** Print above the prompt (and the status lines), keeping the half-typed line intact. */
  print(text: string): void {
    if (this.closed) return;
    if (this.suspendedOutput) {
      this.suspendedOutput.push(text);
      return;
    }
    this.eraseStatus();
    this.options.output.write(text + '\n');
    this.drawStatus();
  }

  /**
   * Lines kept just above the prompt and redrawn in place (file transfers' progress bars); []
   * removes them. Each must fit the terminal's width: a wrapped status line would not be erased.
   */
  setStatus(lines: readonly string[]): void {
    if (this.closed) return;
    this.status = [...lines];
    if (this.suspendedOutput) return;
    this.eraseStatus();
    this.drawStatus();
  }

  /** The terminal's width (80 when unknown). */
  get columns(): number {
    const columns: unknown = Reflect.get(this.options.output, 'columns');
    return typeof columns === 'number' && columns > 0 ? columns : 80;
  }

  /** Clear the prompt row and the status rows above it; the cursor ends at the top one's start. */
  private eraseStatus(): void {
    const out = this.options.output;
    readline.cursorTo(out, 0);
    readline.clearLine(out, 0);
    for (let row = 0; row < this.statusRows; row++) {
      readline.moveCursor(out, 0, -1);
      readline.clearLine(out, 0);
    }
    this.statusRows = 0;
  }

  private drawStatus(): void {
    for (const line of this.status) this.options.output.write(line + '\n');
    this.statusRows = this.status.length;
    this.rl.prompt(true);
  }

  /**
   * Take a line the person just entered off the screen and out of the line history (Up): a
   * password typed after /register must not stay visible, nor be one key away. Call it from the
   * line handler, before anything else is printed.
   */
  scrub(line: string): void {
    if (this.closed) return;
    const output = this.options.output;
    const columns: unknown = Reflect.get(output, 'columns');
    const width = typeof columns === 'number' && columns > 0 ? columns : 80;
    // The entered line (prompt included) took this many rows; the cursor is on the row below it.
    const rows = Math.max(1, Math.ceil(displayWidth(this.prompt + line) / width));
    readline.moveCursor(output, 0, -rows);
    readline.cursorTo(output, 0);
    readline.clearScreenDown(output);
    this.history = this.history.filter((entry) => entry !== line);
    // readline keeps its own copy of the history: a new line editor starts from the cleaned one.
    this.reopening = true;
    try {
      this.rl.close();
    } finally {
      this.reopening = false;
    }
    this.rl = this.open();
    this.attach();
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
    this.eraseStatus();
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
        this.drawStatus();
      }
    }
  }

  close(): void {
    if (this.closed) return;
    this.eraseStatus();
    this.closed = true;
    this.rl.close();
  }
}
