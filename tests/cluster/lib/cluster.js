// A whole cluster for a test: real Redis, Kafka and PostgreSQL on loopback (services.js), the
// history writer, and any number of `placed` processes in cluster mode, each on its own
// ephemeral port and data directory. Everything is stopped by stop(), and killed at exit if a
// test fails first.
//
//   const cl = await startCluster({ servers: 2 });
//   cl.servers[0].url ...; await cl.stop();
import { spawn } from 'node:child_process';
import { Redis, Postgres, Kafka } from './services.js';
import { startServer, placedPath, runPlaced } from '../../server/lib/server.js';

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
      '--cooldown', String(opts.cooldown ?? 0), '--batch-ms', '50', '--hole-ms', String(opts.holeMs ?? 5000)];
    cl.startWriter = async () => { cl.writer = await startWriter(cl.flags()); return cl.writer; };
    cl.addServer = async (extra = []) => {
      const s = await startServer({ args: [...cl.flags(), ...extra] });
      cl.servers.push(s);
      return s;
    };
    cl.admin = (flag, name) => runPlaced([...cl.flags(), `--${flag}`, name]);
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

// `placed --history-writer`: resolves once it prints that it runs.
export async function startWriter(flags) {
  const proc = spawn(placedPath(), [...flags, '--history-writer'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  process.on('exit', () => { try { proc.kill('SIGKILL'); } catch { /* gone */ } });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`history writer did not start: ${stderr}`)), 30000);
    proc.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('history writer running')) { clearTimeout(timer); resolve(); }
    });
    exited.then(({ code }) => { clearTimeout(timer); reject(new Error(`history writer exited ${code}: ${stderr}`)); });
  });
  return {
    proc,
    stderr: () => stderr,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 10000);
      const st = await exited;
      clearTimeout(t);
      return st;
    },
    async kill9() { proc.kill('SIGKILL'); return exited; },
  };
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
