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
  // Round only in the largest binary unit it reaches: 100 MiB, 10 GiB — not "76141996 KiB".
  const binary = BINARY.find(([, size]) => bytes >= size);
  if (binary && bytes % binary[1] === 0) return `${bytes / binary[1]} ${binary[0]}`;
  for (const [unit, size] of DECIMAL) if (bytes >= size) return `${(bytes / size).toFixed(1)} ${unit}`;
  return `${bytes} B`;
}
