// place-tui's templates (docs/templates.md): --template URL --at X,Y downloads a PNG from a
// loopback HTTP server; the overlay, the match count in the status line, o, O (dots) and n
// (the nearest wrong pixel, its colour chosen), asserted on the terminal's cells.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { servePng } from '../server/lib/png.js';
import { snapshotWhere, templatePng as template } from '../lib/harness.js';
import { finish, tuiHarness } from './lib/harness.js';

const h = tuiHarness();
const { server, palette } = h;
const tui = (url, args, opts = {}) => h.tui(url, { ...opts, args });

test('a template from a URL: overlay, match count, o, dots, and n then Space counts one more', async () => {
  const srv = await server(['--cooldown', '0']);
  const pal = await palette(srv);
  const files = await servePng({ '/t.png': template() });
  h.defer(() => files.close());
  // two pixels already right: red at 10,5 and blue at 13,6
  const other = await h.client(srv);
  assert.equal((await other.placeAndWait(10, 5, 5, 'a')).type, 'placed');
  assert.equal((await other.placeAndWait(13, 6, 12, 'b')).type, 'placed');

  const t = tui(srv.url, ['--template', `${files.url}/t.png`, '--at', '10,5'], { cols: 160, rows: 40 });
  await t.waitFor((s) => s.statusLine().includes('| 2 of 10 pixels match |'), 'the match count');
  // the overlay shows the template's colour where the canvas differs, the canvas elsewhere
  assert.equal(t.pixel(11, 5), pal[5], 'a white pixel the template wants red shows red');
  assert.equal(t.pixel(12, 7), pal[3], 'black wanted: black shown');
  assert.equal(t.pixel(11, 6), pal[0], 'a don\'t-care pixel shows the canvas');
  assert.equal(t.pixel(9, 5), pal[0], 'outside the template: the canvas');

  t.keys('o');
  await t.waitFor((s) => s.messageLine().includes('Template hidden.'), 'o hides it');
  await t.waitFor((s) => s.pixel(11, 5) === pal[0], 'the canvas white again at 11,5');
  t.keys('o');
  await t.waitFor((s) => s.pixel(11, 5) === pal[5], 'o shows it again');

  // n from the top-left corner: the nearest differing pixel is 10,6 (136 away, 11,5 is 146), and
  // blue becomes the colour
  t.keys('g', '0,0', 'Enter');
  await t.waitFor((s) => s.statusLine().includes('x=0 y=0'), 'the cursor at 0,0');
  t.keys('0'); // white chosen, so that n is seen to choose blue
  t.keys('n');
  await t.waitFor((s) => s.messageLine().includes('10,6 should be blue (it is white); 2 of 10 pixels match.'),
    'n names the pixel');
  assert.match(t.statusLine(), /x=10 y=6 white \| paint c blue \|/);
  t.keys('Space');
  await t.waitFor((s) => s.statusLine().includes('| 3 of 10 pixels match |'), 'one more pixel matches');
  await snapshotWhere(srv.url, (s) => s.get(10, 6) === 12, 'blue at 10,6');

  // another player paints a right pixel wrong: the count follows
  assert.equal((await other.placeAndWait(10, 5, 0, 'c')).type, 'placed');
  await t.waitFor((s) => s.statusLine().includes('| 2 of 10 pixels match |'), 'one fewer');

  // dots: zoomed in, the canvas as it is with a dot on each wrong pixel
  assert.ok(!t.text().includes('\u2022'), 'no dots in the overlay style');
  t.keys('O', 'O', 'O');
  await t.waitFor((s) => s.messageLine().includes('Template style: dots.'), 'the dots style');
  t.keys('g', '12,6', 'Enter', '+', '+');
  await t.waitFor((s) => s.statusLine().includes('zoom 4x'), 'zoomed in to 4x');
  const screen = t.screen();
  const dots = screen.flat().filter((c) => c.ch === '\u2022');
  assert.equal(dots.length, 8, `a dot on each of the 8 wrong pixels:\n${t.text()}`);
  assert.ok(dots.some((c) => c.fg === pal[5] && c.bg === pal[0]), 'a red dot on white');
  assert.ok(dots.some((c) => c.fg === pal[3] && c.bg === pal[0]), 'a black dot on white');
  await finish(t);
});

test('bad templates: a broken file and a size past the canvas give clear errors', async () => {
  const srv = await server(['--cooldown', '0']);
  const dir = h.tmpDir('place-tui-tmpl-');
  const broken = path.join(dir, 'broken.png');
  fs.writeFileSync(broken, template().subarray(0, 40));
  const bad = tui(srv.url, ['--template', broken]);
  await bad.waitFor((s) => s.text().includes('place-tui exited 1'), 'place-tui to refuse it');
  assert.match(bad.stderr(), /place-tui: template: .*broken\.png: a malformed PNG/);

  const files = await servePng({ '/t.png': template() });
  h.defer(() => files.close());
  const missing = tui(srv.url, ['--template', `${files.url}/nothing.png`]);
  await missing.waitFor((s) => s.text().includes('place-tui exited 1'), 'place-tui to refuse it');
  assert.match(missing.stderr(), /cannot download .*nothing\.png: HTTP 404/);

  // 4x3 at 62,0 reaches past the 64-pixel canvas: dropped, with the reason, the client goes on
  const past = tui(srv.url, ['--template', `${files.url}/t.png`, '--at', '62,0'], { cols: 160 });
  await past.waitFor((s) => s.messageLine().includes('Template dropped: the template (4x3) at 62,0 reaches past the canvas (64x64)'),
    'the reason on the message line');
  past.keys('n');
  await past.waitFor((s) => s.messageLine().includes('No template loaded'), 'n says there is none');
  await finish(past);
});
