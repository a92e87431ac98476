// Timeouts that all have the same length (the login window, the close linger): kept in the order
// they were set, which is the order they expire in, behind one timer for all of them instead of
// one per connection. Cancelling is lazy: a cancelled or renewed entry is skipped when reached.
import { performance } from 'node:perf_hooks';

export class DeadlineQueue<T> {
  private queue: { item: T; due: number }[] = [];
  private head = 0;
  /** The current deadline of every item still waiting. */
  private readonly due = new Map<T, number>();
  private timer: NodeJS.Timeout | undefined;
  private timerDue = Infinity;

  constructor(
    private readonly delayMs: number,
    private readonly expire: (item: T) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Start (or restart) `item`'s deadline: it expires `delayMs` from now unless cancelled. */
  set(item: T): void {
    const due = this.now() + this.delayMs;
    this.due.set(item, due);
    this.queue.push({ item, due });
    this.arm();
  }

  cancel(item: T): void {
    this.due.delete(item);
    if (this.due.size === 0) this.stop();
  }

  /** Items waiting. */
  get size(): number {
    return this.due.size;
  }

  /** Forget everything (at shutdown). */
  clear(): void {
    this.due.clear();
    this.stop();
  }

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDue = Infinity;
    this.queue = [];
    this.head = 0;
  }

  private arm(): void {
    const next = this.queue[this.head];
    if (!next || next.due >= this.timerDue) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = next.due;
    this.timer = setTimeout(() => this.fire(), Math.max(0, Math.ceil(next.due - this.now())));
    // A pending deadline must not be what keeps a process alive.
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.timerDue = Infinity;
    const now = this.now();
    const expired: T[] = [];
    for (let entry = this.queue[this.head]; entry && entry.due <= now; entry = this.queue[this.head]) {
      this.head += 1;
      if (this.due.get(entry.item) !== entry.due) continue;
      this.due.delete(entry.item);
      expired.push(entry.item);
    }
    // Drop the consumed prefix now and then, so the array does not grow for ever.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    this.arm();
    for (const item of expired) this.expire(item);
  }
}
