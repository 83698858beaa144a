// A whole cluster for a test: real Redis, Kafka and PostgreSQL on loopback (services.js), the
// history writer, and any number of `placed` processes in cluster mode, each on its own
// ephemeral port and data directory. Everything is stopped by stop(), and killed at exit if a
// test fails first.
//
//   const cl = await startCluster({ servers: 2, args: ['--cooldown-scope', 'account'] });
//   cl.servers[0].url ...; await cl.stop();
import fs from 'node:fs';
import { Redis, Postgres, Kafka, tmpDir } from './services.js';
import { startWriter } from './writer.js';
import { startServer, runPlaced } from '../../server/lib/server.js';

export { startWriter };

export const CANVAS = 64;

export async function startCluster(opts = {}) {
  const redis = new Redis();
  const pg = new Postgres();
  const kafka = new Kafka();
  const cl = { redis, pg, kafka, servers: [], writer: null, topic: opts.topic || 'place-events' };
  try {
    await Promise.all([redis.start(), pg.start(), kafka.start()]);
    cl.flags = () => ['--redis', redis.url, '--kafka', kafka.brokers, '--kafka-topic', cl.topic,
      '--postgres', pg.conninfo, '--width', String(CANVAS), '--height', String(CANVAS),
      '--cooldown', String(opts.cooldown ?? 0), '--batch-ms', '50', '--hole-ms', String(opts.holeMs ?? 5000),
      ...(opts.args || [])];
    cl.startWriter = async () => { cl.writer = await startWriter(cl.flags()); return cl.writer; };
    cl.addServer = async (extra = []) => {
      const s = await startServer({ args: [...cl.flags(), ...extra] });
      cl.servers.push(s);
      return s;
    };
    // an admin invocation on a directory no server uses: applied to Redis directly
    cl.admin = (flag, name) => {
      const dir = tmpDir('admin');
      try {
        return runPlaced([...cl.flags(), '--data-dir', dir, `--${flag}`, name]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    };
    await cl.startWriter();
    for (let i = 0; i < (opts.servers ?? 2); i++) await cl.addServer();
  } catch (e) {
    await stopCluster(cl);
    throw e;
  }
  cl.stop = () => stopCluster(cl);
  return cl;
}

async function stopCluster(cl) {
  for (const s of cl.servers) {
    try { await s.stop(); } catch { /* reported by the test */ }
    s.cleanup();
  }
  if (cl.writer) await cl.writer.stop();
  await Promise.all([cl.redis.destroy(), cl.pg.destroy(), cl.kafka.destroy()]);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls fn until it returns a truthy value; throws with `what` after timeoutMs.
export async function eventually(fn, what, timeoutMs = 20000, everyMs = 200) {
  const end = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await sleep(everyMs);
  }
}
