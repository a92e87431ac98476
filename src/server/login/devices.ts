// The direct-message step of a login (protocol 3): after every other check has passed, the
// device key the client presented is registered to the account (or kept for a guest's session),
// or refused with a reason the welcome carries. A separate step, so the password and proof
// steps of the handshake can change without touching it.
import type { AuthMessage } from '../../protocol/messages.js';
import type { DeviceBook } from '../direct/devices.js';
import type { SessionDevice } from '../session/member.js';

export class LoginDevices {
  constructor(private readonly devices: DeviceBook) {}

  /** The session's device, or undefined (roots, older protocols, no key presented). */
  claim(message: AuthMessage, protocol: number): SessionDevice | undefined {
    if (message.role !== 'user') return undefined;
    return this.devices.claim(message.name, protocol, message.device?.key);
  }
}
