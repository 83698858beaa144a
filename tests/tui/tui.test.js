// End-to-end tests of place-tui: the real placed on a loopback ephemeral port with a temporary
// data directory, the real place-tui inside a private tmux server, keys sent with send-keys,
// and assertions on what the terminal shows (capture-pane -e, colours decoded) and on what the
// server stored (snapshot, pixel history).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { fetchSnapshot, paintMany, squareOutline } from '../server/lib/client.js';
import { admin, guestSession, snapshotWhere } from '../lib/harness.js';
import { placeTuiPath } from './lib/tmux.js';
import { connected, finish, tuiHarness } from './lib/harness.js';

const h = tuiHarness();
const { configDir, server, tui, palette } = h;

async function history(url, x, y) {
  return (await fetch(`${url}/api/v1/pixel?x=${x}&y=${y}`)).json();
}

// The status line names the cursor as x=5 y=6, or 5,6 when it is short of room.
function cursorAt(t, x, y) {
  const line = t.statusLine();
  return line.includes(`x=${x} y=${y}`) || new RegExp(`[ |]${x},${y}[ |]`).test(line);
}

function goTo(t, x, y) {
  t.keys('g', `${x},${y}`, 'Enter');
}

test('placing a pixel shows it at once and the server stores it', async () => {
  const srv = await server(['--cooldown', '0']);
  const pal = await palette(srv);
  const t = tui(srv.url);
  await t.waitFor(connected, 'the status line to say connected');
  assert.match(t.statusLine(), /\| paint 5 red \|/, 'red to start with, as in the browser');
  assert.equal(t.pixel(5, 6), pal[0], 'a fresh canvas is white');

  goTo(t, 5, 6);
  await t.waitFor((s) => cursorAt(s, 5, 6), 'the cursor at 5,6');
  t.keys('c', 'Space'); // c = palette index 12, blue
  await t.waitFor((s) => s.messageLine().includes('Placed blue at 5,6.'), 'the placed message');
  goTo(t, 30, 30); // the cursor previews the chosen colour: move it off the pixel
  await t.waitFor((s) => cursorAt(s, 30, 30), 'the cursor at 30,30');
  assert.equal(t.pixel(5, 6), pal[12], 'the terminal shows blue at 5,6');
  assert.equal(t.pixel(5, 7), pal[0], 'the pixel below is still white');

  const snap = await snapshotWhere(srv.url, (s) => s.get(5, 6) === 12, 'blue at 5,6');
  assert.equal(snap.get(5, 6), 12, 'the snapshot has blue at 5,6');
  const hist = await history(srv.url, 5, 6);
  const user = t.statusLine().match(/\| (\S+) \(guest\)/)[1];
  assert.equal(hist.placements[0].username, user, 'the history names the TUI guest');

  // i shows the same history in the terminal
  goTo(t, 5, 6);
  t.keys('i');
  await t.waitFor((s) => s.text().includes('Pixel 5,6, newest first'), 'the info box');
  assert.match(t.text(), new RegExp(`blue\\s+by ${user}`));
  t.keys('Escape');
  await t.waitFor((s) => !s.text().includes('newest first'), 'the info box to close');
  await finish(t);
});

test("another client's pixel appears, and a pixel refused for cooldown is rolled back", async () => {
  const srv = await server(['--cooldown', '60']);
  const pal = await palette(srv);
  // The TUI and a Node client share one session (as two terminals of one player would), so the
  // TUI does not know about the cooldown the Node client's placement starts.
  const cfg = configDir();
  const { token } = await guestSession(srv, cfg);
  const t = tui(srv.url, { env: { XDG_CONFIG_HOME: cfg } });
  await t.waitFor(connected, 'the status line to say connected');
  assert.match(t.statusLine(), /\| ready/, 'no cooldown known yet');

  const other = await h.client(srv, token);
  const answer = await other.placeAndWait(20, 21, 5, 'n1');
  assert.equal(answer.type, 'placed');
  await t.waitFor((s) => s.pixel(20, 21) === pal[5], "the other client's red pixel at 20,21");

  goTo(t, 8, 9);
  await t.waitFor((s) => cursorAt(s, 8, 9), 'the cursor at 8,9');
  t.keys('d', 'Space'); // d = 13, dark blue
  await t.waitFor((s) => s.messageLine().includes('Pixel at 8,9 taken back: Too soon'),
    'the rollback message in words');
  assert.match(t.statusLine(), /\| wait (\d+:\d\d|\d+ s) \|/, 'the status line counts the cooldown down');
  goTo(t, 40, 40);
  await t.waitFor((s) => cursorAt(s, 40, 40), 'the cursor at 40,40');
  assert.equal(t.pixel(8, 9), pal[0], 'the refused pixel is white again');
  assert.deepEqual((await history(srv.url, 8, 9)).placements, [], 'the server did not store it');
  const snap = await snapshotWhere(srv.url, (s) => s.get(20, 21) === 5, 'red at 20,21');
  assert.equal(snap.get(20, 21), 5);
  assert.equal(snap.get(8, 9), 0);

  // Now the TUI knows the cooldown: a second try is refused locally, nothing is sent.
  t.keys('Space');
  await t.waitFor((s) => /Wait (\d+:\d\d|\d+ s) before placing again\./.test(s.messageLine()), 'the local cooldown refusal (the wait as the timers write it)');
  await finish(t);
});

test('the client reconnects by itself after the server restarts', async () => {
  const srv = await server(['--cooldown', '0']);
  const pal = await palette(srv);
  const t = tui(srv.url);
  await t.waitFor(connected, 'the status line to say connected');
  goTo(t, 2, 3);
  t.keys('5', 'Space');
  await t.waitFor((s) => s.messageLine().includes('Placed red at 2,3.'), 'the first placement');

  await srv.kill9();
  await t.waitFor((s) => /(disconnected, retry in|offline, retry) \d+ s/.test(s.statusLine()), 'the status line to say disconnected');
  goTo(t, 30, 30);
  await t.waitFor((s) => cursorAt(s, 30, 30), 'the cursor at 30,30');
  assert.equal(t.pixel(2, 3), pal[5], 'the canvas stays on screen while disconnected');

  // Same port, same data directory; the client notices within the backoff step it shows
  const again = await server(['--cooldown', '0', '--port', String(srv.port)], { dataDir: srv.dataDir });
  assert.equal(again.port, srv.port);
  const step = /retry(?: in)? (\d+) s/.exec(t.statusLine());
  const backAt = Date.now();
  await t.waitFor(connected, 'the status line to say connected again', 20000);
  if (step) {
    const took = Date.now() - backAt;
    assert.ok(took <= Number(step[1]) * 1000 + 1500, `reconnected ${took} ms after the server came back, the step was ${step[1]} s`);
  }

  const other = await h.client(again);
  await other.placeAndWait(11, 12, 9, 'r1');
  await t.waitFor((s) => s.pixel(11, 12) === pal[9], 'a new pixel from another client after the reconnect');
  assert.equal(t.pixel(2, 3), pal[5], 'the pixel placed before the restart survived');

  goTo(t, 13, 14);
  t.keys('e', 'Space'); // e = 14, magenta
  await t.waitFor((s) => s.messageLine().includes('Placed magenta at 13,14.'), 'placing after the reconnect');
  const snap = await snapshotWhere(again.url, (s) => s.get(13, 14) === 14, 'magenta at 13,14');
  assert.equal(snap.get(13, 14), 14);
  assert.equal(snap.get(2, 3), 5);
  await finish(t);
});

test('r reconnects at once instead of waiting out the backoff', async () => {
  const srv = await server(['--cooldown', '0']);
  const t = tui(srv.url);
  await t.waitFor(connected, 'the status line to say connected');
  t.keys('r');
  await t.waitFor((s) => s.messageLine().includes('Not disconnected: nothing to retry.'), 'r while connected');
  await srv.kill9();
  // after a few failed attempts the wait is several seconds long
  const wait = await t.waitFor((s) => {
    const m = /retry(?: in)? (\d+) s/.exec(s.statusLine());
    return m && Number(m[1]) >= 4 ? Number(m[1]) : null;
  }, 'a backoff step of 4 s or more', 15000);
  const again = await server(['--cooldown', '0', '--port', String(srv.port)], { dataDir: srv.dataDir });
  const t0 = Date.now();
  t.keys('r');
  await t.waitFor(connected, 'connected again after r', 5000);
  const took = Date.now() - t0;
  assert.ok(took < (wait - 1) * 1000, `r took ${took} ms; the countdown said ${wait} s`);
  await finish(t);
});

test('with no canvas at all the status line does not call it stale', async () => {
  const srv = await server(['--cooldown', '0']);
  await srv.stop(); // nothing listens there now
  const t = tui(srv.url);
  await t.waitFor((s) => /disconnected, retry in \d+ s \(no canvas yet\)/.test(s.statusLine()), 'the status without a canvas');
  assert.doesNotMatch(t.statusLine(), /stale/);
  await finish(t);
});

test('q quits and restores the terminal', async () => {
  const srv = await server(['--cooldown', '0']);
  const t = tui(srv.url);
  await t.waitFor(connected, 'the status line to say connected');
  t.keys('q');
  await t.waitFor((s) => s.text().includes('place-tui exited 0'), 'place-tui to exit with status 0');
  // The shell's output is back on the normal screen: no canvas, no status line left over.
  assert.doesNotMatch(t.text(), /\u2580| connected \|/);
  await finish(t);
});

test('? shows the shared key table (Ctrl-L too) whole at 80x24; any key closes it; shift+Tab and Tab step the colour', async () => {
  const srv = await server(['--cooldown', '0']);
  const t = tui(srv.url, { cols: 80, rows: 24 });
  await t.waitFor(connected, 'the status line to say connected');
  t.keys('?');
  await t.waitFor((s) => s.text().includes('place-tui keys (docs/keys.md)'), 'the help box');
  const text = t.text();
  for (const line of [/arrows, h j k l +move the cursor/, /Ctrl-L +redraw the screen/,
    /\[ \], shift\+Tab\/Tab +previous \/ next colour/, /u +log in or register/,
    /mouse +click places/, /drag pans, wheel zooms/, /Any key closes this help\./]) {
    assert.match(text, line);
  }
  t.keys('x'); // any key: closes the help and does nothing else
  await t.waitFor((s) => !s.text().includes('place-tui keys'), 'the help to close');
  assert.match(t.statusLine(), /paint 5 red/);
  // (at 80 columns with a guest's name and the players online the line may take its short form)
  t.keys('BTab');
  await t.waitFor((s) => /(paint |\|)4 pink/.test(s.statusLine()), 'shift+Tab: the previous colour');
  t.keys('Tab', 'Tab');
  await t.waitFor((s) => /(paint |\|)6 orange/.test(s.statusLine()), 'Tab: the next colour');
  t.keys('C-l');
  await t.waitFor((s) => /(paint |\|)6 orange/.test(s.statusLine()) && /^ (connected|live) ?\|/.test(s.statusLine()),
    'the screen after Ctrl-L');
  await finish(t);
});

test('SIGTERM restores the terminal too', async () => {
  const srv = await server(['--cooldown', '0']);
  const t = tui(srv.url);
  await t.waitFor(connected, 'the status line to say connected');
  process.kill(t.pid(), 'SIGTERM');
  await t.waitFor((s) => s.text().includes('place-tui exited 143'), 'place-tui to exit on SIGTERM');
  assert.doesNotMatch(t.text(), /\u2580| connected \|/);
  assert.doesNotMatch(t.stderr(), /AddressSanitizer|LeakSanitizer|runtime error:/);
});

test('usable at 80x24, and a resize redraws the layout', async () => {
  const srv = await server(['--cooldown', '0']);
  const pal = await palette(srv);
  const t = tui(srv.url, { cols: 80, rows: 24 });
  await t.waitFor(connected, 'the status line to say connected');
  // 21 canvas rows hold 42 pixel rows of the 64: fitting the whole canvas means blocks of 2.
  goTo(t, 10, 10);
  t.keys('5', 'Space');
  await t.waitFor((s) => s.messageLine().includes('Placed red at 10,10.'), 'placing at 80x24');
  assert.match(t.text().split('\n')[21], /^0\u2588\u2588 1\u2588\u2588 /, 'the palette bar');
  // every field of the status line at 80 columns: connection, cursor and the colour under it,
  // the chosen colour, the cooldown, who, the zoom
  const me = await t.waitFor((s) => /guest-[0-9a-f]+/.exec(s.statusLine()), 'the guest name');
  const fields = (width, s) => {
    const line = s.statusLine();
    assert.ok(line.trimEnd().length <= width, `status line too long: ${line}`);
    assert.match(line, /^ (connected|live) ?\|/, 'the connection');
    assert.match(line, /\b10,10 red ?\|/, 'the cursor and the colour under it');
    assert.match(line, /\| ?(paint )?5 red ?\|/, 'the chosen colour');
    assert.match(line, /\| ?ready ?\|/, 'the cooldown');
    assert.ok(line.includes(me[0]), `the name ${me[0]} in ${line}`);
    assert.match(line, /\| ?1\/2 *$/, 'the zoom');
  };
  fields(80, t);
  // and at 60 columns, where the palette keeps all 16 keys too
  t.resize(60, 24);
  await t.waitFor((s) => s.size().cols === 60 && /^ live\|/.test(s.statusLine()), 'the status line at 60 columns');
  goTo(t, 10, 10);
  await t.waitFor((s) => s.statusLine().includes('10,10 red'), 'the cursor at 10,10');
  fields(60, t);
  assert.match(t.text().split('\n')[21], /^0\u2588 1\u2588 .* f\u2588 /, 'all 16 colours on the palette bar');
  t.resize(100, 40);
  await t.waitFor((s) => s.size().rows === 40 && connected(s), 'the status line on the last-but-one row');
  goTo(t, 30, 30);
  await t.waitFor((s) => cursorAt(s, 30, 30), 'the cursor at 30,30');
  assert.equal(t.pixel(10, 10), pal[5], 'after the resize the canvas is whole at zoom 1');
  await finish(t);
});

test('--login asks for the password without echo, keeps the session, --logout forgets it', async () => {
  const srv = await server(['--cooldown', '0']);
  const reg = await fetch(`${srv.url}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'tuiuser', password: 'correct horse' }),
  });
  assert.equal(reg.status, 200);
  const cfg = configDir();
  const t = tui(srv.url, { env: { XDG_CONFIG_HOME: cfg }, args: ['--login', 'tuiuser'] });
  await t.waitFor((s) => s.text().includes('Password for tuiuser:'), 'the password prompt');
  t.keys('correct horse');
  await new Promise((r) => setTimeout(r, 200));
  assert.doesNotMatch(t.text(), /correct horse/, 'the password is not echoed');
  t.keys('Enter');
  await t.waitFor(connected, 'the status line to say connected');
  assert.match(t.statusLine(), /\| tuiuser \| 1 online \| zoom/);
  assert.doesNotMatch(t.statusLine(), /\(guest\)/);
  const file = path.join(cfg, 'place', 'session');
  assert.equal(fs.statSync(file).mode & 0o777, 0o600);
  assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
  const token = fs.readFileSync(file, 'utf8').trim();
  const me = await (await fetch(`${srv.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } })).json();
  assert.equal(me.username, 'tuiuser');
  await finish(t);

  const out = execFileSync(placeTuiPath(), ['--logout', srv.url], { env: { ...process.env, XDG_CONFIG_HOME: cfg }, encoding: 'utf8' });
  assert.match(out, /Logged out\./);
  assert.equal(fs.existsSync(file), false);
  const after = await (await fetch(`${srv.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } })).json();
  assert.notEqual(after.username, 'tuiuser', 'the server revoked the session');
});

test('u registers and logs in inside the client; the stored session is the user', async () => {
  const srv = await server(['--cooldown', '0']);
  const cfg = configDir();
  const t = tui(srv.url, { env: { XDG_CONFIG_HOME: cfg } });
  await t.waitFor(connected, 'the status line to say connected');
  // a pixel as a guest first: registering keeps the guest's account (pixels, cooldown)
  goTo(t, 3, 3);
  t.keys('Space');
  await t.waitFor((s) => s.messageLine().includes('Placed red at 3,3.'), 'placing as a guest');
  const guestId = (await history(srv.url, 3, 3)).placements[0].userId;
  // bad input: every reason at once, in the browser's words, and nothing sent
  t.keys('u', 'Tab');
  await t.waitFor((s) => s.messageLine().startsWith('Register (Tab: log in instead'), 'the register prompt');
  t.keys('ab', 'Enter', 'short', 'Enter');
  await t.waitFor((s) => s.messageLine().includes('Usernames are 3–32 letters, digits, _ or -. Passwords need at least 8 characters.'),
    'both input errors');
  // register for real: the password is not shown
  t.keys('u', 'Tab', 'tui_painter', 'Enter', 'a long password');
  await t.waitFor((s) => s.messageLine().includes('password: ***************'), 'the password as stars');
  assert.doesNotMatch(t.text(), /a long password/);
  t.keys('Enter');
  await t.waitFor((s) => s.messageLine().includes('Welcome to Place, tui_painter!'), 'the welcome');
  await t.waitFor((s) => connected(s) && s.statusLine().includes('| tui_painter |'), 'the new name on the status line');
  const file = path.join(cfg, 'place', 'session');
  const token = fs.readFileSync(file, 'utf8').trim();
  let me = await (await fetch(`${srv.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } })).json();
  assert.equal(me.username, 'tui_painter');
  assert.equal(me.isGuest, false);
  assert.equal(me.userId, guestId, 'the guest became the account');
  // placing works as the new user
  goTo(t, 4, 4);
  t.keys('Space');
  await t.waitFor((s) => /^Placed \w+ at 4,4\./.test(s.messageLine()), 'placing as the new user');
  assert.equal((await history(srv.url, 4, 4)).placements[0].username, 'tui_painter');
  await finish(t);

  // another terminal, a guest: a wrong password is refused in words, the right one logs in
  const cfg2 = configDir();
  const t2 = tui(srv.url, { env: { XDG_CONFIG_HOME: cfg2 } });
  await t2.waitFor(connected, 'the second client connected');
  t2.keys('u', 'tui_painter', 'Enter', 'not the password', 'Enter');
  // (waiting for the words themselves: a capture taken while ncurses rewrites "Log in as ..., password:
  // ***" into "Logging in as ..." by inserting characters holds both, and matched a looser test)
  await t2.waitFor((s) => /Wrong username or password/.test(s.messageLine()), 'the refusal in words');
  assert.match(t2.messageLine(), /Wrong username or password/);
  assert.match(t2.statusLine(), /\(guest\)|guest-/);
  t2.keys('u', 'tui_painter', 'Enter', 'a long password', 'Enter');
  await t2.waitFor((s) => s.messageLine().includes('Welcome back, tui_painter.'), 'welcome back');
  await t2.waitFor((s) => connected(s) && s.statusLine().includes('| tui_painter |'), 'logged in on the status line');
  me = await (await fetch(`${srv.url}/api/v1/auth/me`, {
    headers: { authorization: `Bearer ${fs.readFileSync(path.join(cfg2, 'place', 'session'), 'utf8').trim()}` },
  })).json();
  assert.equal(me.username, 'tui_painter');
  await finish(t2);
});

test('the mouse chooses colours, places, zooms, and a drag does not place', async () => {
  const srv = await server(['--cooldown', '0']);
  const pal = await palette(srv);
  const t = tui(srv.url);
  await t.waitFor(connected, 'the status line to say connected');
  await t.mouse(0, 9 * 4 + 1, 37); // the swatch of colour 9 on the palette row (40 - 3)
  await t.mouse(3, 9 * 4 + 1, 37);
  await t.waitFor((s) => s.statusLine().includes('paint 9 lime'), 'lime chosen by a click');
  await t.mouse(0, 10, 5); // cell (10, 5): pixel (10, 10), the upper one
  await t.mouse(3, 10, 5);
  await t.waitFor((s) => s.messageLine().includes('Placed lime at 10,10.'), 'a click placing');
  assert.equal((await history(srv.url, 10, 10)).placements[0].color, 9);

  await t.mouse(0, 20, 5); // press, move with the button held, release elsewhere
  await t.mouse(32, 25, 5);
  await t.mouse(32, 30, 6);
  await t.mouse(3, 30, 6);
  await new Promise((r) => setTimeout(r, 300));
  assert.match(t.messageLine(), /Placed lime at 10,10\./, 'the drag placed nothing');
  assert.deepEqual((await history(srv.url, 20, 10)).placements, []);
  assert.deepEqual((await history(srv.url, 30, 12)).placements, []);

  await t.mouse(64, 30, 10); // wheel up
  await t.waitFor((s) => s.statusLine().includes('zoom 2x'), 'the wheel zooming in');
  goTo(t, 0, 0);
  await t.waitFor((s) => cursorAt(s, 0, 0), 'the cursor at 0,0');
  // Zoomed 2x with the canvas's corner at the screen's: pixel (10,10) is cells 20-21 of row 10,
  // both halves.
  const row = t.screen()[10];
  for (const c of [20, 21]) {
    assert.equal(row[c].fg, pal[9]);
    assert.equal(row[c].bg, pal[9]);
  }
  assert.equal(row[22].fg, pal[0]);
  await finish(t);
});

// What a cell looks like to the eye: a space shows only its background.
const look = (cell) => (cell.ch === ' ' ? `bg ${cell.bg}` : `${cell.ch} ${cell.fg} on ${cell.bg}`);

for (const term of ['xterm', 'xterm-16color']) {
  test(`with TERM=${term} the 16 palette colours are 16 different cells`, async () => {
    const srv = await server(['--cooldown', '0']);
    const bot = await h.client(srv);
    await bot.next('init');
    for (let c = 0; c < 16; c++) assert.equal((await bot.placeAndWait(2 + 2 * c, 4, c, `c${c}`)).type, 'placed');
    // 70 rows: the 64 pixel rows fit at zoom 1, one pixel a cell
    const t = tui(srv.url, { env: { TERM: term, COLORTERM: '' }, rows: 70 });
    await t.waitFor(connected, 'the status line to say connected');
    await t.waitFor((s) => s.screen()[4][2 + 2 * 5].bg !== s.screen()[4][1].bg, 'the pixels on screen');
    const row = t.screen()[4];
    const looks = [];
    for (let c = 0; c < 16; c++) looks.push(look(row[2 + 2 * c]));
    assert.equal(new Set(looks).size, 16, `cells: ${looks.join(' | ')}`);
    assert.ok(looks.every((l) => /ansi\d+/.test(l)), `terminal colours only: ${looks.join(' | ')}`);
    // the palette bar draws each colour the way the canvas does
    const bar = t.screen()[67];
    for (let c = 0; c < 16; c++) assert.equal(look(bar[c * 4 + 1]), looks[c], `palette swatch ${c}`);
    await finish(t);
  });
}

test('a fast drag whose press, motion and release come in one write pans and places nothing', async () => {
  const srv = await server(['--cooldown', '0']);
  const t = tui(srv.url);
  await t.waitFor(connected, 'the status line to say connected');
  t.keys('+'); // zoom 2x: the canvas is wider than the screen, so there is room to pan
  await t.waitFor((s) => s.statusLine().includes('zoom 2x'), 'zoom 2x');
  const seq0 = (await fetchSnapshot(srv.url)).snap.seq;
  const cells = () => t.tmux('capture-pane', '-p', '-e').split('\n').slice(0, 37).join('\n');
  const before = cells();
  const msg = t.messageLine();
  // what an SSH session delivers for a quick drag: every report in one read
  const ev = (code, col, row) => `\x1b[M${String.fromCharCode(32 + code, 33 + col, 33 + row)}`;
  t.tmux('send-keys', '-l', ev(0, 40, 10) + ev(32, 30, 10) + ev(32, 20, 11) + ev(3, 20, 11));
  await t.waitFor(() => cells() !== before, 'the view to pan');
  await new Promise((r) => setTimeout(r, 1300)); // the snapshot is rebuilt at most once a second
  assert.equal(t.messageLine(), msg, 'no placing message');
  assert.equal((await fetchSnapshot(srv.url)).snap.seq, seq0, 'the drag placed a pixel');
  // the same with the release in a read of its own
  t.tmux('send-keys', '-l', ev(0, 40, 10) + ev(32, 30, 12));
  await new Promise((r) => setTimeout(r, 150));
  t.tmux('send-keys', '-l', ev(3, 30, 12));
  await new Promise((r) => setTimeout(r, 1300));
  assert.equal((await fetchSnapshot(srv.url)).snap.seq, seq0, 'the drag placed a pixel');
  // a click whose press and release come together still places
  t.tmux('send-keys', '-l', ev(0, 40, 10) + ev(3, 40, 10));
  await t.waitFor((s) => /^Placed red at \d+,\d+\./.test(s.messageLine()), 'a one-read click placing (red: the colour every client starts with)');
  await finish(t);
});

test('whole-canvas zoom keeps a 1-pixel square outline visible on all four sides', async () => {
  const srv = await server(['--cooldown', '0', '--width', '2000', '--height', '2000']);
  const pal = await palette(srv);
  const [x0, y0, x1, y1] = [900, 900, 1059, 1059];
  await paintMany(srv.wsUrl, squareOutline(x0, y0, x1, y1, 3));
  const t = tui(srv.url);
  await t.waitFor(connected, 'the status line to say connected');
  const z = Number((await t.waitFor((s) => /(?:zoom |\| ?)1\/(\d+) *$/.exec(s.statusLine()), 'a whole-canvas zoom'))[1]);
  // unit (ux, uy) is the block of z x z pixels from (ux*z, uy*z); two units a cell, one above
  // the other
  const unit = (ux, uy) => {
    const cell = t.screen()[Math.floor(uy / 2)][ux];
    const top = uy % 2 === 0;
    if (cell.ch === '\u2580') return top ? cell.fg : cell.bg;
    if (cell.ch === '\u2584') return top ? cell.bg : cell.fg;
    return cell.bg;
  };
  const mid = Math.floor((x0 + x1) / 2 / z);
  const sides = {
    top: [mid, Math.floor(y0 / z)], bottom: [mid, Math.floor(y1 / z)],
    left: [Math.floor(x0 / z), mid], right: [Math.floor(x1 / z), mid],
  };
  await t.waitFor((s) => unit(...sides.top) === pal[3] || null, 'the outline on screen').catch(() => {});
  for (const [name, [ux, uy]] of Object.entries(sides)) {
    assert.equal(unit(ux, uy), pal[3], `the ${name} side at unit ${ux},${uy} (blocks of ${z})`);
  }
  assert.equal(unit(mid, mid), pal[0], 'inside the square stays white');
  await finish(t);
});

test('Ctrl-C and a fatal error restore the terminal as well', async () => {
  const srv = await server(['--cooldown', '0']);
  const t = tui(srv.url);
  await t.waitFor(connected, 'the status line to say connected');
  t.keys('C-c');
  await t.waitFor((s) => s.text().includes('place-tui exited 130'), 'place-tui to exit on Ctrl-C');
  assert.doesNotMatch(t.text(), /\u2580| connected \|/);

  const bad = tui('ftp://127.0.0.1:1/');
  await bad.waitFor((s) => s.text().includes('place-tui exited 1'), 'place-tui to refuse the URL');
  assert.match(bad.stderr(), /place-tui: the server URL must start with http:\/\/ or https:\/\//);
  assert.doesNotMatch(bad.text(), /\u2580|connecting/);
});

test('banned while connected: the ban in the status area, no "connection lost", back as the same player to watch', async () => {
  const srv = await server(['--cooldown', '0']);
  // place-tui's session is a guest made here, so the test knows its id
  const cfg = configDir();
  const { token, userId } = await guestSession(srv, cfg);
  const t = tui(srv.url, { env: { XDG_CONFIG_HOME: cfg } });
  await t.waitFor(connected, 'connected');
  admin(srv, '--ban-id', userId, '--reason', 'spam');
  await t.waitFor((s) => /You are banned from placing pixels: spam\./.test(s.messageLine()), 'the ban on screen');
  assert.match(t.statusLine(), /BANNED/);
  // the socket was closed by the ban: it comes back with the same session, still banned
  await t.waitFor(connected, 'connected again to watch', 10000);
  assert.match(t.statusLine(), /BANNED/);
  assert.match(t.messageLine(), /You are banned from placing pixels: spam\./);
  assert.doesNotMatch(t.text(), /connection to the server was lost|Disconnected/i);
  // a placement is refused on the spot, in words
  t.keys('Enter');
  await t.waitFor((s) => /You are banned from placing pixels/.test(s.messageLine()), 'the refusal');
  const me = await (await fetch(`${srv.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } })).json();
  assert.equal(me.userId, userId, 'the same player');
  await finish(t);
});
