// The cluster for bench/run.sh's big fan-out: real Redis, PostgreSQL and Kafka on loopback
// (tests/cluster/lib/services.js starts them), the history writer, and N placed in cluster mode
// sharing ONE port (--reuse-port: the kernel spreads the connections over them), or with
// --own-ports each on its own ephemeral port (place-load then spreads the viewers itself).
//
//   node bench/cluster.mjs PLACED N [--own-ports]
//
// Prints "READY <port>,<port>,... <pid>,<pid>,... <data dir>,<data dir>,..." once every placed
// listens (the same port N times when shared), then holds it until
// it gets SIGTERM/SIGINT or its stdin closes; then it stops it all (services.js also kills what
// is left if this process dies). At most 15 minutes in any case.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis, Postgres, Kafka, freePort } from '../tests/cluster/lib/services.js';

const [placed, nArg, mode] = process.argv.slice(2);
const ownPorts = mode === '--own-ports';
const n = Number(nArg || 6);
if (!placed || !(n >= 1 && n <= 16)) {
  console.error('usage: node bench/cluster.mjs PLACED N (1..16)');
  process.exit(2);
}
const kids = [];
const dirs = [];
let stopping = false;

function startPlaced(args, ready) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'place-bench-cluster-'));
  dirs.push(dir);
  const p = spawn(placed, [...args, '--data-dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  kids.push(p);
  let out = '';
  let err = '';
  // PLACE_BENCH_LOGS: also keep each placed's stderr there (run.sh passes its logs directory)
  const log = process.env.PLACE_BENCH_LOGS ? fs.createWriteStream(path.join(process.env.PLACE_BENCH_LOGS, `cluster-placed-${kids.length}.err`)) : null;
  p.stderr.on('data', (d) => { log?.write(d); err += d; if (err.length > 65536) err = err.slice(-32768); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`placed did not start: ${err}`)), 60000);
    p.stdout.on('data', (d) => {
      out += d;
      if (out.includes(ready)) {
        clearTimeout(timer);
        const m = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)\//);
        p.port = m ? Number(m[1]) : 0;
        resolve(p);
      }
    });
    p.on('exit', (code) => { clearTimeout(timer); if (!stopping) reject(new Error(`placed exited ${code}: ${err}`)); });
  });
}

const redis = new Redis();
const pg = new Postgres();
const kafka = new Kafka();

async function stopAll() {
  if (stopping) return;
  stopping = true;
  for (const p of kids) { try { p.kill('SIGTERM'); } catch { /* gone */ } }
  await new Promise((r) => setTimeout(r, 1500));
  for (const p of kids) { try { p.kill('SIGKILL'); } catch { /* gone */ } }
  await Promise.allSettled([redis.destroy(), pg.destroy(), kafka.destroy()]);
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  process.exit(0);
}
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, stopAll);
process.stdin.on('end', stopAll);
process.stdin.resume();
setTimeout(stopAll, 15 * 60 * 1000);

try {
  await Promise.all([redis.start(), pg.start(), kafka.start()]);
  const flags = ['--redis', redis.url, '--kafka', kafka.brokers, '--postgres', pg.conninfo,
    '--width', '2000', '--height', '2000', '--cooldown', '0', '--max-conns-per-ip', '0',
    // the load generator's players come from a few loopback addresses: no per-address budgets
    // (as run.sh's start_placed does for one placed)
    '--guests-per-hour', '0', '--max-requests-per-ip', '0', '--max-unread-per-ip', '0',
    '--max-guests-per-ip', '0'];
  await startPlaced([...flags, '--history-writer'], 'history writer running');
  const servers = [];
  const shared = ownPorts ? [] : ['--reuse-port', '--port', String(await freePort())];
  for (let i = 0; i < n; i++) {
    servers.push(await startPlaced([...flags, '--listen', '127.0.0.1',
      ...(ownPorts ? ['--port', '0'] : shared)], 'listening on'));
  }
  // the data directories last: an admin act reaches a placed through the control socket there
  console.log(`READY ${servers.map((p) => p.port).join(',')} ${servers.map((p) => p.pid).join(',')} ${dirs.slice(1).join(',')}`);
} catch (e) {
  console.error(`cluster.mjs: ${e.message}`);
  await stopAll();
}
