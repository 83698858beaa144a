// The start-up of place-tui's end-to-end tests: the shared harness (tests/lib/harness.js) plus
// place-tui in a private tmux server (./tmux.js) with a config directory of its own, and the
// way a test ends it.
//
//   const h = tuiHarness();
//   const srv = await h.server(['--cooldown', '0']);
//   const t = h.tui(srv.url, { cols: 80, rows: 24 });
//   await t.waitFor(connected, 'connected');
//   ...
//   await finish(t);
import assert from 'node:assert/strict';

import { harness, palette, SANITIZER } from '../../lib/harness.js';
import { Tui, rgb } from './tmux.js';

export function tuiHarness() {
  const h = harness();
  // A config directory of its own ($XDG_CONFIG_HOME), so no client reads a session file it did
  // not write.
  const configDir = () => h.tmpDir('place-tui-cfg-');
  return {
    ...h,
    configDir,

    // place-tui on url in tmux, killed afterwards. opts as Tui's (env, args, cols, rows);
    // env.XDG_CONFIG_HOME defaults to a fresh config directory.
    tui(url, opts = {}) {
      const t = new Tui({ ...opts, url, env: { XDG_CONFIG_HOME: configDir(), ...opts.env } });
      h.defer(() => t.kill());
      return t;
    },

    // The palette as place-tui's cells report colours ("r,g,b").
    async palette(srv) {
      return (await palette(srv)).map(rgb);
    },
  };
}

// The status line says the client is connected.
export const connected = (t) => / connected \|/.test(t.statusLine());

// Quits with q (if still running) and checks the exit: status 0 and no sanitizer report.
export async function finish(t) {
  if (!t.text().includes('place-tui exited')) t.keys('q');
  await t.waitFor((s) => s.text().includes('place-tui exited'), 'place-tui to exit');
  const err = t.stderr();
  assert.doesNotMatch(err, SANITIZER, `sanitizer report:\n${err}`);
  assert.match(t.text(), /place-tui exited 0/);
}
