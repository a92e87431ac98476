// A load-generator thread for `npm run bench`: holds many real TLS sessions speaking the real
// protocol, logs them in, sends and counts messages. Kept lean so the driver is not the
// bottleneck: message frames are recognised by their prefix and only the timestamp is read.
import { parentPort, workerData } from 'node:worker_threads';
import { openSession as open, sharedKey, type LoadSession } from './load-client.js';

export interface WorkerInit {
  port: number;
  passkey: string;
  prefix: string;
  versions?: number[];
}

export type WorkerCommand =
  | { type: 'connect'; count: number; concurrency: number }
  | { type: 'join-rooms'; rooms: string[]; offset: number }
  | { type: 'run-command'; session: number; name: string; args: string }
  | { type: 'chat'; ratePerSecond: number; seconds: number }
  | { type: 'send'; session: number; count: number; mode: 'burst' | 'rate'; ratePerSecond?: number; room?: string; startSeq: number }
  | { type: 'send-one'; session: number; seq: number; room?: string }
  | { type: 'expect'; perMessage: number }
  | { type: 'reset' }
  | { type: 'stats' }
  | { type: 'close' };

export type WorkerReply =
  | { type: 'connected'; ok: number; failed: number; loginMs: number[]; errors: string[] }
  | { type: 'sent'; count: number; firstSendNs: string; lastSendNs: string }
  | { type: 'got'; seq: number }
  | { type: 'stats'; deliveries: number; latenciesUs: number[]; lastDeliveryNs: string }
  | { type: 'closed' }
  | { type: 'reset-done' }
  | { type: 'command-done'; error?: string }
  | { type: 'chatted'; sent: number; errors: number }
  | { type: 'joined' };

const init = workerData as WorkerInit;
const port = parentPort;
if (!port) throw new Error('load-worker must run as a worker thread');

const TEXT_MARKER = Buffer.from('"text":"');

const sessions: LoadSession[] = [];
const key = sharedKey(init.passkey);
let deliveries = 0;
let latenciesUs: number[] = [];
let lastDeliveryNs = 0n;
let perMessageExpected = 0;
const seqCounts = new Map<number, number>();

/** Pull the sender's hrtime and sequence out of a message frame without parsing all of it. */
function onMessageFrame(payload: Buffer): void {
  const now = process.hrtime.bigint();
  deliveries++;
  lastDeliveryNs = now;
  const at = payload.indexOf(TEXT_MARKER);
  if (at < 0) return;
  const end = payload.indexOf(0x22, at + TEXT_MARKER.length);
  const text = payload.toString('latin1', at + TEXT_MARKER.length, end);
  const [seqText, sentText] = text.split(':');
  if (sentText === undefined) return;
  const sent = BigInt(sentText);
  // Record every latency up to a cap; past it, sample to bound memory.
  if (latenciesUs.length < 2_000_000) latenciesUs.push(Number(now - sent) / 1000);
  if (perMessageExpected > 0) {
    const seq = Number(seqText);
    const seen = (seqCounts.get(seq) ?? 0) + 1;
    if (seen >= perMessageExpected) {
      seqCounts.delete(seq);
      port?.postMessage({ type: 'got', seq } satisfies WorkerReply);
    } else seqCounts.set(seq, seen);
  }
}

async function connectMany(count: number, concurrency: number): Promise<WorkerReply> {
  const loginMs: number[] = [];
  const errors: string[] = [];
  let failed = 0;
  let next = 0;
  const runOne = async (): Promise<void> => {
    while (next < count) {
      const index = sessions.length + next++;
      try {
        const { session, loginMs: ms } = await open({ port: init.port, name: `${init.prefix}${index}`, index, key, onMessageFrame, ...(init.versions ? { versions: init.versions } : {}) });
        sessions.push(session);
        loginMs.push(ms);
      } catch (error) {
        failed++;
        if (errors.length < 5) errors.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, runOne));
  return { type: 'connected', ok: loginMs.length, failed, loginMs, errors };
}

async function send(command: Extract<WorkerCommand, { type: 'send' }>): Promise<WorkerReply> {
  const session = sessions[command.session];
  if (!session) throw new Error(`no session ${command.session}`);
  const first = process.hrtime.bigint();
  const acks: Promise<void>[] = [];
  const interval = command.mode === 'rate' && command.ratePerSecond ? 1e9 / command.ratePerSecond : 0;
  for (let i = 0; i < command.count; i++) {
    if (interval > 0) {
      const due = first + BigInt(Math.round(i * interval));
      while (process.hrtime.bigint() < due) await new Promise((resolve) => setImmediate(resolve));
    }
    acks.push(session.say(`${command.startSeq + i}:${process.hrtime.bigint()}`, command.room));
  }
  const last = process.hrtime.bigint();
  await Promise.all(acks);
  return { type: 'sent', count: command.count, firstSendNs: String(first), lastSendNs: String(last) };
}

/** Every session says a line in its room at a steady rate (random phase), for a fixed time. */
async function chat(ratePerSecond: number, seconds: number): Promise<WorkerReply> {
  const interval = 1000 / ratePerSecond;
  const end = performance.now() + seconds * 1000;
  let sent = 0;
  let seq = 0;
  await Promise.all(
    sessions.map(async (session) => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * interval));
      const acks: Promise<void>[] = [];
      while (performance.now() < end) {
        acks.push(session.say(`${seq++}:${process.hrtime.bigint()}`, session.room));
        sent++;
        await new Promise((resolve) => setTimeout(resolve, interval));
      }
      await Promise.all(acks);
    }),
  );
  const errors = sessions.reduce((sum, s) => sum + s.errors.length, 0);
  return { type: 'chatted', sent, errors };
}

port.on('message', (command: WorkerCommand) => {
  const reply = (value: WorkerReply): void => port.postMessage(value);
  switch (command.type) {
    case 'connect':
      void connectMany(command.count, command.concurrency).then(reply);
      break;
    case 'join-rooms':
      void Promise.all(
        sessions.map((s, i) => {
          s.room = command.rooms[(command.offset + i) % command.rooms.length] ?? '#lobby';
          return s.command('join', s.room);
        }),
      ).then(() => reply({ type: 'joined' }));
      break;
    case 'run-command': {
      const session = sessions[command.session];
      if (!session) break;
      session.lastError = undefined;
      void session.command(command.name, command.args).then(() => reply({ type: 'command-done', ...(session.lastError ? { error: session.lastError } : {}) }));
      break;
    }
    case 'chat':
      void chat(command.ratePerSecond, command.seconds).then(reply);
      break;
    case 'send':
      void send(command).then(reply);
      break;
    case 'send-one': {
      const session = sessions[command.session];
      session?.send(command.room ? { type: 'say', id: 0, text: `${command.seq}:${process.hrtime.bigint()}`, room: command.room } : { type: 'say', id: 0, text: `${command.seq}:${process.hrtime.bigint()}` });
      break;
    }
    case 'expect':
      perMessageExpected = command.perMessage;
      seqCounts.clear();
      break;
    case 'reset':
      deliveries = 0;
      latenciesUs = [];
      lastDeliveryNs = 0n;
      reply({ type: 'reset-done' });
      break;
    case 'stats':
      reply({ type: 'stats', deliveries, latenciesUs, lastDeliveryNs: String(lastDeliveryNs) });
      break;
    case 'close':
      for (const session of sessions) session.socket.destroy();
      sessions.length = 0;
      reply({ type: 'closed' });
      break;
  }
});
