// place-tui ends when its terminal goes away, even when no SIGHUP reaches it: over SSH the
// session's leader may be a shell that outlives the connection (it got the SIGHUP, and waits for
// its child), and place-tui is left polling a hung-up terminal. It must stop, not spin.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { sleep } from '../lib/harness.js';
import { tuiHarness } from './lib/harness.js';

const h = tuiHarness();

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
  const srv = await h.server();
  // the pane's shell ignores SIGHUP (so it outlives the terminal, as a session leader that
  // waits for place-tui would); place-tui sets its own handlers, so only the terminal tells it
  const t = h.tui(srv.url, { shell: "trap '' HUP; ", cols: 80, rows: 24, env: { TERM: 'tmux-256color' } });
  await t.waitFor((s) => /^ (connected|live) ?\|/.test(s.statusLine()), 'place-tui connected and drawn');
  const pid = t.pid();
  t.tmux('kill-server');
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
  await srv.stop(); // a sanitizer report from placed fails the test
});
