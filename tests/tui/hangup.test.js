// place-tui ends when its terminal goes away, even when no SIGHUP reaches it: over SSH the
// session's leader may be a shell that outlives the connection (it got the SIGHUP, and waits for
// its child), and place-tui is left polling a hung-up terminal. It must stop, not spin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startServer } from '../server/lib/server.js';
import { placeTuiPath } from './lib/tmux.js';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Whether pid is a live process (not gone, not a zombie). Read once: the process may end and be
// reaped between any two looks at /proc, so a missing file is an answer, not an error.
function running(pid) {
  try {
    return !/^Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]);
  } catch {
    return false;
  }
}

function cpuTicks(pid) {
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime
}

test('place-tui stops when its terminal hangs up and no SIGHUP comes', async () => {
  const srv = await startServer();
  const sock = `place-tui-hangup-${process.pid}`;
  try {
    // the pane's shell ignores SIGHUP (so it outlives the terminal, as a session leader that
    // waits for place-tui would); place-tui sets its own handlers, so only the terminal tells it
    const cmd = `trap '' HUP; env LANG=C.UTF-8 TERM=tmux-256color '${placeTuiPath()}' '${srv.url}'; sleep 30`;
    execFileSync('tmux', ['-L', sock, 'new-session', '-d', '-x', '80', '-y', '24', cmd]);
    const shell = Number(execFileSync('tmux', ['-L', sock, 'list-panes', '-F', '#{pane_pid}'], { encoding: 'utf8' }).trim());
    let pid = 0;
    for (let i = 0; i < 100 && !pid; i++) {
      await sleep(50);
      try {
        pid = Number(execFileSync('pgrep', ['-P', String(shell)], { encoding: 'utf8' }).trim().split('\n')[0]);
      } catch { /* not yet */ }
    }
    assert.ok(pid, 'place-tui did not start');
    await sleep(1000); // connected and drawn
    execFileSync('tmux', ['-L', sock, 'kill-server']);
    const end = Date.now() + 3000;
    while (running(pid) && Date.now() < end)
      await sleep(50);
    if (running(pid)) {
      let spent = '?';
      try {
        const t0 = cpuTicks(pid);
        await sleep(500);
        spent = cpuTicks(pid) - t0;
      } catch { /* it ended while being measured: it still outlived the 3 s */ }
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
      assert.fail(`place-tui still runs 3 s after its terminal hung up (${spent} CPU ticks in 0.5 s)`);
    }
  } finally {
    try { execFileSync('tmux', ['-L', sock, 'kill-server'], { stdio: 'ignore' }); } catch { /* gone */ }
    fs.rmSync(path.join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid()}`, sock), { force: true });
    await srv.stop();
    srv.cleanup();
  }
});
