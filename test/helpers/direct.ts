// Protocol-3 helpers for tests: a raw client that logs in with a device key, and sealing a
// direct message to a set of devices the way a real client does.
import { newDeviceKey, type DeviceKeyPair } from '../../src/crypto/device-key.js';
import { newMessageId, openDirect, sealDirect } from '../../src/crypto/direct-seal.js';
import type { ServerMessage } from '../../src/protocol/messages.js';
import { encodeDirectPayload, parseDirectPayload, type DirectPayload } from '../../src/protocol/direct-payload.js';
import { RawClient } from './raw-client.js';

type Welcome = Extract<ServerMessage, { type: 'welcome' }>;
type Synced = Extract<ServerMessage, { type: 'synced' }>;
export type Delivered = Extract<ServerMessage, { type: 'direct' }>;
type Devices = Extract<ServerMessage, { type: 'devices' }>;

export interface V3Login {
  client: RawClient;
  welcome: Welcome;
  synced: Synced;
}

export interface V3Options {
  password?: string;
  register?: boolean;
  directAfter?: number;
}

/** Connect with protocol 3, log in as `name` presenting `device` (if any), and wait for `synced`. */
export async function loggedInV3(port: number, name: string, device: DeviceKeyPair | undefined, options: V3Options = {}): Promise<V3Login> {
  const client = await RawClient.connect(port);
  client.versions = [1, 2, 3];
  const auth = await client.authMessage(name, { ...(options.password === undefined ? {} : { password: options.password }), ...(options.register ? { register: true } : {}) });
  if (device) auth.device = { key: device.publicKeyText };
  if (options.directAfter !== undefined) auth.directAfter = options.directAfter;
  client.send(auth);
  // A password is proven by OPAQUE (issue 11): finishLogin answers the exchange's steps.
  const end = await client.finishLogin();
  if (end.type === 'error') throw new Error(`login as ${name} failed: ${end.code} (${end.message})`);
  const welcome = end;
  const synced = await client.waitFor('synced');
  return { client, welcome, synced };
}

export { newDeviceKey };

let nextId = 100_000;

/** Ask the server for the devices of `names`. */
export async function devicesOf(client: RawClient, names: string[]): Promise<Devices> {
  const id = nextId++;
  client.send({ type: 'devices-get', id, names });
  const reply = await client.answer(id);
  if (reply.type !== 'devices') throw new Error(`devices-get answered ${JSON.stringify(reply)}`);
  return reply;
}

/** A `direct` request sealed by `sender` to `devices`, with the text payload from -> to. */
export async function sealedSend(
  sender: DeviceKeyPair,
  devices: readonly { id: string; key: string }[],
  payload: { from: string; to: string; text: string },
  options: { messageId?: string; time?: string; id?: number } = {},
): Promise<Record<string, unknown> & { id: number; messageId: string; time: string; body: string; envelopes: { device: string; enc: string; key: string }[] }> {
  const messageId = options.messageId ?? newMessageId();
  const time = options.time ?? new Date().toISOString();
  const sealed = await sealDirect(sender, devices, { messageId, time }, encodeDirectPayload({ v: 1, kind: 'text', ...payload }));
  return { type: 'direct', id: options.id ?? nextId++, to: payload.to, messageId, time, body: sealed.body, envelopes: [...sealed.envelopes] };
}

/** Open a delivered `direct` on `device`, given the sender's public key; the payload, or an error. */
export async function openDelivered(device: DeviceKeyPair, delivered: Delivered, senderKey: string): Promise<DirectPayload | undefined> {
  const opened = await openDirect(device, { id: delivered.fromDevice, key: senderKey }, { messageId: delivered.messageId, time: delivered.time, fileId: delivered.fileId }, delivered.body, delivered.envelope);
  return parseDirectPayload(opened);
}

/** Every `direct` the raw client received so far. */
export function directsOf(client: RawClient): Delivered[] {
  return client.received.filter((m): m is Delivered => m.type === 'direct');
}
