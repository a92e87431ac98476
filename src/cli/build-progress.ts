// Progress while packages build: each step with a live elapsed time on a terminal (an
// executable takes seconds to make), one line per finished step everywhere else.
import readline from 'node:readline';
import type { ChalkInstance } from 'chalk';
import type { OutputStream } from './io.js';
import { box, colorEnabled, makeChalk } from './style.js';

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Prints build steps to stdout; satisfies the package builder's progress interface (steps may overlap). */
export class BuildProgressPrinter {
  private readonly c: ChalkInstance;
  private readonly live: boolean;
  private readonly running = new Map<string, { label: string; started: number }>();
  private ticker: NodeJS.Timeout | undefined;

  constructor(
    private readonly output: OutputStream = process.stdout,
    color: boolean = colorEnabled(output),
  ) {
    this.c = makeChalk(color);
    this.live = output.isTTY === true;
  }

  start(id: string, label: string): void {
    this.running.set(id, { label, started: Date.now() });
    if (!this.live) return;
    this.draw();
    this.ticker ??= setInterval(() => this.draw(), 200);
  }

  done(id: string, detail: string): void {
    this.finish(id, this.c.green('✔'), detail);
  }

  failed(id: string): void {
    this.finish(id, this.c.red('✘'), 'stopped');
  }

  note(text: string): void {
    this.clearLine();
    this.output.write(this.c.yellow(`  ! ${text}`) + '\n');
    this.draw();
  }

  /** The live line: the longest-running step, and how many others run beside it. */
  private draw(): void {
    if (!this.live) return;
    const [oldest] = this.running.values();
    if (!oldest) return;
    this.clearLine();
    const others = this.running.size - 1;
    const more = others > 0 ? this.c.dim(` (+${others} more)`) : '';
    this.output.write(`  ${this.c.cyan('…')} ${oldest.label} ${this.c.dim(seconds(Date.now() - oldest.started))}${more}`);
  }

  private clearLine(): void {
    if (!this.live) return;
    readline.cursorTo(this.output, 0);
    readline.clearLine(this.output, 0);
  }

  private finish(id: string, mark: string, detail: string): void {
    const step = this.running.get(id);
    this.running.delete(id);
    if (this.running.size === 0 && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
    if (!step) return;
    this.clearLine();
    this.output.write(`  ${mark} ${step.label} ${this.c.dim(`(${detail}, ${seconds(Date.now() - step.started)})`)}\n`);
    this.draw();
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

/** The executable a compressed download holds (by name), or undefined for any other file. */
function executableOfDownload(relativePath: string): string | undefined {
  if (relativePath.endsWith('-linux-x64.tar.gz')) return relativePath.slice(0, -'.tar.gz'.length);
  if (relativePath.endsWith('-win-x64.zip')) return relativePath.replace(/\.zip$/, '.exe');
  return undefined;
}

/** The box shown when a build finished: what was made, where, and what to do next. */
export function renderPackageSummary(summary: PackageSummary, color: boolean = colorEnabled()): string {
  const c = makeChalk(color);
  const width = Math.max(...summary.artifacts.map((a) => a.relativePath.length));
  const sizes = new Map(summary.artifacts.map((a) => [a.relativePath, a.bytes]));
  const row = (a: { relativePath: string; bytes: number }): string => {
    const size = `${(a.bytes / (1024 * 1024)).toFixed(1)} MB`.padStart(8);
    const executable = executableOfDownload(a.relativePath);
    const whole = executable === undefined ? undefined : sizes.get(executable);
    const share = whole ? `  download, ${Math.round((100 * a.bytes) / whole)} %` : '';
    return `${a.relativePath.padEnd(width)}  ${c.dim(size + share)}`;
  };
  const hasDownloads = summary.artifacts.some((a) => executableOfDownload(a.relativePath) !== undefined);
  const lines = [
    ...summary.artifacts.map(row),
    ...(hasDownloads ? ['', 'Send the downloads (.zip for Windows, .tar.gz for Linux): the same programs, compressed.'] : []),
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
