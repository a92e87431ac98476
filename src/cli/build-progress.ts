// Progress while packages build: each step with a live elapsed time on a terminal (an
// executable takes seconds to make), one line per finished step everywhere else.
import readline from 'node:readline';
import type { ChalkInstance } from 'chalk';
import type { OutputStream } from './io.js';
import { box, colorEnabled, makeChalk } from './style.js';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Prints build steps to stdout; satisfies the package builder's progress interface. */
export class BuildProgressPrinter {
  private readonly c: ChalkInstance;
  private readonly live: boolean;
  private current: { label: string; started: number } | undefined;
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly output: OutputStream = process.stdout,
    color: boolean = colorEnabled(output),
  ) {
    this.c = makeChalk(color);
    this.live = output.isTTY === true;
  }

  start(label: string): void {
    this.current = { label, started: Date.now() };
    if (!this.live) return;
    this.draw();
    this.ticker = setInterval(() => this.draw(), 200);
  }

  done(detail: string): void {
    this.finish(this.c.green('✔'), detail);
  }

  failed(): void {
    this.finish(this.c.red('✘'), 'failed');
  }

  note(text: string): void {
    this.clearLine();
    this.output.write(this.c.yellow(`  ! ${text}`) + '\n');
    if (this.live && this.current) this.draw();
  }

  private draw(): void {
    if (!this.current) return;
    this.clearLine();
    this.output.write(`  ${this.c.cyan('…')} ${this.current.label} ${this.c.dim(seconds(Date.now() - this.current.started))}`);
  }

  private clearLine(): void {
    if (!this.live) return;
    readline.cursorTo(this.output, 0);
    readline.clearLine(this.output, 0);
  }

  private finish(mark: string, detail: string): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
    const step = this.current;
    this.current = undefined;
    if (!step) return;
    this.clearLine();
    this.output.write(`  ${mark} ${step.label} ${this.c.dim(`(${detail}, ${seconds(Date.now() - step.started)})`)}\n`);
  }
}

export interface PackageSummary {
  outDir: string;
  artifacts: { relativePath: string; bytes: number }[];
  packages: { id: string; kind: string }[];
  checksumsFile: string;
  elapsedMs: number;
  addresses: readonly string[];
}

/** The box shown when a build finished: what was made, where, and what to do next. */
export function renderPackageSummary(summary: PackageSummary, color: boolean = colorEnabled()): string {
  const c = makeChalk(color);
  const width = Math.max(...summary.artifacts.map((a) => a.relativePath.length));
  const lines = [
    ...summary.artifacts.map((a) => `${a.relativePath.padEnd(width)}  ${c.dim(`${(a.bytes / (1024 * 1024)).toFixed(1)} MB`)}`),
    '',
    `${c.bold('Output')}     ${summary.outDir}`,
    `${c.bold('Checksums')}  ${summary.checksumsFile}`,
    `${c.bold('Packages')}   ${summary.packages.map((p) => `${p.kind} ${p.id}`).join(', ')}`,
    `${c.bold('Sealed for')} ${summary.addresses.join(', ')}`,
    '',
    'Hand the files out; tell the passkey separately (in person or another private channel).',
    `A root console can list these packages ("packages") and revoke one ("revoke <id>").`,
  ];
  return box(lines.join('\n'), `Packages built in ${seconds(summary.elapsedMs)}`, color, 'green');
}
