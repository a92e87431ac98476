// Byte counts as people read them. A file's size is arbitrary and reads best in decimal units
// ("2.4 MB", as a file manager shows it); a limit an admin set is a round binary number and
// reads best as one ("100 MiB"), so exact multiples of a KiB, MiB or GiB keep that form.

const BINARY = [
  ['GiB', 1024 ** 3],
  ['MiB', 1024 ** 2],
  ['KiB', 1024],
] as const;
const DECIMAL = [
  ['GB', 1e9],
  ['MB', 1e6],
  ['kB', 1e3],
] as const;

/** "2.4 MB", "100 MiB", "512 B". */
export function formatSize(bytes: number): string {
  for (const [unit, size] of BINARY) if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  for (const [unit, size] of DECIMAL) if (bytes >= size) return `${(bytes / size).toFixed(1)} ${unit}`;
  return `${bytes} B`;
}
