// The key a stranger is counted under: one household is one key, however many addresses it has.
import { parseIpRange } from './ip-range.js';

/** The IPv4 address, or the IPv6 /64 (one household's prefix). */
export function rateKey(address: string): string {
  if (!address.includes(':')) return address;
  return parseIpRange(`${address}/64`)?.text ?? address;
}
