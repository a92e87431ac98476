// `npm run soak`: many clients chatting, joining and leaving (cleanly and abruptly) against a
// real server for a set time; reports errors, memory growth and file-descriptor growth.
// Bounded in time and count; all traffic stays on 127.0.0.1.
//
//   npm run soak -- --clients 200 --minutes 5 [--json soak.json]
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { openSession, sharedKey, type LoadSession } from './bench/load-client.js';
import { BENCH_PASSKEY, fdCount, rssBytes, startServerProcess } from './bench/server-process.js';

const { values: options } = parseArgs({
  options: {
    clients: { type: 'string', default: '100' },
    minutes: { type: 'string', default: '2' },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (options.help) {
  console.log('Usage: npm run soak -- [--clients N] [--minutes M] [--json FILE]');
  process.exit(0);
}

const clients = Math.min(5000, Math.max(1, Number(options.clients)));
const minutes = Math.min(120, Math.max(0.25, Number(options.minutes)));
/** Only what churn needs: many logins from one address. Message rate limits stay at their defaults. */
const RAISED = { PARTY_POOL_MAX_SESSIONS_PER_ADDRESS: '1000000', PARTY_POOL_CONNECTIONS_PER_MINUTE: '1000000', PARTY_POOL_MAX_UNAUTHENTICATED: '100000' };

const counters = { logins: 0, loginFailures: 0, messagesSent: 0, delivered: 0, cleanLeaves: 0, abruptLeaves: 0, unexpectedCloses: 0, serverErrors: 0 };
const errorSamples: string[] = [];
const random = (min: number, max: number): number => min + Math.random() * (max - min);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  const server = await startServerProcess({ maxClients: clients + 50, env: RAISED });
  const key = sharedKey(BENCH_PASSKEY);
  const deadline = Date.now() + minutes * 60_000;
  const samples: { t: number; rssMiB: number; fds: number; online: number }[] = [];
  let online = 0;
  const baselineFds = fdCount(server.pid);
  console.log(`Soak: ${clients} clients for ${minutes} min against pid ${server.pid} (${os.cpus().length} CPUs, Node ${process.version}). Raised: ${JSON.stringify(RAISED)}`);

  const sampler = setInterval(() => {
    const sample = { t: Math.round((Date.now() - (deadline - minutes * 60_000)) / 1000), rssMiB: rssBytes(server.pid) / 1048576, fds: fdCount(server.pid), online };
    samples.push(sample);
    console.log(`  t=${String(sample.t).padStart(4)}s  online=${String(online).padStart(5)}  rss=${sample.rssMiB.toFixed(1)} MiB  fds=${sample.fds}  sent=${counters.messagesSent}  delivered=${counters.delivered}  errors=${counters.serverErrors + counters.loginFailures + counters.unexpectedCloses}`);
  }, 5000);

  const user = async (index: number): Promise<void> => {
    let generation = 0;
    await sleep(random(0, 3000));
    while (Date.now() < deadline) {
      let session: LoadSession;
      let leaving = false;
      try {
        ({ session } = await openSession({
          port: server.port,
          name: `soak${index}_${generation++}`,
          index,
          key,
          onMessageFrame: () => counters.delivered++,
          onClose: () => {
            online--;
            if (!leaving && Date.now() < deadline) {
              counters.unexpectedCloses++;
              if (errorSamples.length < 10) errorSamples.push(`user ${index}: connection closed unexpectedly`);
            }
          },
        }));
      } catch (error) {
        counters.loginFailures++;
        if (errorSamples.length < 10) errorSamples.push(`user ${index}: ${error instanceof Error ? error.message : String(error)}`);
        await sleep(random(500, 2000));
        continue;
      }
      counters.logins++;
      online++;
      const leaveAt = Math.min(deadline, Date.now() + random(10_000, 60_000));
      while (Date.now() < leaveAt && !session.socket.destroyed) {
        await sleep(random(1000, 6000));
        if (session.socket.destroyed) break;
        if (Math.random() < 0.1) await session.command('online', '');
        else {
          counters.messagesSent++;
          await session.say(`soak message from ${index} at ${Date.now()}`);
        }
      }
      counters.serverErrors += session.errors.length;
      for (const code of session.errors) if (errorSamples.length < 10) errorSamples.push(`user ${index}: server error ${code}`);
      leaving = true;
      if (Math.random() < 0.3) {
        counters.abruptLeaves++;
        session.socket.destroy();
      } else {
        counters.cleanLeaves++;
        await session.command('exit', '');
        session.socket.end();
      }
      await sleep(random(200, 2000));
    }
  };

  await Promise.all(Array.from({ length: clients }, (_, i) => user(i)));
  clearInterval(sampler);
  await sleep(3000);
  const endFds = fdCount(server.pid);
  const endRss = rssBytes(server.pid) / 1048576;
  await server.stop();

  // Growth is measured from the first sample after warm-up (everyone connected once) to the last.
  const warm = samples.find((s) => s.t >= 20) ?? samples[0];
  const last = samples.at(-1);
  const summary = {
    clients,
    minutes,
    ...counters,
    rssWarmMiB: warm?.rssMiB ?? NaN,
    rssLastMiB: last?.rssMiB ?? NaN,
    rssGrowthMiB: (last?.rssMiB ?? NaN) - (warm?.rssMiB ?? NaN),
    rssAfterAllLeftMiB: endRss,
    fdsBaseline: baselineFds,
    fdsAfterAllLeft: endFds,
    fdGrowth: endFds - baselineFds,
    errorSamples,
  };
  console.log('\nSoak summary');
  for (const [key, value] of Object.entries(summary)) {
    if (key !== 'errorSamples') console.log(`  ${key.padEnd(20)} ${typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(1) : String(value)}`);
  }
  if (errorSamples.length) console.log(`  first errors:\n    ${errorSamples.join('\n    ')}`);
  if (options.json) fs.writeFileSync(options.json, JSON.stringify({ summary, samples }, null, 2) + '\n');
}

const watchdog = setTimeout(() => {
  console.error('soak: time limit reached, stopping');
  process.exit(1);
}, (minutes + 2) * 60_000);
watchdog.unref();

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
