// Sessions and accounts: guest cookie, register, login, me, logout (revocation), Bearer tokens,
// a guest who registers keeps id and cooldown, --guests-can-place.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { connect, tokenFrom } from './lib/client.js';
import { startServer } from './lib/server.js';

let srv;
before(async () => { srv = await startServer({ args: ['--cooldown', '300'] }); });
after(async () => {
  const st = await srv.stop();
  assert.equal(st.code, 0);
  srv.cleanup();
});

const json = { 'content-type': 'application/json' };
const bearer = (t) => ({ authorization: `Bearer ${t}` });

async function me(headers = {}) {
  const res = await fetch(`${srv.url}/api/v1/auth/me`, { headers });
  assert.equal(res.status, 200);
  return { res, body: await res.json() };
}

test('a first visit gets a guest session cookie; the cookie and Bearer both identify it', async () => {
  const { res, body } = await me();
  const cookie = res.headers.get('set-cookie');
  assert.match(cookie, /^place_session=[0-9a-f]{64}; Path=\/; Max-Age=86400; HttpOnly; SameSite=Lax/);
  assert.equal(body.isGuest, true);
  assert.equal(body.isAdmin, false);
  assert.equal(body.nextPlacement, 0);
  const token = tokenFrom(res);
  const byCookie = await me({ cookie: `other=1; place_session=${token}` });
  assert.equal(byCookie.body.userId, body.userId);
  assert.equal(byCookie.res.headers.get('set-cookie'), null, 'no new cookie for a known session');
  const byBearer = await me(bearer(token));
  assert.equal(byBearer.body.userId, body.userId);
  const index = await fetch(`${srv.url}/`);
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type'), /text\/html/);
  assert.ok(tokenFrom(index), 'the page sets a guest cookie too');
});

test('register, login, me, logout; a revoked token no longer works', async () => {
  const reg = await fetch(`${srv.url}/api/v1/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'alice_1', password: 'correct horse' }) });
  assert.equal(reg.status, 200);
  const r = await reg.json();
  assert.equal(r.success, true);
  assert.equal(r.username, 'alice_1');
  const t1 = tokenFrom(reg);
  assert.ok(t1);
  assert.deepEqual((await me(bearer(t1))).body, { userId: r.userId, username: 'alice_1', isGuest: false, isAdmin: false, nextPlacement: 0, isBanned: false });

  const dup = await fetch(`${srv.url}/api/v1/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'alice_1', password: 'another one' }) });
  assert.equal(dup.status, 409);
  assert.equal((await dup.json()).error, 'USERNAME_TAKEN');

  const bad = await fetch(`${srv.url}/api/v1/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'alice_1', password: 'wrong password' }) });
  assert.equal(bad.status, 401);
  assert.equal((await bad.json()).error, 'BAD_CREDENTIALS');
  const nobody = await fetch(`${srv.url}/api/v1/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'nobody', password: 'whatever1' }) });
  assert.equal(nobody.status, 401);

  const login = await fetch(`${srv.url}/api/v1/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'alice_1', password: 'correct horse' }) });
  assert.equal(login.status, 200);
  const l = await login.json();
  assert.equal(l.userId, r.userId);
  const t2 = tokenFrom(login);
  assert.notEqual(t2, t1);
  assert.equal((await me(bearer(t2))).body.userId, r.userId);

  const out = await fetch(`${srv.url}/api/v1/auth/logout`, { method: 'POST', headers: bearer(t2) });
  assert.equal(out.status, 200);
  assert.deepEqual(await out.json(), { success: true });
  assert.match(out.headers.get('set-cookie'), /place_session=; .*Max-Age=0/);
  const after2 = await me(bearer(t2));
  assert.notEqual(after2.body.userId, r.userId, 'the revoked token is a stranger now');
  assert.equal(after2.body.isGuest, true);
  // the revoked token cannot open a WebSocket as alice either
  const c = await connect(srv.wsUrl, t2);
  assert.notEqual(c.messages[0].user.userId, r.userId);
  c.close();
  // the other session (from register) still works
  assert.equal((await me(bearer(t1))).body.userId, r.userId);
});

test('username and password rules', async () => {
  const cases = [
    [{ username: 'ab', password: 'longenough' }, 'BAD_USERNAME'],
    [{ username: 'a'.repeat(33), password: 'longenough' }, 'BAD_USERNAME'],
    [{ username: 'has space', password: 'longenough' }, 'BAD_USERNAME'],
    [{ username: 'émile', password: 'longenough' }, 'BAD_USERNAME'],
    [{ username: 'shortpw', password: 'short' }, 'BAD_PASSWORD'],
    [{ username: 'longpw', password: 'p'.repeat(257) }, 'BAD_PASSWORD'],
  ];
  for (const [body, code] of cases) {
    const res = await fetch(`${srv.url}/api/v1/auth/register`, { method: 'POST', headers: json, body: JSON.stringify(body) });
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal((await res.json()).error, code);
  }
});

test('a guest who registers keeps their id and cooldown', async () => {
  const first = await me();
  const token = tokenFrom(first.res);
  const guestId = first.body.userId;
  const c = await connect(srv.wsUrl, token);
  assert.equal((await c.placeAndWait(8, 8, 4, 'g')).type, 'placed');
  const reg = await fetch(`${srv.url}/api/v1/auth/register`, { method: 'POST', headers: { ...json, ...bearer(token) }, body: JSON.stringify({ username: 'was-guest', password: 'long passphrase 1' }) });
  assert.equal(reg.status, 200);
  const r = await reg.json();
  assert.equal(r.userId, guestId);
  const t = tokenFrom(reg);
  const m = (await me(bearer(t))).body;
  assert.equal(m.userId, guestId);
  assert.equal(m.isGuest, false);
  assert.ok(m.nextPlacement > Date.now() + 250000, `cooldown kept: ${m.nextPlacement}`);
  const c2 = await connect(srv.wsUrl, t);
  assert.equal((await c2.placeAndWait(9, 9, 4, 'g2')).code, 'COOLDOWN');
  // history shows the registered name for the guest's placement
  const h = await (await fetch(`${srv.url}/api/v1/pixel?x=8&y=8`)).json();
  assert.equal(h.placements[0].userId, guestId);
  c.close();
  c2.close();
});

test('--no-guests-can-place: guests get NOT_ALLOWED, registered users may place', async () => {
  const s2 = await startServer({ args: ['--no-guests-can-place', '--cooldown', '0'] });
  try {
    const info = await (await fetch(`${s2.url}/api/v1/canvas/info`)).json();
    assert.equal(info.guestsCanPlace, false);
    const g = await connect(s2.wsUrl);
    const e = await g.placeAndWait(1, 1, 1, 'guest');
    assert.equal(e.code, 'NOT_ALLOWED');
    const reg = await fetch(`${s2.url}/api/v1/auth/register`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'member', password: 'long passphrase 1' }) });
    const u = await connect(s2.wsUrl, tokenFrom(reg));
    assert.equal((await u.placeAndWait(1, 1, 1, 'member')).type, 'placed');
    g.close();
    u.close();
  } finally {
    assert.equal((await s2.stop()).code, 0);
    s2.cleanup();
  }
});

// GET /api/v1/auth/me over a raw socket with these header lines; resolves with status, headers text, body.
async function rawMe(lines) {
  const net = await import('node:net');
  const sock = net.connect(srv.port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  let text = '';
  sock.on('data', (d) => { text += d; });
  sock.write(`GET /api/v1/auth/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${lines.map((l) => `${l}\r\n`).join('')}\r\n`);
  await new Promise((r) => sock.once('close', r));
  const [head, body] = text.split('\r\n\r\n');
  return { status: Number(head.split(' ')[1]), head, body: body ? JSON.parse(body) : null };
}

test('cookies: the session is found in a 3,000-byte Cookie header, among several Cookie headers', async () => {
  const first = await me();
  const token = tokenFrom(first.res);
  const filler = Array.from({ length: 60 }, (_, i) => `tracker${i}=${'x'.repeat(40)}`).join('; ');
  const long = `${filler}; place_session=${token}`;
  assert.ok(long.length > 3000, `${long.length}`);
  const a = await rawMe([`Cookie: ${long}`]);
  assert.equal(a.status, 200, a.head);
  assert.equal(a.body.userId, first.body.userId, 'the session last in a long Cookie header');
  assert.doesNotMatch(a.head, /set-cookie/i, 'no new guest cookie over the player\'s session');
  // twice as long: still under the 8 KiB of headers the server reads
  const a2 = await rawMe([`Cookie: ${filler}; ${filler}; place_session=${token}`]);
  assert.equal(a2.body?.userId, first.body.userId, a2.head);
  const b = await rawMe(['Cookie: theme=dark', `Cookie: place_session=${token}`, 'Cookie: lang=fr']);
  assert.equal(b.body.userId, first.body.userId, 'the session in the second of three Cookie headers');
  // a stale session cookie of another path comes first: the live one is still found
  const c = await rawMe([`Cookie: place_session=${'0'.repeat(64)}; place_session=${token}`]);
  assert.equal(c.body.userId, first.body.userId);
});

test('cookies: a session the server cannot read is answered 400, never replaced by a new guest', async () => {
  for (const cookie of [`place_session=${'a'.repeat(63)}`, `place_session=${'A'.repeat(64)}`, 'a=1; place_session=not-a-token']) {
    const r = await rawMe([`Cookie: ${cookie}`]);
    assert.equal(r.status, 400, cookie);
    assert.equal(r.body.error, 'BAD_REQUEST');
    assert.doesNotMatch(r.head, /set-cookie/i, `no Set-Cookie over "${cookie}"`);
  }
  const ws = new (await import('ws')).default(srv.wsUrl, { headers: { cookie: 'place_session=zzz' } });
  const status = await new Promise((resolve) => {
    ws.on('unexpected-response', (req, res) => resolve(res.statusCode));
    ws.on('open', () => resolve('open'));
    ws.on('error', () => {});
  });
  assert.equal(status, 400);
  ws.terminate();
  // an unknown (well-formed) token is a session that ended: a new guest, as before
  const r = await rawMe([`Cookie: place_session=${'f'.repeat(64)}`]);
  assert.equal(r.status, 200);
  assert.match(r.head, /set-cookie: place_session=[0-9a-f]{64}/i);
});
