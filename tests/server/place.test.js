// The placement path end to end: place → placed, the batch at another client, the snapshot,
// the cooldown, pixel history.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect, fetchSnapshot } from './lib/client.js';
import { startServer } from './lib/server.js';

let srv;
before(async () => { srv = await startServer({ args: ['--cooldown', '300', '--batch-ms', '50', '--cooldown-scope', 'account', '--guests-per-hour', '0'] }); });
after(async () => {
  const st = await srv.stop();
  assert.equal(st.code, 0, `placed exit status ${JSON.stringify(st)}`);
  srv.cleanup();
});

test('init describes the canvas and the user', async () => {
  const a = await connect(srv.wsUrl);
  const init = a.messages[0];
  assert.equal(init.type, 'init');
  assert.equal(init.canvasInfo.width, 64);
  assert.equal(init.canvasInfo.height, 64);
  assert.equal(init.canvasInfo.colors, 16);
  assert.equal(init.canvasInfo.cooldownSec, 300);
  assert.equal(init.canvasInfo.palette.length, 16);
  assert.equal(init.cooldown, 0);
  assert.equal(init.user.isGuest, true);
  assert.match(init.user.userId, /^[0-9a-f]{32}$/);
  assert.ok(a.setCookie && /place_session=[0-9a-f]{64}/.test(a.setCookie[0]), 'guest cookie on the upgrade');
  a.close();
});

test('A places, gets placed; B receives the batch; the snapshot shows it', async () => {
  const a = await connect(srv.wsUrl);
  const b = await connect(srv.wsUrl);
  const ans = await a.placeAndWait(10, 20, 5, 'req-1');
  assert.equal(ans.type, 'placed', JSON.stringify(ans));
  assert.equal(ans.requestId, 'req-1');
  assert.ok(ans.seq >= 1);
  assert.ok(ans.nextPlacement > Date.now() + 290000, `nextPlacement ${ans.nextPlacement}`);

  const p = await b.pixel(10, 20, 5);
  assert.equal(p.seq, ans.seq);
  const batch = b.batches.find((bt) => bt.pixels.includes(p));
  assert.ok(batch.prevSeq < p.seq && p.seq <= batch.lastSeq, JSON.stringify(batch));

  // the snapshot is rebuilt at most once a second: poll until it covers the placement
  let snap;
  for (let i = 0; i < 50; i++) {
    ({ snap } = await fetchSnapshot(srv.url));
    if (snap.seq >= ans.seq) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(snap.seq >= ans.seq, `snapshot seq ${snap.seq} < ${ans.seq}`);
  assert.equal(snap.get(10, 20), 5);
  assert.equal(snap.get(11, 20), 0);
  a.close();
  b.close();
});

test('integer requestId is echoed as an integer; a second place within the cooldown is refused', async () => {
  const a = await connect(srv.wsUrl);
  const first = await a.placeAndWait(1, 1, 3, 42);
  assert.equal(first.type, 'placed');
  assert.equal(first.requestId, 42);
  const second = await a.placeAndWait(2, 2, 3, 43);
  assert.equal(second.type, 'error');
  assert.equal(second.code, 'COOLDOWN');
  assert.ok(second.retryAfter > 290000 && second.retryAfter <= 300000, `retryAfter ${second.retryAfter}`);
  a.close();
});

test('the cooldown holds across reconnects with the same session', async () => {
  const res = await fetch(`${srv.url}/api/v1/auth/me`);
  const token = res.headers.get('set-cookie').match(/place_session=([0-9a-f]{64})/)[1];
  const a = await connect(srv.wsUrl, token);
  assert.equal((await a.placeAndWait(3, 3, 2, 'x')).type, 'placed');
  a.close();
  const a2 = await connect(srv.wsUrl, token);
  assert.ok(a2.messages[0].cooldown > 290000, `init cooldown ${a2.messages[0].cooldown}`);
  const r = await a2.placeAndWait(4, 4, 2, 'y');
  assert.equal(r.code, 'COOLDOWN');
  a2.close();
});

test('pixel history lists placements newest first with user, colour and time', async () => {
  const a = await connect(srv.wsUrl);
  const b = await connect(srv.wsUrl);
  const ra = await a.placeAndWait(30, 31, 7, 'a');
  const rb = await b.placeAndWait(30, 31, 9, 'b');
  assert.equal(ra.type, 'placed');
  assert.equal(rb.type, 'placed');
  const res = await fetch(`${srv.url}/api/v1/pixel?x=30&y=31`);
  assert.equal(res.status, 200);
  const h = await res.json();
  assert.equal(h.x, 30);
  assert.equal(h.y, 31);
  assert.equal(h.placements.length, 2);
  assert.deepEqual(h.placements.map((p) => p.seq), [rb.seq, ra.seq]);
  assert.deepEqual(h.placements.map((p) => p.color), [9, 7]);
  assert.equal(h.placements[0].userId, b.messages[0].user.userId);
  assert.equal(h.placements[1].username, a.messages[0].user.username);
  assert.ok(Math.abs(h.placements[0].time - Date.now()) < 60000);
  a.close();
  b.close();
});

test('snapshot: ETag, X-Place-Seq, caching headers, gzip and 304', async () => {
  const res = await fetch(`${srv.url}/api/v1/canvas/snapshot`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-encoding'), 'gzip');
  assert.equal(res.headers.get('cache-control'), 'public, max-age=1');
  assert.equal(res.headers.get('content-type'), 'application/octet-stream');
  let etag = res.headers.get('etag');
  const seq = res.headers.get('x-place-seq');
  assert.equal(etag, `"${seq}-64x64"`);
  await res.arrayBuffer();
  // The same ETag gets 304. In cluster mode the snapshot is refreshed from Redis each second and
  // earlier tests' placements may still be arriving: a 200 with a newer ETag means the canvas
  // moved on in between, and the check is made again with that one (never a 200 with the same).
  for (let tries = 0; ; tries++) {
    const again = await fetch(`${srv.url}/api/v1/canvas/snapshot`, { headers: { 'if-none-match': etag } });
    await again.arrayBuffer();
    if (again.status === 304) break;
    assert.equal(again.status, 200);
    assert.notEqual(again.headers.get('etag'), etag, 'a 200 for the ETag the client already has');
    assert.ok(tries < 20, 'the snapshot never held still long enough for a 304');
    etag = again.headers.get('etag');
  }
  const plain = await fetch(`${srv.url}/api/v1/canvas/snapshot`, { headers: { 'accept-encoding': 'identity' } });
  assert.equal(plain.headers.get('content-encoding'), null);
  assert.equal(Buffer.from(await plain.arrayBuffer()).length, 24 + 64 * 64 / 2);
  const redirect = await fetch(`${srv.url}/api/v1/canvas`, { redirect: 'manual' });
  assert.equal(redirect.status, 302);
  assert.equal(redirect.headers.get('location'), '/api/v1/canvas/snapshot');
  const info = await (await fetch(`${srv.url}/api/v1/canvas/info`)).json();
  assert.equal(info.width, 64);
  assert.equal(info.cooldownSec, 300);
  assert.equal(info.batchMs, 50);
  assert.equal(info.guestsCanPlace, true);
  assert.equal(info.palette[0], '#FFFFFF');
});
