// Durations as a root types them (`10m`, `2h`, `7d`) and as people read them back.

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;
type Unit = keyof typeof UNIT_MS;

/** The longest timed ban; anything longer is what "permanent" is for. */
export const MAX_DURATION_MS = 10 * 365 * UNIT_MS.d;

function isUnit(value: string): value is Unit {
  return Object.hasOwn(UNIT_MS, value);
}

/** Parse "30s", "10m", "2h", "7d", "1w" to milliseconds; undefined when invalid or out of range. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d{1,6})([smhdw])$/i.exec(text.trim());
  const amount = Number(match?.[1]);
  const unit = match?.[2]?.toLowerCase() ?? '';
  if (!match || !isUnit(unit) || amount <= 0) return undefined;
  const ms = amount * UNIT_MS[unit];
  return ms <= MAX_DURATION_MS ? ms : undefined;
}

/** "2h 5m", "45s", "3d 4h": the two largest non-zero units, rounded up to whole seconds. */
export function formatDuration(ms: number): string {
  let seconds = Math.max(0, Math.ceil(ms / 1000));
  const parts: string[] = [];
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    const count = Math.floor(seconds / size);
    seconds -= count * size;
    if (count > 0) parts.push(`${count}${unit}`);
  }
  return parts.slice(0, 2).join(' ') || '0s';
}
