// Bans that stick: a banned player starting over as a guest from the same address is still
// banned; --ban-ip bans a block; timed bans end by themselves; --ban-id is never confused with a
// name; logout and ban end the sockets at once. Players are loopback addresses: 127.0.0.3 is the
// griefer's, 127.0.0.4 someone else's.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, request } from './lib/client.js';
import { runPlaced, startServer } from './lib/server.js';

const G = '127.0.0.3';
const O = '127.0.0.4';
const json = { 'content-type': 'application/json' };
const bearer = (t) => ({ authorization: `Bearer ${t}` });

async function register(srv, username, from) {
  const r = await request(`${srv.url}/api/v1/auth/register`, {
    method: 'POST', localAddress: from, headers: json, body: { username, password: 'correct horse battery' },
  });
  assert.equal(r.status, 200, r.text);
  return { token: r.token, ...r.json() };
}

function admin(srv, ...args) {
  const r = runPlaced(['--data-dir', srv.dataDir, ...args]);
  assert.equal(r.code, 0, r.stderr);
  return r;
}

test('a banned player who starts over as a guest from the same address is still banned; --unban lets both place', async () => {
  const srv = await startServer({ args: ['--cooldown', '0'] });
  try {
    const mallory = await register(srv, 'mallory', G);
    const m = await connect(srv.wsUrl, mallory.token, { localAddress: G });
    assert.equal((await m.placeAndWait(1, 1, 5, 'before')).type, 'placed');
    const t0 = Date.now();
    admin(srv, '--ban', 'mallory');
    assert.equal((await m.next('banned')).until, 0);
    assert.equal((await m.closedWith(2000)).code, 4003);
    assert.ok(Date.now() - t0 < 3000, 'closed at once');

    // drops the cookie: no new guest from this address; the page still shows the canvas
    const fresh = await request(`${srv.url}/api/v1/auth/me`, { localAddress: G });
    assert.equal(fresh.status, 200);
    assert.equal(fresh.token, null, 'no session for a banned address');
    assert.equal(fresh.json().isBanned, true);
    const g = await connect(srv.wsUrl, null, { localAddress: G });
    assert.equal(g.messages[0].user.isBanned, true);
    assert.equal((await g.next('banned')).type, 'banned');
    const e = await g.placeAndWait(2, 2, 5, 'as-guest');
    assert.equal(e.code, 'BANNED');
    assert.ok(g.batches !== null && g.closed === null, 'it may still watch');
    // nor a new account from there
    const reg = await request(`${srv.url}/api/v1/auth/register`, {
      method: 'POST', localAddress: G, headers: json, body: { username: 'mallory2', password: 'correct horse battery' },
    });
    assert.equal(reg.status, 403);
    assert.equal(reg.json().error, 'BANNED');
    // the viewer still sees everyone else's pixels
    const other = await connect(srv.wsUrl, null, { localAddress: O });
    assert.equal((await other.placeAndWait(3, 3, 9, 'other')).type, 'placed');
    await g.pixel(3, 3, 9);

    const m1 = await connect(srv.wsUrl, mallory.token, { localAddress: G });
    assert.equal(m1.messages[0].user.isBanned, true, 'back as herself, banned');
    admin(srv, '--unban', 'mallory');
    // her socket is sent away to come back as a player
    assert.equal((await m1.closedWith()).code, 1001);
    // the viewer is sent away to come back as a player; a new guest from the address places
    assert.equal((await g.closedWith()).code, 1001);
    const g2 = await connect(srv.wsUrl, null, { localAddress: G });
    assert.equal(g2.messages[0].user.isBanned, false);
    assert.equal((await g2.placeAndWait(4, 4, 5, 'guest-after')).type, 'placed');
    // and the session from before the ban places again
    const m2 = await connect(srv.wsUrl, mallory.token, { localAddress: G });
    assert.equal((await m2.placeAndWait(5, 5, 5, 'mallory-after')).type, 'placed');
    for (const c of [g2, m2, other]) c.close();
  } finally {
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});

test('--ban-ip CIDR: every socket from the block is told and closed, nobody there places or logs in; --unban-ip', async () => {
  const srv = await startServer({ args: ['--cooldown', '0'] });
  try {
    const carol = await register(srv, 'carol', '127.0.0.9');
    const c = await connect(srv.wsUrl, carol.token, { localAddress: '127.0.0.9' });
    const outside = await connect(srv.wsUrl, null, { localAddress: '127.0.0.12' });
    admin(srv, '--ban-ip', '127.0.0.8/30', '--reason', 'school network');
    assert.equal((await c.next('banned')).reason, 'school network');
    assert.equal((await c.closedWith()).code, 4003);
    // a registered player from the block is banned too (an --ban-ip is for everyone)
    const c2 = await connect(srv.wsUrl, carol.token, { localAddress: '127.0.0.10' });
    assert.equal((await c2.placeAndWait(1, 1, 1, 'in-block')).code, 'BANNED');
    const login = await request(`${srv.url}/api/v1/auth/login`, {
      method: 'POST', localAddress: '127.0.0.11', headers: json, body: { username: 'carol', password: 'correct horse battery' },
    });
    assert.equal(login.status, 403);
    // 127.0.0.12 is outside 127.0.0.8/30
    assert.equal(outside.closed, null);
    assert.equal((await outside.placeAndWait(2, 2, 2, 'outside')).type, 'placed');
    const bad = runPlaced(['--data-dir', srv.dataDir, '--ban-ip', '127.0.0.300']);
    assert.notEqual(bad.code, 0);
    admin(srv, '--unban-ip', '127.0.0.8/30');
    // the socket told it was banned is sent away to come back as a player, and places
    assert.equal((await c2.closedWith()).code, 1001);
    const c3 = await connect(srv.wsUrl, carol.token, { localAddress: '127.0.0.10' });
    assert.equal(c3.messages[0].user.isBanned, false);
    assert.equal((await c3.placeAndWait(3, 3, 3, 'after')).type, 'placed');
    const notBanned = runPlaced(['--data-dir', srv.dataDir, '--unban-ip', '127.0.0.8/30']);
    assert.notEqual(notBanned.code, 0);
    assert.match(notBanned.stderr, /not banned/);
    c3.close();
    outside.close();
  } finally {
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});

test('--ban NAME --for: the ban says until when, and ends by itself', async () => {
  const srv = await startServer({ args: ['--cooldown', '0'] });
  try {
    const dave = await register(srv, 'dave', G);
    const before = Date.now();
    admin(srv, '--ban', 'dave', '--for', '2s', '--reason', 'cool off');
    const d = await connect(srv.wsUrl, dave.token, { localAddress: G });
    const u = d.messages[0].user;
    assert.equal(u.isBanned, true);
    assert.equal(u.banReason, 'cool off');
    assert.ok(u.bannedUntil >= before + 1500 && u.bannedUntil <= Date.now() + 2500, `bannedUntil ${u.bannedUntil}`);
    assert.equal((await d.placeAndWait(1, 1, 1, 'during')).code, 'BANNED');
    await new Promise((r) => setTimeout(r, Math.max(0, u.bannedUntil - Date.now()) + 200));
    assert.equal((await d.placeAndWait(2, 2, 2, 'after')).type, 'placed');
    // a guest from the address it used is free again too
    const g = await connect(srv.wsUrl, null, { localAddress: G });
    assert.equal((await g.placeAndWait(3, 3, 3, 'guest')).type, 'placed');
    d.close();
    g.close();
    const bad = runPlaced(['--data-dir', srv.dataDir, '--ban', 'dave', '--for', 'soon']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--for wants a duration/);
  } finally {
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});

test('--ban-id: a decoy account named like the guest\'s id cannot redirect the ban', async () => {
  const srv = await startServer({ args: ['--cooldown', '0'] });
  try {
    const vandal = await connect(srv.wsUrl, null, { localAddress: G });
    const vandalId = vandal.messages[0].user.userId;
    assert.equal((await vandal.placeAndWait(1, 1, 5, 'v')).type, 'placed');
    // the vandal registers a decoy whose name is its own guest id, from another address
    const decoy = await register(srv, vandalId, O);
    assert.notEqual(decoy.userId, vandalId);
    const d = await connect(srv.wsUrl, decoy.token, { localAddress: O });
    admin(srv, '--ban-id', vandalId);
    assert.equal((await vandal.closedWith()).code, 4003, 'the guest with that id is banned');
    assert.equal((await d.placeAndWait(2, 2, 2, 'decoy')).type, 'placed', 'the decoy is not');
    // and the other way round: --ban-id takes ids only, --ban names only
    await register(srv, 'eve', O);
    const idOfName = runPlaced(['--data-dir', srv.dataDir, '--ban-id', 'eve']);
    assert.notEqual(idOfName.code, 0);
    assert.match(idOfName.stderr, /no user with id "eve"/);
    const nameOfId = runPlaced(['--data-dir', srv.dataDir, '--ban', decoy.userId]);
    assert.notEqual(nameOfId.code, 0);
    assert.match(nameOfId.stderr, /no user named/);
    assert.equal((await d.placeAndWait(3, 3, 3, 'decoy2')).type, 'placed');
    d.close();
  } finally {
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});

test('logout closes the session\'s sockets at once; the old token is nobody afterwards', async () => {
  const srv = await startServer({ args: ['--cooldown', '0'] });
  try {
    const erin = await register(srv, 'erin', O);
    const s1 = await connect(srv.wsUrl, erin.token, { localAddress: O });
    const s2 = await connect(srv.wsUrl, erin.token, { localAddress: O });
    const t0 = Date.now();
    const out = await request(`${srv.url}/api/v1/auth/logout`, { method: 'POST', headers: bearer(erin.token), localAddress: O });
    assert.equal(out.status, 200);
    assert.equal((await s1.closedWith(2000)).code, 4001);
    assert.equal((await s2.closedWith(2000)).code, 4001);
    assert.ok(Date.now() - t0 < 2000);
    const after = await connect(srv.wsUrl, erin.token, { localAddress: O });
    assert.notEqual(after.messages[0].user.userId, erin.userId, 'the old token no longer names erin');
    after.close();
  } finally {
    assert.equal((await srv.stop()).code, 0);
    srv.cleanup();
  }
});

test('bans made while the server is stopped hold when it starts', async () => {
  const srv = await startServer({ args: ['--cooldown', '0'] });
  const frank = await register(srv, 'frank', G);
  const f = await connect(srv.wsUrl, frank.token, { localAddress: G });
  assert.equal((await f.placeAndWait(1, 1, 1, 'f')).type, 'placed');
  f.close();
  assert.equal((await srv.stop()).code, 0);
  try {
    assert.match(admin(srv, '--ban', 'FRANK').stdout, /no server running/); // names match whatever their case
    assert.match(admin(srv, '--ban-ip', '127.0.0.5').stdout, /no server running/);
    const s2 = await startServer({ dataDir: srv.dataDir, args: ['--cooldown', '0'] });
    try {
      // frank's address is banned for guests along with him; 127.0.0.5 for everyone
      const g = await connect(s2.wsUrl, null, { localAddress: G });
      assert.equal((await g.placeAndWait(2, 2, 2, 'g')).code, 'BANNED');
      const h = await connect(s2.wsUrl, null, { localAddress: '127.0.0.5' });
      assert.equal((await h.placeAndWait(3, 3, 3, 'h')).code, 'BANNED');
      const o = await connect(s2.wsUrl, null, { localAddress: O });
      assert.equal((await o.placeAndWait(4, 4, 4, 'o')).type, 'placed');
      for (const c of [g, h, o]) c.close();
    } finally {
      assert.equal((await s2.stop()).code, 0);
    }
  } finally {
    srv.cleanup();
  }
});
