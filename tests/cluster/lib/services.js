// Real Redis, PostgreSQL and Apache Kafka (KRaft) on loopback for the cluster tests.
//
// Each service gets free ports and a temporary directory, is started by the test setup and
// stopped at the end, also when a test fails or the runner is interrupted (process 'exit' and
// signal handlers stop whatever is still running). Services can be stopped and started again on
// the same ports and data, which is how the failure tests take them down under load.
//
// Kafka's broker comes from Maven Central: tests/cluster/kafka/pom.xml is resolved once with
// `mvn dependency:copy-dependencies` into ${XDG_CACHE_HOME:-~/.cache}/place/kafka-<version>
// and reused by later runs.
import { spawn, execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const PG_BIN = process.env.PLACE_PG_BIN || '/usr/lib/postgresql/15/bin';
const isRoot = process.getuid && process.getuid() === 0;

const live = new Set(); // every child process still running, killed on exit
function cleanupSync() {
  for (const entry of live) {
    try {
      if (entry.stopSync) entry.stopSync();
      else process.kill(entry.pid, 'SIGKILL');
    } catch { /* already gone */ }
  }
  live.clear();
}
process.on('exit', cleanupSync);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => { cleanupSync(); process.exit(128 + 1); });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A free TCP port on 127.0.0.1 (the kernel's choice; closed again at once). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

async function waitFor(what, fn, timeoutMs, child) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`${what}: the process exited (${child.exitCode})`);
    if (await fn()) return;
    if (Date.now() > end) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await sleep(100);
  }
}

// A port picked by freePort() can be taken by someone else's connection before the service
// binds it (other test suites and load generators share the machine): the first start of a
// service retries on new ports.
async function withPortRetry(what, attempt) {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (e) {
      if (i >= 3) throw e;
      console.error(`# ${what}: ${e.message}; retrying on other ports`);
    }
  }
}

export function tmpDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), `place-${prefix}-`));
}

// stdio for a service: its output straight into a log file, never through a pipe this
// process must drain (a blocked pipe would stall the service)
function logStdio(logFile) {
  const fd = fs.openSync(logFile, 'a');
  return ['ignore', fd, fd];
}

function track(child) {
  const entry = { pid: child.pid };
  live.add(entry);
  child.once('exit', () => live.delete(entry));
  return entry;
}

async function killChild(child, signal = 'SIGTERM', graceMs = 5000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(t);
}

// ---------------------------------------------------------------- Redis

export class Redis {
  constructor() { this.child = null; }

  async start() {
    if (this.port) return this.launch();
    this.dir = tmpDir('redis');
    return withPortRetry('redis', async () => {
      this.port = await freePort();
      return this.launch();
    });
  }

  async launch() {
    // appendonly so a restart keeps the canvas, like a production Redis with AOF
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1',
      '--save', '', '--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', this.dir,
      '--daemonize', 'no', '--protected-mode', 'no'], { stdio: logStdio(path.join(this.dir, 'redis.log')) });
    track(this.child);
    await waitFor('redis', () => canConnect(this.port), 10000, this.child);
    return this;
  }

  get url() { return `127.0.0.1:${this.port}`; }

  /** Runs one command with redis-cli; returns the reply as text. */
  cli(...args) {
    return this.cliRaw(...args).toString('latin1').replace(/\n$/, '');
  }

  /** The same, as the reply's bytes (redis-cli adds one newline at the end). */
  cliRaw(...args) {
    const out = execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(this.port), '--raw', ...args]);
    return out.subarray(0, out.length && out[out.length - 1] === 10 ? out.length - 1 : out.length);
  }

  async stop() { await killChild(this.child); this.child = null; }

  async destroy() {
    await this.stop();
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- PostgreSQL

export class Postgres {
  async start() {
    if (this.port) return this.launch();
    this.dir = tmpDir('pg');
    fs.chmodSync(this.dir, 0o755);
    this.data = path.join(this.dir, 'data');
    if (isRoot) execFileSync('chown', ['postgres:postgres', this.dir]);
    this.run([path.join(PG_BIN, 'initdb'), '-D', this.data, '-A', 'trust', '-U', 'postgres',
      '-E', 'UTF8', '--no-sync']);
    return withPortRetry('postgres', async () => {
      this.port = await freePort();
      return this.launch();
    });
  }

  async launch() {
    this.run([path.join(PG_BIN, 'pg_ctl'), '-D', this.data, '-l', path.join(this.dir, 'pg.log'),
      '-o', `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off ` +
      '-c max_connections=50 -c shared_buffers=32MB', '-w', '-t', '60', 'start']);
    this.entry = { stopSync: () => this.stopSync() };
    live.add(this.entry);
    return this;
  }

  // At exit, also when the test runner is going down: pg_ctl, and if that cannot run, the
  // postmaster's immediate-shutdown signal (SIGQUIT) by its pid file.
  stopSync() {
    try {
      this.run([path.join(PG_BIN, 'pg_ctl'), '-D', this.data, '-m', 'immediate', 'stop']);
    } catch {
      try {
        const pid = Number(fs.readFileSync(path.join(this.data, 'postmaster.pid'), 'utf8').split('\n')[0]);
        if (pid > 0) process.kill(pid, 'SIGQUIT');
      } catch { /* not running */ }
    }
  }

  run(argv, opts = {}) {
    const cmd = isRoot ? ['runuser', '-u', 'postgres', '--', ...argv] : argv;
    return execFileSync(cmd[0], cmd.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  }

  get conninfo() { return `host=127.0.0.1 port=${this.port} user=postgres dbname=postgres`; }

  /** Runs SQL with psql; returns the rows as arrays of strings. */
  query(sql) {
    const out = execFileSync('psql', ['-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres',
      '-d', 'postgres', '-At', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-c', sql], { encoding: 'utf8' });
    return out.split('\n').filter((l) => l.length).map((l) => l.split('\t'));
  }

  async stop() {
    if (!this.entry) return;
    try {
      this.run([path.join(PG_BIN, 'pg_ctl'), '-D', this.data, '-m', 'fast', '-w', 'stop']);
    } catch { /* not running */ }
    live.delete(this.entry);
    this.entry = null;
  }

  async destroy() {
    await this.stop();
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- Kafka

const KAFKA_VERSION = fs.readFileSync(path.join(here, '..', 'kafka', 'pom.xml'), 'utf8')
  .match(/<kafka\.version>([^<]+)</)[1];

/** The directory holding the broker's jars, fetched from Maven Central on first use. */
export function kafkaJars() {
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const dir = path.join(cache, 'place', `kafka-${KAFKA_VERSION}`);
  const stamp = path.join(dir, '.complete');
  if (fs.existsSync(stamp)) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  execFileSync('mvn', ['-q', '-B', '-Dstyle.color=never', '-f', path.join(here, '..', 'kafka', 'pom.xml'),
    'dependency:copy-dependencies', `-DoutputDirectory=${dir}`], { stdio: ['ignore', 'inherit', 'inherit'] });
  fs.writeFileSync(stamp, `${KAFKA_VERSION}\n`);
  return dir;
}

export class Kafka {
  async start() {
    if (this.port) return this.launch();
    return withPortRetry('kafka', async () => {
      if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
      await this.setup();
      return this.launch();
    });
  }

  // New ports, a new directory, its properties and formatted storage.
  async setup() {
    {
      this.jars = kafkaJars();
      this.port = await freePort();
      this.ctlPort = await freePort();
      this.dir = tmpDir('kafka');
      this.props = path.join(this.dir, 'server.properties');
      fs.writeFileSync(this.props, [
        'process.roles=broker,controller',
        'node.id=1',
        `listeners=PLAINTEXT://127.0.0.1:${this.port},CONTROLLER://127.0.0.1:${this.ctlPort}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${this.port}`,
        'controller.listener.names=CONTROLLER',
        'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
        'inter.broker.listener.name=PLAINTEXT',
        `controller.quorum.bootstrap.servers=127.0.0.1:${this.ctlPort}`,
        `log.dirs=${path.join(this.dir, 'data')}`,
        'num.partitions=1',
        'offsets.topic.replication.factor=1',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        'auto.create.topics.enable=true',
        '',
      ].join('\n'));
      // A base64url id may start with '-', which the storage tool's argument parser takes for
      // an option; draw again until it does not.
      let id;
      do id = crypto.randomBytes(16).toString('base64url'); while (id.startsWith('-'));
      execFileSync('java', ['-cp', `${this.jars}/*`, 'kafka.tools.StorageTool', 'format', '-t', id,
        '-c', this.props, '--standalone'], { stdio: ['ignore', 'ignore', 'pipe'] });
    }
  }

  async launch() {
    this.child = spawn('java', ['-Xmx512m', '-Xms128m', '-XX:+UseSerialGC', '-cp', `${this.jars}/*`,
      'kafka.Kafka', this.props], { stdio: logStdio(path.join(this.dir, 'broker.log')) });
    track(this.child);
    await waitFor('kafka', () => this.metadataOk(), 90000, this.child);
    return this;
  }

  get brokers() { return `127.0.0.1:${this.port}`; }

  // A real metadata request through librdkafka (tests/cluster/kafka_ready.c).
  metadataOk() {
    const tool = process.env.PLACE_KAFKA_READY;
    if (!tool) return canConnect(this.port);
    return new Promise((resolve) => {
      execFile(tool, [this.brokers, '1000'], { timeout: 5000 }, (err) => resolve(!err));
    });
  }

  async stop() { await killChild(this.child, 'SIGTERM', 15000); this.child = null; }

  async destroy() {
    await this.stop();
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- nginx

/** nginx with tests/cluster/nginx/nginx.conf.in (the configuration of docs/deploy.md) in front
 * of the given placed ports. */
// forward: which header tells placed the client's address: 'xff' (X-Forwarded-For, appended
// to as docs/deploy.md does), 'real-ip' (X-Real-IP), or none.
const FORWARD = {
  xff: '            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
  'real-ip': '            proxy_set_header X-Real-IP $remote_addr;',
};

export class Nginx {
  async start(upstreamPorts, { forward } = {}) {
    this.port = await freePort();
    this.dir = tmpDir('nginx');
    fs.chmodSync(this.dir, 0o755); // the workers run as an unprivileged user when we are root
    const conf = fs.readFileSync(path.join(here, '..', 'nginx', 'nginx.conf.in'), 'utf8')
      .replaceAll('@PREFIX@', this.dir)
      .replaceAll('@LISTEN@', `127.0.0.1:${this.port}`)
      .replaceAll('@UPSTREAMS@', upstreamPorts.map((p) => `        server 127.0.0.1:${p};`).join('\n'))
      .replaceAll('@FORWARD@', FORWARD[forward] || '');
    fs.writeFileSync(path.join(this.dir, 'nginx.conf'), conf);
    this.child = spawn(process.env.PLACE_NGINX || 'nginx', ['-p', this.dir, '-c', path.join(this.dir, 'nginx.conf')],
      { stdio: logStdio(path.join(this.dir, 'nginx.out')) });
    track(this.child);
    await waitFor('nginx', () => canConnect(this.port), 10000, this.child);
    return this;
  }

  get url() { return `http://127.0.0.1:${this.port}`; }

  async destroy() {
    await killChild(this.child, 'SIGQUIT');
    this.child = null;
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
