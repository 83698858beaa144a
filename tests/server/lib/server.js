// Starts the real `placed` for a test: an ephemeral loopback port, a fresh temporary data
// directory, and cleanup (kill) even when the test fails. Other test areas may import this.
//
//   const srv = await startServer({ args: ['--cooldown', '0'] });
//   srv.url / srv.wsUrl / srv.port / srv.dataDir; await srv.stop(); // SIGTERM, expects exit 0
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
// PLACE_TEST_SERVER_HOOK: a module whose prepare() adds flags to every server started here
// (tests/cluster/lib/server_hook.js runs these tests against cluster mode).
const hook = process.env.PLACE_TEST_SERVER_HOOK ? await import(process.env.PLACE_TEST_SERVER_HOOK) : null;

// The binary under test: $PLACED (ctest sets it), else the usual build directories.
export function placedPath() {
  if (process.env.PLACED) return process.env.PLACED;
  const root = path.resolve(here, '../../..');
  for (const b of ['build', 'build-server']) {
    const p = path.join(root, b, 'server', 'placed');
    if (fs.existsSync(p)) return p;
  }
  throw new Error('placed not found: set PLACED');
}

const live = new Set();
process.on('exit', () => {
  for (const p of live) {
    try { p.kill('SIGKILL'); } catch { /* already gone */ }
  }
});

export function tempDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'placed-test-'));
}

// Sanitizer reports in the server's stderr fail the test that started it.
export function sanitizerReport(text) {
  const m = text.match(/(ERROR: AddressSanitizer|ERROR: LeakSanitizer|runtime error:)[^\n]*/);
  return m ? m[0] : null;
}

// Starts placed. opts.args: extra flags; opts.dataDir: reuse a directory (restart tests);
// opts.nofile: its descriptor limit.
export async function startServer(opts = {}) {
  const dataDir = opts.dataDir || tempDir();
  const args = ['--port', '0', '--listen', '127.0.0.1', '--data-dir', dataDir,
    '--width', '64', '--height', '64', ...(opts.args || [])];
  const extra = hook ? await hook.prepare({ dataDir, restart: !!opts.dataDir, args: opts.args || [] }) : null;
  if (extra) args.push(...extra.args);
  // opts.nofile: run placed with this descriptor limit (through prlimit)
  const proc = opts.nofile
    ? spawn('prlimit', [`--nofile=${opts.nofile}:${opts.nofile}`, placedPath(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(placedPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(proc);
  let stderr = '';
  let stdout = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => { live.delete(proc); resolve({ code, signal }); });
  });
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`placed did not start: ${stderr}`)), 20000);
    proc.stdout.on('data', (d) => {
      stdout += d;
      const m = stdout.match(/placed: listening on http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`placed exited with ${code} before listening: ${stderr}`));
    });
  });
  const srv = {
    proc, port, dataDir,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    exited,
    stderr: () => stderr,
    // SIGTERM; resolves with the exit status. Throws on a sanitizer report.
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 15000);
      const st = await exited;
      clearTimeout(timer);
      if (extra) await extra.cleanup();
      const rep = sanitizerReport(stderr);
      if (rep) throw new Error(`sanitizer report from placed: ${rep}\n${stderr}`);
      return st;
    },
    async kill9() {
      proc.kill('SIGKILL');
      return exited;
    },
    // Removes the data directory (call after stop).
    cleanup() {
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return srv;
}

// The flags of an admin invocation on --data-dir as given, plus (cluster mode) the services of
// the server that ran there.
export function adminArgs(args) {
  const d = args.indexOf('--data-dir');
  return hook && d >= 0 ? [...args, ...hook.argsFor(args[d + 1])] : args;
}

// Runs `placed` to completion with these flags (admin invocations, refused starts).
export function runPlaced(args, timeoutMs = 20000) {
  args = adminArgs(args);
  const r = spawnSync(placedPath(), args, { encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
