// The start-up of place-sdl's end-to-end tests: the shared harness (tests/lib/harness.js) plus
// one private Xvfb display for the file's tests and place-sdl run on it (./sdl.js).
//
//   const h = sdlHarness('place-sdl-test-');
//   const srv = await h.server(['--cooldown', '0']);
//   const dir = h.workDir();
//   const r = await h.run({ url: srv.url, dir, script: ['wait connected', 'quit'] });
//   expectExit(r);
import { before, after } from 'node:test';
import assert from 'node:assert/strict';

import { harness, palette, SANITIZER } from '../../lib/harness.js';
import { rgb, runSdl, startXvfb } from './sdl.js';

// prefix: the name of the file's working directories (screenshots, config) under the system's
// temporary directory.
export function sdlHarness(prefix) {
  let xvfb;
  before(async () => { xvfb = await startXvfb(); });
  const h = harness(); // its after() hook runs before the one below: the clients end first
  after(async () => { await xvfb?.stop(); });
  return {
    ...h,

    // A working directory for one place-sdl (script, screenshots, $XDG_CONFIG_HOME in config/).
    // PLACE_SDL_KEEP=1 keeps it (the directory is printed) to look at the screenshots.
    workDir() {
      const keep = !!process.env.PLACE_SDL_KEEP;
      const d = h.tmpDir(prefix, { keep });
      if (keep) console.log(`screenshots in ${d}`);
      return d;
    },

    // runSdl (./sdl.js) on the file's display.
    run(opts) {
      return runSdl({ display: xvfb.display, ...opts });
    },

    // The palette as screenshots give colours ([r, g, b]).
    async palette(srv) {
      return (await palette(srv)).map(rgb);
    },
  };
}

// place-sdl ended its script with status 0 and no sanitizer report.
export function expectExit(r) {
  assert.equal(r.code, 0, `place-sdl exited ${r.code} (${r.signal}):\n${r.stderr}\n${r.stdout}`);
  assert.doesNotMatch(r.stderr, SANITIZER);
}
