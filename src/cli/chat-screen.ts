// The interactive chat screen: a readline prompt that incoming messages never overwrite.
// Each printed line clears the prompt row, writes above it, and redraws what the user typed.
import readline from 'node:readline';

export interface ChatScreenOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WriteStream;
  prompt: string;
}

export class ChatScreen {
  private readonly rl: readline.Interface;
  private closed = false;

  constructor(private readonly options: ChatScreenOptions) {
    this.rl = readline.createInterface({ input: options.input, output: options.output, terminal: true, historySize: 200, prompt: options.prompt });
  }

  start(onLine: (line: string) => void, onInterrupt: () => void): void {
    this.rl.on('line', (line) => {
      onLine(line);
      if (!this.closed) this.rl.prompt();
    });
    this.rl.on('SIGINT', onInterrupt);
    this.rl.on('close', () => {
      if (!this.closed) onInterrupt();
    });
    this.rl.prompt();
  }

  /** Print above the prompt, keeping the half-typed line intact. */
  print(text: string): void {
    if (this.closed) return;
    readline.cursorTo(this.options.output, 0);
    readline.clearLine(this.options.output, 0);
    this.options.output.write(text + '\n');
    this.rl.prompt(true);
  }

  setPrompt(prompt: string): void {
    this.rl.setPrompt(prompt);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    readline.cursorTo(this.options.output, 0);
    readline.clearLine(this.options.output, 0);
    this.rl.close();
  }
}
