// What the status panel shows about this machine: private IPv4 addresses, MAC addresses and
// the public IPv4 (a short look-up that answers "unavailable" offline instead of hanging).
import os from 'node:os';

export interface InterfaceAddress {
  interface: string;
  address: string;
  mac: string;
}

/** Non-internal IPv4 addresses with their interface and MAC. */
export function privateIPv4Addresses(): InterfaceAddress[] {
  const out: InterfaceAddress[] = [];
  for (const [name, entries] of Object.entries(os.networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.family === 'IPv4' && !entry.internal) out.push({ interface: name, address: entry.address, mac: entry.mac });
    }
  }
  return out;
}

/** Ask a plain-text "what is my IP" service; any failure or timeout yields undefined. */
export async function lookupPublicIPv4(url: string, timeoutMs: number): Promise<string | undefined> {
  if (!url) return undefined;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) return undefined;
    const text = (await response.text()).trim();
    return /^\d{1,3}(\.\d{1,3}){3}$/.test(text) ? text : undefined;
  } catch {
    return undefined;
  }
}

/** Container, VM and VPN bridges: addresses friends on the LAN usually cannot reach. */
export function isLikelyVirtualInterface(name: string): boolean {
  return /^(docker|br-|veth|virbr|vmnet|vboxnet|lxc|lxd|cni|flannel|cali|tun|tap|wg|zt|utun|podman|vEthernet)/i.test(name);
}
