// The low-disk reserve: the free space under the data directory, read every little while. Below
// the warning level every connected root is told (and the log), before anything is refused; below
// the reserve nothing new is stored (chat lines, requests, accounts, rooms, uploads: quotas.ts
// refuses them with DISK_LOW) so the space that is left keeps moderation working: a ban, a kick,
// a deletion each write a few bytes to the database. Told again at most once an hour per level.
import fs from 'node:fs/promises';
import type { Logger } from '../../common/logger.js';
import { Audience, type Fanout } from '../chat/fanout.js';
import type { Clock } from '../clock.js';

export type DiskLevel = 'ok' | 'warn' | 'low';

/** Free and total bytes of the file system holding `dir`. */
export type DiskProbe = (dir: string) => Promise<{ free: number; total: number }>;

export interface DiskThresholds {
  /** Below this many free bytes nothing new is stored. */
  readonly reserveBytes: number;
  /** Below this many, roots are warned. */
  readonly warnBytes: number;
}

/** The real probe: statfs, counting only blocks an unprivileged writer may use. */
export const statfsProbe: DiskProbe = async (dir) => {
  const stats = await fs.statfs(dir);
  return { free: stats.bavail * stats.bsize, total: stats.blocks * stats.bsize };
};

/** A reminder of the same level comes at most this often. */
const REMIND_MS = 3_600_000;

/** "1.5 GiB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export class DiskSpace {
  private current: DiskLevel = 'ok';
  private freeBytes: number | undefined;
  private checkedAt = 0;
  private toldAt: Partial<Record<DiskLevel, number>> = {};
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly dir: string,
    readonly thresholds: DiskThresholds,
    private readonly probe: DiskProbe,
    private readonly fanout: Fanout,
    private readonly logger: Logger,
    private readonly clock: Clock,
  ) {}

  /** The level at the last reading (ok until the first one). */
  get level(): DiskLevel {
    return this.current;
  }

  /** Free bytes at the last reading, if there was one. */
  get free(): number | undefined {
    return this.freeBytes;
  }

  /** When the disk was last read (ms since the epoch; 0: never). */
  get lastChecked(): number {
    return this.checkedAt;
  }

  /** Read the free space now (one reading at a time); a failing probe keeps the last level. */
  refresh(): Promise<void> {
    this.running ??= this.read().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Read now, then every `intervalMs` (the timer never keeps the process alive). */
  start(intervalMs: number): Promise<void> {
    this.timer = setInterval(() => void this.refresh(), intervalMs);
    this.timer.unref();
    return this.refresh();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A sentence for `stats`. */
  describe(): string {
    const { reserveBytes, warnBytes } = this.thresholds;
    const free = this.freeBytes === undefined ? 'not read yet' : `${formatBytes(this.freeBytes)} free`;
    const state = this.current === 'low' ? 'BELOW THE RESERVE: nothing new is stored' : this.current === 'warn' ? 'running low' : 'fine';
    return `Disk: ${free} (${state}); new data is refused below ${formatBytes(reserveBytes)}, roots are warned below ${formatBytes(warnBytes)}`;
  }

  private async read(): Promise<void> {
    let free: number;
    try {
      ({ free } = await this.probe(this.dir));
    } catch (error) {
      this.logger.warn('disk space unknown', { reason: error instanceof Error ? error.message.slice(0, 200) : String(error) });
      return;
    }
    const now = this.clock.now();
    this.freeBytes = free;
    this.checkedAt = now;
    const level: DiskLevel = free < this.thresholds.reserveBytes ? 'low' : free < this.thresholds.warnBytes ? 'warn' : 'ok';
    const previous = this.current;
    this.current = level;
    if (level === 'ok') {
      if (previous !== 'ok') this.logger.info('disk space recovered', { free });
      this.toldAt = {};
      return;
    }
    const told = this.toldAt[level];
    if (level === previous && told !== undefined && now - told < REMIND_MS) return;
    this.toldAt[level] = now;
    const text =
      level === 'low'
        ? `Disk nearly full: ${formatBytes(free)} free, below the reserve of ${formatBytes(this.thresholds.reserveBytes)}. New chat lines, requests, accounts and rooms are refused until space is freed; bans, kicks and deletions still work.`
        : `Disk space is running low: ${formatBytes(free)} free. Below ${formatBytes(this.thresholds.reserveBytes)} the server stops storing new chat, requests, accounts and rooms (bans, kicks and deletions still work). Free some space.`;
    this.logger.warn(level === 'low' ? 'disk below reserve' : 'disk space low', { free, reserve: this.thresholds.reserveBytes, warn: this.thresholds.warnBytes });
    this.fanout.send(Audience.roots, { type: 'notice', from: 'server', text, time: new Date(now).toISOString() });
  }
}
