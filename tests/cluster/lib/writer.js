// Starts `placed --history-writer` for the cluster tests. Kept apart from cluster.js so that
// server_hook.js, which tests/server/lib/server.js loads, does not import that launcher back.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

function placedPath() {
  if (process.env.PLACED) return process.env.PLACED;
  const p = path.resolve(here, '../../../build/server/placed');
  if (fs.existsSync(p)) return p;
  throw new Error('placed not found: set PLACED');
}

// `placed --history-writer` with these flags: resolves once it prints that it runs.
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

