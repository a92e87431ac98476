// Root logins that this very process makes to its own server: the admin dashboard logs in as
// root (normally over loopback), so that its actions take the one audited command path. Such a
// session is named `<label>#<id>` (e.g. dashboard#7) instead of root#<id>, so audit.log says
// where an action came from. Only code in this process can register a label, and only for a
// connection it opened itself: the label is keyed by that connection's source address and port,
// which no other program holds at the same time. The login still needs the passkey and root password.
import type { Session } from '../session/session.js';

/** One household's address as the listener records it: IPv4-mapped IPv6 unwrapped. */
function plain(address: string): string {
  return address.startsWith('::ffff:') && /^\d{1,3}(\.\d{1,3}){3}$/.test(address.slice(7)) ? address.slice(7) : address;
}

export class LocalConsoles {
  private readonly byEndpoint = new Map<string, string>();

  /** A connection this process opened from `address`:`port` is its console `label`; returns how to forget it. */
  register(address: string, port: number, label: string): () => void {
    const key = `${plain(address)}|${port}`;
    this.byEndpoint.set(key, label);
    return () => {
      if (this.byEndpoint.get(key) === label) this.byEndpoint.delete(key);
    };
  }

  /** The label of a session that is one of this process's consoles, if it is one. */
  labelFor(session: Session): string | undefined {
    const port = session.socket.remotePort;
    if (port === undefined || this.byEndpoint.size === 0) return undefined;
    return this.byEndpoint.get(`${session.address}|${port}`);
  }
}
