// The browser client and the live rules (placed --freeze / --unfreeze / --set) changed on the
// running server, and the admin's lookup from the pixel info: the real placed serving
// assets/web/, driven in headless Chromium; assertions on what the page shows and on the server.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, tokenFrom } from '../server/lib/client.js';
import { admin, snapshotWhere } from '../lib/harness.js';
import { clickPixel, placesSent, watchPlaces } from './lib/browser.js';
import { webHarness } from './lib/harness.js';

const VIEW = '/#x=20&y=20&z=8';
const h = webHarness();
const server = (args) => h.server(['--batch-ms', '50', ...args]);

test('--freeze: the dock says so with the reason, the place button stops offering; --unfreeze; --set cooldown=5 is said and is the next countdown', async () => {
  const srv = await server(['--cooldown', '300']);
  const { page } = await h.open(srv.url + VIEW);
  await watchPlaces(page);
  assert.equal(await page.isHidden('#frozen-note'), true);

  admin(srv, '--freeze', '--reason', 'maintenance');
  await page.waitForFunction(() => !document.getElementById('frozen-note').hidden);
  assert.equal(await page.textContent('#frozen-note'), 'The canvas is frozen: maintenance. You can look, but not place.');
  assert.equal(await page.textContent('#place-label'), 'Canvas frozen');
  await clickPixel(page, 20, 20);
  await page.click('#place-btn');
  assert.match(await page.textContent('#toast'), /The canvas is frozen: maintenance/);
  assert.equal(await placesSent(page), 0, 'nothing sent while frozen');

  admin(srv, '--unfreeze');
  await page.waitForFunction(() => document.getElementById('frozen-note').hidden);
  assert.match(await page.textContent('#place-label'), /^Place /);

  admin(srv, '--set', 'cooldown=5');
  await page.waitForFunction(() => /The cooldown is now 5 s\./.test(document.getElementById('toast').textContent));
  await page.click('#place-btn');
  await page.waitForFunction(() => window.place.state.seqAt(20, 20) > 0);
  // the countdown is the new 5 s, not 4:59
  assert.match(await page.textContent('#place-label'), /^Next pixel in 0:0[1-5]$/);
  await snapshotWhere(srv.url, (sn) => sn.get(20, 20) === 5, '(20,20) red');
  await page.waitForFunction(() => /^Place /.test(document.getElementById('place-label').textContent),
    null, { timeout: 8000 });
});

test('an admin looks up who placed a pixel and gets the commands to run, copyable; a player does not', async () => {
  const srv = await server(['--cooldown', '0']);
  // bob (registered) and a guest paint
  const reg = await fetch(`${srv.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'bob', password: 'long passphrase 1' }) });
  assert.equal(reg.status, 200);
  const bob = await connect(srv.wsUrl, tokenFrom(reg));
  const guest = await connect(srv.wsUrl, null);
  const guestId = guest.messages[0].user.userId;
  assert.equal((await bob.placeAndWait(8, 8, 3, 'b')).type, 'placed');
  assert.equal((await guest.placeAndWait(7, 7, 6, 'g')).type, 'placed');
  bob.close(); guest.close();

  // the admin: an account made in the page, then granted admin on the server
  const { context, page } = await h.open(srv.url + VIEW);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.url });
  const made = await page.evaluate(async () => (await fetch('/api/v1/auth/register', { method: 'POST',
    headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'root_admin', password: 'long passphrase 2' }) })).status);
  assert.equal(made, 200);
  admin(srv, '--grant-admin', 'root_admin');
  await page.reload();
  await page.waitForFunction(() => window.place && window.place.app.user && window.place.app.user.isAdmin);
  await page.waitForFunction(() => window.place.state.ready);

  await clickPixel(page, 8, 8);
  await page.waitForFunction(() => !document.getElementById('admin-cmds').hidden
    && /bob/.test(document.getElementById('admin-cmds').textContent));
  const codes = await page.$$eval('#admin-cmds code', (cs) => cs.map((c) => c.textContent));
  assert.deepEqual(codes, ['placed --revert-user bob', 'placed --ban bob']);

  await clickPixel(page, 7, 7);
  // a guest by the name the pixel info shows (placed looks its id up)
  const guestName = `guest-${guestId.slice(0, 8)}`;
  await page.waitForFunction((n) => document.getElementById('admin-cmds').textContent.includes(n), guestName);
  const gcodes = await page.$$eval('#admin-cmds code', (cs) => cs.map((c) => c.textContent));
  assert.deepEqual(gcodes, [`placed --revert-user ${guestName}`, `placed --ban ${guestName}`]);
  // Copy puts the command on the clipboard; run as copied, it undoes the guest's pixel
  await page.locator('#admin-cmds .cmd button').first().click();
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(copied, `placed --revert-user ${guestName}`);
  admin(srv, ...copied.split(' ').slice(1));
  await snapshotWhere(srv.url, (sn) => sn.get(7, 7) === 0 && sn.get(8, 8) === 3, 'the guest reverted, bob kept');

  // a player sees no such thing
  const other = await h.open(srv.url + VIEW);
  await clickPixel(other.page, 8, 8);
  await other.page.waitForFunction(() => /bob/.test(document.getElementById('pixel-info').textContent));
  assert.equal(await other.page.isHidden('#admin-cmds'), true);
  assert.deepEqual(page.errors, []);
});
