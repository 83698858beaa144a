// Runs tests/server's integration tests against cluster mode: tests/server/lib/server.js calls
// prepare() before each placed it starts when PLACE_TEST_SERVER_HOOK names this file.
//
// The services (Redis, Kafka, PostgreSQL) are the ones embedded_suite.test.js started, named in
// PLACE_TEST_CLUSTER. A fresh server (a new data directory) gets a fresh canvas: Redis is
// emptied, and it gets a Kafka topic and a PostgreSQL database of its own with its own history
// writer. A restart on the same data directory keeps all three, like a cluster process restarting.
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { startWriter } from './writer.js';

const env = JSON.parse(process.env.PLACE_TEST_CLUSTER || '{}');
const byDir = new Map(); // data dir -> { topic, db, writer }

function pg(sql) {
  execFileSync('psql', ['-h', '127.0.0.1', '-p', String(env.pgPort), '-U', 'postgres', '-d', 'postgres',
    '-v', 'ON_ERROR_STOP=1', '-qc', sql], { stdio: ['ignore', 'ignore', 'pipe'] });
}

export async function prepare({ dataDir, restart, args = [] }) {
  let t = byDir.get(dataDir);
  if (!t || !restart) {
    const id = crypto.randomBytes(6).toString('hex');
    t = { topic: `place-test-${id}`, db: `place_test_${id}` };
    byDir.set(dataDir, t);
    execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(env.redisPort), 'FLUSHALL'], { stdio: 'ignore' });
    pg(`CREATE DATABASE ${t.db}`);
  }
  const flags = flagsOf(t);
  if (t.writer) await t.writer.stop(); // a server killed with -9 left its writer running
  // the history writer stores the checkpoints: it takes the test's interval and canvas size
  const shared = [];
  for (const f of ['--checkpoint-every', '--width', '--height']) {
    const i = args.indexOf(f);
    if (i >= 0) shared.push(f, args[i + 1]);
  }
  const writer = await startWriter([...flags, ...shared]);
  t.writer = writer;
  return {
    args: flags,
    async cleanup() {
      await writer.stop();
      if (t.writer === writer) t.writer = null;
    },
  };
}

function flagsOf(t) {
  return ['--redis', `127.0.0.1:${env.redisPort}`, '--kafka', env.kafka, '--kafka-topic', t.topic,
    '--postgres', `host=127.0.0.1 port=${env.pgPort} user=postgres dbname=${t.db}`];
}

// The cluster flags of the server that ran on dataDir (for admin invocations), or none.
export function argsFor(dataDir) {
  const t = byDir.get(dataDir);
  return t ? flagsOf(t) : [];
}
